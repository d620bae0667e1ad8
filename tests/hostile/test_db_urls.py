"""``--db`` classes: every unusable database is one line and exit status 2, and nothing foreign
is ever written to. One place converts them (``netcmdb.cmdb.db``)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
from pathlib import Path

import pytest
from hostilekit import assert_one_line, cmdb_digest, run_cli  # type: ignore[import-not-found]
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.timeout(300)


def _good(tmp_path: Path, sqlite_template: str, name: str = "cmdb.sqlite") -> Path:
    p = tmp_path / name
    shutil.copyfile(sqlite_template, p)
    return p


@pytest.mark.parametrize(
    "url, needle",
    [
        ("", "the database URL is empty"),
        ("  ", "the database URL is empty"),
        ("::::", "cannot parse the database URL"),
        ("foo://host/db", "unsupported database 'foo'"),
        ("postgresql+nosuchdriver://u@h/db", "unknown database driver"),
        (
            "postgresql+psycopg2://u:secret@127.0.0.1:1/db",
            "driver for postgresql+psycopg2 is not installed",
        ),
        ("sqlite:////nonexistent-dir-17/sub/cmdb.sqlite", "does not exist"),
    ],
)
def test_unusable_urls(tmp_path: Path, url: str, needle: str) -> None:
    r = run_cli(url, "ci", "list", cwd=tmp_path)
    line = assert_one_line(r, needle)
    assert "secret" not in line


@pytest.mark.parametrize("args", [("init",), ("topology", "spof"), ("export", "json")])
def test_empty_db_is_an_error_not_the_default(tmp_path: Path, args: tuple[str, ...]) -> None:
    home = tmp_path / "home"
    r = run_cli(
        "", *args, cwd=tmp_path, env={"HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    )
    assert_one_line(r, "the database URL is empty")
    assert not (home / "data").exists()  # the default CMDB was not created


def test_a_directory(tmp_path: Path) -> None:
    assert_one_line(run_cli(f"sqlite:///{tmp_path}", "ci", "list", cwd=tmp_path), "is a directory")


@pytest.mark.parametrize(
    "content",
    [
        os.urandom(50_000),
        b"SQLite format 3\x00" + os.urandom(20_000),
        b"hello, I am a text file\n" * 100,
    ],
    ids=["random", "sqlite-header-then-random", "text"],
)
def test_not_a_database(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "junk.sqlite"
    p.write_bytes(content)
    for args in (("ci", "list"), ("import", "json", os.devnull), ("export", "json")):
        assert_one_line(
            run_cli(f"sqlite:///{p}", *args, cwd=tmp_path), "is not a usable SQLite database"
        )
    assert p.read_bytes() == content


def _corrupt(p: Path) -> None:
    con = sqlite3.connect(p)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(p.read_bytes())
    for i in range(120, 16384, 7):  # the schema b-tree on page 1, past the file header
        data[i] ^= 0x5A
    p.write_bytes(bytes(data))


def test_corrupt_sqlite(tmp_path: Path, sqlite_template: str) -> None:
    p = _good(tmp_path, sqlite_template)
    _corrupt(p)
    before = p.read_bytes()
    for args in (("ci", "list"), ("ci", "show", "x"), ("runs", "list")):
        assert_one_line(
            run_cli(f"sqlite:///{p}", *args, cwd=tmp_path), "database disk image is malformed"
        )
    assert p.read_bytes() == before


def _ro_run(dirpath: Path, *cmd: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with ``dirpath`` bind-mounted read-only (root bypasses mode bits)."""
    import shlex
    import sys

    inner = (
        f"mount --bind {shlex.quote(str(dirpath))} {shlex.quote(str(dirpath))} && "
        f"mount -o remount,bind,ro {shlex.quote(str(dirpath))} && "
        + shlex.join([sys.executable, "-m", "netcmdb", *cmd])
    )
    env = {
        **os.environ,
        "NETCMDB_CONFIG": os.devnull + ".none.toml",
        "NETCMDB_CACHE_DIR": str(dirpath.parent / "cache"),
    }
    env.pop("NETCMDB_DB", None)
    return subprocess.run(
        ["unshare", "-m", "--", "sh", "-c", inner],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.root
@pytest.mark.parametrize("cmd", [("ci", "list"), ("import", "json", "{json}"), ("init",)])
def test_read_only_directory(tmp_path: Path, sqlite_template: str, cmd: tuple[str, ...]) -> None:
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is needed for a read-only bind mount")
    ro = tmp_path / "ro"
    ro.mkdir()
    p = _good(ro, sqlite_template)
    doc = tmp_path / "one.json"
    doc.write_text('{"format": "netcmdb/1", "cis": [{"name": "a", "class": "pc"}]}')
    before = cmdb_digest(f"sqlite:///{p}")
    args = [a.replace("{json}", str(doc)) for a in cmd]
    for url in (f"sqlite:///{p}", f"sqlite:///{ro / 'new.sqlite'}"):
        r = _ro_run(ro, "--db", url, *args)
        assert_one_line(r, "cannot open the SQLite file")
    assert cmdb_digest(f"sqlite:///{p}") == before
    assert not (ro / "new.sqlite").exists()


def test_read_only_file_for_a_write(tmp_path: Path, sqlite_template: str) -> None:
    """A read-only file in a writable directory: as root the mode is ignored, so this checks
    SQLite's own read-only open (``?mode=ro``) the same way."""
    p = _good(tmp_path, sqlite_template)
    doc = tmp_path / "one.json"
    doc.write_text('{"format": "netcmdb/1", "cis": [{"name": "a", "class": "pc"}]}')
    before = cmdb_digest(f"sqlite:///{p}")
    r = run_cli(f"sqlite:///file:{p}?mode=ro&uri=true", "import", "json", str(doc), cwd=tmp_path)
    assert_one_line(r, "read-only")
    assert cmdb_digest(f"sqlite:///{p}") == before


def test_foreign_sqlite_file_is_never_touched(tmp_path: Path) -> None:
    """A read-only command (and a write) on a SQLite file that is not ours creates nothing."""
    p = tmp_path / "someone-elses.sqlite"
    con = sqlite3.connect(p)
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    con.execute("INSERT INTO notes (body) VALUES ('keep me')")
    con.commit()
    con.close()
    before = p.read_bytes()
    for args in (("ci", "list"), ("runs", "list"), ("init",)):
        assert_one_line(
            run_cli(f"sqlite:///{p}", *args, cwd=tmp_path),
            "holds tables netcmdb did not create (notes)",
        )
    con = sqlite3.connect(p)
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    con.close()
    assert names == {"notes"}
    assert p.read_bytes() == before


def test_two_rows_in_alembic_version(db_url: str, tmp_path: Path) -> None:
    eng = create_engine(db_url)
    with eng.begin() as c:
        c.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0002')"))
    try:
        before = cmdb_digest(db_url)
        for args in (("ci", "list"), ("init",)):
            assert_one_line(run_cli(db_url, *args, cwd=tmp_path), "alembic_version holds 2 rows")
        assert cmdb_digest(db_url) == before
    finally:
        with eng.begin() as c:
            c.execute(text("DELETE FROM alembic_version WHERE version_num = '0002'"))
        eng.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_postgresql_down(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://netcmdb:hunter2@127.0.0.1:{_free_port()}/cmdb"
    line = assert_one_line(run_cli(url, "ci", "list", cwd=tmp_path), "cannot connect")
    assert "hunter2" not in line


def test_postgresql_sql_ascii(pg_server: str, tmp_path: Path) -> None:
    name = f"netcmdb_ascii_{os.getpid()}"
    admin = create_engine(f"{pg_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(
            text(
                f"CREATE DATABASE \"{name}\" ENCODING 'SQL_ASCII' TEMPLATE template0 "
                "LC_COLLATE 'C' LC_CTYPE 'C'"
            )
        )
    try:
        url = f"{pg_server}/{name}"
        assert_one_line(run_cli(url, "ci", "list", cwd=tmp_path), "encoding is SQL_ASCII")
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as c:
            n = c.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            assert n.fetchone()[0] == 0  # nothing created
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_libpq_spelling_postgresql_url_works(pg_database: str, tmp_path: Path) -> None:
    """``postgresql://user@host/db`` is how admins write it: SQLAlchemy's default driver for it
    is psycopg2, which we do not ship ("pip install netcmdb[postgres]" installs psycopg 3 and
    the error stayed). The bare spelling uses psycopg."""
    assert pg_database.startswith("postgresql+psycopg://")
    bare = pg_database.replace("postgresql+psycopg://", "postgresql://", 1)
    r = run_cli(bare, "ci", "list", "--json", cwd=tmp_path)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert json.loads(r.stdout) == json.loads(
        run_cli(pg_database, "ci", "list", "--json", cwd=tmp_path).stdout
    )
