"""``netcmdb import xlsx``: the hospital's Excel register with Chinese headers, written by
openpyxl and by LibreOffice, and the same as CSV in UTF-8 (with and without BOM) and GB18030."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from netcmdb.cli import cli
from netcmdb.demo import example_campus_path

HEADER = [
    "序号",
    "设备名称",
    "资产编号",
    "序列号",
    "MAC地址",
    "IP地址",
    "位置/房间",
    "使用科室",
    "责任人",
    "状态",
    "购置日期",
]
ROWS = [
    # matches pc-010110-001 by its serial; fills what discovery cannot know
    [
        1,
        "pc-010110-001",
        "HOSP-PC-0001",
        "PF3713161",
        "",
        "",
        "D010110",
        "门诊部",
        "张三",
        "在用",
        date(2021, 3, 15),
    ],
    # matches pc-010110-002 by its MAC (another spelling); moves it to another room
    [
        2,
        "pc-010110-002",
        "HOSP-PC-0002",
        "",
        "54-EE-75-00-00-15",
        "",
        "D010111",
        "门诊部",
        "李四",
        "维修",
        "2020/05/01",
    ],
    # a new printer nobody scanned yet
    [
        3,
        "挂号打印机",
        "HOSP-PR-0001",
        "CNB1234567",
        "00:1b:a9:00:00:01",
        "10.11.10.99",
        "D010110",
        "门诊部",
        "张三",
        "库存",
        "2023-01-10",
    ],
]


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


def _xlsx(path: Path, header: list[str], rows: list[list[object]], title: str = "资产台账") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(["某某医院信息设备资产台账"])  # a title row above the header, as registers have
    ws.append([])
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _csv_text(header: list[str], rows: list[list[object]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow([v.isoformat() if isinstance(v, date) else v for v in r])
    return buf.getvalue()


def _state(home: Path) -> list[tuple[object, ...]]:
    con = sqlite3.connect(home / "cmdb.sqlite")
    try:
        return con.execute(
            "SELECT ci.name, asset_code, ci.department, ci.contact, lifecycle, purchase_date, "
            "location.room FROM ci LEFT JOIN location ON location.id = ci.location_id "
            "WHERE asset_code IS NOT NULL ORDER BY asset_code"
        ).fetchall()
    finally:
        con.close()


EXPECTED = [
    ("pc-010110-001", "HOSP-PC-0001", "门诊部", "张三", "in_use", "2021-03-15", "10"),
    ("pc-010110-002", "HOSP-PC-0002", "门诊部", "李四", "repair", "2020-05-01", "11"),
    ("挂号打印机", "HOSP-PR-0001", "门诊部", "张三", "in_stock", "2023-01-10", "10"),
]


def test_xlsx_register_dry_run_then_import_then_a_scan_finds_the_same_ci(campus):
    book = _xlsx(campus / "台账.xlsx", HEADER, ROWS)
    r = nc(campus, "import", "xlsx", str(book), "--dry-run", "--json")
    plan = json.loads(r.output)
    assert [e["name"] for e in plan["new"]] == ["挂号打印机"] and plan["new"][0]["row"] == 6
    assert [(e["row"], e["ci"]) for e in plan["changed"]] == [
        (4, "pc-010110-001"),
        (5, "pc-010110-002"),
    ]
    assert plan["ignored_columns"] == ["序号"]
    assert _state(campus) == []  # the dry run wrote nothing
    r = nc(campus, "import", "xlsx", str(book))
    assert "1 new, 2 changed, 0 unchanged, 0 unmatched" in r.output
    assert _state(campus) == EXPECTED
    again = json.loads(nc(campus, "import", "xlsx", str(book), "--json").output)
    assert (again["new"], again["changed"], again["unchanged"]) == ([], [], 3)
    # the new printer's identifiers are registered: a scan seeing it makes no second CI
    from netcmdb.cmdb.db import make_engine, session_scope
    from netcmdb.cmdb.reconcile import ingest
    from netcmdb.discovery.facts import DeviceClass, DeviceFact, Source

    eng = make_engine(f"sqlite:///{campus / 'cmdb.sqlite'}")
    with session_scope(eng) as s:
        summary = ingest(
            s,
            [
                DeviceFact(
                    source=Source.SNMP,
                    ip="10.11.10.99",
                    serial="CNB1234567",
                    hostname="NPI0001",
                    device_class=DeviceClass.PRINTER,
                )
            ],
            source="snmp",
            targets=["10.11.10.0/24"],
            methods=["snmp"],
        )
    eng.dispose()
    assert summary.new == []
    assert _state(campus)[2][0] == "挂号打印机"  # the register's name beats the sysName
    hist = json.loads(nc(campus, "ci", "show", "pc-010110-002", "--json").output)["history"]
    assert {"attribute": "lifecycle", "new": "repair", "source": "register"} in [
        {k: h[k] for k in ("attribute", "new", "source")} for h in hist
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_register_in_each_encoding(campus, encoding):
    f = campus / "台账.csv"
    f.write_bytes(_csv_text(HEADER, ROWS).encode(encoding))
    nc(campus, "import", "xlsx", str(f))
    assert _state(campus) == EXPECTED


@pytest.mark.parametrize(
    "bad_row, cell, message",
    [
        (1, (4, "54:EE:75:ZZ"), "row 5: MAC地址 '54:EE:75:ZZ' is not a MAC address"),
        (2, (6, "二楼机房"), "row 6: room '二楼机房'"),
        (0, (9, "丢失"), "row 4: 状态 '丢失' is not a known state"),
        (2, (10, "去年"), "row 6: 购置日期 '去年' is not a date"),
        (2, (2, "HOSP-PC-0001"), "row 6: asset_code HOSP-PC-0001 is also on row 4"),
    ],
)
def test_a_bad_row_is_named_by_its_sheet_row_and_nothing_is_written(campus, bad_row, cell, message):
    rows = [list(r) for r in ROWS]
    rows[bad_row][cell[0]] = cell[1]
    book = _xlsx(campus / "bad.xlsx", HEADER, rows)
    before = _count_changes(campus)
    r = nc_proc(campus, "import", "xlsx", str(book))
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert _state(campus) == [] and _count_changes(campus) == before


def _count_changes(home: Path) -> int:
    con = sqlite3.connect(home / "cmdb.sqlite")
    try:
        return int(
            con.execute(
                "SELECT (SELECT count(*) FROM change) + (SELECT count(*) FROM ci)"
            ).fetchone()[0]
        )
    finally:
        con.close()


def test_update_only_map_profile_and_sheet(campus):
    header = ["Hostname", "Tag", "SN", "Dept", "备注信息"]
    rows = [
        ["pc-010110-001", "T-1", "PF3713161", "财务科", "x"],
        ["nobody-knows-me", "T-9", "ZZZ999", "财务科", "y"],
    ]
    wb = openpyxl.Workbook()
    wb.active.title = "封面"
    ws = wb.create_sheet("台账")
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(campus / "en.xlsx")
    (campus / "config.toml").write_text(
        '[register.profiles.english]\nHostname = "name"\nTag = "asset_code"\nSN = "serial"\n'
    )
    r = nc(
        campus,
        "import",
        "xlsx",
        str(campus / "en.xlsx"),
        "--sheet",
        "台账",
        "--profile",
        "english",
        "--map",
        "Dept=department",
        "--update-only",
        "--json",
    )
    out = json.loads(r.output)
    assert out["new"] == [] and [u["row"] for u in out["unmatched"]] == [3]
    assert out["ignored_columns"] == ["备注信息"]
    assert _state(campus) == [("pc-010110-001", "T-1", "财务科", None, None, None, "10")]
    for args, message in (
        (("--sheet", "无此表"), "no sheet '无此表'"),
        (("--profile", "nope"), "--profile nope"),
        (("--map", "Hostname"), "expected HEADER=FIELD"),
        (("--map", "Hostname=hostname"), "unknown field 'hostname'"),
    ):
        r = nc_proc(campus, "import", "xlsx", str(campus / "en.xlsx"), *args)
        assert r.returncode == 2 and message in r.stderr, r.stderr


def test_register_written_by_libreoffice(campus, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip(
            "LibreOffice (soffice) not installed; .ci/system-deps.sh installs "
            "libreoffice-calc-nogui"
        )
    src = tmp_path / "lo" / "register.csv"
    src.parent.mkdir()
    src.write_text(_csv_text(HEADER, ROWS), encoding="utf-8")
    profile = tmp_path / "lo-profile"
    r = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(src.parent),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    book = src.with_suffix(".xlsx")
    assert r.returncode == 0 and book.exists(), r.stderr
    assert openpyxl.load_workbook(book).active["B1"].value == "设备名称"  # really LibreOffice's
    nc(campus, "import", "xlsx", str(book))
    assert _state(campus) == EXPECTED


def test_purchase_date_is_shown_by_ci_show_and_the_web_ci_page(campus):
    """The register's 购置日期 is visible where a CI is looked at: ``ci show`` (text and
    --json) and the web CI page."""
    from fastapi.testclient import TestClient

    from netcmdb.web.app import create_app

    nc(campus, "import", "xlsx", str(_xlsx(campus / "台账.xlsx", HEADER, ROWS)))
    shown = json.loads(nc(campus, "ci", "show", "pc-010110-001", "--json").output)
    assert shown["purchase_date"] == "2021-03-15"
    text = nc(campus, "ci", "show", "pc-010110-001").output
    assert any(
        [w for w in line.split() if w not in "│┃|"][:2] == ["purchase_date", "2021-03-15"]
        for line in text.splitlines()
    ), text
    url = f"sqlite:///{campus / 'cmdb.sqlite'}"
    with TestClient(create_app(url, open_read=True)) as c:
        page = c.get(f"/ci/{shown['id']}")
    assert page.status_code == 200
    assert "<th>purchase_date</th><td>2021-03-15</td>" in page.text
    assert "<th>asset_code</th><td>HOSP-PC-0001</td>" in page.text
    # a CI without one shows no empty row
    other = json.loads(nc(campus, "ci", "show", "sw-core-1", "--json").output)
    assert other["purchase_date"] is None
    assert "purchase_date" not in nc(campus, "ci", "show", "sw-core-1").output
