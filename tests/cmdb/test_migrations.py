"""Alembic from inside the package: the migrations build exactly the models' schema, on SQLite
and real PostgreSQL, and refuse databases they do not own."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from netcmdb.cmdb.db import (
    SCHEMA_HEAD,
    current_revision,
    ensure_schema,
    head_revision,
    make_engine,
    schema_diff,
    upgrade,
)
from netcmdb.cmdb.models import Base
from netcmdb.errors import CmdbError


def test_migrated_schema_matches_the_models(engine):
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = schema_diff(conn)
    assert diff == []


def test_upgrade_from_nothing_and_again(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no alembic.ini anywhere near the cwd
    eng = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    assert current_revision(eng) is None
    assert upgrade(eng) == (None, head_revision())
    assert upgrade(eng) == (head_revision(), head_revision())
    ensure_schema(eng)  # a no-op now
    with eng.connect() as c:  # a new SQLite file gets the bulk-friendly page size, in WAL mode
        assert c.exec_driver_sql("PRAGMA page_size").scalar() == 16384
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    eng.dispose()


def test_refuses_a_foreign_database_and_a_newer_schema(tmp_path):
    foreign = create_engine(f"sqlite:///{tmp_path / 'f.sqlite'}")
    with foreign.begin() as c:
        c.execute(text("CREATE TABLE ci (x INTEGER)"))
    with pytest.raises(CmdbError, match="no netcmdb schema version"):
        upgrade(foreign)
    adopted = make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")
    Base.metadata.create_all(adopted)  # what a script or another area's test may do
    assert upgrade(adopted) == (None, head_revision())
    assert current_revision(adopted) == head_revision()
    newer = make_engine(f"sqlite:///{tmp_path / 'n.sqlite'}")
    upgrade(newer)
    with newer.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(CmdbError, match="newer than this netcmdb"):
        upgrade(newer)


def test_schema_head_constant_is_alembics_head():
    # ensure_schema's fast path trusts SCHEMA_HEAD; a new migration must bump it.
    assert SCHEMA_HEAD == head_revision()


def _diff_of(diff: list, tables: set[str]) -> list:  # type: ignore[type-arg]
    """The items of an Alembic diff about ``tables`` (later revisions add other tables)."""

    def table_of(item) -> str:  # type: ignore[no-untyped-def]
        if isinstance(item, list):
            return str(item[0][2])
        op, obj = item[0], item[1]
        if op in ("add_table", "remove_table"):
            return str(obj.name)
        if op in ("add_index", "remove_index", "add_constraint", "remove_constraint"):
            return str(obj.table.name)
        return str(item[2])

    return [d for d in diff if table_of(d) in tables]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path):  # type: ignore[no-untyped-def]
    """A URL of an empty database (no schema at all)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.sqlite'}"
        return
    server = request.getfixturevalue("pg_server")
    name = f"netcmdb_mig_{tmp_path.name[-12:].replace('-', '_')}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_0002_carries_identifiers_and_events_over_and_back(empty_url):
    """0001 -> 0002 keeps every identifier and turns per-CI events into id ranges; the
    downgrade gives the per-CI rows back."""
    from alembic import command

    from netcmdb.cmdb.db import alembic_config

    eng = make_engine(empty_url)
    with eng.begin() as c:
        command.upgrade(alembic_config(c), "0001")
    now = "2026-01-01 00:00:00"
    with eng.begin() as c:
        c.execute(
            text(
                "INSERT INTO scan_run (id, targets, methods, started, status, n_seen, "
                "n_new, n_changed, n_missing, n_failed, errors) VALUES "
                "(1, '[]', '[]', :t, 'ok', 0, 0, 0, 0, 0, '[]'), "
                "(2, '[]', '[]', :t, 'ok', 0, 0, 0, 0, 0, '[]')"
            ),
            {"t": now},
        )
        for i in (1, 2, 3, 4, 5, 7):
            c.execute(
                text(
                    "INSERT INTO ci (id, name, class, status, missed_runs, attr_sources,"
                    " first_seen, last_seen) VALUES (:i, :n, 'pc', 'active', 0, '{}', :t,"
                    " :t)"
                ),
                {"i": i, "n": f"pc-{i}", "t": now},
            )
            c.execute(
                text(
                    "INSERT INTO identifier (ci_id, kind, value) VALUES "
                    "(:i, 'hostname', :n), (:i, 'ip', :ip)"
                ),
                {"i": i, "n": f"pc-{i}", "ip": f"10.0.0.{i}"},
            )
        events = [
            (1, 1, "new"),
            (1, 2, "new"),
            (1, 3, "new"),
            (2, 1, "seen"),
            (2, 2, "seen"),
            (2, 3, "changed"),
            (2, 4, "seen"),
            (2, 5, "seen"),
            (2, 7, "missing"),
        ]
        for run_id, ci_id, ev in events:
            c.execute(
                text("INSERT INTO run_event (run_id, ci_id, event) VALUES (:r, :c, :e)"),
                {"r": run_id, "c": ci_id, "e": ev},
            )
    with eng.begin() as c:
        command.upgrade(alembic_config(c), "0002")
    assert current_revision(eng) == "0002"
    with eng.connect() as c:
        ranges = c.execute(
            text(
                "SELECT run_id, first_ci_id, last_ci_id, event FROM run_event "
                "ORDER BY run_id, first_ci_id"
            )
        ).all()
        ids = c.execute(
            text("SELECT kind, value, ci_id FROM identifier ORDER BY ci_id, kind")
        ).all()
        diff = _diff_of(schema_diff(c), {"identifier", "run_event"})  # what 0002 changed
    assert [tuple(r) for r in ranges] == [
        (1, 1, 3, "new"),
        (2, 1, 2, "seen"),
        (2, 3, 3, "changed"),
        (2, 4, 5, "seen"),
        (2, 7, 7, "missing"),
    ]
    assert [tuple(r) for r in ids] == [
        (k, v, i)
        for i in (1, 2, 3, 4, 5, 7)
        for k, v in (("hostname", f"pc-{i}"), ("ip", f"10.0.0.{i}"))
    ]
    assert diff == []
    with eng.begin() as c:
        command.downgrade(alembic_config(c), "0001")
    with eng.connect() as c:
        back = c.execute(
            text("SELECT run_id, ci_id, event FROM run_event ORDER BY run_id, ci_id")
        ).all()
    assert [tuple(r) for r in back] == events
    eng.dispose()


