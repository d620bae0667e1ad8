"""The fast paths of the SNMP collector change nothing in the facts.

A small simulated campus (snmpsim, loopback, no root) is collected three ways: pysnmp for
everything (the reference), the lean v2c codec (snmp_wire) with the default GETBULK budget, and
the lean codec with large GETBULK responses (simulator allowing 256 var-binds). The facts must be
identical; the large budget must need fewer requests.
"""

from __future__ import annotations

import asyncio
import dataclasses

import pytest


@pytest.fixture(scope="module")
def sim():  # type: ignore[no-untyped-def]
    from netcmdb.demo.sim import campus
    from netcmdb.demo.sim.snmpsim_runner import SnmpSimulator, have_snmpsim

    if not have_snmpsim():
        pytest.skip("snmpsim/pysmi not installed")
    sws = campus.build_campus(4, n_dist=1, ports=20)
    s = SnmpSimulator(bulk_max_varbinds=256)
    campus.serve(s, sws)
    with s:
        yield s, sws


def _facts(dev):  # type: ignore[no-untyped-def]
    d = dataclasses.asdict(dev)
    d.pop("extra", None)
    return d


def test_wire_and_large_budget_give_the_pysnmp_facts(sim) -> None:  # type: ignore[no-untyped-def]
    from netcmdb.discovery import snmp_oids as O
    from netcmdb.discovery.snmp import SnmpConfig, SnmpCredential, collect_many

    s, sws = sim
    hosts = [sw.address for sw in sws]

    def run(**kw):  # type: ignore[no-untyped-def]
        cfg = SnmpConfig(
            credentials=[SnmpCredential(community="public")],
            timeout_s=5,
            retries=1,
            port=int(s.port or 0),
            columns=O.TOPOLOGY_COLUMNS,
            **kw,
        )
        res = asyncio.run(collect_many(hosts, cfg))
        assert all(r.ok for r in res), [r.error for r in res if not r.ok]
        return res

    ref = run(wire=False)
    fast = run()
    big = run(budget=256)
    assert sum(len(r.device.interfaces) for r in ref) > 40
    assert all(r.device.fdb and r.device.neighbors for r in ref)
    for a, b, c in zip(ref, fast, big):
        assert _facts(b.device) == _facts(a.device)
        assert _facts(c.device) == _facts(a.device)
        assert b.device.extra["snmp_requests"] == a.device.extra["snmp_requests"]
    assert sum(int(r.device.extra["snmp_requests"]) for r in big) < sum(
        int(r.device.extra["snmp_requests"]) for r in fast
    )
