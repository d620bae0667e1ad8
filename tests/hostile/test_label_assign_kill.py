"""`label assign` labels CI by CI; a kill -9 halfway leaves complete labels only, and running the
same command again completes the room (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

Cli = Callable[..., CompletedProcess[str]]

_KILL_AT_NTH_LABEL = r"""
import os, signal, sys
from sqlalchemy import Engine, event

at = int(sys.argv[1])
seen = 0

@event.listens_for(Engine, "before_cursor_execute")
def _kill(conn, cursor, statement, params, context, many):
    global seen
    if statement.lstrip().upper().startswith("UPDATE CI SET") and "label" in statement:
        seen += 1
        if seen == at:
            os.kill(os.getpid(), signal.SIGKILL)

sys.argv = ["netcmdb", *sys.argv[2:]]
from netcmdb.cli import main
main()
"""


def test_rerun_after_a_kill_completes_the_room(cli_on: Cli, db_url: str, tmp_path: Path) -> None:
    n = 8
    doc = {
        "format": "netcmdb/1",
        "cis": [
            {
                "name": f"pc-{i:02d}",
                "class": "pc",
                "location": {"building": "01", "floor": "01", "room": "01"},
            }
            for i in range(n)
        ],
    }
    src = tmp_path / "room.json"
    src.write_text(json.dumps(doc))
    assert cli_on("import", "json", str(src)).returncode == 0
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            _KILL_AT_NTH_LABEL,
            "4",
            "--db",
            db_url,
            "label",
            "assign",
            "--room",
            "D010101",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert r.returncode == -9, r.stderr[-800:]
    half = json.loads(cli_on("ci", "list", "--json").stdout)
    labelled = [c for c in half if c.get("label")]
    assert 0 < len(labelled) < n  # the kill came halfway
    for c in labelled:  # what is there is complete: label and seat agree
        assert c["label"] == f"D010101-{c['location']['seat']:03d}", c
    r = cli_on("label", "assign", "--room", "D010101")
    assert r.returncode == 0, r.stderr
    done = json.loads(cli_on("ci", "list", "--json").stdout)
    labels = sorted(c["label"] for c in done)
    assert labels == [f"D010101-{s:03d}" for s in range(1, n + 1)]
    before = {c["name"]: c["label"] for c in labelled}
    assert all(c["label"] == before[c["name"]] for c in done if c["name"] in before)
