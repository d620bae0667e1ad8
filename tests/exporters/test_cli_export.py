"""`netcmdb export FORMAT` end to end on a real SQLite CMDB: import the sample campus with
`netcmdb import json`, record a real scan run (reconciler), export every format through the CLI
process, re-read each file and compare with `export_document`; selection; one-line errors;
no secret from the config or the environment in any export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser

import exporter_samples as S
import pytest
import yaml
from click.testing import CliRunner, Result

from netcmdb.exporters import graph, xlsx
from netcmdb.exporters.document import xml_value

FORMATS = {
    "xlsx": "a.xlsx",
    "yaml": "a.yaml",
    "graphml": "a.graphml",
    "gexf": "a.gexf",
    "dot": "a.dot",
    "svg": "a.svg",
    "drawio": "a.drawio",
    "netbox": "netbox",
    "report": "a.html",
}
SECRETS = ("S3cretC0mmunity!", "hunter2-ssh-pass", "v3-auth-key-XYZZY", "v3-priv-key-PLUGH")


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The real process (exit status and stderr as a user sees them)."""
    return subprocess.run(
        [sys.executable, "-m", "netcmdb", *args],
        env=env,
        text=True,
        capture_output=True,
        timeout=180,
        check=False,
    )


def invoke(*args: str, env: dict[str, str]) -> Result:
    """The same command in-process (click's CliRunner): much faster for the many happy paths."""
    from netcmdb.cli import cli

    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def exported(cmdb, tmp_path_factory):
    """Every format exported once from the CMDB, with what the commands printed."""
    out = tmp_path_factory.mktemp("exported")
    printed = []
    for fmt, name in FORMATS.items():
        r = invoke("export", fmt, "--out", str(out / name), env=cmdb["env"])
        assert r.exit_code == 0, (fmt, r.output)
        printed.append(r.output)
    return out, "".join(printed)


@pytest.fixture(scope="module")
def cmdb(tmp_path_factory):
    """A CMDB with the sample campus (run 1: import) and an ARP run (run 2: 1 new, 2 missing),
    a config file holding inline secrets and secret environment variables."""
    tmp = tmp_path_factory.mktemp("cmdb")
    cfg = tmp / "config.toml"
    cfg.write_text(
        "[credentials.campus]\n"
        f'snmp_version = "2c"\ncommunity = "{SECRETS[0]}"\nssh_username = "netops"\n'
        f'password = "{SECRETS[1]}"\n'
        "[credentials.v3]\n"
        f'v3_user = "ro"\nauth_key = "{SECRETS[2]}"\npriv_key = "{SECRETS[3]}"\n'
        "[cmdb]\nmissing_after = 1\n",
        encoding="utf-8",
    )
    cfg.chmod(0o600)
    env = {
        **os.environ,
        "NETCMDB_DB": f"sqlite:///{tmp / 'cmdb.sqlite'}",
        "NETCMDB_CONFIG": str(cfg),
        "NETCMDB_SNMP_COMMUNITY": SECRETS[0],
        "NETCMDB_SSH_PASSWORD": SECRETS[1],
    }
    doc = S.sample_document()
    doc["cis"].append(
        {
            "name": S.HOSTILE[0],
            "class": "pc",
            "vendor": S.HOSTILE[2],
            "location": {"building": "02", "floor": "02", "room": "10", "seat": 9},
        }
    )
    (tmp / "campus.json").write_text(json.dumps(doc), encoding="utf-8")
    p = run_cli("import", "json", str(tmp / "campus.json"), env=env)
    assert p.returncode == 0, p.stderr

    from netcmdb.cmdb.db import make_engine, session_scope
    from netcmdb.cmdb.reconcile import ReconcileConfig, ingest
    from netcmdb.discovery.facts import DeviceFact, Source

    engine = make_engine(env["NETCMDB_DB"])
    facts = [
        DeviceFact(source=Source.ARP, ip="10.2.10.2", mac="3c:52:82:00:00:02"),
        DeviceFact(
            source=Source.ARP, ip="10.2.10.77", mac="3c:52:82:00:00:77", hostname="pc-new-77"
        ),
    ]
    with session_scope(engine) as s:
        summary = ingest(
            s,
            facts,
            source="arp",
            targets=["10.2.10.0/24"],
            methods=["arp"],
            config=ReconcileConfig(missing_after=1),
        )
    engine.dispose()
    assert summary.new and set(summary.missing) >= {"pc-0210-003", "prn-0210"}
    p = run_cli("export", "json", env=env)
    assert p.returncode == 0, p.stderr
    return {"tmp": tmp, "env": env, "doc": json.loads(p.stdout), "run": summary}


