"""Schema creation is one transaction (a kill -9 at any statement leaves a usable file), and a
writer waiting for another writer's lock says so, then gives up with one line."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hostilekit import cmdb_digest, run_cli  # type: ignore[import-not-found]
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.timeout(600)

_KILLER = r"""
import os, signal, sys
from sqlalchemy import event
from netcmdb.cmdb.db import make_engine, upgrade

url, at = sys.argv[1], int(sys.argv[2])
engine = make_engine(url)
count = 0

@event.listens_for(engine, "before_cursor_execute")
def _kill(conn, cursor, statement, params, context, many):
    global count
    if statement.lstrip().upper().startswith(("CREATE", "INSERT", "UPDATE", "ALTER", "DROP")):
        count += 1
        if count == at:
            os.kill(os.getpid(), signal.SIGKILL)

upgrade(engine)
print(count)
"""


def _count_statements(tmp_path: Path) -> int:
    r = subprocess.run(
        [sys.executable, "-c", _KILLER, f"sqlite:///{tmp_path / 'count.sqlite'}", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return int(r.stdout.strip())


def test_kill_during_first_schema_creation(tmp_path: Path) -> None:
    """SIGKILL at the 1st, 2nd, ... schema statement of a brand-new SQLite file: every time the
    next command finds either no schema (and creates it) or the whole one — never half."""
    total = _count_statements(tmp_path)
    assert total > 20
    points = sorted({1, 2, 3, total // 3, total // 2, total - 2, total - 1, total})
    for at in points:
        db = tmp_path / f"k{at}.sqlite"
        r = subprocess.run(
            [sys.executable, "-c", _KILLER, f"sqlite:///{db}", str(at)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == -9, (at, r.stderr[-500:])
        con = sqlite3.connect(db)
        tables = {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        con.close()
        assert tables == set(), (at, tables)  # the whole creation was rolled back
        r = run_cli(f"sqlite:///{db}", "ci", "list", "--json", cwd=tmp_path)
        assert r.returncode == 0 and r.stdout.strip() == "[]", (at, r.stderr[-800:])
        r = run_cli(f"sqlite:///{db}", "init", cwd=tmp_path)
        assert r.returncode == 0 and "up to date" in r.stdout, (at, r.stdout, r.stderr)


def test_racing_first_creations(tmp_path: Path) -> None:
    """Two processes creating the same new file at once: both succeed, one schema."""
    db = f"sqlite:///{tmp_path / 'race.sqlite'}"
    env = {**os.environ, "NETCMDB_CONFIG": os.devnull + ".none.toml"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "netcmdb", "--db", db, "ci", "list"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for _ in range(3)
    ]
    for p in procs:
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()[-800:]


_DOC = '{"format": "netcmdb/1", "cis": [{"name": "waiter", "class": "pc"}]}'


def test_sqlite_lock_wait_is_announced_then_one_line(tmp_path: Path, sqlite_template: str) -> None:
    import shutil

    db = tmp_path / "cmdb.sqlite"
    shutil.copyfile(sqlite_template, db)
    doc = tmp_path / "one.json"
    doc.write_text(_DOC)
    url = f"sqlite:///{db}"
    before = cmdb_digest(url)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock for the whole run
    try:
        r = run_cli(
            url, "import", "json", str(doc), env={"NETCMDB_LOCK_TIMEOUT": "6"}, cwd=tmp_path
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    lines = r.stderr.splitlines()
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert len(lines) == 2, r.stderr
    assert "waiting for the CMDB write lock" in lines[0] and "giving up after 6 s" in lines[0]
    assert lines[1].startswith("error: ") and "held the CMDB lock for more than 6 s" in lines[1]
    assert cmdb_digest(url) == before
    # and once the lock is free the same command just works
    r = run_cli(url, "import", "json", str(doc), cwd=tmp_path)
    assert r.returncode == 0 and r.stderr == "", r.stderr


def test_postgresql_lock_wait_gives_one_line(pg_database: str, db_url: str, tmp_path: Path) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL variant of the lock test")
    doc = tmp_path / "one.json"
    doc.write_text(_DOC)
    before = cmdb_digest(db_url)
    eng = create_engine(db_url)
    with eng.connect() as holder:
        holder.execute(text("LOCK TABLE scan_run IN ACCESS EXCLUSIVE MODE"))
        r = run_cli(
            db_url, "import", "json", str(doc), env={"NETCMDB_LOCK_TIMEOUT": "2"}, cwd=tmp_path
        )
        holder.rollback()
    eng.dispose()
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert len(r.stderr.splitlines()) == 1, r.stderr
    assert "held a CMDB lock for more than 2 s" in r.stderr
    assert cmdb_digest(db_url) == before


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "1e9"])
def test_lock_timeout_of_the_wrong_shape(tmp_path: Path, value: str) -> None:
    r = run_cli(
        f"sqlite:///{tmp_path / 'x.sqlite'}",
        "ci",
        "list",
        env={"NETCMDB_LOCK_TIMEOUT": value},
        cwd=tmp_path,
    )
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
    assert "NETCMDB_LOCK_TIMEOUT" in r.stderr
