"""Engines and sessions. SQLite by default (in the platformdirs user data dir), any SQLAlchemy URL
via ``--db`` / ``NETCMDB_DB``. Sessions are scoped by the caller: one ``session_scope`` is one
transaction, so an import or a scan either lands whole or not at all.
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import platformdirs
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from netcmdb.errors import DatabaseError, DatabaseLocked, NetcmdbError


def default_url() -> str:
    """``NETCMDB_DB`` if set, else ``sqlite:///<user data dir>/netcmdb.sqlite``."""
    env = os.environ.get("NETCMDB_DB")
    if env:
        return env
    data = Path(platformdirs.user_data_dir("netcmdb"))
    data.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data / 'netcmdb.sqlite'}"


#: How long a writer waits for another writer's lock before giving up (seconds); override with
#: ``NETCMDB_LOCK_TIMEOUT`` or ``[database] lock_timeout``.
DEFAULT_LOCK_TIMEOUT = 30.0
#: After this many seconds of waiting for the SQLite write lock a warning says so (once).
LOCK_NOTICE_AFTER = 2.0

log = logging.getLogger(__name__)


def lock_timeout_from(value: object = None) -> float:
    """The lock wait in seconds: ``value`` (config) if given, else ``NETCMDB_LOCK_TIMEOUT``,
    else :data:`DEFAULT_LOCK_TIMEOUT`.

    Raises:
        DatabaseError: not a number >= 0 (names where it came from).
    """
    where = "[database] lock_timeout"
    if value is None:
        value = os.environ.get("NETCMDB_LOCK_TIMEOUT")
        where = "NETCMDB_LOCK_TIMEOUT"
    if value is None or value == "":
        return DEFAULT_LOCK_TIMEOUT
    try:
        if isinstance(value, bool):
            raise ValueError
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DatabaseError(
            "{where} must be a number of seconds, got {value!r}", where=where, value=value
        ) from None
    if not math.isfinite(out) or out < 0 or out > 86400:
        raise DatabaseError(
            "{where} must be between 0 and 86400 seconds, got {value!r}", where=where, value=value
        )
    return out


