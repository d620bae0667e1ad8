"""The SNMP crawl against a real switch lab: namespaces, snmpd + lldpd (AgentX), kernel STP, a loop.

From one seed the crawl must find every switch, every link with both ports right (no duplicates),
and every PC on its exact switch port, with its IP joined from sw-core's ARP table. The lab numbers
bridge ports differently from ifIndex (per-switch offsets) and one port advertises its MAC as LLDP
port ID, so guessing tools get these wrong.
"""

from __future__ import annotations

import json

import pytest

from netcmdb.demo.lab.netns import have_netns

pytestmark = [pytest.mark.root, pytest.mark.slow]

CRAWL = """
import json, sys
from netcmdb.discovery.snmp import SnmpConfig, SnmpCredential, crawl_snmp
from netcmdb.discovery.factsjson import result_to_dict
args = json.loads(sys.argv[1])
creds = [SnmpCredential(**c) for c in args["creds"]]
cfg = SnmpConfig(credentials=creds, timeout_s=args.get("timeout", 2),
                 retries=args.get("retries", 1))
cr = crawl_snmp(args["seeds"], cfg, scope=args.get("scope"), excludes=args.get("excludes"),
                max_depth=args.get("max_depth"))
print(json.dumps({"results": [result_to_dict(r) for r in cr.results], "skipped": cr.skipped,
                  "depth": cr.depth}))
"""


@pytest.fixture(scope="module")
def lab():
    if not have_netns():
        pytest.skip("needs root and iproute2")
    from lab.switchlab import SwitchLab

    with SwitchLab(n_pcs=18, tag="snmp") as sl:
        sl.traffic()
        yield sl


def run_crawl(lab, **args):
    from netcmdb.discovery.factsjson import result_from_dict

    args.setdefault("creds", [{"community": "public"}])
    args.setdefault("seeds", ["10.99.255.1"])
    r = lab.lab.run(
        lab.ns("scan"), __import__("sys").executable, "-c", CRAWL, json.dumps(args), timeout=120
    )
    data = json.loads(r.stdout)
    data["results"] = [result_from_dict(x) for x in data["results"]]
    return data


@pytest.fixture(scope="module")
def crawled(lab):
    lab.traffic()  # FDB entries age out; refresh right before the walk
    return run_crawl(lab)


def test_crawl_finds_every_switch(lab, crawled):
    truth = lab.truth()
    devs = [r.device for r in crawled["results"] if r.ok]
    assert sorted(d.hostname for d in devs) == sorted(truth["switches"])
    for d in devs:
        sw = truth["switches"][d.hostname]
        assert d.ip == sw["ip"]
        assert d.chassis_mac == sw["chassis_mac"]
        assert d.device_class == "switch"
        assert d.sys_location and d.sys_location.startswith("B01-")
        assert not d.warnings, d.warnings
    # breadth first: the seed at depth 0, its neighbours at 1, sw-c (behind sw-a) at 2
    assert crawled["depth"] == {
        "10.99.255.1": 0,
        "10.99.255.2": 1,
        "10.99.255.3": 1,
        "10.99.255.4": 2,
    }


def test_every_link_once_with_both_ports(lab, crawled):
    from netcmdb.discovery.links import resolve_links

    devs = [r.device for r in crawled["results"] if r.ok]
    links, warnings = resolve_links(devs)
    assert warnings == []
    got = sorted(
        tuple(sorted([(devs[lk.a_index].hostname, lk.a_port), (lk.b, lk.b_port)])) for lk in links
    )
    want = sorted(tuple(sorted([(a, pa), (b, pb)])) for a, pa, b, pb in lab.truth()["links"])
    assert got == want
    assert all(lk.b_index is not None for lk in links)


def test_every_host_on_its_exact_port(lab, crawled):
    from netcmdb.discovery.endhosts import place_end_hosts

    devs = [r.device for r in crawled["results"] if r.ok]
    res = place_end_hosts(devs)
    placed = {p.mac: (p.switch, p.port, p.ip) for p in res.placements}
    want = {h["mac"]: (h["switch"], h["port"], h["ip"]) for h in lab.truth()["hosts"]}
    assert placed == want
    # the uplinks are exactly the inter-switch ports
    names = {i: d.hostname for i, d in enumerate(devs)}
    uplinks = sorted((names[i], p) for i, ports in res.uplinks.items() for p in ports)
    want_up = sorted(
        {(a, pa) for a, pa, _, _ in lab.truth()["links"]}
        | {(b, pb) for _, _, b, pb in lab.truth()["links"]}
    )
    assert uplinks == want_up


def test_fdb_maps_bridge_ports_not_ifindex(lab, crawled):
    """Bridge port numbers are offset from ifIndex; every learned MAC must still land on a named
    port that exists on the switch, and no FDB row may be left unmapped."""
    for r in crawled["results"]:
        d = r.device
        names = {i.name for i in d.interfaces}
        assert d.fdb, d.hostname
        assert all(e.port in names for e in d.fdb), d.hostname


