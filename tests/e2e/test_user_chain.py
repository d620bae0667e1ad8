"""The user's whole chain, as an admin runs it, on the namespace lab (real snmpd + lldpd switches,
kernel STP, PCs), through the command line only (``python -m netcmdb`` with a config file this
test writes) and the web UI in headless Chromium:

crawl -> CMDB -> where / impact / SPOF / path -> rooms from sysLocation -> labels -> exports ->
journal / search / lifecycle -> web (login, search, CI page, impact, 中文) -> a second crawl after
a PC is re-cabled and another unplugged -> the same crawl and impact on PostgreSQL.

No sweep, no ``--root``, no hand edits: every answer is compared with the lab's own ground truth
(:meth:`lab.switchlab.SwitchLab.truth`), never with hard-coded counts. The tests of this module
are steps of one chain and run in file order; each starts from what the previous ones left.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from netcmdb.demo.lab.netns import have_netns

pytestmark = [pytest.mark.root, pytest.mark.slow]

CORE_IP = "10.99.255.1"
#: a hostile sysName (spreadsheet formula + HTML) on one access switch, as a device may send it
HOSTILE = "=1+2<script>sw-c</script>"
#: sysLocation as the campus writes it; the config's [location] patterns turn two into rooms
LOCATIONS = {
    "sw-core": "1号楼 0101室 网络中心",
    "sw-a": "1号楼 0210室 计算机房",
    "sw-b": "B1-F3-R5",
    "sw-c": "楼道弱电井 (no room code)",
}
PATTERNS = [
    r"(?P<building>\d+)号楼\s*(?P<floor>\d{2})(?P<room>\d{2})室",
    r"B(?P<building>\d+)-F(?P<floor>\d+)-R(?P<room>\d+)",
]
ROOM_A = "D010210"  # sw-a's room (from "1号楼 0210室")
ROOM_A_NAME = "计算机房"
PC_PREFIX = "f8:bc:12:00"  # a Dell OUI: the end-host class guess says pc


@dataclass
class Chain:
    """What the steps share: the lab, the admin's config file and CMDB, and facts found so far."""

    lab: Any
    root: Path
    config: Path
    db: str
    env: dict[str, str]
    facts: dict[str, Any] = field(default_factory=dict)

    def name(self, sw: str) -> str:
        return str(self.lab.sysname(sw))

    def hosts(self) -> list[dict[str, str]]:
        return [h for h in self.lab.truth()["hosts"] if h["kind"] == "pc"]

    def behind(self, sw: str) -> set[str]:
        """Ground truth: the PCs (by IP) and switches (by name) cut off when ``sw`` fails."""
        # sw-c hangs on sw-a only; sw-a and sw-b each have their own way to sw-core
        down_sw = {"sw-a": {"sw-c"}}.get(sw, set())
        return {h["ip"] for h in self.hosts() if h["switch"] in {sw, *down_sw}} | {
            self.name(s) for s in down_sw
        }

    def nc(
        self, *args: str, ok: bool = True, ns: bool = True, db: str | None = None, stdin: str = ""
    ) -> subprocess.CompletedProcess[str]:
        """``python -m netcmdb ARGS`` as the admin types it (in the scanner's namespace)."""
        cmd = [sys.executable, "-m", "netcmdb", *(["--db", db] if db else []), *args]
        if ns:
            cmd = ["ip", "netns", "exec", self.lab.ns("scan"), *cmd]
        r = subprocess.run(
            cmd, env=self.env, input=stdin, text=True, capture_output=True, timeout=300
        )
        if ok:
            assert r.returncode == 0, f"{' '.join(args)}: {r.stderr}"
            assert "Traceback" not in r.stderr, r.stderr
        return r

    def js(self, *args: str, db: str | None = None) -> Any:
        return json.loads(self.nc(*args, "--json", db=db).stdout)

    def crawl(self, db: str | None = None, human: bool = False) -> Any:
        """One SNMP crawl from the core: the run summary (JSON), or the lines a person reads."""
        self.lab.traffic()  # FDB entries age out: the PCs talk right before the walk
        args = ("scan", CORE_IP, "--snmp", "--crawl", "--community", "public", "--timeout", "1")
        if human:
            return self.nc(*args, db=db).stdout.splitlines()
        return dict(self.js(*args, db=db)["run"])


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    if not have_netns():
        pytest.skip("needs root and iproute2 (network namespaces)")
    from lab.switchlab import SwitchLab

    root = tmp_path_factory.mktemp("chain")
    db = f"sqlite:///{root / 'cmdb.sqlite'}"
    config = root / "netcmdb.toml"
    pats = ", ".join(f"'{p}'" for p in PATTERNS)
    config.write_text(
        f'[database]\nurl = "{db}"\n\n'
        f"[location]\npatterns = [{pats}]\n\n"
        '[label]\nrule = "D{building:2}{floor:2}{room:2}-{seat:3}"\n\n'
        "[cmdb]\nmissing_after = 1\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "NETCMDB_CONFIG": str(config),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "NETCMDB_WEB_SECRET": "chain-test-secret-" + "x" * 40,
    }
    env.pop("NETCMDB_DB", None)
    with SwitchLab(
        n_pcs=6,
        tag="chain",
        pc_prefix=PC_PREFIX,
        sysnames={"sw-c": HOSTILE},
        locations=LOCATIONS,
    ) as lab:
        yield Chain(lab, root, config, db, env)


