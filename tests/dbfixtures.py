"""Database fixtures shared by every suite (registered in ``tests/conftest.py``): every
engine-using test runs on SQLite and on a real, throwaway PostgreSQL.

The PostgreSQL cluster is Debian's (``/usr/lib/postgresql/<v>/bin``), created with ``initdb`` in a
temp dir as user ``postgres`` (via ``runuser`` when we are root), listening on 127.0.0.1 and a
free port, and removed at the end of the session. Without the binaries the PostgreSQL variants
skip with the reason.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from netcmdb.cmdb.db import make_engine, upgrade


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


#: admin URL of each running throwaway cluster -> its unix socket directory
PG_SOCKETS: dict[str, str] = {}


def unix_socket_url(url: str) -> str:
    """The same database reached over the cluster's unix socket instead of 127.0.0.1: for a
    process in another network namespace (whose loopback is not ours), e.g. the namespace lab's
    scanner. ``url``: a URL under a :func:`pg_server` URL."""
    for server, sock in PG_SOCKETS.items():
        if url.startswith(server + "/"):
            port = server.rsplit(":", 1)[1]
            return (
                f"postgresql+psycopg://postgres@/{url[len(server) + 1 :]}?host={sock}&port={port}"
            )
    raise ValueError(f"{url} is not a database of a running pg_server")


def _pg_bin() -> str | None:
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "initdb")) and os.path.exists(os.path.join(d, "pg_ctl")):
            return d
    return None


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """Start a private PostgreSQL; yield its admin URL (``postgresql+psycopg://...``)."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip(
            "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb); "
            "install Debian's postgresql"
        )
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'netcmdb[postgres]')")
    root = os.geteuid() == 0
    tmp = tempfile.mkdtemp(prefix=f"netcmdb-pg-{os.getpid()}-")
    data, sock = os.path.join(tmp, "data"), os.path.join(tmp, "sock")
    os.makedirs(sock)
    prefix: list[str] = []
    if root:
        shutil.chown(tmp, "postgres")
        shutil.chown(sock, "postgres")
        os.chmod(tmp, 0o700)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    try:
        subprocess.run(
            [
                *prefix,
                f"{bindir}/initdb",
                "-D",
                data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            env=env,
            timeout=120,
        )
        subprocess.run(
            [
                *prefix,
                f"{bindir}/pg_ctl",
                "-D",
                data,
                "-w",
                "-t",
                "60",
                "-l",
                os.path.join(tmp, "log"),
                "-o",
                f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
                f"-c full_page_writes=off -c synchronous_commit=off",
                "start",
            ],
            check=True,
            capture_output=True,
            env=env,
            timeout=90,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        err = getattr(exc, "stderr", b"") or b""
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.skip(f"could not start a throwaway PostgreSQL: {exc} {err.decode()[-300:]}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    PG_SOCKETS[url] = sock
    try:
        yield url
    finally:
        PG_SOCKETS.pop(url, None)
        subprocess.run(
            [*prefix, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(tmp, ignore_errors=True)


_counter = itertools.count()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    """A SQLite file migrated once (copied per test)."""
    path = tmp_path_factory.mktemp("tmpl") / "cmdb.sqlite"
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    with eng.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    eng.dispose()
    return str(path)


@pytest.fixture(scope="session")
def pg_database(pg_server: str) -> str:
    """One migrated database for the session; tests get it emptied (TRUNCATE is ~ms, while
    CREATE DATABASE costs over a second here)."""
    name = f"netcmdb_{os.getpid()}"
    admin = create_engine(f"{pg_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    eng = make_engine(f"{pg_server}/{name}")
    upgrade(eng)
    eng.dispose()
    return f"{pg_server}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A URL of a database: a copy of a migrated SQLite file, or the session's PostgreSQL database
    with every netcmdb table emptied (schema already at head)."""
    if request.param == "sqlite":
        tmpl = request.getfixturevalue("sqlite_template")
        shutil.copyfile(tmpl, tmp_path / "cmdb.sqlite")
        yield f"sqlite:///{tmp_path / 'cmdb.sqlite'}"
        return
    url = request.getfixturevalue("pg_database")
    from netcmdb.cmdb.models import Base

    eng = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with eng.begin() as c:
        c.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    eng.dispose()
    yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a database with the netcmdb schema (created through Alembic)."""
    eng = make_engine(db_url)
    upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path, sqlite_template) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """SQLite only (property tests run many examples; PostgreSQL is covered elsewhere)."""
    shutil.copyfile(sqlite_template, tmp_path / "cmdb.sqlite")
    eng = make_engine(f"sqlite:///{tmp_path / 'cmdb.sqlite'}")
    try:
        yield eng
    finally:
        eng.dispose()
