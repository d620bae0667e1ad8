"""The simulated campus (snmpsim on 127.77.x.y, derived from a lab walk), crawled with no root.

Every switch must be found from the core over LLDP management addresses, every cable once with
both ports, every PC on its exact access port with its IP from the ARP tables, and the CMDB must
hold one CI per switch, one relationship per cable and one sighting per PC.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def campus_run():
    from netcmdb.demo.sim.snmpsim_runner import have_snmpsim

    if not have_snmpsim():
        pytest.skip("snmpsim/pysmi not installed")
    from netcmdb.demo.snmp_campus import crawl_campus

    return crawl_campus(12, ports=8, n_dist=2)


def test_campus_crawl_is_exact(campus_run) -> None:  # type: ignore[no-untyped-def]
    from netcmdb.discovery.endhosts import place_end_hosts
    from netcmdb.discovery.links import resolve_links

    cr, truth = campus_run["crawl"], campus_run["truth"]
    devs = cr.devices
    assert not [r.error for r in cr.results if not r.ok]
    assert {d.hostname: d.ip for d in devs} == truth["switches"]
    links, warnings = resolve_links(devs)
    assert warnings == []
    got = sorted(
        tuple(sorted([(devs[lk.a_index].hostname, lk.a_port), (lk.b, lk.b_port)])) for lk in links
    )
    assert got == [tuple(x) for x in truth["links"]]
    placed = {p.mac: (p.switch, p.port, p.ip) for p in place_end_hosts(devs).placements}
    assert placed == truth["hosts"]
    # bridge ports are numbered 101.. in the campus: the FDB must still name real ports
    assert all(e.port and e.port.startswith(("ge", "xe")) for d in devs for e in d.fdb)


def test_campus_ingest(campus_run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from netcmdb.cmdb.db import ensure_schema, make_engine, session_scope
    from netcmdb.cmdb.models import CI, PortSighting, Relationship
    from netcmdb.cmdb.reconcile import ingest
    from netcmdb.cmdb.where import where

    cr, truth = campus_run["crawl"], campus_run["truth"]
    eng = make_engine(f"sqlite:///{tmp_path / 'c.sqlite'}")
    ensure_schema(eng)
    for _ in range(2):  # a second identical run changes nothing
        with session_scope(eng) as s:
            ingest(
                s, cr.results, source="snmp", targets=["127.77.0.1"], methods=["snmp"], covered=[]
            )
    with session_scope(eng) as s:
        switches = s.scalars(select(CI.name).where(CI.ci_class == "switch")).all()
        assert sorted(switches) == sorted(truth["switches"])
        n_links = s.scalar(
            select(func.count())
            .select_from(Relationship)
            .where(Relationship.kind == "connected_to", Relationship.asserted_by != "fdb")
        )
        assert n_links == len(truth["links"])
        # every end host is a CI cabled to its exact port, as the switch names it
        names = {c.id: c for c in s.scalars(select(CI))}
        cabled = {}
        for r in s.scalars(select(Relationship).where(Relationship.asserted_by == "fdb")):
            a, b = names[r.source_ci_id], names[r.target_ci_id]
            host, sw, port = (a, b, r.target_port) if r.target_port else (b, a, r.source_port)
            cabled[host.mac] = (sw.name, port, host.ip)
        assert cabled == {m: (h[0], h[1], h[2]) for m, h in truth["hosts"].items()}
        n_sight = s.scalar(select(func.count()).select_from(PortSighting))
        assert n_sight == len(truth["hosts"])
        mac, (sw, port, ip) = sorted(truth["hosts"].items())[3]
        ans = where(s, ip)
        assert [(h["switch"], h["port"]) for h in ans["now"]] == [(sw, port)]
        assert ans["macs"] == [mac]
    # impact on the crawled graph (issue 13 §6): the core is discovered as the gateway (it
    # routes, its ARP table resolves the PCs) and each access switch takes down exactly its PCs
    from netcmdb.demo.snmp_campus import impact_per_access_switch

    takes = impact_per_access_switch(eng)
    pcs_of: dict[str, set[str]] = {}
    for _mac, (sw, _port, ip) in truth["hosts"].items():
        pcs_of.setdefault(sw, set()).add(ip)
    assert {sw: set(takes[sw][0]) for sw in pcs_of} == pcs_of
    assert {tuple(r) for _ips, r in takes.values()} == {("core-000",)}