# ---- 1. one crawl: every PC a CI, where names its port ------------------------------------------
def test_1_one_crawl_makes_every_pc_a_ci_on_its_port(chain: Chain) -> None:
    init = chain.js("init")
    assert init["url"] == chain.db  # the config file's database, no --db
    lines = chain.crawl(human=True)
    assert "  gateways: sw-core" in lines, lines  # found from the network, named in the summary
    assert [c["name"] for c in chain.js("ci", "list", "--role", "gateway")] == ["sw-core"]
    pcs = chain.js("ci", "list", "--class", "pc")
    want = {h["mac"]: h["ip"] for h in chain.hosts()}
    assert {c["mac"]: c["ip"] for c in pcs} == want
    # every PC cabled to its port (one read of the graph), where asked once per access switch
    links = json.loads(chain.nc("export", "json").stdout)["links"]
    cabled = {
        (lk[x], lk.get(f"{x}_port"), lk[y]) for lk in links for x, y in (("a", "b"), ("b", "a"))
    }
    for h in chain.hosts():
        assert (chain.name(h["switch"]), h["port"], h["ip"]) in cabled, h
    for h in {h["switch"]: h for h in chain.hosts()}.values():
        w = chain.js("where", h["mac"])
        assert [(x["switch"], x["port"]) for x in w["now"]] == [
            (chain.name(h["switch"]), h["port"])
        ], h


# ---- 2. impact, SPOF, path ----------------------------------------------------------------------
def test_2_impact_spof_and_path_follow_the_cabling(chain: Chain) -> None:
    for sw in ("sw-a", "sw-b", "sw-c"):
        rep = chain.js("impact", chain.name(sw))
        assert rep["roots"] == ["sw-core"], sw
        assert {d["name"] for d in rep["down"]} == chain.behind(sw), sw
    spof = chain.js("topology", "spof")
    assert spof["roots"] == ["sw-core"]
    ranked = {s["name"]: s["down"] for s in spof["spofs"] if s["kind"] == "ci"}
    assert ranked.get("sw-a") == len(chain.behind("sw-a")), spof
    pc = next(h for h in chain.hosts() if h["switch"] == "sw-c")
    path = chain.js("topology", "path", pc["ip"], "sw-core")
    assert path["paths"], path
    hops = json.dumps(path["paths"][0], ensure_ascii=False)
    for name in (chain.name("sw-c"), "sw-a", "sw-core"):
        assert json.dumps(name)[1:-1] in hops, (name, hops)


