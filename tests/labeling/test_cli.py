"""The ``netcmdb label ...`` commands end to end (subprocess, real SQLite file): output, --json,
exit status 2 with one line on bad input, and nothing half-written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from netcmdb.cmdb.db import session_scope
from netcmdb.cmdb.models import CI, CIClass


def run(db_path: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NETCMDB_CONFIG": os.devnull + ".absent"}
    return subprocess.run(
        [sys.executable, "-m", "netcmdb", "--db", f"sqlite:///{db_path}", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=cwd,
    )


class _Result:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def invoke(db_path: str, *args: str, config: str | None = None) -> _Result:
    """In-process via click's CliRunner (fast); for commands expected to succeed."""
    from click.testing import CliRunner

    from netcmdb.cli import cli

    res = CliRunner().invoke(
        cli,
        ["--db", f"sqlite:///{db_path}", *args],
        env={"NETCMDB_CONFIG": config or os.devnull + ".absent"},
    )
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return _Result(res.exit_code, res.stdout, res.stderr)


def test_parse(db_path: str) -> None:
    r = run(db_path, "label", "parse", "HQ-SW-D01B110-120", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {
        "label": "HQ-SW-D01B110-120",
        "unit": "HQ",
        "category": "SW",
        "building": "01",
        "floor": "B1",
        "room": "10",
        "seat": 120,
        "room_code": "D01B110",
    }
    r = run(db_path, "label", "parse", "D0102100-009")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "error: 'D0102100-009': wrong length: 12 characters, the rule DBBFFRR-SSS has 11"
    ]
    r = run(db_path, "label", "parse", "D0102123-1234", "--rule", "wide")
    assert r.returncode == 0 and "seat       1234" in r.stdout


def test_rule_file(db_path: str, tmp_path: Path) -> None:
    f = tmp_path / "rule.toml"
    f.write_text('[label]\nbuildings = ["01"]\n')
    r = run(db_path, "label", "parse", "D020210-001", "--rule", str(f))
    assert r.returncode == 2 and "unknown building 02" in r.stderr
    r = run(db_path, "label", "parse", "D020210-001", "--rule", str(tmp_path / "none.toml"))
    assert r.returncode == 2 and "neither a preset" in r.stderr


@pytest.fixture
def campus(engine: Any, add_room: Any, add_ci: Any) -> Any:
    r = add_room("01", "02", "10", name="计算机房")
    add_room("01", "02", "11")
    for i in range(1, 6):
        add_ci(
            f"pc-{i}",
            r,
            mac=f"00:11:22:33:44:{i:02x}",
            serial=f"SN{i}",
            ci_class=CIClass.PC,
            owner="张三",
        )
    add_ci("sw-1", r, ci_class=CIClass.SWITCH, label="D010210-010", seat=10)
    return engine


def test_assign_check_print_flow(campus: Any, db_path: str, tmp_path: Path) -> None:
    r = invoke(db_path, "label", "assign", "--dry-run", "--json")
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert plan["dry_run"] and [a["new"] for a in plan["assigned"]] == [
        f"D010210-{i:03d}" for i in range(1, 6)
    ]  # the lowest free seats (10 is held)
    with session_scope(campus) as s:
        assert s.scalars(select(CI).where(CI.label.is_not(None))).all().__len__() == 1
    r = invoke(db_path, "label", "assign", "--room", "D010210")
    assert r.returncode == 0, r.stderr
    assert "assigned 5 label(s)" in r.stdout
    r = invoke(db_path, "label", "check", "--json")
    assert r.returncode == 0, r.stdout
    assert json.loads(r.stdout)["checked"] == 6
    # renumber: seats 1..6 in the current order (only the switch at 10 moves), recorded
    r = invoke(db_path, "label", "assign", "--renumber", "--json")
    got = json.loads(r.stdout)
    assert r.returncode == 0 and len(got["assigned"]) == 1
    assert got["assigned"][0] == {
        "ci_id": got["assigned"][0]["ci_id"],
        "name": "sw-1",
        "old": "D010210-010",
        "new": "D010210-006",
        "seat": 6,
    }
    pdf = tmp_path / "l.pdf"
    r = invoke(
        db_path,
        "label",
        "print",
        "--class",
        "pc",
        "--format",
        "pdf",
        "--template",
        "L7651",
        "--out",
        str(pdf),
        "--start-at",
        "3",
    )
    assert r.returncode == 0, r.stderr
    assert "5 labels on 1 page(s)" in r.stderr and pdf.read_bytes().startswith(b"%PDF")
    zpl = tmp_path / "l.zpl"
    r = invoke(
        db_path,
        "label",
        "print",
        "--name",
        "PC-[12]",
        "--format",
        "zpl",
        "--dpi",
        "300",
        "--out",
        str(zpl),
        "--qr",
        "https://cmdb.example.edu/ci/{id}",
    )
    assert r.returncode == 0, r.stderr
    text = zpl.read_text()
    assert text.count("^XA") == 2 and "^FDMA,https://cmdb.example.edu/ci/" in text
    out = tmp_path / "l.csv"
    r = invoke(db_path, "label", "print", "--room", "D010210", "--format", "csv", "--out", str(out))
    assert r.returncode == 0 and len(out.read_text("utf-8-sig").splitlines()) == 7
    sheet = tmp_path / "s.pdf"
    r = invoke(db_path, "label", "sheet", "D010210", "--out", str(sheet))
    assert r.returncode == 0 and "6 CIs" in r.stderr


