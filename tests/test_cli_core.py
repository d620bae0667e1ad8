"""The core CLI as a user runs it (subprocess, ``python -m netcmdb``): init, import/export,
ci list/show/set, runs, config, and one-line errors with exit status 2."""

from __future__ import annotations

import csv
import io
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
from netcmdb.cmdb.db import SCHEMA_HEAD
from netcmdb.demo import example_campus_path


def nc(tmp_path: Path, *args: str, ok: bool = True):
    """Run the CLI in-process (click's runner): fast, for success paths."""
    env = {"NETCMDB_CONFIG": str(tmp_path / "config.toml"), "NETCMDB_DB": None}
    r = CliRunner().invoke(
        cli,
        ["--db", f"sqlite:///{tmp_path / 'cmdb.sqlite'}", *args],
        env=env,
        catch_exceptions=not ok,
    )
    if ok:
        assert r.exit_code == 0, r.output
    return r


def nc_proc(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``python -m netcmdb`` as a user would: real exit status and stderr."""
    e = {**os.environ, "NETCMDB_CONFIG": str(tmp_path / "config.toml")}
    e.pop("NETCMDB_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "netcmdb", "--db", f"sqlite:///{tmp_path / 'cmdb.sqlite'}", *args],
        capture_output=True,
        text=True,
        env=e,
        timeout=120,
    )


@pytest.fixture(scope="module")
def campus_db(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    d = tmp_path_factory.mktemp("campus")
    nc(d, "import", "json", str(example_campus_path()))
    import sqlite3

    con = sqlite3.connect(d / "cmdb.sqlite")  # fold the WAL in, so a file copy is complete
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return d / "cmdb.sqlite"


@pytest.fixture
def campus(tmp_path: Path, campus_db: Path) -> Path:
    """A CMDB holding the example campus (a copy per test)."""
    shutil.copyfile(campus_db, tmp_path / "cmdb.sqlite")
    return tmp_path


def test_init_creates_then_reports_up_to_date(tmp_path):
    r1 = nc(tmp_path, "init")
    r2 = nc(tmp_path, "init")
    assert r1.output.startswith(f"created the CMDB schema (revision {SCHEMA_HEAD})")
    assert r2.output.startswith("the CMDB schema is up to date")


def test_other_commands_create_the_schema_on_first_use(tmp_path):
    r = nc(tmp_path, "ci", "list", "--json")
    assert json.loads(r.output) == []


def test_example_campus_round_trips_through_the_cli(campus, tmp_path):
    out = tmp_path / "export.json"
    nc(campus, "export", "json", "-o", str(out))
    exported = json.loads(out.read_text(encoding="utf-8"))
    original = json.loads(example_campus_path().read_text(encoding="utf-8"))
    assert exported["cis"] == original["cis"]
    assert exported["groups"] == original["groups"]
    key = lambda x: json.dumps(x, sort_keys=True)  # noqa: E731
    assert sorted(map(key, exported["dependencies"])) == sorted(map(key, original["dependencies"]))

    # a link is one cable whichever end the file names first
    def norm(lk: dict) -> tuple:
        return tuple(sorted([(lk["a"], lk.get("a_port", "")), (lk["b"], lk.get("b_port", ""))]))

    assert sorted(map(norm, exported["links"])) == sorted(map(norm, original["links"]))
    # and a second database fed the export exports the same document
    other = tmp_path / "other"
    other.mkdir()
    nc(other, "import", "json", str(out))
    assert json.loads(nc(other, "export", "json").output) == exported


def test_ci_list_filters_and_json_shape(campus):
    recs = json.loads(
        nc(campus, "ci", "list", "--class", "printer", "--building", "02", "--json").output
    )
    assert recs and all(r["class"] == "printer" and r["location"]["building"] == "02" for r in recs)
    assert {"id", "name", "class", "status", "first_seen", "last_seen"} <= set(recs[0])
    table = nc(campus, "ci", "list", "--room", "D010210").output
    assert "pc-010210-009" in table and "sw-core-1" not in table


@pytest.mark.parametrize(
    "query", ["D010210-009", "pc-010210-009", "10.12.10.19", "54-EE-75-00-00-46"]
)
def test_ci_show_by_label_name_ip_or_mac(campus, query):
    d = json.loads(nc(campus, "ci", "show", query, "--json").output)
    assert d["label"] == "D010210-009"
    assert d["location"]["name"] == "计算机实验室1"
    assert d["relationships"][0]["peer"] == "sw-acc-0102-1"


def test_ci_set_is_manual_and_recorded(campus):
    r = nc(
        campus,
        "ci",
        "set",
        "sw-acc-0102-1",
        "--location",
        "01/02/00",
        "--room-name",
        "二楼弱电间",
        "--seat",
        "7",
        "--owner",
        "网络组",
        "--role",
        "access",
    )
    assert "seat: 1 -> 7" in r.output
    d = json.loads(nc(campus, "ci", "show", "sw-acc-0102-1", "--json").output)
    assert (d["seat"], d["owner"], d["sources"]["seat"]) == (7, "网络组", "manual")
    assert d["location"]["name"] == "二楼弱电间"
    assert any(h["attribute"] == "owner" and h["source"] == "manual" for h in d["history"])


def test_ci_set_and_history_show_rooms_as_the_label_rule_does(campus):
    """The stored change text is building/floor/room; every output shows the rule's room code."""
    r = nc(campus, "ci", "set", "sw-acc-0102-1", "--location", "D010210")
    assert r.output == "sw-acc-0102-1: location: D010200 -> D010210\n"
    d = json.loads(nc(campus, "ci", "show", "sw-acc-0102-1", "--json").output)
    moved = [(h["old"], h["new"]) for h in d["history"] if h["attribute"] == "location"]
    assert moved == [("D010200", "D010210")]
    shown = nc(campus, "ci", "show", "sw-acc-0102-1").output
    assert "D010210" in shown and "01/02/10" not in shown
    with sqlite3.connect(campus / "cmdb.sqlite") as con:  # the stored row is left as it was
        stored = con.execute("SELECT old, new FROM change WHERE attribute = 'location'").fetchall()
    assert stored == [("01/02/00", "01/02/10")]


def test_an_imported_move_shows_rooms_as_the_label_rule_does(campus, tmp_path):
    """Discovery and import record a move as the location's row id; history shows the room."""
    doc = {
        "format": "netcmdb/1",
        "cis": [
            {
                "name": "pc-010210-009",
                "class": "pc",
                "location": {"building": "01", "floor": "03", "room": "05"},
            }
        ],
    }
    f = tmp_path / "moved.json"
    f.write_text(json.dumps(doc))
    nc(campus, "import", "json", str(f))
    d = json.loads(nc(campus, "ci", "show", "pc-010210-009", "--json").output)
    moved = [(h["old"], h["new"]) for h in d["history"] if h["attribute"].startswith("location")]
    assert moved == [("D010210", "D010305")]


def test_runs_list_show_diff(campus, tmp_path):
    doc = {
        "format": "netcmdb/1",
        "cis": [
            {"name": "pc-010210-009", "class": "pc", "os_version": "11 24H2"},
            {"name": "new-kiosk", "class": "pc", "ip": "10.12.10.200"},
        ],
    }
    f = tmp_path / "delta.json"
    f.write_text(json.dumps(doc))
    nc(campus, "import", "json", str(f))
    runs = json.loads(nc(campus, "runs", "list", "--json").output)
    assert [r["id"] for r in runs] == [2, 1]
    assert [r["moved"] for r in runs] == [0, 0]  # an import places, it does not move
    header = nc(campus, "runs", "list").output.splitlines()
    assert any("changed" in h and "moved" in h and "missing" in h for h in header)
    show = json.loads(nc(campus, "runs", "show", "2", "--json").output)
    assert [c["name"] for c in show["new_cis"]] == ["new-kiosk"]
    assert [c["name"] for c in show["changed_cis"]] == ["pc-010210-009"]
    diff = json.loads(nc(campus, "runs", "diff", "1", "2", "--json").output)
    assert diff["only_in_to"] == ["new-kiosk"]
    assert {
        "ci": "pc-010210-009",
        "attribute": "os_version",
        "old": "10 22H2",
        "new": "11 24H2",
        "run": 2,
    } in diff["changes"]
    text = nc(campus, "runs", "show", "2").output
    assert "new-kiosk" in text and "os_version" in text


def test_csv_export_import(campus, tmp_path):
    text = nc(campus, "export", "csv").output
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 440 and rows[0]["name"] == "sw-core-1"
    f = tmp_path / "assets.csv"
    f.write_text(text, encoding="utf-8")
    other = tmp_path / "o"
    other.mkdir()
    r = nc(other, "import", "csv", str(f))
    assert "440 new" in r.output
    again = nc(other, "export", "csv").output

    def strip(t: str) -> list[dict[str, str]]:  # the bookkeeping columns differ, nothing else
        return [
            {k: v for k, v in r.items() if k not in ("id", "first_seen", "last_seen")}
            for r in csv.DictReader(io.StringIO(t))
        ]

    assert strip(again) == strip(text)


BAD_FILES = [
    (
        '{"format": "netcmdb/1", "cis": [{"name": "x", "class": "pc", "ip": "10.0.0.300"}]}',
        "error: cis[0] (x): bad IP '10.0.0.300'",
    ),
    (
        '{"format": "netcmdb/1", "cis": [{"name": "x", "class": "pc", "label": "D010210-009"}]}',
        "error: cis[0] (x): label D010210-009 already belongs to CI 'pc-010210-009'",
    ),
    ('{"format": "netcmdb/1",', "error: "),
]


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
def test_bad_import_one_line_exit_2_nothing_changed(campus, tmp_path, content, message):
    before = nc(campus, "export", "json").output
    f = tmp_path / "bad.json"
    f.write_text(content)
    r = nc_proc(campus, "import", "json", str(f))
    assert r.returncode == 2
    assert r.stderr.startswith(message) and r.stderr.count("\n") == 1
    assert "Traceback" not in r.stderr
    assert nc(campus, "export", "json").output == before
    assert len(json.loads(nc(campus, "runs", "list", "--json").output)) == 1


def test_unknown_ci_and_run_are_one_line_errors(campus):
    for args in (
        ["ci", "show", "nope"],
        ["runs", "show", "99"],
        ["ci", "set", "nope", "--seat", "1"],
    ):
        r = nc_proc(campus, *args)
        assert r.returncode == 2 and r.stderr.startswith("error: ") and "Traceback" not in r.stderr


def test_config_path_show_and_secrets(tmp_path):
    cfg = tmp_path / "config.toml"
    assert nc(tmp_path, "config", "path").output.strip() == str(cfg)
    cfg.write_text(
        '[database]\nurl = "sqlite:///x.db"\n[credentials.lab]\n'
        'community = "s3cret"\npassword_env = "LAB_PW"\n[cmdb]\nmissing_after = 2\n'
    )
    cfg.chmod(0o600)
    shown = nc(tmp_path, "config", "show", "--json").output
    data = json.loads(shown)
    assert data["credentials"]["lab"] == {"community": "***", "password_env": "LAB_PW"}
    assert "s3cret" not in shown and "s3cret" not in nc(tmp_path, "config", "show").output
    cfg.chmod(0o644)
    r = nc_proc(tmp_path, "config", "show")
    assert r.returncode == 2 and "chmod 600" in r.stderr
    cfg.write_text("[cmdb]\nidentification = ['serial', 'colour']\n")
    r = nc_proc(tmp_path, "ci", "list")
    assert r.returncode == 2 and "identification rules" in r.stderr


def test_config_database_url_is_used(tmp_path):
    cfg = tmp_path / "config.toml"
    db = tmp_path / "from-config.sqlite"
    cfg.write_text(f'[database]\nurl = "sqlite:///{db}"\n')
    e = {**os.environ, "NETCMDB_CONFIG": str(cfg)}
    e.pop("NETCMDB_DB", None)
    r = subprocess.run(
        [sys.executable, "-m", "netcmdb", "init"], capture_output=True, text=True, env=e, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert db.exists() and str(db) in r.stdout


def test_demo_writes_its_outputs(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "netcmdb.demo", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads((tmp_path / "out" / "cmdb.json").read_text(encoding="utf-8"))
    assert len(doc["cis"]) == 440
    assert (tmp_path / "out" / "assets.csv").read_text(encoding="utf-8").count("\n") == 441


def test_run_summary_keeps_its_line_breaks_and_escapes_device_names(capsys):
    """The summary's moved/gateways lines are lines (not a literal backslash-n), while a line
    break inside a device name is shown escaped."""
    from types import SimpleNamespace

    from netcmdb.commands.common import echo_summary

    s = SimpleNamespace(
        run_id=3,
        new=["a"],
        changed=[],
        moved=["10.0.0.7"],
        seen=2,
        missing=[],
        failed=[],
        gateways=["gw\nx"],
    )
    echo_summary("snmp", s)
    assert capsys.readouterr().out.splitlines() == [
        "snmp: run 3: 1 new, 0 changed, 1 moved, 2 seen, 0 missing, 0 failed",
        "  moved: 10.0.0.7",
        "  gateways: gw\\nx",
    ]


def test_ci_list_loads_neither_the_graph_library_nor_the_reconciler(tmp_path):
    """Every command pays for its imports: ``ci list`` reads the CMDB, so networkx (graphs) and
    the reconciler (imports, scans) stay unloaded (they cost ~0.1 s of each run; see
    benchmarks/RESULTS.md "CLI start-up")."""
    assert nc_proc(tmp_path, "init").returncode == 0
    code = (
        "import sys\n"
        "from netcmdb.cli import cli\n"
        "try:\n"
        f"    cli(['--db', 'sqlite:///{tmp_path / 'cmdb.sqlite'}', 'ci', 'list', '--json'])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "heavy = ('networkx', 'netcmdb.cmdb.reconcile', 'netcmdb.cmdb.importer')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    env = {**os.environ, "NETCMDB_CONFIG": str(tmp_path / "config.toml")}
    env.pop("NETCMDB_DB", None)
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]" and r.stderr.strip().splitlines()[-1] == "[]", r.stderr