# ---- 3. rooms from sysLocation, labels, exports -------------------------------------------------
def test_3_rooms_labels_and_exports_tie_to_the_cmdb(chain: Chain) -> None:
    cis = {c["name"]: c for c in chain.js("ci", "list")}
    rooms = {sw: cis[chain.name(sw)].get("location") or {} for sw in ("sw-core", "sw-a", "sw-b")}
    assert {sw: (r["building"], r["floor"], r["room"]) for sw, r in rooms.items()} == {
        "sw-core": ("01", "01", "01"),
        "sw-a": ("01", "02", "10"),
        "sw-b": ("01", "03", "05"),
    }
    hostile = chain.js("ci", "show", chain.name("sw-c"))
    assert hostile["location"] is None  # nothing matched: no room, the text kept verbatim
    assert hostile["location_text"] == LOCATIONS["sw-c"]

    # the admin names the room and puts sw-a's PCs in it, then labels the room
    chain.nc("room", "set", ROOM_A, "--name", ROOM_A_NAME, "--department", "信息科")
    in_room = [h for h in chain.hosts() if h["switch"] == "sw-a"]
    for h in in_room[:-1]:
        out = chain.nc("ci", "set", h["mac"], "--location", ROOM_A).stdout
        assert f"-> {ROOM_A}" in out, out  # the rule's room code, not the stored 01/02/10
    seated = in_room[-1]  # the admin knows where this one sits: seat 7 from the door
    chain.nc("ci", "set", seated["mac"], "--location", ROOM_A, "--seat", "7")
    got = chain.js("label", "assign", "--room", ROOM_A)
    labels = {a["name"]: a["new"] for a in got["assigned"]}
    assert set(labels) == {"sw-a", *(h["ip"] for h in in_room)}
    assert labels.pop(seated["ip"]) == f"{ROOM_A}-007"  # the seat the person gave
    assert sorted(labels.values()) == [f"{ROOM_A}-{i:03d}" for i in range(1, len(labels) + 1)]
    labels[seated["ip"]] = f"{ROOM_A}-007"
    chain.facts["labels"] = labels
    sheet = chain.root / "sheet.pdf"
    chain.nc("label", "print", "--room", ROOM_A, "-o", str(sheet))
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(sheet), "-"], capture_output=True, text=True, check=True
    ).stdout
    for label in labels.values():
        assert label in text
    assert ROOM_A_NAME in text  # the Chinese room name is text in the PDF, not boxes

    # exports, each to a file, each tied to the CMDB
    cmdb = {c["name"]: c for c in chain.js("ci", "list")}
    out = chain.root / "out"
    out.mkdir()
    for fmt, name in (
        ("json", "cmdb.json"),
        ("csv", "cis.csv"),
        ("xlsx", "cmdb.xlsx"),
        ("report", "report.html"),
        ("netbox", "netbox"),
    ):
        chain.nc("export", fmt, "-o", str(out / name))
    doc = json.loads((out / "cmdb.json").read_text("utf-8"))
    assert {c["name"]: c.get("label") for c in doc["cis"]} == {
        n: c.get("label") for n, c in cmdb.items()
    }
    assert {c["name"]: c.get("location_text") for c in doc["cis"]}[HOSTILE] == LOCATIONS["sw-c"]

    def unformula(v: str) -> str:  # what a neutralised cell shows (a leading apostrophe)
        assert not v.startswith(("=", "+", "-", "@")), f"formula not neutralised: {v!r}"
        return v[1:] if v.startswith("'") and v[1:2] in ("=", "+", "-", "@") else v

    rows = list(csv.DictReader(io.StringIO((out / "cis.csv").read_text("utf-8-sig"))))
    assert {unformula(r["name"]): r["label"] or None for r in rows} == {
        n: c.get("label") for n, c in cmdb.items()
    }
    assert {unformula(r["name"]): r["location_text"] for r in rows}[HOSTILE] == LOCATIONS["sw-c"]
    from openpyxl import load_workbook

    wb = load_workbook(out / "cmdb.xlsx", read_only=True)
    names: set[str] = set()
    for ws in wb.worksheets[1:]:
        head = [c for c in next(ws.iter_rows(values_only=True))]
        for row in ws.iter_rows(min_row=2, values_only=True):
            rec = dict(zip(head, row, strict=False))
            if rec.get("Name") is not None:
                names.add(unformula(str(rec["Name"])))
                if unformula(str(rec["Name"])) == HOSTILE:
                    assert rec["Location text"] == LOCATIONS["sw-c"]
    assert names == set(cmdb)
    report = (out / "report.html").read_text("utf-8")
    assert "<script>sw-c" not in report and "&lt;script&gt;sw-c" in report
    assert LOCATIONS["sw-c"] in report  # the device's own words, where no room matched
    devices = list(csv.DictReader(io.StringIO((out / "netbox" / "07_devices.csv").read_text())))
    assert {unformula(d["name"]) for d in devices} == set(cmdb)
    assert {d["asset_tag"] for d in devices if d["asset_tag"]} == set(labels.values())
    cables = list(csv.DictReader(io.StringIO((out / "netbox" / "11_cables.csv").read_text())))
    pc_ends = {(c["side_b_device"], c["side_b_name"]) for c in cables} | {
        (c["side_a_device"], c["side_a_name"]) for c in cables
    }
    assert all((h["ip"], "eth0") in pc_ends for h in chain.hosts()), cables  # FDB-placed PCs