def test_walk_and_check_problems(campus: Any, db_path: str, tmp_path: Path) -> None:
    walk = tmp_path / "walk.csv"
    walk.write_text("order,device\n1,sn3\n2,00:11:22:33:44:01\n")
    r = run(db_path, "label", "walk", "D010210", "--in", str(walk), "--json")
    # serials are case-sensitive: sn3 is unknown -> one line, exit 2, nothing written
    assert (
        r.returncode == 2
        and r.stderr.strip() == "error: walk: no CI has MAC, serial or hostname 'sn3'"
    )
    walk.write_text("order,device\n1,SN3\n2,00:11:22:33:44:01\n")
    r = invoke(db_path, "label", "walk", "D010210", "--in", str(walk), "--json")
    assert r.returncode == 0, r.stderr
    assert [(a["name"], a["new"]) for a in json.loads(r.stdout)["assigned"]] == [
        ("pc-3", "D010210-001"),
        ("pc-1", "D010210-002"),
    ]
    with session_scope(campus) as s:
        s.add(CI(name="stray", label="D01021O-001"))
    r = invoke(db_path, "label", "check")
    assert r.returncode == 1
    assert "malformed" in r.stdout and "letters where digits belong" in r.stdout


@pytest.mark.parametrize(
    ("args", "msg"),
    [
        (["label", "assign", "--room", "D01"], "room 'D01': wrong length"),
        (["label", "print", "--out", "x.pdf", "--template", "L9999"], "unknown label template"),
        (["label", "print", "--out", "x.pdf", "--start-at", "99"], "--start-at 99"),
        (["label", "print", "--out", "x.pdf", "--qr", "{secret}"], "unknown field {secret}"),
        (["label", "print", "--out", "x.pdf", "--building", "09"], "nothing to print"),
        (["label", "sheet", "D0102", "--out", "x.pdf"], "a room code looks like DBBFFRR"),
        (["label", "walk", "D010210", "--in", "missing.csv"], "cannot read walk CSV"),
    ],
)
def test_bad_input_raises_one_line_netcmdb_error(
    campus: Any,
    db_path: str,
    tmp_path: Path,
    monkeypatch: Any,
    args: list[str],
    msg: str,
) -> None:
    """What main() turns into 'error: <msg>' + exit 2 (shown end to end by the tests above)."""
    from click.testing import CliRunner

    from netcmdb.cli import cli
    from netcmdb.errors import NetcmdbError

    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(
        cli,
        ["--db", f"sqlite:///{db_path}", *args],
        env={"NETCMDB_CONFIG": os.devnull + ".absent"},
        standalone_mode=False,
    )
    assert isinstance(res.exception, NetcmdbError), res.exception
    assert msg in str(res.exception) and "\n" not in str(res.exception)
    assert not (tmp_path / "x.pdf").exists()
    assert not list(tmp_path.glob(".x.pdf*")), "no temporary file left behind"


def test_bad_input_end_to_end_exit_2(campus: Any, db_path: str, tmp_path: Path) -> None:
    r = run(db_path, "label", "print", "--out", "x.pdf", "--start-at", "99", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "error: --start-at 99: template L7160 has 21 position(s) per sheet (1..21)"
    ]
    assert not (tmp_path / "x.pdf").exists()


def test_select_items_filters_and_orders(engine: Any, add_room: Any, add_ci: Any) -> None:
    from netcmdb.labeling.items import select_items
    from netcmdb.labeling.rule import DEFAULT_RULE

    r = add_room("01", "02", "10", name="机房")
    b = add_room("01", "B1", "10")
    add_ci("Lab-PC-2", r, label="D010210-002", ci_class=CIClass.PC, serial="=1+1")
    add_ci("lab-pc-1", r, label="D010210-001", ci_class=CIClass.PC)
    add_ci("core", b, label="D01B110-001", ci_class=CIClass.SWITCH)
    add_ci("other", None, label="D020101-001", ci_class=CIClass.PC)
    add_ci("unlabelled", r, ci_class=CIClass.PC)
    with session_scope(engine) as s:
        every = select_items(s, DEFAULT_RULE)
        assert [i.label for i in every] == [
            "D01B110-001",
            "D010210-001",
            "D010210-002",
            "D020101-001",
        ]  # basement first, then by floor
        assert [i.name for i in select_items(s, DEFAULT_RULE, name="lab-*")] == [
            "lab-pc-1",
            "Lab-PC-2",
        ]
        assert [i.label for i in select_items(s, DEFAULT_RULE, building="1", ci_class="pc")] == [
            "D010210-001",
            "D010210-002",
        ]
        one = select_items(s, DEFAULT_RULE, room="D010210", qr_template="u/{id}/{serial}")
        assert one[1].qr.endswith("/=1+1") and one[0].room_name == "机房"


def test_config_file_label_table(campus: Any, db_path: str, tmp_path: Path) -> None:
    """[label] in the config file: the rule (pattern with widths, buildings) and print defaults."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[label]\nrule = "D{building:2}{floor:2}{room:3}-{seat:4}"\n'
        'buildings = ["01"]\ntemplate = "L7651"\nqr = "https://cmdb/{id}"\n'
        "dpi = 300\n"
    )
    r = invoke(db_path, "label", "assign", "--json", config=str(cfg))
    assert r.returncode == 0, r.stderr
    assert [a["new"] for a in json.loads(r.stdout)["assigned"]][:2] == [
        "D0102010-0001",
        "D0102010-0002",
    ]  # sw-1's D010210-010 is another rule's label
    zpl = tmp_path / "x.zpl"
    r = invoke(
        db_path,
        "label",
        "print",
        "--class",
        "pc",
        "--format",
        "zpl",
        "--out",
        str(zpl),
        config=str(cfg),
    )
    assert r.returncode == 0, r.stderr
    text = zpl.read_text()
    assert "^FDMA,https://cmdb/" in text and "300 dpi" in r.stderr
    assert f"^PW{round(38.1 / 25.4 * 300)}" in text  # L7651 at 300 dpi
