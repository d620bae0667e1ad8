"""Engines and sessions. SQLite by default (in the platformdirs user data dir), any SQLAlchemy URL
via ``--db`` / ``NETCMDB_DB``. Sessions are scoped by the caller: one ``session_scope`` is one
transaction, so an import or a scan either lands whole or not at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def default_url() -> str:
    """``NETCMDB_DB`` if set, else ``sqlite:///<user data dir>/netcmdb.sqlite``."""
    env = os.environ.get("NETCMDB_DB")
    if env:
        return env
    data = Path(platformdirs.user_data_dir("netcmdb"))
    data.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data / 'netcmdb.sqlite'}"


def make_engine(url: str | None = None) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and enforced foreign keys."""
    url = url or default_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            # a new database gets 16 KiB pages (no effect on an existing one; must precede WAL):
            # bulk reconciles of 100k CIs / 400k identifiers measured 10-20% faster than 4 KiB
            cur.execute("PRAGMA page_size=16384")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            # big random-order index inserts (identifiers) need more than the 2 MB default cache
            cur.execute("PRAGMA cache_size=-65536")
            cur.execute("PRAGMA temp_store=MEMORY")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any exception."""
    factory = sessionmaker(engine, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# ---- schema migrations (Alembic, run from inside the package) ----

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

#: The newest revision in ``migrations/versions`` (a test keeps it equal to Alembic's head).
#: Lets every command check an up-to-date schema with one SELECT instead of importing Alembic.
SCHEMA_HEAD = "0004"


def alembic_config(connection=None):  # type: ignore[no-untyped-def]
    """An Alembic ``Config`` pointing at the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    """The newest migration shipped with this netcmdb."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The schema revision of the database (None when it has no netcmdb schema yet)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


#: Database objects that are not in the models on purpose: SQLite's FTS5 search tables
#: (``search_*``, made by :mod:`netcmdb.cmdb.search`) and PostgreSQL's pg_trgm indexes
#: (``ix_trgm_*``, made by migration 0004; SQLAlchemy cannot declare an opclass expression).
UNMODELLED_PREFIXES = ("search_", "ix_trgm_")


def _modelled(name: str | None, type_: str, _parent: object) -> bool:
    return not (name or "").startswith(UNMODELLED_PREFIXES)


def schema_diff(conn) -> list:  # type: ignore[no-untyped-def,type-arg]
    """Alembic's differences between the database and the models (empty: the same schema),
    ignoring the objects in :data:`UNMODELLED_PREFIXES`."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from netcmdb.cmdb.models import Base

    ctx = MigrationContext.configure(conn, opts={"include_name": _modelled})
    return list(compare_metadata(ctx, Base.metadata))


def _stored_revision(engine: Engine) -> str | None:
    """``alembic_version.version_num`` read with plain SQL; None when there is none."""
    from sqlalchemy import exc, text

    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except exc.DBAPIError:
        return None
    return rows[0][0] if len(rows) == 1 else None


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Create or upgrade the schema to the newest revision, in one transaction.

    Returns:
        ``(revision before, revision after)``.

    Raises:
        CmdbError: the database holds tables netcmdb did not create, or is newer than this
            netcmdb (downgrade the database or upgrade netcmdb).
    """
    from alembic import command
    from sqlalchemy import inspect

    from netcmdb.errors import CmdbError

    before = current_revision(engine)
    head = head_revision()
    if before == head:
        return before, head
    if before is not None:
        from alembic.script import ScriptDirectory

        from alembic.util import CommandError

        script = ScriptDirectory.from_config(alembic_config())
        try:
            known = script.get_revision(before) is not None
        except CommandError:
            known = False
        if not known:
            raise CmdbError(f"the database schema ({before}) is newer than this netcmdb "
                            f"({head}); upgrade netcmdb")
    elif "ci" in inspect(engine).get_table_names():
        # made by Base.metadata.create_all (tests, scripts): adopt it if it is exactly ours
        with engine.connect() as conn:
            diff = schema_diff(conn)
        if diff:
            raise CmdbError("the database has a 'ci' table but no netcmdb schema version and "
                            "a different schema; point --db at an empty database")
        with engine.begin() as conn:
            command.stamp(alembic_config(conn), "head")
        return before, head
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    if engine.dialect.name == "sqlite":
        # a migration may rewrite table definitions in sqlite_master (0003): the connection
        # that did it keeps its parsed copy of the old ones, so start from fresh connections
        engine.dispose()
    return before, head


def ensure_schema(engine: Engine) -> None:
    """Upgrade when the schema is missing or old (every CLI command calls this once).

    Two processes racing to create a fresh SQLite schema is harmless: the loser re-checks.
    """
    if _stored_revision(engine) == SCHEMA_HEAD:
        return  # the common case, without importing Alembic (about 0.3 s per command)
    if current_revision(engine) == head_revision():
        return
    try:
        upgrade(engine)
    except Exception:
        if current_revision(engine) != head_revision():
            raise
