"""All-or-nothing imports under kill -9, and two writers at once (SQLite WAL + busy timeout,
and real PostgreSQL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

from sqlalchemy import func, select

from netcmdb.cmdb.db import make_engine, session_scope
from netcmdb.cmdb.models import CI, Identifier, ScanRun
from netcmdb.exporters.netcmdb_json import export_document


def big_doc(prefix: str, n: int, net: int) -> dict:
    return {
        "format": "netcmdb/1",
        "cis": [
            {
                "name": f"{prefix}-{i:05d}",
                "class": "pc",
                "ip": f"10.{net}.{i // 250}.{i % 250 + 1}",
                "mac": f"02:{net:02x}:00:00:{i // 256:02x}:{i % 256:02x}",
                "location": {
                    "building": "01",
                    "floor": f"{i % 5:02d}",
                    "room": f"{i % 40:02d}",
                    "seat": i % 60,
                },
            }
            for i in range(n)
        ],
    }


def state(url: str):
    eng = make_engine(url)
    try:
        with session_scope(eng) as s:
            return (
                s.scalar(select(func.count()).select_from(CI)),
                s.scalar(select(func.count()).select_from(Identifier)),
                s.scalar(select(func.count()).select_from(ScanRun)),
                json.dumps(export_document(s), sort_keys=True),
            )
    finally:
        eng.dispose()


CHILD = textwrap.dedent("""
    import sys, time
    from netcmdb.cmdb.db import make_engine, session_scope
    from netcmdb.cmdb.importer import import_json_file
    engine = make_engine(sys.argv[1])
    with session_scope(engine) as s:
        import_json_file(s, sys.argv[2])
        s.flush()
        print("written, not committed", flush=True)
        time.sleep(120)
""")


def test_kill_9_after_everything_is_written_but_not_committed_changes_nothing(
    db_url, engine, tmp_path
):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(big_doc("seed", 20, 1)))
    subprocess.run(
        [sys.executable, "-m", "netcmdb", "--db", db_url, "import", "json", str(seed)],
        check=True,
        env={**os.environ},
        capture_output=True,
    )
    before = state(db_url)
    doc = tmp_path / "big.json"
    doc.write_text(json.dumps(big_doc("pc", 1200, 2)))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url, str(doc)], stdout=subprocess.PIPE, env={**os.environ}
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert b"written" in line
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert state(db_url) == before
    # and the database is healthy: the same import now succeeds whole
    r = subprocess.run(
        [sys.executable, "-m", "netcmdb", "--db", db_url, "import", "json", str(doc)],
        env={**os.environ},
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert state(db_url)[0] == before[0] + 1200


def test_kill_9_of_the_cli_at_any_moment_is_all_or_nothing(db_url, engine, tmp_path):
    doc = tmp_path / "big.json"
    doc.write_text(json.dumps(big_doc("pc", 2000, 3)))
    before = state(db_url)
    outcomes = set()
    for delay in (0.7, 1.4):
        child = subprocess.Popen(
            [sys.executable, "-m", "netcmdb", "--db", db_url, "import", "json", str(doc)],
            env={**os.environ},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        n = state(db_url)[0]
        assert n in (before[0], before[0] + 2000), n  # never a partial import
        outcomes.add(n == before[0])
        if n != before[0]:
            break


WRITER = textwrap.dedent("""
    import sys
    from netcmdb.cli import main
    sys.argv = ["netcmdb", "--db", sys.argv[1], "import", "json", sys.argv[2]]
    main()
""")


def test_two_writers_at_once_both_succeed(db_url, engine, tmp_path):
    files = []
    for k in (1, 2):
        p = tmp_path / f"w{k}.json"
        p.write_text(json.dumps(big_doc(f"w{k}", 800, 10 + k)))
        files.append(p)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, db_url, str(p)],
            env={**os.environ},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in files
    ]
    results = [p.communicate(timeout=240) for p in procs]
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
        assert "800 new" in out
    n_ci, _, n_runs, _ = state(db_url)
    assert (n_ci, n_runs) == (1600, 2)