# ---- 4. journal, search, lifecycle --------------------------------------------------------------
def test_4_notes_search_and_lifecycle(chain: Chain) -> None:
    pc = next(h for h in chain.hosts() if h["switch"] == "sw-a")
    chain.facts["noted"] = pc
    chain.js("note", "add", pc["mac"], "蓝屏，更换内存条", "--kind", "fault", "--by", "李四")
    hits = chain.js("search", "蓝屏")
    assert [(h["kind"], h["title"]) for h in hits] == [("note", pc["ip"])]
    rooms = [h for h in chain.js("search", ROOM_A_NAME) if h["kind"] == "room"]
    assert [r["title"] for r in rooms] == [ROOM_A] and ROOM_A_NAME in rooms[0]["text"]
    # the room found by its Chinese name lists the PC
    assert pc["ip"] in {c["name"] for c in chain.js("ci", "list", "--room", ROOM_A)}
    shown = chain.js("ci", "show", pc["ip"])
    assert [n["text"] for n in shown["notes"]] == ["蓝屏，更换内存条"]

    other = next(h for h in chain.hosts() if h["switch"] == "sw-b")
    chain.facts["repair"] = other
    chain.nc("ci", "set", other["ip"], "--lifecycle", "repair", "--lifecycle-date", "2026-12-01")
    assert chain.js("ci", "show", other["ip"])["lifecycle"] == "repair"