def parse_url(url: str | None) -> URL:
    """The URL to use: ``url``, or the default when it is None (never when it is empty).

    Raises:
        DatabaseError: empty, unparsable, or an unknown kind of database.
    """
    if url is None:
        url = default_url()
    if not isinstance(url, str) or not url.strip():
        raise DatabaseError(
            "the database URL is empty; give one, e.g. --db sqlite:///path/cmdb.sqlite"
        )
    try:
        parsed = make_url(url.strip())
    except (ArgumentError, ValueError) as exc:
        raise DatabaseError(
            (
                "cannot parse the database URL {shown_raw!r}: {first_line} (expected e.g. "
                "sqlite:///path/cmdb.sqlite or postgresql+psycopg://user@host/db)"
            ),
            shown_raw=_shown_raw(url),
            first_line=_first_line(exc),
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(
            (
                "unsupported database {backend!r} in {shown_url} (netcmdb supports "
                "sqlite and postgresql)"
            ),
            backend=parsed.get_backend_name(),
            shown_url=_shown_url(parsed),
        )
    if parsed.drivername == "postgresql":
        # the libpq spelling every admin knows: psycopg (3) is the driver we ship, while
        # SQLAlchemy's default for a bare postgresql:// is psycopg2, which we do not install
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_path(parsed)
    return parsed


def _shown_url(url: URL) -> str:
    """A SQLAlchemy URL as shown to people: no password, in the user part or the query."""
    return _shown_raw(url.render_as_string(hide_password=True))


def _shown_raw(url: str) -> str:
    from netcmdb.safety import hide_url_password

    return hide_url_password(url)  # never echo a password: user:secret@ -> user:***@


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0].strip()


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL (None for in-memory databases)."""
    db = url.database
    if (
        not db
        or db == ":memory:"
        or db.startswith("file::memory:")
        or url.query.get("mode") == "memory"
    ):
        return None
    if db.startswith("file:") and url.query.get("uri") in ("true", "1"):
        db = db[len("file:") :]
    return Path(db)


def _check_sqlite_path(url: URL) -> None:
    path = sqlite_path(url)
    if path is None:
        return
    if path.is_dir():
        raise DatabaseError("{path} is a directory, not a SQLite file", path=path)
    parent = path.parent
    if not path.exists() and not parent.is_dir():
        raise DatabaseError("{path}: directory {parent} does not exist", path=path, parent=parent)


def make_engine(url: str | None = None, *, lock_timeout: float | None = None) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and enforced foreign keys.

    Every database error of the engine's connections goes through :func:`_translate` (the one
    place that turns driver errors into netcmdb's one-line :class:`DatabaseError`).

    Args:
        url: SQLAlchemy URL; None means the default (``NETCMDB_DB`` or the user data dir). An
            empty string is an error, never the default.
        lock_timeout: seconds a writer waits for another writer (default
            :func:`lock_timeout_from`).

    Raises:
        DatabaseError: bad URL, missing directory, a directory, missing driver.
    """
    parsed = parse_url(url)
    wait = lock_timeout_from() if lock_timeout is None else float(lock_timeout)
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(parsed, connect_args={"timeout": wait})
        else:
            engine = create_engine(
                parsed,
                pool_pre_ping=True,
                connect_args={
                    "options": f"-c lock_timeout={int(wait * 1000)}",
                    "connect_timeout": 10,
                },
            )
    except NoSuchModuleError:
        raise DatabaseError(
            "unknown database driver {drivername!r} (use sqlite:/// or postgresql+psycopg://)",
            drivername=parsed.drivername,
        ) from None
    except ImportError as exc:
        raise DatabaseError(
            (
                "the database driver for {drivername} is not installed ({name}); pip install "
                "'netcmdb[postgres]'"
            ),
            drivername=parsed.drivername,
            name=exc.name or exc,
        ) from None
    where = _shown_url(parsed)

    @event.listens_for(engine, "handle_error")
    def _handle_error(ctx):  # type: ignore[no-untyped-def]
        return _translate(
            ctx.original_exception, ctx.sqlalchemy_exception, where, wait, parsed.get_backend_name()
        )

    if parsed.get_backend_name() == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout={int(wait * 1000)}")
            # a file holding someone else's tables is left exactly as it is (no WAL switch):
            # ensure_schema then refuses it
            tables, ours = cur.execute(
                "SELECT count(*), coalesce(sum(name IN ('ci', 'alembic_version')), 0) "
                "FROM sqlite_master WHERE type = 'table'"
            ).fetchone()
            if tables == 0 or ours:
                # a new database gets 16 KiB pages (no effect on an existing one; must precede
                # WAL): bulk reconciles of 100k CIs / 400k identifiers measured 10-20% faster
                cur.execute("PRAGMA page_size=16384")
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            # big random-order index inserts (identifiers) need more than the 2 MB default cache
            cur.execute("PRAGMA cache_size=-65536")
            cur.execute("PRAGMA temp_store=MEMORY")
            # from here SQLite waits in slices; _patient() retries and says that it waits
            cur.execute(f"PRAGMA busy_timeout={int(min(wait, LOCK_NOTICE_AFTER) * 1000)}")
            cur.close()

        def _patient(cursor, run):  # type: ignore[no-untyped-def]
            """Run a statement; while another writer holds the lock, wait in slices up to
            ``wait`` seconds, saying once that we wait. Only a transaction's first statement
            can be retried (nothing of ours is lost by rolling back a failed lock attempt)."""
            raw = cursor.connection
            if raw.in_transaction:
                run()
                return True
            start = time.monotonic()
            noticed = False
            while True:
                try:
                    run()
                    return True
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc).lower() or time.monotonic() - start >= wait:
                        raise
                    if not noticed:
                        _lock_notice(where, wait)
                        noticed = True
                    if raw.in_transaction:
                        raw.rollback()

        @event.listens_for(engine, "do_execute")
        def _do_execute(cursor, statement, parameters, _context):  # type: ignore[no-untyped-def]
            return _patient(cursor, lambda: cursor.execute(statement, parameters))

        @event.listens_for(engine, "do_execute_no_params")
        def _do_execute_np(cursor, statement, _context):  # type: ignore[no-untyped-def]
            return _patient(cursor, lambda: cursor.execute(statement))

        @event.listens_for(engine, "do_executemany")
        def _do_executemany(cursor, statement, params, _ctx):  # type: ignore[no-untyped-def]
            return _patient(cursor, lambda: cursor.executemany(statement, params))

    else:

        def _pg_check(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # before SQLAlchemy's own first queries: a SQL_ASCII database returns bytes
            cur = dbapi_conn.cursor()
            cur.execute("SHOW server_encoding")
            enc = cur.fetchone()[0]
            cur.close()
            enc = enc.decode("ascii", "replace") if isinstance(enc, bytes) else str(enc)
            if enc.upper().replace("-", "") != "UTF8":
                raise DatabaseError(
                    (
                        "{where}: the database encoding is {enc}; netcmdb needs UTF8 (create it "
                        "with "
                        "CREATE DATABASE ... ENCODING 'UTF8' TEMPLATE template0)"
                    ),
                    where=where,
                    enc=enc,
                )

        event.listen(engine, "first_connect", _pg_check, insert=True)

    return engine


def _lock_notice(where: str, wait: float) -> None:
    log.warning(
        "waiting for the CMDB write lock of %s (another netcmdb is writing); giving up "
        "after %g s (NETCMDB_LOCK_TIMEOUT / [database] lock_timeout)",
        where,
        wait,
    )


_SQLITE_MESSAGES = (
    ("database is locked", "locked"),
    ("database table is locked", "locked"),
    ("database disk image is malformed", "corrupt"),
    ("file is not a database", "notdb"),
    ("file is encrypted or is not a database", "notdb"),
    ("unable to open database file", "open"),
    ("attempt to write a readonly database", "readonly"),
    ("readonly database", "readonly"),
    ("disk i/o error", "io"),
    ("database or disk is full", "full"),
)


def _translate(
    orig: BaseException | None, wrapped: BaseException | None, where: str, wait: float, backend: str
) -> BaseException | None:
    """The one place that turns a driver's error into a :class:`DatabaseError` (or returns None
    to leave it alone: constraint violations and the like are the caller's to handle)."""
    if isinstance(orig, DatabaseError):
        return orig
    if orig is None:
        return None
    text = _first_line(orig)
    low = text.lower()
    if backend == "sqlite":
        kind = next((k for m, k in _SQLITE_MESSAGES if m in low), None)
        if kind == "locked":
            return DatabaseLocked(
                (
                    "{where}: another writer held the CMDB lock for more than {wait:g} s; try "
                    "again later (the wait is set by NETCMDB_LOCK_TIMEOUT or [database] "
                    "lock_timeout)"
                ),
                where=where,
                wait=wait,
            )
        if kind in ("corrupt", "notdb"):
            return DatabaseError(
                (
                    "{where} is not a usable SQLite database ({text}); point --db at a netcmdb "
                    "CMDB or restore one from a backup"
                ),
                where=where,
                text=text,
            )
        if kind == "open":
            return DatabaseError(
                (
                    "{where}: cannot open the SQLite file ({text}); check the path and that its "
                    "directory is writable"
                ),
                where=where,
                text=text,
            )
        if kind == "readonly":
            return DatabaseError(
                (
                    "{where} is read-only ({text}); netcmdb needs write access to the file and its "
                    "directory (for the -wal and -shm files)"
                ),
                where=where,
                text=text,
            )
        if kind in ("io", "full"):
            return DatabaseError("{where}: {text}", where=where, text=text)
        return None
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or ""
    if code == "55P03":  # lock_not_available
        return DatabaseLocked(
            (
                "{where}: another writer held a CMDB lock for more than {wait:g} s; try again "
                "later (NETCMDB_LOCK_TIMEOUT or [database] lock_timeout)"
            ),
            where=where,
            wait=wait,
        )
    if code == "22001":  # string_data_right_truncation: validation should have caught it
        return DatabaseError(
            "{where}: a value is longer than its column ({text})", where=where, text=text
        )
    if (
        code.startswith("08")
        or code == "3D000"
        or code == "28000"
        or code == "28P01"
        or (not code and type(orig).__name__ == "OperationalError")
    ):
        return DatabaseError("{where}: cannot connect ({text})", where=where, text=text)
    if code.startswith("57P"):  # server shutting down / admin shutdown
        return DatabaseError("{where}: the server went away ({text})", where=where, text=text)
    return None


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
SCHEMA_HEAD = "0009"


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
    """The schema revision of the database (None when it has no netcmdb schema yet).

    Raises:
        DatabaseError: ``alembic_version`` holds more than one row.
    """
    with engine.connect() as conn:
        return _revision(conn)


def _revision(conn: Connection) -> str | None:
    from sqlalchemy import inspect, text

    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    rows = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
    if len(rows) > 1:
        raise DatabaseError(
            (
                "{shown_url}: alembic_version holds {n_rows} rows ({rows}); a netcmdb CMDB has "
                "exactly one (delete the wrong rows, or restore the CMDB from a backup)"
            ),
            shown_url=_shown_url(conn.engine.url),
            n_rows=len(rows),
            rows=", ".join(map(str, rows)),
        )
    return str(rows[0]) if rows else None


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


@contextmanager
def _schema_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction for a whole schema change, holding the write lock from the start.

    Python's sqlite3 (before 3.12) runs DDL outside any transaction, statement by statement, so a
    kill during the first creation could leave half a schema. On SQLite we open the transaction
    ourselves (``BEGIN IMMEDIATE``: DDL then stays inside it, and a second process creating the
    same file waits, then finds the schema done); PostgreSQL's DDL is transactional anyway.
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


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

    head = head_revision()
    where = _shown_url(engine.url)
    with _schema_transaction(engine) as conn:
        before = _revision(conn)
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
                raise CmdbError(
                    (
                        "the database schema ({before}) is newer than this netcmdb ({head}); "
                        "upgrade "
                        "netcmdb"
                    ),
                    before=before,
                    head=head,
                )
        else:
            tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
            if "ci" in tables:
                # made by Base.metadata.create_all (tests, scripts): adopt it if exactly ours
                if schema_diff(conn):
                    raise CmdbError(
                        "the database has a 'ci' table but no netcmdb schema "
                        "version and a different schema; point --db at an empty "
                        "database"
                    )
                command.stamp(alembic_config(conn), "head")
                return before, head
            if tables:
                shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
                raise DatabaseError(
                    (
                        "{where} holds tables netcmdb did not create ({shown}); point --db at a "
                        "netcmdb CMDB or an empty database"
                    ),
                    where=where,
                    shown=shown,
                )
        command.upgrade(alembic_config(conn), "head")
    if engine.dialect.name == "sqlite":
        # a migration may rewrite table definitions in sqlite_master (0003): the connection
        # that did it keeps its parsed copy of the old ones, so start from fresh connections
        engine.dispose()
    return before, head


def ensure_schema(engine: Engine) -> None:
    """Upgrade when the schema is missing or old (every CLI command calls this once).

    Never touches a database holding tables netcmdb did not create. Two processes racing to
    create a fresh schema is harmless: the second waits for the first, then finds it done.

    Raises:
        DatabaseError: the database is unusable (see :func:`make_engine`), foreign, or its
            ``alembic_version`` is damaged.
    """
    if _stored_revision(engine) == SCHEMA_HEAD:
        return  # the common case, without importing Alembic (about 0.3 s per command)
    try:
        upgrade(engine)
    except NetcmdbError:
        raise
    except Exception:
        if _stored_revision(engine) != head_revision():
            raise
