"""Device and imported strings never drive the admin's terminal: console output shows control
characters escaped (one helper, ``safety.console_text``, behind every renderer); JSON is exact."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

from netcmdb.safety import console_text

Cli = Callable[..., CompletedProcess[str]]

EVIL_NAME = "pc-\x1b]0;owned\x07-\x1b[2J\x9b31m"
EVIL_OWNER = "Zhang\u202eSan\r\x08"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]")  # newline and tab are layout


def test_console_text_escapes_and_keeps_text() -> None:
    assert console_text("网络机房 sw-1") == "网络机房 sw-1"
    out = console_text(EVIL_NAME + EVIL_OWNER)
    assert RAW.search(out) is None and "\n" not in out
    assert "\\e]0;owned\\x07" in out and "\\x9b" in out and "\\u202e" in out


def test_console_commands_escape_json_stays_exact(cli_on: Cli, tmp_path: Path) -> None:
    doc = {
        "format": "netcmdb/1",
        "cis": [
            {
                "name": EVIL_NAME,
                "class": "pc",
                "owner": EVIL_OWNER,
                "description": "a\x1b[31mred\x1b[0m",
            }
        ],
    }
    src = tmp_path / "evil\x1b[2J.json"
    src.write_text(json.dumps(doc))
    r = cli_on("import", "json", str(src))
    assert r.returncode == 0, r.stderr
    assert RAW.search(r.stdout) is None and "\\e[2J" in r.stdout  # the import summary line
    for args in (
        ("ci", "list"),
        ("ci", "show", "#1"),
        ("runs", "show", "1"),
        ("runs", "list"),
        ("ci", "set", "#1", "--contact", "x\x1b[2Jy"),
    ):
        r = cli_on(*args, env={"COLUMNS": "400"})
        assert r.returncode == 0, (args, r.stderr)
        assert RAW.search(r.stdout) is None, (args, r.stdout)
        if args[:2] != ("runs", "list"):  # (the run list shows no CI strings)
            assert "\\e" in r.stdout or "\\x" in r.stdout, (args, r.stdout)
    r = cli_on("ci", "show", "#1", "--json")
    got = json.loads(r.stdout)
    assert got["name"] == EVIL_NAME and got["owner"] in (EVIL_OWNER, EVIL_OWNER.strip())
    assert got["contact"] == "x\x1b[2Jy"


def test_commands_render_through_the_one_helper() -> None:
    """No command builds rich Text or a Console itself (they would bypass the escaping)."""
    root = Path(__file__).resolve().parents[2] / "commands"
    offenders = []
    for p in sorted(root.glob("*.py")):
        text = p.read_text(encoding="utf-8")
        if p.name == "common.py":
            continue
        for pattern in (r"(?<![\w.])Text\(", r"(?<![\w.])Console\((?!stderr=True\))"):
            for m in re.finditer(pattern, text):
                line = text[: m.start()].count("\n") + 1
                offenders.append(f"{p.name}:{line}")
    assert offenders == []
