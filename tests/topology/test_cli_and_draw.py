"""The CLI end to end (a real process on a temp SQLite CMDB) and the pictures, HTML in Chromium."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from netcmdb.topology.generate import campus, populate

HOSTILE = "<script>alert(1)</script>"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    from netcmdb.cmdb.db import ensure_schema, make_engine

    path = tmp_path_factory.mktemp("cmdb") / "campus.sqlite"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    ensure_schema(engine)
    topo = campus(1500, seed=3)
    # an untrusted device string: a switch named like a script tag, with a PC behind it
    i = topo.name.index("A-F01-AS01")
    topo.name[i] = HOSTILE
    populate(engine, topo)
    engine.dispose()
    return url


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETCMDB_CACHE_DIR", str(tmp_path / "cache"))


def proc(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A real process: exit status and the one-line error come from ``cli.main``."""
    return subprocess.run(
        [sys.executable, "-m", "netcmdb", "--db", db, *args],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
    )


def cli(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    """In-process (click's CliRunner) for the success paths: no interpreter start per call."""
    from click.testing import CliRunner

    from netcmdb.cli import cli as root

    r = CliRunner().invoke(root, ["--db", db, *args], catch_exceptions=False)
    return subprocess.CompletedProcess(args, r.exit_code, r.stdout, "")


def test_impact_json_shape(db: str) -> None:
    p = proc(db, "impact", "A-DS1", "A-DS2", "--json")
    assert p.returncode == 0, p.stderr
    rep = json.loads(p.stdout)
    assert set(rep) == {"roots", "failed", "down", "at_risk", "summary"}
    assert rep["roots"] == ["core-1", "core-2"]
    assert rep["failed"] == ["A-DS1", "A-DS2"]
    assert rep["summary"]["down"] == len(rep["down"]) > 20
    assert set(rep["down"][0]) == {"name", "label", "class", "location", "reason"}
    assert sum(rep["summary"]["by_building"].values()) == len(rep["down"])
    assert set(rep["summary"]["by_building"]) == {"A"}
    assert sum(rep["summary"]["by_room"].values()) == len(rep["down"])
    pcs = [d for d in rep["down"] if d["class"] == "pc"]
    assert pcs[0]["location"]["building"] == "A"
    room = pcs[0]["location"]
    assert f"DA{room['floor']}{room['room']}" in rep["summary"]["by_room"]
    assert rep["summary"]["notify"][0]["contact"] == "it-a@campus.example"
    assert HOSTILE in {d["name"] for d in rep["down"]}


def test_impact_table_and_unknown_target(db: str) -> None:
    p = cli(db, "impact", "A-DS1")
    assert p.returncode == 0, p.stderr
    assert "Down:" in p.stdout and "A-DS1" in p.stdout
    p = proc(db, "impact", "A-DS1", "no-such-switch")
    assert p.returncode == 2
    assert p.stderr.strip().count("\n") == 0 and "no-such-switch" in p.stderr
    assert p.stdout == ""
    p = proc(db, "impact", "A-DS1~core-9")
    assert p.returncode == 2 and "core-9" in p.stderr


def _lang(db: str, lang: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netcmdb", "--db", db, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "LANG": lang, "LC_ALL": lang, "COLUMNS": "250"},
        timeout=120,
    )


def test_impact_reasons_follow_lang_and_json_stays_english(db: str) -> None:
    """The reasons are messages: the table shows them in the user's language, ``--json`` is
    the same English document in every locale."""
    js = {
        lang: _lang(db, lang, "impact", "A-DS1", "A-DS2", "--json")
        for lang in ("C.UTF-8", "zh_CN.UTF-8")
    }
    assert js["C.UTF-8"].returncode == js["zh_CN.UTF-8"].returncode == 0
    assert js["C.UTF-8"].stdout == js["zh_CN.UTF-8"].stdout
    reasons = {d["reason"] for d in json.loads(js["C.UTF-8"].stdout)["down"]}
    assert any(r.startswith("cut off by ") for r in reasons), reasons
    zh = _lang(db, "zh_CN.UTF-8", "impact", "A-DS1", "A-DS2")
    en = _lang(db, "C.UTF-8", "impact", "A-DS1", "A-DS2")
    assert zh.returncode == en.returncode == 0, zh.stderr
    assert "cut off by" in en.stdout and "cut off by" not in zh.stdout
    assert "被 A-DS1" in zh.stdout and "切断" in zh.stdout  # device names inserted as they are
    one = _lang(db, "zh_CN.UTF-8", "impact", "A-DS1", "--json")
    at_risk = {d["reason"] for d in json.loads(one.stdout)["at_risk"]}
    assert "redundancy lost: now hangs on A-DS2 alone" in at_risk, at_risk
    zh = _lang(db, "zh_CN.UTF-8", "impact", "A-DS1")
    assert "冗余丧失：现仅靠 A-DS2 连接" in zh.stdout and "redundancy" not in zh.stdout


def test_impact_pictures(db: str, tmp_path: Path) -> None:
    out = tmp_path / "impact.svg"
    p = cli(db, "impact", "A-DS1", "--format", "svg", "--out", str(out))
    assert p.returncode == 0, p.stderr
    svg = ET.parse(out).getroot()  # well-formed despite the hostile name
    assert "<script>" not in out.read_text()
    assert svg.tag.endswith("svg")
    p = cli(db, "impact", "A-DS1", "--format", "dot")
    assert p.returncode == 0 and p.stdout.startswith("graph")
    # grouped: far fewer drawn nodes than down CIs
    assert p.stdout.count("shape=folder") >= 5
    assert p.stdout.count("shape=folder") < 200
    page = tmp_path / "impact.html"
    p = cli(db, "impact", HOSTILE, "A-DS1", "--format", "html", "--out", str(page))
    assert p.returncode == 0
    html = page.read_text()
    data = json.loads(html.split('id="netcmdb-data">')[1].split("</script>")[0])
    states = {n["name"]: n["state"] for n in data["nodes"]}
    assert data["roots"] == ["core-1", "core-2"]
    assert states["A-DS1"] == "failed" and states[HOSTILE] == "failed"
    assert "down" in states.values()
    assert "<script>alert" not in html


def test_spof_and_path(db: str) -> None:
    p = cli(db, "topology", "spof", "--json", "--limit", "0")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["roots"] == ["core-1", "core-2"]  # every answer names its roots
    rows = doc["spofs"]
    downs = [r["down"] for r in rows]
    assert downs == sorted(downs, reverse=True)
    kinds = {r["kind"] for r in rows}
    assert {"ci", "link"} <= kinds
    assert "core-1" not in {r["name"] for r in rows}  # the cores back each other up
    top = rows[0]
    p2 = cli(db, "impact", top["name"], "--json") if top["kind"] != "link" else None
    if p2 is not None:
        assert json.loads(p2.stdout)["summary"]["down"] == top["down"]
    p = cli(db, "topology", "path", "A0101-PC01", "srv-0001", "--json")
    assert p.returncode == 0, p.stderr
    paths = json.loads(p.stdout)["paths"]
    assert paths and paths[0][0]["from"] == "A0101-PC01" and paths[0][-1]["to"] == "srv-0001"
    assert all(h["links"][0]["from_port"] for h in paths[0])


@pytest.mark.parametrize("fmt", ["svg", "png", "dot", "graphml", "html"])
def test_draw_formats(db: str, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"campus.{fmt}"
    p = cli(db, "topology", "draw", "--building", "A", "--format", fmt, "--out", str(out))
    assert p.returncode == 0, p.stderr
    data = out.read_bytes()
    if fmt == "png":
        assert data.startswith(b"\x89PNG") and len(data) > 10_000
    elif fmt in ("svg", "graphml"):
        root = ET.fromstring(data)
        text = data.decode()
        assert "<script>alert" not in text
        if fmt == "graphml":
            names = [d.text for d in root.iter() if d.tag.endswith("data")]
            assert HOSTILE in names
    elif fmt == "dot":
        assert data.startswith(b"graph")
    else:
        assert b"<script>alert" not in data


def _chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'chromium'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")
def test_html_in_headless_chromium(db: str, tmp_path: Path) -> None:
    page = tmp_path / "campus.html"
    p = cli(db, "topology", "draw", "--building", "A", "--format", "html", "--out", str(page))
    assert p.returncode == 0, p.stderr
    assert "https://" not in page.read_text() and "http://" not in page.read_text()
    url = page.as_uri()
    shot = tmp_path / "shot.png"
    r = _chromium(
        ["--window-size=1200,800", f"--screenshot={shot}", url + "#select=A-DS1"], tmp_path
    )
    assert shot.exists(), r.stderr
    from PIL import Image

    img = Image.open(shot).convert("RGB")
    colours = img.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # not a blank page
    # the selected switch's impact colours the picture: some pixels are "down" red
    assert any(c == (0xE5, 0x39, 0x35) for _, c in colours)

    r = _chromium(
        ["--virtual-time-budget=3000", "--dump-dom", url + "#search=" + "script&select=A-DS1"],
        tmp_path,
    )
    dom = r.stdout
    assert 'data-ready="1"' in dom
    rendered = int(dom.split('data-rendered="')[1].split('"')[0])
    assert rendered > 20
    assert 'id="search"' in dom
    # the hostile name is found by the search and shown as text, never as an element
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert "<script>alert(1)</script>" not in dom
    assert 'class="down-count"' in dom and "down: " in dom


def test_cache_follows_the_database(tmp_path: Path) -> None:
    from netcmdb.cmdb.db import default_url, ensure_schema, make_engine, session_scope
    from netcmdb.cmdb.models import CI, Relationship
    from netcmdb.topology.cache import resolve_url

    assert resolve_url(None) == default_url()
    url = f"sqlite:///{tmp_path / 'small.sqlite'}"
    engine = make_engine(url)
    ensure_schema(engine)
    with session_scope(engine) as s:
        core = CI(name="core", ci_class="switch", role="core")
        acc = CI(name="acc", ci_class="switch")
        s.add_all([core, acc])
        s.flush()
        s.add(Relationship(kind="connected_to", source_ci_id=core.id, target_ci_id=acc.id))
    first = json.loads(proc(url, "impact", "core", "--json").stdout)
    assert first["summary"]["down"] == 1
    assert list((tmp_path / "cache").glob("impact-*.pickle"))
    again = json.loads(proc(url, "impact", "core", "--json").stdout)
    assert again == first
    with session_scope(engine) as s:  # a second core: acc no longer goes down with the first
        core2 = CI(name="core2", ci_class="switch", role="core")
        s.add(core2)
        s.flush()
        acc_id = s.query(CI.id).filter_by(name="acc").scalar()
        s.add(Relationship(kind="connected_to", source_ci_id=acc_id, target_ci_id=core2.id))
    engine.dispose()
    after = json.loads(proc(url, "impact", "core", "--json").stdout)
    assert after["summary"]["down"] == 0