def _check_defs(conn, dialect: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each enum CHECK constraint's definition as the database holds it, by name."""
    names = (
        "ck_ci_ci_class",
        "ck_ci_ci_status",
        "ck_identifier_id_kind",
        "ck_relationship_rel_kind",
        "ck_scan_run_run_status",
        "ck_run_event_run_event_kind",
    )
    if dialect == "sqlite":
        import re

        sql = " ".join(
            s for (s,) in conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'table'"))
        )
        return {
            n: m.group(1)
            for n in names
            if (m := re.search(rf"CONSTRAINT {n} CHECK \((.*?)\)(?:,|\s*\))", sql))
        }
    rows = conn.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = ANY(:n)"
        ),
        {"n": list(names)},
    ).all()
    return dict(rows)


def test_0003_enum_checks_become_or_chains_and_still_reject_bad_values(empty_url):
    """0002 -> 0003 rewrites the six enum checks without IN lists (no per-row temporary
    b-tree on SQLite), keeps the rows, still rejects a bad value; the downgrade restores them."""
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    from netcmdb.cmdb.db import alembic_config

    eng = make_engine(empty_url)
    dialect = eng.dialect.name
    with eng.begin() as c:
        command.upgrade(alembic_config(c), "0002")
        c.execute(
            text(
                "INSERT INTO ci (id, name, class, status, missed_runs, attr_sources, "
                "first_seen, last_seen) VALUES (1, 'sw-1', 'switch', 'active', 0, '{}', "
                "'2026-01-01', '2026-01-01')"
            )
        )
        c.execute(text("INSERT INTO identifier (kind, value, ci_id) VALUES ('ip', '10.0.0.1', 1)"))
        before = _check_defs(c, dialect)
    assert len(before) == 6
    assert all(("IN (" in d) if dialect == "sqlite" else ("ANY" in d) for d in before.values())

    upgrade(eng)
    assert current_revision(eng) == head_revision()  # through 0003 (and later ones)
    with eng.connect() as c:
        after = _check_defs(c, dialect)
        assert c.execute(text("SELECT name FROM ci")).scalars().all() == ["sw-1"]
        assert c.execute(text("SELECT ci_id FROM identifier")).scalars().all() == [1]
        diff = schema_diff(c)
        if dialect == "sqlite":
            assert c.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            # what the rewrite is for: writing a row builds no temporary b-tree any more
            for table, values in (
                ("ci", "(2, 'x', 'pc', 'active', 0, '{}', 'a', 'a')"),
                ("identifier", "('mac', '02:00:00:00:00:01', 1)"),
            ):
                cols = (
                    "(id, name, class, status, missed_runs, attr_sources, first_seen, last_seen)"
                    if table == "ci"
                    else "(kind, value, ci_id)"
                )
                ops = c.execute(text(f"EXPLAIN INSERT INTO {table} {cols} VALUES {values}"))
                assert "OpenEphemeral" not in {r[1] for r in ops}, table
    assert diff == []
    assert set(after) == set(before)
    assert all(" OR " in d and "IN (" not in d and "ANY" not in d for d in after.values())
    for bad in (
        "INSERT INTO ci (id, name, class, status, missed_runs, attr_sources, first_seen, "
        "last_seen) VALUES (3, 'x', 'toaster', 'active', 0, '{}', '2026-01-01', "
        "'2026-01-01')",
        "UPDATE ci SET status = 'gone' WHERE id = 1",
        "INSERT INTO identifier (kind, value, ci_id) VALUES ('imei', '1', 1)",
    ):
        with pytest.raises(IntegrityError), eng.begin() as c:
            c.execute(text(bad))
    with eng.begin() as c:  # every allowed value is still allowed
        for cls in ("router", "other", "cluster"):  # first, last, one in between
            c.execute(text("UPDATE ci SET class = :c WHERE id = 1"), {"c": cls})
        c.execute(text("UPDATE ci SET status = 'retired' WHERE id = 1"))
        c.execute(
            text(
                "INSERT INTO identifier (kind, value, ci_id) VALUES "
                "('serial', 'S1', 1), ('mac', '02:00:00:00:00:02', 1), "
                "('hostname', 'h', 1)"
            )
        )

    with eng.begin() as c:
        command.downgrade(alembic_config(c), "0002")
    eng.dispose()
    with eng.connect() as c:
        assert _check_defs(c, dialect) == before
    with pytest.raises(IntegrityError), eng.begin() as c:
        c.execute(text("UPDATE ci SET class = 'toaster' WHERE id = 1"))
    eng.dispose()


