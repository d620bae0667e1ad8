"""enum CHECK constraints written as OR chains instead of IN lists

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 09:00:00

Why: inside a CHECK constraint SQLite builds a temporary b-tree for an ``IN (...)`` list again
for every row it writes (the "once per statement" shortcut does not apply there). Four such
checks sat on the busiest tables: 100k new CIs and 400k identifiers paid for 900k temporary
b-trees, a quarter of a first ingest's instructions. ``col = 'a' OR col = 'b' ...`` accepts
exactly the same values and costs a few comparisons.

On SQLite only the constraint text in ``sqlite_master`` changes, by the procedure SQLite
documents for changes that leave the stored rows valid ("Making Other Kinds Of Table Schema
Changes": ``writable_schema``, then a new ``schema_version``); every row already satisfies the
new check because it is the same check. Each new table definition is first compiled as a TEMP
table, so a typo can never leave an unreadable schema behind. Where ``writable_schema`` is
disabled (a SQLite built in defensive mode), the old, equivalent checks stay and a warning says
so. PostgreSQL drops and re-adds the named constraints.
"""

import logging
import re
from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("netcmdb.migrations")

#: (table, constraint, column, allowed values): frozen here, as the migration must not change
#: when the models do
_CHECKS = [
    (
        "ci",
        "ck_ci_ci_class",
        "class",
        (
            "router",
            "switch",
            "firewall",
            "ap",
            "server",
            "pc",
            "printer",
            "phone",
            "ups",
            "service",
            "cluster",
            "other",
        ),
    ),
    ("ci", "ck_ci_ci_status", "status", ("active", "missing", "retired")),
    (
        "relationship",
        "ck_relationship_rel_kind",
        "kind",
        ("connected_to", "depends_on", "member_of"),
    ),
    ("identifier", "ck_identifier_id_kind", "kind", ("serial", "mac", "ip", "hostname")),
    ("scan_run", "ck_scan_run_run_status", "status", ("running", "ok", "partial", "failed")),
    ("run_event", "ck_run_event_run_event_kind", "event", ("new", "changed", "seen", "missing")),
]


def _in_list(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _or_chain(column: str, values: Sequence[str]) -> str:
    return " OR ".join(f"{column} = '{v}'" for v in values)


def _forms(to_or: bool) -> list[tuple[str, str, str, str]]:
    """(table, constraint, current text, wanted text) for each check."""
    out = []
    for table, name, column, values in _CHECKS:
        a, b = _in_list(column, values), _or_chain(column, values)
        out.append((table, name, *((a, b) if to_or else (b, a))))
    return out


def _sqlite(to_or: bool) -> None:
    conn = op.get_bind()
    new_sql: dict[str, str] = {}
    for table, name, old, new in _forms(to_or):
        sql = (
            new_sql.get(table)
            or conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).scalar()
        )
        old_ck, new_ck = f"CONSTRAINT {name} CHECK ({old})", f"CONSTRAINT {name} CHECK ({new})"
        if sql is None or (new_ck in sql and old_ck not in sql):
            continue  # no such table, or already in the wanted form (made by create_all)
        if sql.count(old_ck) != 1:
            raise RuntimeError(
                f"migration 0003: table {table!r} has an unexpected definition "
                f"of {name}; the database was not changed"
            )
        new_sql[table] = sql.replace(old_ck, new_ck)
    if not new_sql:
        return
    for table, sql in new_sql.items():  # compile each new definition before installing it
        probe = re.sub(rf'^CREATE TABLE "?{table}"? ', "CREATE TEMP TABLE _nc_0003_probe ", sql)
        if probe == sql:
            raise RuntimeError(f"migration 0003: cannot parse the definition of {table!r}")
        conn.exec_driver_sql(probe)
        conn.exec_driver_sql("DROP TABLE temp._nc_0003_probe")
    version = int(conn.exec_driver_sql("PRAGMA schema_version").scalar_one())
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        for table, sql in new_sql.items():
            conn.exec_driver_sql(
                "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table)
            )
    except Exception as exc:  # noqa: BLE001 - defensive-mode SQLite refuses; checks unchanged
        log.warning(
            "SQLite refused to rewrite the CHECK constraints (%s); the equivalent, "
            "slower IN-list checks stay",
            exc,
        )
        conn.exec_driver_sql("PRAGMA writable_schema = OFF")
        return
    conn.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def _postgresql(to_or: bool) -> None:
    for table, name, _old, new in _forms(to_or):
        op.drop_constraint(op.f(name), table, type_="check")
        op.create_check_constraint(op.f(name), table, new)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite(to_or=True)
    else:
        _postgresql(to_or=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite(to_or=False)
    else:
        _postgresql(to_or=False)
