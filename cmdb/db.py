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
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
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