# ---- 5. the web UI: netcmdb serve + headless Chromium -------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(chain: Chain) -> Iterator[str]:
    """``netcmdb serve`` on 127.0.0.1 as the admin starts it; ready when it answers."""
    import urllib.request

    port = _free_port()
    p = subprocess.Popen(
        [sys.executable, "-m", "netcmdb", "serve", "--port", str(port)],
        env=chain.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert p.poll() is None, p.stderr.read().decode() if p.stderr else ""
            try:
                with urllib.request.urlopen(url + "/api/v1/runs", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "netcmdb serve did not answer"
            time.sleep(0.1)  # poll interval of the readiness check (the condition is the answer)
        yield url
    finally:
        p.terminate()
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)


def test_5_web_search_ci_page_impact_and_chinese(chain: Chain, served: str, browser: Any) -> None:
    password = "chain admin pass 1"
    chain.nc("user", "add", "chainadmin", "--role", "editor", "--password-stdin", stdin=password)
    ctx = browser.new_context(base_url=served, locale="en-US")
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto("/login")
        page.fill("input[name=name]", "chainadmin")
        page.fill("input[name=password]", password)
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("form[action='/logout']")
        # search a PC by its MAC, open its CI page: it shows its switch and port
        pc = chain.facts["noted"]
        page.fill("#q", pc["mac"])
        page.wait_for_selector(f"#suggest:not([hidden]) a:has-text('{pc['ip']}')")
        page.click(f"#suggest a:has-text('{pc['ip']}')")
        page.wait_for_url("**/ci/*")
        assert page.inner_text("#ci-name").startswith(pc["ip"])
        assert f"{chain.name(pc['switch'])} {pc['port']}" in page.inner_text("#where")
        assert f"{ROOM_A} {ROOM_A_NAME}" in page.inner_text("#attrs")  # the room as labels say
        # the impact page counts what the CLI counts
        for sw in ("sw-a", "sw-b"):
            cli = chain.js("impact", sw)
            page.goto(f"/impact?t={sw}")
            summary = page.inner_text("#impact-summary")
            assert summary == f"Down: {len(cli['down'])} · At risk: {len(cli['at_risk'])}"
            assert len(cli["down"]) == len(chain.behind(sw))
        # the hostile switch's page: its name is text, no script ran
        page.goto("/cis?class=switch")
        page.click(f"#ci-list a >> text={HOSTILE}")
        page.wait_for_selector("#ci-name")
        assert HOSTILE in page.inner_text("#ci-name")
        assert page.evaluate("() => document.querySelectorAll('script:not([src])').length") == 0
        # 中文
        page.goto("/impact?t=sw-b")
        page.click("#lang a[hreflang='zh-CN']")
        page.wait_for_selector("html[lang='zh-CN']")
        assert str(len(chain.js("impact", "sw-b")["down"])) in page.inner_text("#impact-summary")
        assert "Down" not in page.inner_text("#impact-summary")
        assert dialogs == []
    finally:
        ctx.close()


# ---- 6. a second crawl after re-cabling one PC and unplugging another ---------------------------
def test_6_second_crawl_reports_moved_and_missing(chain: Chain) -> None:
    before = chain.facts["noted"]  # on sw-a, labelled, with a journal note
    old_port = (before["switch"], before["port"])
    # unplug first: move_pc then waits until STP has settled (no FDB ageing during the walk)
    gone = chain.lab.unplug(next(h for h in chain.hosts() if h["switch"] == "sw-c")["name"])
    moved = dict(chain.lab.move_pc(before["name"], "sw-b"))
    run = chain.crawl()
    chain.facts.update(moved=moved, gone=gone, run2=run["run_id"])
    assert run["moved"] == [moved["ip"]]
    assert run["missing"] == [gone["ip"]]
    assert run["new"] == []
    shown = chain.js("runs", "show", str(run["run_id"]))  # the run's record says so too
    assert [c["name"] for c in shown["moved_cis"]] == [moved["ip"]]
    assert [c["name"] for c in shown["missing_cis"]] == [gone["ip"]]
    listed = next(r for r in chain.js("runs", "list") if r["id"] == run["run_id"])
    assert (listed["moved"], listed["missing"]) == (1, 1)
    w = chain.js("where", moved["mac"])
    assert [(x["switch"], x["port"]) for x in w["now"]] == [("sw-b", moved["port"])]
    assert old_port in [(x["switch"], x["port"]) for x in w["history"]]
    for sw in ("sw-a", "sw-b", "sw-c"):
        assert {d["name"] for d in chain.js("impact", chain.name(sw))["down"]} == chain.behind(
            sw
        ), sw
    # what people decided survives the crawl: the label, the note, the lifecycle
    shown = chain.js("ci", "show", moved["ip"])
    assert shown["label"] == chain.facts["labels"][moved["ip"]]
    assert [n["text"] for n in shown["notes"]] == ["蓝屏，更换内存条"]
    assert chain.js("ci", "show", chain.facts["repair"]["ip"])["lifecycle"] == "repair"
    assert chain.js("ci", "show", gone["ip"])["status"] == "missing"
    # the month's report: the move, the missing PC, the fault (not the PCs the admin placed)
    since = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))  # this CMDB's lifetime
    period = chain.root / "period.html"
    chain.nc("export", "report", "--since", since, "-o", str(period))
    text = period.read_text("utf-8")
    for what, n in (("moved", 1), ("missing", 1), ("faults", 1)):
        assert f'data-count="period-{what}">{n}<' in text, what