def test_v3_sha256_aes_and_credential_order(lab):
    from lab.switchlab import V3

    bad = {"community": "wrong"}
    v3 = {
        "version": "3",
        "user": V3["user"],
        "auth_proto": V3["auth_proto"],
        "auth_key": V3["auth_key"],
        "priv_proto": V3["priv_proto"],
        "priv_key": V3["priv_key"],
    }
    data = run_crawl(lab, creds=[bad, v3], max_depth=0, timeout=0.5, retries=0)
    [r] = data["results"]
    assert r.ok, r.error
    assert r.device.hostname == "sw-core"
    assert r.device.extra["snmp_credential"] == "v3 user labv3"
    assert len(r.device.interfaces) >= 4
    # a wrong v3 key is an auth failure or silence, never a device
    wrong = dict(v3, auth_key="notthekey123")
    data = run_crawl(lab, creds=[wrong], max_depth=0, timeout=0.5, retries=0)
    [r] = data["results"]
    assert not r.ok and r.error_kind in ("auth", "timeout")


def test_scope_depth_and_unreachable(lab):
    # depth 0: only the seed
    d0 = run_crawl(lab, max_depth=0)
    assert [r.target for r in d0["results"]] == ["10.99.255.1"]
    assert sorted(s[0] for s in d0["skipped"]) == ["10.99.255.2", "10.99.255.3"]
    # scope without sw-c: sw-c is recorded as skipped, never queried
    sc = run_crawl(lab, scope=["10.99.255.0/30"])
    assert sorted(r.target for r in sc["results"]) == ["10.99.255.1", "10.99.255.2", "10.99.255.3"]
    assert any(
        s[0] == "10.99.255.4" and "outside the crawl scope (10.99.255.0/30" in s[1]
        for s in sc["skipped"]
    )
    # excluded seed: nothing collected; an address nobody answers on: a per-host timeout
    ex = run_crawl(
        lab,
        seeds=["10.99.255.1", "10.99.255.77"],
        excludes=["10.99.255.1/32"],
        timeout=0.3,
        retries=0,
    )
    [r] = ex["results"]
    assert r.target == "10.99.255.77" and r.error_kind == "timeout" and r.device is None


def test_cli_crawl_ingest_links_and_where(lab, tmp_path):
    """`netcmdb scan SEED --snmp --crawl` then the CMDB holds each cable once with both ports,
    every host's sighting on its exact port, and `netcmdb where` answers by MAC and by IP."""
    import os
    import sys

    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from netcmdb.cmdb.models import CI, PortSighting, Relationship

    lab.traffic()
    db = f"sqlite:///{tmp_path / 'cmdb.sqlite'}"
    env = {
        **os.environ,
        "NETCMDB_CONFIG": str(tmp_path / "none.toml"),
        "NETCMDB_SNMP_COMMUNITY": "public",
    }
    r = lab.lab.run(
        lab.ns("scan"),
        sys.executable,
        "-m",
        "netcmdb",
        "--db",
        db,
        "scan",
        "10.99.255.1",
        "--snmp",
        "--crawl",
        "--community",
        "wrong",
        "--community",
        "public",
        "--timeout",
        "0.5",
        env=env,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    eng = create_engine(db)
    with Session(eng) as s:
        names = {c.id: c.name for c in s.scalars(select(CI))}
        switches = s.scalars(select(CI.name).where(CI.ci_class == "switch")).all()
        assert sorted(switches) == sorted(lab.truth()["switches"])
        rels = s.scalars(
            select(Relationship).where(
                Relationship.kind == "connected_to", Relationship.asserted_by != "fdb"
            )
        ).all()
        got = sorted(
            tuple(
                sorted(
                    [(names[x.source_ci_id], x.source_port), (names[x.target_ci_id], x.target_port)]
                )
            )
            for x in rels
        )
        want = sorted(tuple(sorted([(a, pa), (b, pb)])) for a, pa, b, pb in lab.truth()["links"])
        assert got == want
        sights = {
            p.mac: (names[p.switch_ci_id], p.port, p.ip) for p in s.scalars(select(PortSighting))
        }
        assert sights == {h["mac"]: (h["switch"], h["port"], h["ip"]) for h in lab.truth()["hosts"]}
    pc = lab.truth()["hosts"][5]
    for q in (pc["mac"].upper().replace(":", "-"), pc["ip"]):
        w = lab.lab.run(
            lab.ns("scan"),
            sys.executable,
            "-m",
            "netcmdb",
            "--db",
            db,
            "where",
            q,
            "--json",
            env=env,
        )
        ans = json.loads(w.stdout)
        assert [(h["switch"], h["port"]) for h in ans["now"]] == [(pc["switch"], pc["port"])]
    bad = lab.lab.run(
        lab.ns("scan"),
        sys.executable,
        "-m",
        "netcmdb",
        "--db",
        db,
        "where",
        "02:99:aa:aa:aa:aa",
        env=env,
        check=False,
    )
    assert bad.returncode == 2 and bad.stderr.startswith("error: ")