def test_models_enum_checks_build_no_temporary_btree_per_row(tmp_path):
    """Every table with an enum column: an INSERT's program opens no ephemeral table (an
    ``Enum(create_constraint=True)`` would bring the per-row IN-list b-tree back) and a value
    outside the enum is still refused."""
    from sqlalchemy.exc import IntegrityError

    eng = create_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    Base.metadata.create_all(eng)
    checked = {
        "ci": ("class", "status"),
        "identifier": ("kind",),
        "relationship": ("kind",),
        "scan_run": ("status",),
        "run_event": ("event",),
    }
    with eng.connect() as c:
        for table, enum_cols in checked.items():
            cols = [col for col in Base.metadata.tables[table].columns]
            names = ", ".join(col.name for col in cols)
            marks = ", ".join("NULL" for _ in cols)  # compiled, never run
            ops = {
                r[1]
                for r in c.exec_driver_sql(
                    f"EXPLAIN INSERT INTO {table} ({names}) VALUES ({marks})"
                )
            }
            assert "OpenEphemeral" not in ops, table
            ddl = c.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = ?", (table,)
            ).scalar()
            for col in enum_cols:
                assert f"{col} IN (" not in ddl and f"{col} = '" in ddl, (table, col)
    with pytest.raises(IntegrityError), eng.begin() as c:
        c.exec_driver_sql(
            "INSERT INTO scan_run (targets, methods, started, status, n_seen, "
            "n_new, n_changed, n_missing, n_failed, errors) VALUES "
            "('[]', '[]', '2026-01-01', 'exploded', 0, 0, 0, 0, 0, '[]')"
        )
    eng.dispose()