def test_6b_web_shows_the_second_crawl(chain: Chain, served: str, browser: Any) -> None:
    """The runs page lists the moved and the missing PC; the moved PC's page its new port."""
    moved, gone = chain.facts["moved"], chain.facts["gone"]
    ctx = browser.new_context(base_url=served, locale="en-US")
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    try:
        page.goto("/runs")
        page.click(f"a[href='/runs/{chain.facts['run2']}']")
        page.wait_for_selector("section:has(h3:has-text('Moved'))")
        cards = {
            page.locator("section h3").nth(i).inner_text(): page.locator("section ul")
            .nth(i)
            .inner_text()
            for i in range(page.locator("section h3").count())
        }
        assert moved["ip"] in cards["Moved (1)"] and gone["ip"] in cards["Missing (1)"], cards
        page.goto(f"/ci/{moved['ip']}")
        assert f"sw-b {moved['port']}" in page.inner_text("#where")
    finally:
        ctx.close()


# ---- the same crawl and impact on PostgreSQL ----------------------------------------------------
@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A database of its own on the throwaway cluster, reached over its unix socket (the
    scanner's namespace has its own loopback)."""
    from dbfixtures import unix_socket_url
    from sqlalchemy import create_engine, text

    name = f"netcmdb_chain_{os.getpid()}"
    admin = create_engine(f"{pg_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield unix_socket_url(f"{pg_server}/{name}")
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_7_postgresql_crawl_impact_labels_and_search(chain: Chain, pg_url: str) -> None:
    pg_database = pg_url
    assert chain.js("init", db=pg_database)["after"]
    run = chain.crawl(db=pg_database)
    assert run["gateways"] == ["sw-core"]
    pcs = chain.js("ci", "list", "--class", "pc", db=pg_database)
    assert {c["mac"]: c["ip"] for c in pcs} == {h["mac"]: h["ip"] for h in chain.hosts()}
    h = chain.hosts()[-1]
    w = chain.js("where", h["mac"], db=pg_database)
    assert [(x["switch"], x["port"]) for x in w["now"]] == [(chain.name(h["switch"]), h["port"])]
    for sw in ("sw-a", "sw-b", "sw-c"):
        rep = chain.js("impact", chain.name(sw), db=pg_database)
        assert rep["roots"] == ["sw-core"]
        assert {d["name"] for d in rep["down"]} == chain.behind(sw), sw
    # rooms, labels, journal and search (pg_trgm) on the team's database
    chain.nc("room", "set", ROOM_A, "--name", ROOM_A_NAME, db=pg_database)
    pc = next(h for h in chain.hosts() if h["switch"] == "sw-a")
    chain.nc("ci", "set", pc["mac"], "--location", ROOM_A, "--seat", "4", db=pg_database)
    got = chain.js("label", "assign", "--room", ROOM_A, db=pg_database)
    assert {a["name"]: a["new"] for a in got["assigned"]} == {
        pc["ip"]: f"{ROOM_A}-004",
        "sw-a": f"{ROOM_A}-001",
    }
    chain.nc("note", "add", pc["ip"], "硬盘异响", "--kind", "fault", db=pg_database)
    hits = chain.js("search", "硬盘", db=pg_database)
    assert [(h["kind"], h["title"]) for h in hits] == [("note", pc["ip"])]
    hits = chain.js("search", ROOM_A_NAME, db=pg_database)
    assert [(h["kind"], h["title"]) for h in hits] == [("room", ROOM_A)]
    hits = chain.js("search", pc["mac"].replace(":", "-").upper(), db=pg_database)
    assert [(h["kind"], h["title"]) for h in hits] == [("ci", pc["ip"])]
