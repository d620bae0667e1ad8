"""The service layer the CLI and the web both call: the same data as the CLI's ``--json``, and
one run-summary shape everywhere."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from netcmdb.cli import cli
from netcmdb.demo import example_campus_path
from netcmdb.services import cis, export, impact, ingest, labels, runs, where
from netcmdb.services.context import Cmdb

SUMMARY_KEYS = {"run_id", "new", "changed", "missing", "failed", "seen"}


def nc(tmp_path: Path, *args: str) -> str:
    env = {
        "NETCMDB_CONFIG": str(tmp_path / "config.toml"),
        "NETCMDB_DB": None,
        "NETCMDB_CACHE_DIR": str(tmp_path / "cache"),
    }
    r = CliRunner().invoke(
        cli,
        ["--db", f"sqlite:///{tmp_path / 'cmdb.sqlite'}", *args],
        env=env,
        catch_exceptions=False,
    )
    assert r.exit_code == 0, r.output
    return r.stdout


@pytest.fixture(scope="module")
def campus_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("campus")
    out = json.loads(nc(d, "import", "json", str(example_campus_path()), "--json"))
    assert SUMMARY_KEYS <= set(out) and out["run_id"] == 1 and len(out["new"]) > 400
    import sqlite3

    con = sqlite3.connect(d / "cmdb.sqlite")  # fold the WAL in, so a file copy is complete
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return d / "cmdb.sqlite"


@pytest.fixture
def campus(tmp_path: Path, campus_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copyfile(campus_db, tmp_path / "cmdb.sqlite")
    monkeypatch.setenv("NETCMDB_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("NETCMDB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def _cmdb(d: Path) -> Cmdb:
    return Cmdb(f"sqlite:///{d / 'cmdb.sqlite'}")


def test_reads_are_the_cli_json(campus: Path) -> None:
    c = _cmdb(campus)
    assert cis.list_cis(c, {"class": "printer"}) == json.loads(
        nc(campus, "ci", "list", "--class", "printer", "--json")
    )
    assert cis.show_ci(c, "sw-acc-0102-1") == json.loads(
        nc(campus, "ci", "show", "sw-acc-0102-1", "--json")
    )
    assert runs.list_runs(c) == json.loads(nc(campus, "runs", "list", "--json"))
    assert runs.show_run(c, 1)["id"] == 1
    from netcmdb.errors import NotFoundError

    with pytest.raises(NotFoundError, match="never seen on a switch port"):
        where.where(c, "sw-acc-0102-1")  # an import reads no forwarding tables


def test_impact_is_exactly_the_cli_json(campus: Path) -> None:
    rep = impact.impact(_cmdb(campus), ["sw-dist-01-1"])
    assert rep == json.loads(nc(campus, "impact", "sw-dist-01-1", "--json"))
    assert rep["failed"] == ["sw-dist-01-1"] and rep["summary"]["down"] > 0
    spofs = impact.spof(_cmdb(campus), limit=5)
    assert spofs == json.loads(nc(campus, "topology", "spof", "--limit", "5", "--json"))


def test_set_ci_then_show(campus: Path) -> None:
    c = _cmdb(campus)
    res = cis.set_ci(c, "sw-acc-0102-1", {"owner": "net team"})
    assert res == {
        "ci": "sw-acc-0102-1",
        "changes": [{"attribute": "owner", "old": None, "new": "net team"}],
    }
    assert cis.show_ci(c, "sw-acc-0102-1")["owner"] == "net team"


def test_labels_and_export(campus: Path) -> None:
    c = _cmdb(campus)
    rule = labels.rule_of(c)
    assert labels.parse_label(rule, "D010210-003")["room_code"] == "D010210"
    assert labels.check(c, rule) == json.loads(
        CliRunner()
        .invoke(cli, ["--db", f"sqlite:///{campus / 'cmdb.sqlite'}", "label", "check", "--json"])
        .stdout
    )
    plan = labels.assign(c, rule, dry_run=True)
    assert plan["dry_run"] is True and set(plan) >= {"assigned", "skipped", "cleared"}
    assert json.loads(export.json_text(c)) == json.loads(nc(campus, "export", "json"))
    res = export.write(c, "yaml", campus / "a.yaml", buildings=["01"])
    assert res["format"] == "yaml" and 0 < res["cis"] and (campus / "a.yaml").stat().st_size


def test_pushed_facts_are_one_run_with_the_one_summary_shape(campus: Path) -> None:
    doc = {
        "results": [
            {
                "target": "10.9.9.9",
                "error": None,
                "error_kind": None,
                "duration_s": 0.1,
                "device": {
                    "source": "snmp",
                    "ip": "10.9.9.9",
                    "hostname": "pushed-sw",
                    "mac": "02:00:00:00:99:99",
                    "serial": "PUSH1",
                },
            }
        ]
    }
    summary = ingest.ingest_facts(_cmdb(campus), doc)
    d = runs.summary_dict(summary)
    assert SUMMARY_KEYS <= set(d) and d["new"] == ["pushed-sw"] and d["missing"] == []
    assert cis.show_ci(_cmdb(campus), "pushed-sw")["serial"] == "PUSH1"
    assert runs.show_run(_cmdb(campus), d["run_id"])["methods"] == ["snmp"]


@pytest.mark.parametrize(
    "doc", [[], {"results": 5}, {"results": [{"device": {}}]}, {"facts": [{"source": "nope"}]}]
)
def test_bad_pushed_facts_are_one_error_and_change_nothing(campus: Path, doc: object) -> None:
    from netcmdb.errors import ImportFormatError

    before = export.json_text(_cmdb(campus))
    with pytest.raises(ImportFormatError, match="facts"):
        ingest.ingest_facts(_cmdb(campus), doc)
    assert export.json_text(_cmdb(campus)) == before


def test_bulk_set_is_the_cli_bulk_edit(campus: Path) -> None:
    """The web can call the bulk edit the CLI does: same selection, same JSON, one transaction."""
    from netcmdb.errors import ConfigError

    c = _cmdb(campus)
    sel = {"room": "D010110", "class": "pc"}
    dry = cis.bulk_set(c, sel, {"department": "信息科"}, dry_run=True)
    cli_dry = json.loads(
        nc(
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
    )
    assert dry == cli_dry and dry["selected"] == 4 and len(dry["changed"]) == 4
    assert all(r.get("department") is None for r in cis.list_cis(c, {"class": "pc"}))
    done = cis.bulk_set(c, sel, {"department": "信息科"}, source="web:alice")
    assert done["dry_run"] is False and len(done["changed"]) == 4
    shown = cis.show_ci(c, done["changed"][0]["name"])
    assert shown["department"] == "信息科" and shown["sources"]["department"] == "manual"
    assert {"attribute": "department", "source": "web:alice"}.items() <= next(
        h for h in shown["history"] if h["attribute"] == "department"
    ).items()
    with pytest.raises(ConfigError, match="use --where-class"):
        cis.bulk_set(c, {"room": "D010110"}, {"class": "printer"})


def test_counts_and_filter_choices_are_the_ci_list(campus: Path) -> None:
    """The web dashboard's numbers and the list page's choices (services.cis.counts /
    filter_choices) agree with ci list."""
    from collections import Counter

    c = _cmdb(campus)
    recs = cis.list_cis(c)
    got = cis.counts(c)
    assert got["total"] == len(recs)
    assert dict(got["by_class"]) == Counter(r["class"] for r in recs)
    assert dict(got["by_status"]) == Counter(r["status"] for r in recs)
    assert dict(got["by_building"]) == Counter(
        r["location"]["building"] for r in recs if "building" in r.get("location", {})
    )
    ch = cis.filter_choices(c)
    assert "switch" in ch["classes"] and ch["buildings"] == sorted(ch["buildings"])
    assert set(ch["vendors"]) == {r["vendor"] for r in recs if r.get("vendor")}