def test_0004_adds_journal_lifecycle_departments_asset_codes_and_back(empty_url):
    """0003 -> 0004 keeps the CIs, adds notes / buildings / lifecycle / asset codes with their
    constraints (and pg_trgm indexes on PostgreSQL), leaves 0003's checks alone (no SQLite table
    rebuild); the downgrade removes them again and keeps the rows."""
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    from netcmdb.cmdb.db import alembic_config

    eng = make_engine(empty_url)
    dialect = eng.dialect.name
    with eng.begin() as c:
        command.upgrade(alembic_config(c), "0003")
        for i in (1, 2):
            c.execute(
                text(
                    "INSERT INTO ci (id, name, class, status, missed_runs, attr_sources, "
                    "first_seen, last_seen) VALUES (:i, :n, 'pc', 'active', 0, '{}', "
                    "'2026-01-01', '2026-01-01')"
                ),
                {"i": i, "n": f"pc-{i}"},
            )
        checks_0003 = _check_defs(c, dialect)
    upgrade(eng)
    assert current_revision(eng) == head_revision()  # through 0004 (and later ones)
    with eng.connect() as c:
        assert schema_diff(c) == []
        assert _check_defs(c, dialect) == checks_0003
        assert (
            c.execute(
                text("SELECT count(*) FROM ci WHERE lifecycle IS NULL AND asset_code IS NULL")
            ).scalar()
            == 2
        )
        if dialect == "postgresql":
            idx = set(
                c.execute(
                    text("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_trgm_%'")
                ).scalars()
            )
            assert idx == {"ix_trgm_note_text", "ix_trgm_ci_document"}
    with eng.begin() as c:
        c.execute(
            text(
                "UPDATE ci SET lifecycle = 'retired', lifecycle_date = '2026-11-30', "
                "asset_code = 'HOSP-PC-D010210-001', department = '信息科' WHERE id = 1"
            )
        )
        c.execute(
            text("INSERT INTO building (code, name, department) VALUES ('D01', '门诊楼', '信息科')")
        )
        c.execute(text("UPDATE location SET department = 'x' WHERE 1 = 0"))
        c.execute(
            text(
                "INSERT INTO note (ci_id, ci_name, kind, text, author, at) VALUES "
                "(1, 'pc-1', 'fault', '硬盘坏了', '张三', '2026-12-01 08:00:00')"
            )
        )
    for bad in (
        "UPDATE ci SET lifecycle = 'lost' WHERE id = 2",
        "UPDATE ci SET asset_code = 'HOSP-PC-D010210-001' WHERE id = 2",
        "INSERT INTO note (ci_id, ci_name, kind, text, at) VALUES "
        "(2, 'pc-2', 'rumour', 'x', '2026-12-01')",
        "INSERT INTO building (code) VALUES ('D01')",
    ):
        with pytest.raises(IntegrityError), eng.begin() as c:
            c.execute(text(bad))
    with eng.begin() as c:  # a CI's deletion leaves its notes (ci_id NULL, the name kept)
        c.execute(text("DELETE FROM ci WHERE id = 1"))
    with eng.connect() as c:
        assert c.execute(text("SELECT ci_id, ci_name, text FROM note")).one() == (
            None,
            "pc-1",
            "硬盘坏了",
        )
    with eng.begin() as c:
        command.downgrade(alembic_config(c), "0003")
    eng.dispose()
    with eng.connect() as c:
        assert current_revision(eng) == "0003"
        tables = set(
            c.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    if dialect == "sqlite"
                    else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                )
            ).scalars()
        )
        assert {"note", "building"}.isdisjoint(tables)
        assert c.execute(text("SELECT name FROM ci")).scalars().all() == ["pc-2"]
        assert _check_defs(c, dialect) == checks_0003
    eng.dispose()
