"""Asset codes (设备分类编码): the rule as config data, given out by ``label assign``, unique,
on the printed label (second line, QR, CSV), found by ``ci show`` and ``search``."""

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
from netcmdb.errors import ConfigError
from netcmdb.labeling.asset_codes import asset_code_rule

CONFIG = """
[asset_codes]
unit = "HOSP"
[asset_codes.categories]
pc = "PC"
switch = "SW"
printer = "PR"
"""


def nc(home: Path, *args: str):  # type: ignore[no-untyped-def]
    env = {"NETCMDB_CONFIG": str(home / "config.toml"), "NETCMDB_DB": None}
    r = CliRunner().invoke(cli, ["--db", f"sqlite:///{home / 'cmdb.sqlite'}", *args], env=env)
    assert r.exit_code == 0, r.output
    return r


@pytest.fixture
def campus(tmp_path: Path) -> Path:
    nc(tmp_path, "import", "json", str(example_campus_path()))
    (tmp_path / "config.toml").write_text(CONFIG)
    return tmp_path


def _codes(home: Path) -> dict[str, str]:
    con = sqlite3.connect(home / "cmdb.sqlite")
    try:
        return dict(con.execute("SELECT name, asset_code FROM ci WHERE asset_code IS NOT NULL"))
    finally:
        con.close()


def test_label_assign_gives_codes_by_unit_category_room_and_they_are_printed(campus, tmp_path):
    plan = json.loads(nc(campus, "label", "assign", "--dry-run", "--json").output)
    assert plan["asset_codes"] and _codes(campus) == {}
    res = json.loads(nc(campus, "label", "assign", "--json").output)
    codes = _codes(campus)
    assert codes["pc-010110-001"] == "HOSP-PC-D010110-001"
    assert codes["pc-010110-004"] == "HOSP-PC-D010110-004"
    assert codes["sw-core-1"] == "HOSP-SW-D010101-001"
    assert len(set(codes.values())) == len(codes)
    assert any("no category for class firewall" in s["reason"] for s in res["asset_codes_skipped"])
    again = json.loads(nc(campus, "label", "assign", "--json").output)
    assert again["asset_codes"] == []  # codes are never changed
    show = json.loads(nc(campus, "ci", "show", "HOSP-PC-D010110-001", "--json").output)
    assert show["name"] == "pc-010110-001"
    hits = json.loads(nc(campus, "search", "PC-D010110", "--json").output)
    assert {h["title"] for h in hits if h["kind"] == "ci"} == {
        f"pc-010110-00{i}" for i in range(1, 5)
    }
    out = tmp_path / "labels.csv"
    nc(
        campus,
        "label",
        "print",
        "--room",
        "D010110",
        "--format",
        "csv",
        "--qr",
        "{label} {asset_code}",
        "-o",
        str(out),
    )
    text = out.read_text("utf-8-sig")
    assert "D010110-001 HOSP-PC-D010110-001" in text and text.splitlines()[0].endswith("asset_code")
    pdf = tmp_path / "labels.pdf"
    nc(campus, "label", "print", "--room", "D010110", "--format", "pdf", "-o", str(pdf))
    if shutil.which("pdftotext"):
        txt = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "HOSP-PC-D010110-001" in txt
    # a new PC in the room gets the next number of its prefix
    con = sqlite3.connect(campus / "cmdb.sqlite")
    loc = con.execute("SELECT location_id FROM ci WHERE name = 'pc-010110-001'").fetchone()[0]
    con.execute(
        "INSERT INTO ci (name, class, status, missed_runs, attr_sources, first_seen, "
        "last_seen, location_id) VALUES ('pc-extra', 'pc', 'active', 0, '{}', "
        "'2026-12-01', '2026-12-01', ?)",
        (loc,),
    )
    con.commit()
    con.close()
    nc(campus, "label", "assign")
    assert _codes(campus)["pc-extra"] == "HOSP-PC-D010110-005"


@pytest.mark.parametrize(
    "table, message",
    [
        ({"unit": ""}, "unit must be"),
        ({"unit": "HOSP", "categories": {"pc": "P C"}}, "categories"),
        ({"unit": "HOSP", "digits": 0}, "digits"),
        ({"unit": "HOSP", "prefix": "x"}, "no key 'prefix'"),
    ],
)
def test_bad_asset_code_tables_are_refused(table, message):
    with pytest.raises(ConfigError, match=message):
        asset_code_rule(table)


def test_a_bad_asset_code_table_is_one_line_and_writes_nothing(campus):
    (campus / "config.toml").write_text('[asset_codes]\nunit = "医院"\n')
    e = {**os.environ, "NETCMDB_CONFIG": str(campus / "config.toml")}
    e.pop("NETCMDB_DB", None)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "netcmdb",
            "--db",
            f"sqlite:///{campus / 'cmdb.sqlite'}",
            "label",
            "assign",
        ],
        check=False,
        capture_output=True,
        text=True,
        env=e,
        timeout=120,
    )
    assert r.returncode == 2 and "[asset_codes] unit" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert _codes(campus) == {}


def test_asset_codes_departments_and_lifecycle_are_exported_and_imported(campus, tmp_path):
    import openpyxl

    nc(campus, "label", "assign")
    nc(campus, "ci", "set", "pc-010110-001", "--department", "门诊部", "--lifecycle", "repair")
    out = tmp_path / "c.json"
    nc(campus, "export", "json", "-o", str(out))
    doc = json.loads(out.read_text("utf-8"))
    pc = next(c for c in doc["cis"] if c["name"] == "pc-010110-001")
    assert (pc["asset_code"], pc["department"], pc["lifecycle"]) == (
        "HOSP-PC-D010110-001",
        "门诊部",
        "repair",
    )
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    nc(fresh, "import", "json", str(out))
    again = tmp_path / "again.json"
    nc(fresh, "export", "json", "-o", str(again))
    assert json.loads(again.read_text("utf-8"))["cis"] == doc["cis"]
    book = tmp_path / "c.xlsx"
    nc(campus, "export", "xlsx", "-o", str(book))
    wb = openpyxl.load_workbook(book)
    cells = {
        str(v)
        for ws in wb.worksheets
        for r in ws.iter_rows(values_only=True)
        for v in r
        if v is not None
    }
    assert {"Asset code", "HOSP-PC-D010110-001", "Department", "门诊部"} <= cells
