"""Hostile-input helpers (tests/hostile): run the CLI as a user does and prove a bad input
changed nothing.

Every class of bad input must end as one line on stderr and exit status 2, with no traceback and
the CMDB exactly as it was (a digest of every row of every table, on SQLite and PostgreSQL).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, select

from netcmdb.cmdb.models import Base


def cmdb_digest(url: str) -> str:
    """SHA-256 over every row of every netcmdb table (sorted): equal digests, equal CMDBs."""
    eng = create_engine(url)
    h = hashlib.sha256()
    try:
        with eng.connect() as c:
            for t in Base.metadata.sorted_tables:
                rows = sorted(repr(tuple(r)) for r in c.execute(select(t)))
                h.update(f"{t.name}:{len(rows)}\n".encode())
                for r in rows:
                    h.update(r.encode("utf-8", "surrogatepass") + b"\n")
    finally:
        eng.dispose()
    return h.hexdigest()


def seed_json(url: str, doc: dict[str, object], tmp: Path) -> None:
    """Import a netcmdb/1 document into the CMDB at ``url`` in this process: a test's set-up,
    not the step under test. It is what ``netcmdb import json`` calls (services.ingest, no config
    file, as :func:`run_cli` runs it) without a Python start and the package imports per test
    (~0.6 s of CPU each, for ~100 hostile tests)."""
    import json

    from netcmdb.services.context import Cmdb
    from netcmdb.services.ingest import import_file

    path = tmp / "seed.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    cmdb = Cmdb(url, config={})
    try:
        import_file(cmdb, "json", path)
    finally:
        cmdb.engine.dispose()


def run_cli(
    url: str | None,
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m netcmdb [--db URL] ARGS`` as a user runs it (real exit status, stderr)."""
    e = {**os.environ, **(env or {})}
    e.setdefault("NETCMDB_CONFIG", os.devnull + ".none.toml")
    e.pop("NETCMDB_DB", None)
    e.setdefault("NETCMDB_CACHE_DIR", str(Path(cwd or ".").resolve() / ".cache"))
    db = ["--db", url] if url is not None else []
    return subprocess.run(
        [sys.executable, "-m", "netcmdb", *db, *args],
        capture_output=True,
        text=True,
        env=e,
        timeout=timeout,
        cwd=cwd,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
    )


def assert_one_line(r: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit status 2, exactly one line on stderr (no traceback), holding every needle."""
    lines = r.stderr.splitlines()
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:], r.stdout[-500:])
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    assert len(lines) == 1, r.stderr[-3000:]
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]