def test_every_format_writes_and_rereads(cmdb, exported):
    doc = cmdb["doc"]
    tmp_path, printed = exported
    assert printed.count("wrote ") == len(FORMATS)
    want = S.canonical(doc, xml_value)
    assert S.canonical(graph.read_graphml(tmp_path / "a.graphml"), xml_value) == want
    assert S.canonical(graph.read_gexf(tmp_path / "a.gexf"), xml_value) == want
    assert S.canonical(graph.read_drawio(tmp_path / "a.drawio"), xml_value) == want
    assert yaml.safe_load((tmp_path / "a.yaml").read_text(encoding="utf-8")) == doc
    rows = xlsx.read_xlsx(tmp_path / "a.xlsx")
    assert sorted(r["name"] for r in rows) == sorted(c["name"] for c in doc["cis"])
    missing = {r["name"] for r in rows if r.get("status") == "missing"}
    assert missing >= {"pc-0210-003", "prn-0210"}
    assert (tmp_path / "netbox" / "07_devices.csv").exists()
    assert (tmp_path / "a.svg").read_bytes().lstrip().startswith((b"<?xml", b"<svg", b"<!DOCTYPE"))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append(tag)

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)


def test_report_shows_last_run(cmdb, exported):
    parser = _Text()
    parser.feed((exported[0] / "a.html").read_text(encoding="utf-8"))
    text = " ".join(parser.text)
    run = cmdb["run"]
    assert f"Run {run.run_id} (" in text
    assert f"{len(run.new)} new" in " ".join(text.split()).replace("<b>", "")
    for name in run.missing:
        assert name in text
    assert "script" not in parser.tags
    assert S.HOSTILE[2] in text  # the hostile vendor, shown as text in the vendor chart


def test_selection(cmdb, tmp_path):
    r = invoke(
        "export",
        "yaml",
        "--building",
        "01",
        "--class",
        "server",
        "--out",
        str(tmp_path / "s.yaml"),
        env=cmdb["env"],
    )
    assert r.exit_code == 0, r.output
    part = yaml.safe_load((tmp_path / "s.yaml").read_text(encoding="utf-8"))
    assert sorted(c["name"] for c in part["cis"]) == ["db-1", "db-2"]


def test_report_of_a_selection_lists_only_selected_run_events(cmdb, tmp_path):
    r = invoke(
        "export", "report", "--building", "01", "--out", str(tmp_path / "b1.html"), env=cmdb["env"]
    )
    assert r.exit_code == 0, r.output
    parser = _Text()
    parser.feed((tmp_path / "b1.html").read_text(encoding="utf-8"))
    text = " ".join(parser.text)
    assert "prn-0210" not in text  # missing, but in building 02
    assert "selection: building=01" in text


def test_unwritable_output_is_one_line_exit_2(cmdb, tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "x.xlsx"
    p = run_cli("export", "xlsx", "--out", str(target), env=cmdb["env"])
    assert p.returncode == 2
    assert p.stderr.startswith("error: ") and len(p.stderr.strip().splitlines()) == 1
    assert "Traceback" not in p.stderr
    assert not target.exists()


def test_failed_export_leaves_previous_file(cmdb, tmp_path):
    out = tmp_path / "g.svg"
    out.write_text("previous", encoding="utf-8")
    env = {**cmdb["env"], "PATH": "/nonexistent"}  # no Graphviz: svg must fail cleanly
    p = run_cli("export", "svg", "--out", str(out), env=env)
    assert p.returncode == 2 and "Graphviz" in p.stderr
    assert out.read_text(encoding="utf-8") == "previous"
    assert [f.name for f in tmp_path.iterdir()] == ["g.svg"]  # no temp file left behind


def test_no_secret_in_any_export(cmdb, exported):
    tmp_path, printed = exported
    for secret in SECRETS:
        assert secret not in printed
    files = [f for f in tmp_path.rglob("*") if f.is_file()]
    assert len(files) >= len(FORMATS) + 11
    for f in files:
        data = f.read_bytes()
        if f.suffix == ".xlsx":
            import zipfile

            with zipfile.ZipFile(f) as z:
                data = b"".join(z.read(n) for n in z.namelist())
        for secret in SECRETS:
            assert secret.encode() not in data, (f, secret)
    # and the secrets really were there to leak
    assert SECRETS[0] in (cmdb["tmp"] / "config.toml").read_text(encoding="utf-8")
