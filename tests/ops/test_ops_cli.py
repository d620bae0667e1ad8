"""Issue 16 through the CLI as a user chains it (example campus): journal, search, lifecycle,
ci replace and the seat policy; bad input is one line on stderr, exit 2, nothing written."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from netcmdb.cli import cli
from netcmdb.demo import example_campus_path


def nc(home: Path, *args: str, ok: bool = True):  # type: ignore[no-untyped-def]
    env = {"NETCMDB_CONFIG": str(home / "config.toml"), "NETCMDB_DB": None}
    r = CliRunner().invoke(
        cli, ["--db", f"sqlite:///{home / 'cmdb.sqlite'}", *args], env=env, catch_exceptions=not ok
    )
    if ok:
        assert r.exit_code == 0, r.output
    return r


def nc_proc(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    e = {**os.environ, "NETCMDB_CONFIG": str(home / "config.toml")}
    e.pop("NETCMDB_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "netcmdb", "--db", f"sqlite:///{home / 'cmdb.sqlite'}", *args],
        check=False,
        capture_output=True,
        text=True,
        env=e,
        timeout=120,
    )


@pytest.fixture(scope="module")
def campus_db(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    d = tmp_path_factory.mktemp("campus")
    nc(d, "import", "json", str(example_campus_path()))
    con = sqlite3.connect(d / "cmdb.sqlite")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return d / "cmdb.sqlite"


@pytest.fixture
def campus(tmp_path: Path, campus_db: Path) -> Path:
    shutil.copyfile(campus_db, tmp_path / "cmdb.sqlite")
    return tmp_path


def _count(home: Path, sql: str) -> int:
    con = sqlite3.connect(home / "cmdb.sqlite")
    try:
        return int(con.execute(sql).fetchone()[0])
    finally:
        con.close()


def test_journal_and_search_end_to_end(campus):
    nc(
        campus,
        "note",
        "add",
        "D010110-001",
        "开机蓝屏，重装系统",
        "--kind",
        "fault",
        "--by",
        "张三",
    )
    nc(campus, "note", "add", "pc-010110-001", "更换硬盘", "--kind", "repair")
    nc(campus, "note", "add", "pc-010111-002", "[bold]硬盘[/bold] 有异响")  # no markup
    r = nc(campus, "note", "list", "pc-010110-001", "--json")
    assert [(n["kind"], n["author"]) for n in json.loads(r.output)] == [
        ("fault", "张三"),
        ("repair", None),
    ]
    r = nc(campus, "note", "list", "--since", "2020-01-01", "--kind", "fault", "--json")
    assert [n["ci"] for n in json.loads(r.output)] == ["pc-010110-001"]
    r = nc(campus, "search", "硬盘", "--json")
    hits = json.loads(r.output)
    assert [(h["kind"], h["title"]) for h in hits] == [
        ("note", "pc-010111-002"),
        ("note", "pc-010110-001"),
    ]
    assert all(h["at"] for h in hits)
    r = nc(campus, "search", "硬盘")
    assert "[bold]硬盘[/bold]" in r.output and "pc-010110-001" in r.output
    r = nc(campus, "search", "sw-core")
    assert "sw-core-1" in r.output and "sw-core-2" in r.output
    # a MAC in any notation, as the web's search box takes it
    for mac in ("00E0.FC00.0001", "00-e0-fc-00-00-01", "00e0fc000001"):
        hits = json.loads(nc(campus, "search", mac, "--json").output)
        assert [(h["kind"], h["title"]) for h in hits] == [("ci", "sw-core-1")], mac
    # a room is titled with its room code, as --room takes it (not the bare stored digits)
    nc(campus, "room", "set", "D010110", "--name", "门诊计算机室")
    hits = json.loads(nc(campus, "search", "门诊计算机", "--json").output)
    assert [(h["kind"], h["title"]) for h in hits] == [("room", "D010110")]
    r = nc(campus, "ci", "show", "pc-010110-001")
    assert "journal" in r.output and "更换硬盘" in r.output


@pytest.mark.parametrize(
    "args, message",
    [
        (("note", "add", "no-such-ci", "x"), "no CI matches"),
        (("note", "add", "pc-010110-001", " \x1b "), "the note is empty"),
        (("note", "add", "pc-010110-001", "x", "--kind", "gossip"), "gossip"),
        (("note", "list", "--since", "last week"), "--since must look like 2026-11-01"),
        (("search", "硬"), "at least 2 characters"),
        (("ci", "replace", "pc-010110-001", "pc-010110-001"), "by itself"),
        (("ci", "replace", "pc-010110-001", "pc-010110-002"), "already has label D010110-002"),
        (("ci", "set", "pc-010110-001", "--lifecycle-date", "2026-11-01"), "needs --lifecycle"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(campus, args, message):
    before = _count(campus, "SELECT count(*) FROM note") + _count(
        campus, "SELECT count(*) FROM change"
    )
    r = nc_proc(campus, *args)
    assert r.returncode == 2, r
    assert message in r.stderr, r.stderr
    if not r.stderr.startswith("Usage:"):  # click's usage errors: the cli issue makes them 1 line
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert before == _count(campus, "SELECT count(*) FROM note") + _count(
        campus, "SELECT count(*) FROM change"
    )


def test_lifecycle_replace_and_lowest_free_seat_end_to_end(campus):
    # a new PC arrives for the desk of pc-010110-003 (seat 3 of room D010110)
    con = sqlite3.connect(campus / "cmdb.sqlite")
    con.execute(
        "INSERT INTO ci (name, class, status, missed_runs, attr_sources, first_seen, "
        "last_seen) VALUES ('pc-new', 'pc', 'active', 0, '{}', '2026-12-01', "
        "'2026-12-01')"
    )
    con.commit()
    con.close()
    r = nc(campus, "ci", "replace", "pc-010110-003", "pc-new", "--by", "王五", "--json")
    out = json.loads(r.output)
    assert out["took"]["label"] == "D010110-003" and out["took"]["seat"] == 3
    show = json.loads(nc(campus, "ci", "show", "D010110-003", "--json").output)
    assert show["name"] == "pc-new" and show["lifecycle"] == "in_use"
    assert show["notes"][0]["text"].startswith("replaces pc-010110-003")
    old = json.loads(nc(campus, "ci", "show", "pc-010110-003", "--json").output)
    assert old["lifecycle"] == "retired" and old["label"] is None
    assert {"attribute": "label", "old": "D010110-003", "new": None} in [
        {k: h[k] for k in ("attribute", "old", "new")} for h in old["history"]
    ]
    # retire pc-010110-002; another new PC in the room gets the lowest free seat: 2
    nc(
        campus,
        "ci",
        "set",
        "pc-010110-002",
        "--lifecycle",
        "retired",
        "--lifecycle-date",
        "2026-11-30",
    )
    nc(campus, "ci", "set", "pc-010110-002", "--name", "pc-010110-002")  # a no-op edit is fine
    con = sqlite3.connect(campus / "cmdb.sqlite")
    loc = con.execute("SELECT location_id FROM ci WHERE name = 'pc-010110-001'").fetchone()[0]
    con.execute(
        "INSERT INTO ci (name, class, status, missed_runs, attr_sources, first_seen, "
        "last_seen, location_id) VALUES ('pc-newer', 'pc', 'active', 0, '{}', "
        "'2026-12-01', '2026-12-01', ?)",
        (loc,),
    )
    con.commit()
    con.close()
    r = nc(campus, "label", "assign", "--room", "D010110", "--json")
    assert [(a["name"], a["new"]) for a in json.loads(r.output)["assigned"]] == [
        ("pc-newer", "D010110-002")
    ]
    # never-reuse (config): seat 4 freed by a retirement is not given again, 5 is
    nc(campus, "ci", "set", "pc-010110-004", "--lifecycle", "retired")
    (campus / "config.toml").write_text('[labels]\nseats = "never-reuse"\n')
    con = sqlite3.connect(campus / "cmdb.sqlite")
    con.execute(
        "INSERT INTO ci (name, class, status, missed_runs, attr_sources, first_seen, "
        "last_seen, location_id) VALUES ('pc-newest', 'pc', 'active', 0, '{}', "
        "'2026-12-01', '2026-12-01', ?)",
        (loc,),
    )
    con.commit()
    con.close()
    r = nc(campus, "label", "assign", "--room", "D010110", "--json")
    assert [a["new"] for a in json.loads(r.output)["assigned"]] == ["D010110-005"]


def test_departments_by_room_and_building_inherited_and_in_the_impact_notify_list(campus):
    r = nc(
        campus,
        "room",
        "set",
        "D010110",
        "--name",
        "挂号室",
        "--department",
        "门诊部",
        "--contact",
        "刘护士长 6110",
        "--json",
    )
    assert {c["attribute"] for c in json.loads(r.output)["changes"]} == {
        "name",
        "department",
        "contact",
    }
    nc(
        campus,
        "building",
        "set",
        "01",
        "--name",
        "门诊楼",
        "--department",
        "信息科",
        "--contact",
        "王五 8001",
    )
    nc(campus, "ci", "set", "pc-010110-004", "--department", "财务科")  # its own
    show = json.loads(nc(campus, "ci", "show", "pc-010110-001", "--json").output)
    assert show["responsible"] == {
        "department": "门诊部",
        "contact": "刘护士长 6110",
        "department_from": "room",
        "contact_from": "room",
    }
    sw = json.loads(nc(campus, "ci", "show", "sw-acc-0101-1", "--json").output)
    assert (sw["responsible"]["department"], sw["responsible"]["department_from"]) == (
        "信息科",
        "building",
    )  # room 弱电间 has none of its own
    r = nc(campus, "impact", "sw-acc-0101-1", "sw-acc-0101-2", "--json")
    notify = {(n["department"], n["contact"]): n for n in json.loads(r.output)["summary"]["notify"]}
    assert notify[("门诊部", "刘护士长 6110")]["down"] == 3
    assert notify[("财务科", "刘护士长 6110")]["down"] == 1  # own department, room's contact
    assert notify[("信息科", "王五 8001")]["failed"] == 2  # the failed switches' own people
    assert "门诊部" in nc(campus, "impact", "sw-acc-0101-1", "sw-acc-0101-2").output


def test_bulk_ci_set_selects_shows_the_diff_dry_and_writes_in_one_transaction(campus):
    r = nc(
        campus,
        "ci",
        "set",
        "--where-room",
        "D010110",
        "--where-class",
        "pc",
        "--department",
        "信息科",
        "--dry-run",
        "--json",
    )
    plan = json.loads(r.output)
    assert plan["dry_run"] and plan["selected"] == 4
    assert [e["name"] for e in plan["changed"]] == [f"pc-010110-00{i}" for i in range(1, 5)]
    assert plan["changed"][0]["changes"] == [
        {"attribute": "department", "old": None, "new": "信息科"}
    ]
    assert _count(campus, "SELECT count(*) FROM ci WHERE department IS NOT NULL") == 0
    r = nc(
        campus,
        "ci",
        "set",
        "--where-room",
        "D010110",
        "--where-class",
        "pc",
        "--department",
        "信息科",
    )
    assert "4 CIs selected, changed 4" in r.output
    assert _count(campus, "SELECT count(*) FROM ci WHERE department = '信息科'") == 4
    assert _count(campus, "SELECT count(*) FROM change WHERE attribute = 'department'") == 4


@pytest.mark.parametrize(
    "args, message",
    [
        (("ci", "set", "--where-room", "D010110", "--label", "X"), "cannot set --label"),
        (("ci", "set", "--department", "x"), "needs a selection"),
        (
            ("ci", "set", "pc-010110-001", "--where-room", "D010110", "--department", "x"),
            "leave out",
        ),
        # --class / --status set values; a bulk selection by class or status is --where-*
        (
            ("ci", "set", "--where-room", "D010110", "--class", "pc", "--department", "x"),
            "use --where-class",
        ),
        (
            ("ci", "set", "--where-building", "01", "--status", "retired", "--owner", "x"),
            "use --where-status",
        ),
        (("ci", "set", "--room", "D010110", "--department", "x"), "--where-room"),
        (("ci", "set", "--where-class", "", "--department", "x"), "--where-class"),
        (("room", "set", "D01", "--name", "x"), ""),
        (("room", "set", "D010110"), "nothing to set"),
    ],
)
def test_bad_bulk_and_place_edits_exit_2_and_change_nothing(campus, args, message):
    r = nc_proc(campus, *args)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert _count(campus, "SELECT count(*) FROM change") == 0
    assert _count(campus, "SELECT count(*) FROM location WHERE department IS NOT NULL") == 0


def test_notes_travel_in_the_json_export_and_import_without_doubling(campus, tmp_path):
    nc(campus, "note", "add", "pc-010110-001", "开机蓝屏", "--kind", "fault", "--by", "张三")
    nc(campus, "note", "add", "sw-core-1", "更换电源模块", "--kind", "repair")
    out = tmp_path / "cmdb.json"
    nc(campus, "export", "json", "-o", str(out))
    doc = json.loads(out.read_text("utf-8"))
    assert [(n["ci"], n["kind"], n["text"]) for n in doc["notes"]] == [
        ("pc-010110-001", "fault", "开机蓝屏"),
        ("sw-core-1", "repair", "更换电源模块"),
    ]
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    nc(fresh, "import", "json", str(out))
    nc(fresh, "import", "json", str(out))  # twice: the journal is not doubled
    notes = json.loads(nc(fresh, "note", "list", "--json").output)
    assert [(n["ci"], n["author"], n["at"]) for n in notes] == [
        (n["ci"], n.get("author"), n["at"]) for n in doc["notes"]
    ]
    again = tmp_path / "again.json"
    nc(fresh, "export", "json", "-o", str(again))
    assert json.loads(again.read_text("utf-8"))["notes"] == doc["notes"]
    doc["notes"].append({"ci": "no-such-ci", "text": "x"})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    r = nc_proc(fresh, "import", "json", str(bad))
    assert r.returncode == 2 and "notes[2] (no-such-ci): no CI is called" in r.stderr, r.stderr
    doc["notes"][-1] = {"ci": "sw-core-1", "text": "x", "kind": "rumour"}
    bad.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    r = nc_proc(fresh, "import", "json", str(bad))
    assert r.returncode == 2 and "notes[2] (sw-core-1): unknown note kind" in r.stderr
    assert len(json.loads(nc(fresh, "note", "list", "--json").output)) == 2


def test_period_report_and_xlsx_period_sheet(campus, tmp_path):
    import datetime as dt

    import openpyxl

    today = dt.datetime.now(dt.UTC).date().isoformat()
    nc(campus, "note", "add", "pc-010110-001", "开机蓝屏 <script>", "--kind", "fault")
    nc(campus, "note", "add", "pc-010110-001", "更换硬盘", "--kind", "repair", "--by", "李四")
    nc(campus, "ci", "set", "pc-010110-002", "--lifecycle", "retired")
    nc(campus, "ci", "set", "pc-010110-003", "--location", "01/01/11")
    nc(campus, "ci", "set", "jwxt-db", "--location", "01/01/11")  # placed, not moved
    nc(campus, "room", "set", "D010110", "--department", "门诊部")
    n_cis = _count(campus, "SELECT count(*) FROM ci")
    html = tmp_path / "r.html"
    nc(campus, "export", "report", "--since", today, "-o", str(html))
    text = html.read_text("utf-8")
    assert f'data-count="period-new">{n_cis}<' in text
    assert 'data-count="period-retired">1<' in text and 'data-count="period-moved">1<' in text
    assert 'data-count="period-faults">1<' in text and 'data-count="period-repairs">1<' in text
    assert "开机蓝屏 &lt;script&gt;" in text and "<script>" not in text
    assert 'data-count="department:门诊部">2<' in text  # 4 PCs: one retired, one moved out
    book = tmp_path / "r.xlsx"
    nc(campus, "export", "xlsx", "--since", today, "--until", today, "-o", str(book))
    ws = openpyxl.load_workbook(book)["Period"]
    rows = [tuple(c for c in r if c is not None) for r in ws.iter_rows(values_only=True)]
    assert ("retired", "pc-010110-002", "pc") in [r[:3] for r in rows]
    assert ("repair", "pc-010110-001", "repair") in [r[:3] for r in rows]
    assert ("门诊部", 2) in rows
    old = tmp_path / "old.html"
    nc(campus, "export", "report", "--since", "2020-01-01", "--until", "2020-01-31", "-o", str(old))
    assert 'data-count="period-new">0<' in old.read_text("utf-8")
    for args, message in (
        (("--since", "上个月"), "--since must look like"),
        (("--since", today, "--until", "2020-01-01"), "is before"),
        (("--until", today), "--until needs --since"),
    ):
        r = nc_proc(campus, "export", "report", "-o", str(tmp_path / "x.html"), *args)
        assert r.returncode == 2 and message in r.stderr, r.stderr
        assert not (tmp_path / "x.html").exists()
