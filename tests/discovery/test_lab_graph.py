"""Issue 13 §6, end to end on the namespace lab (real snmpd + lldpd, kernel STP, a loop), through
the CLI as a user chains it: one SNMP crawl from the core, no sweep, no ``--root``, no hand edits.

* every PC is a CI cabled (``connected_to``) to exactly its switch port, with its IP;
* sw-core routes and its ARP table resolves the PCs: it is their gateway, the one root;
* ``impact <access switch>`` lists exactly the PCs (and switches) behind it as down;
  ``impact sw-core`` lists everything;
* a second crawl changes nothing; a PC re-cabled to another switch is reported *moved*, its link
  moves, and ``where`` shows the old port in its history.
"""

from __future__ import annotations

import json
import os
import sys

import pytest

from netcmdb.demo.lab.netns import have_netns

pytestmark = [pytest.mark.root, pytest.mark.slow]


@pytest.fixture(scope="module")
def lab():
    if not have_netns():
        pytest.skip("needs root and iproute2")
    from lab.switchlab import SwitchLab

    with SwitchLab(n_pcs=15, tag="graph") as sl:
        yield sl


@pytest.fixture(scope="module")
def db(lab, tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('graph') / 'cmdb.sqlite'}"


def nc(lab, db, *args, ok=True):
    env = {**os.environ, "NETCMDB_CONFIG": "/nonexistent/netcmdb.toml"}
    r = lab.lab.run(lab.ns("scan"), sys.executable, "-m", "netcmdb", "--db", db, *args,
                    env=env, timeout=180, check=False)
    if ok:
        assert r.returncode == 0, r.stderr
    return r


def crawl(lab, db) -> dict:
    lab.traffic()  # FDB entries age out: refresh right before the walk
    r = nc(lab, db, "scan", "10.99.255.1", "--snmp", "--crawl", "--community", "public",
           "--timeout", "1", "--json")
    return json.loads(r.stdout)["run"]


def cabling(db) -> dict[str, tuple[str, str, str | None]]:
    """MAC -> (switch, port, IP) of every end-host CI, read from its connected_to link."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from netcmdb.cmdb.models import CI, Relationship

    with Session(create_engine(db)) as s:
        cis = {c.id: c for c in s.scalars(select(CI))}
        out = {}
        for r in s.scalars(select(Relationship).where(Relationship.asserted_by == "fdb")):
            a, b = cis[r.source_ci_id], cis[r.target_ci_id]
            host, sw, port = (a, b, r.target_port) if r.target_port else (b, a, r.source_port)
            assert host.mac not in out, f"{host.mac} cabled twice"
            out[host.mac] = (sw.name, port, host.ip)
        return out


def impact(lab, db, target) -> dict:
    return json.loads(nc(lab, db, "impact", target, "--json").stdout)


def test_one_crawl_puts_every_pc_on_its_port_and_impact_is_right(lab, db):
    first = crawl(lab, db)
    hosts = lab.truth()["hosts"]
    assert first["gateways"] == ["sw-core"]
    assert cabling(db) == {h["mac"]: (h["switch"], h["port"], h["ip"]) for h in hosts}
    pcs_on = {sw: {h["ip"] for h in hosts if h["switch"] == sw} for sw in
              ("sw-core", "sw-a", "sw-b", "sw-c")}
    # access switches: exactly what hangs behind them (sw-c hangs on sw-a only)
    for sw, want in (("sw-b", pcs_on["sw-b"]), ("sw-c", pcs_on["sw-c"]),
                     ("sw-a", pcs_on["sw-a"] | pcs_on["sw-c"] | {"sw-c"})):
        rep = impact(lab, db, sw)
        assert rep["roots"] == ["sw-core"]
        assert {d["name"] for d in rep["down"]} == want, sw
    # the gateway: everything
    rep = impact(lab, db, "sw-core")
    assert {d["name"] for d in rep["down"]} == (
        {h["ip"] for h in hosts} | {"sw-a", "sw-b", "sw-c"})
    # sw-b has two uplinks (to sw-core and, STP-blocked but cabled, to sw-a): losing sw-a
    # leaves it on its one cable to sw-core
    rep = impact(lab, db, "sw-a")
    assert [r["name"] for r in rep["at_risk"]] == ["sw-b"]
    # a second crawl changes nothing
    again = crawl(lab, db)
    assert (again["new"], again["changed"], again["moved"], again["missing"]) == ([], [], [], [])
    assert cabling(db) == {h["mac"]: (h["switch"], h["port"], h["ip"]) for h in hosts}


def test_a_recabled_pc_is_reported_moved(lab, db):
    if not cabling(db):
        crawl(lab, db)
    moved = lab.move_pc("pc001", "sw-b")  # pc001 sat on sw-a
    run = crawl(lab, db)
    assert run["moved"] == [moved["ip"]]
    assert cabling(db)[moved["mac"]] == ("sw-b", moved["port"], moved["ip"])
    w = json.loads(nc(lab, db, "where", moved["mac"], "--json").stdout)
    assert [(h["switch"], h["port"]) for h in w["now"]] == [("sw-b", moved["port"])]
    assert ("sw-a", "ge1") in [(h["switch"], h["port"]) for h in w["history"]]
    rep = impact(lab, db, "sw-b")
    assert moved["ip"] in {d["name"] for d in rep["down"]}
