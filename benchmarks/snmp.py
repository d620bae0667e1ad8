"""Benchmark: crawl a simulated campus over SNMP vs a sequential ``snmpbulkwalk`` of the same OIDs.

The campus (:mod:`netcmdb.demo.sim.campus`, derived from a walk of the namespace lab) is served by
snmpsim on loopback, sharded over ``--shards`` snmpsim processes (one process is single threaded);
each switch has ``--ports`` ports with a PC each (system + interfaces + LLDP + FDB). Both sides in
the same run, against the same simulator:

* netcmdb: ``crawl_snmp`` from the core with the topology column profile, asyncio, concurrent;
* baseline: for every device, one ``snmpget`` of the system group and one ``snmpbulkwalk`` per
  column of the same profile, strictly one after the other (what a shell loop does).

Then the crawl is reconciled into a fresh SQLite CMDB (issue 13: every placed end host becomes a
CI cabled to its port), timed on its own; crawl + ingest should stay within 60 s.

Usage (no root needed)::

    PYTHONPATH=/work/wt/snmpperf /work/venv/bin/python benchmarks/snmp.py --devices 500 --ports 48
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from netcmdb.demo.sim import campus  # noqa: E402
from netcmdb.demo.sim.snmpsim_runner import SnmpSimulator, free_udp_port  # noqa: E402
from netcmdb.discovery import snmp_oids as O  # noqa: E402
from netcmdb.discovery.snmp import SnmpConfig, SnmpCredential, crawl_snmp  # noqa: E402


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu(children: bool = False) -> float:
    t = os.times()
    return t.children_user + t.children_system if children else t.user + t.system


def baseline(addresses: list[str], ports: dict[str, int], limit: int) -> tuple[float, int]:
    """Sequential net-snmp walks of the same OIDs for the first ``limit`` devices."""
    t0 = time.monotonic()
    n = 0
    for a in addresses[:limit]:
        target = f"{a}:{ports[a]}"
        subprocess.run(
            [
                "snmpget",
                "-v2c",
                "-c",
                "public",
                "-On",
                "-t",
                "5",
                "-r",
                "2",
                target,
                *O.PROBE_SCALARS,
            ],
            capture_output=True,
            check=False,
        )
        for col in O.TOPOLOGY_COLUMNS:
            r = subprocess.run(
                ["snmpbulkwalk", "-v2c", "-c", "public", "-On", "-t", "5", "-r", "2", target, col],
                capture_output=True,
                text=True,
                check=False,
            )
            n += r.stdout.count("\n")
        n += len(O.PROBE_SCALARS)
    return time.monotonic() - t0, n


def ingest_crawl(cr, seed: str, truth: dict) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """Reconcile the crawl into a fresh SQLite CMDB (switches, links, every placed end host as a
    CI cabled to its port) and check the cabling against the ground truth."""
    import tempfile

    from sqlalchemy import select

    from netcmdb.cmdb.db import ensure_schema, make_engine, session_scope
    from netcmdb.cmdb.models import CI, Relationship
    from netcmdb.cmdb.reconcile import FDB_LINK, ingest

    with tempfile.TemporaryDirectory() as d:
        eng = make_engine(f"sqlite:///{d}/cmdb.sqlite")
        ensure_schema(eng)
        c0, t0 = own_cpu(), time.monotonic()
        with session_scope(eng) as s:
            summary = ingest(
                s, cr.results, source="snmp", targets=[seed], methods=["snmp"], covered=[]
            )
        seconds, cpu = time.monotonic() - t0, own_cpu() - c0
        with session_scope(eng) as s:
            ci = {i: (n, m) for i, n, m in s.execute(select(CI.id, CI.name, CI.mac))}
            cabled = {}
            for a, pa, b, pb in s.execute(
                select(
                    Relationship.source_ci_id,
                    Relationship.source_port,
                    Relationship.target_ci_id,
                    Relationship.target_port,
                ).where(Relationship.asserted_by == FDB_LINK)
            ):
                host, sw, port = (a, b, pb) if pb else (b, a, pa)
                cabled[ci[host][1]] = (ci[sw][0], port)
        eng.dispose()
    want = {m: (sw, port) for m, (sw, port, _ip) in truth["hosts"].items()}
    return {
        "seconds": seconds,
        "cpu": cpu,
        "new": len(summary.new),
        "hosts": len(cabled),
        "exact": cabled == want,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=500)
    ap.add_argument("--ports", type=int, default=48)
    ap.add_argument("--dist", type=int, default=10)
    ap.add_argument("--shards", type=int, default=4, help="snmpsim processes")
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument(
        "--budget",
        type=int,
        default=256,
        help="var-binds per GETBULK response asked for by netcmdb (and the most "
        "snmpsim returns; pysnmp's own cap is 64)",
    )
    ap.add_argument(
        "--baseline-devices",
        type=int,
        default=20,
        help="devices walked by the sequential baseline (rate extrapolated)",
    )
    args = ap.parse_args()

    sws = campus.build_campus(args.devices, n_dist=args.dist, ports=args.ports)
    template = campus._template()
    sims = [
        SnmpSimulator(port=free_udp_port(), bulk_max_varbinds=max(64, args.budget))
        for _ in range(args.shards)
    ]
    ports: dict[str, int] = {}
    try:
        t0 = time.monotonic()
        for sw in sws:
            sim = sims[sw.index % args.shards]
            sim.add_device(sw.address, text=campus.render(sw, sws, template))
            ports[sw.address] = int(sim.port or 0)
        for sim in sims:
            sim.start(timeout=600)
        t_start = time.monotonic() - t0

        cfg = SnmpConfig(
            credentials=[SnmpCredential(community="public")],
            timeout_s=10,
            retries=2,
            concurrency=args.concurrency,
            ports=ports,
            budget=args.budget,
            columns=O.TOPOLOGY_COLUMNS,
        )
        sim_cpu0 = sum(cpu_of(int(sim.proc.pid)) for sim in sims if sim.proc)
        cli_cpu0 = own_cpu()
        t1 = time.monotonic()
        cr = crawl_snmp([sws[0].address], cfg, scope=["127.77.0.0/16"])
        t_crawl = time.monotonic() - t1
        cli_cpu = own_cpu() - cli_cpu0
        sim_cpu1 = sum(cpu_of(int(sim.proc.pid)) for sim in sims if sim.proc)
        sim_cpu = sim_cpu1 - sim_cpu0
        ok = [r for r in cr.results if r.ok]
        varbinds = sum(
            len(d.interfaces) * 7 + len(d.fdb) * 2 + len(d.neighbors) * 9 for d in cr.devices
        )
        requests = sum(int(d.extra.get("snmp_requests", 0)) for d in cr.devices)
        truth = campus.truth(sws)
        from netcmdb.discovery.links import resolve_links

        links, _ = resolve_links(cr.devices)
        got = sorted(
            tuple(sorted([(cr.devices[lk.a_index].hostname, lk.a_port), (lk.b, lk.b_port)]))
            for lk in links
        )
        links_ok = got == [tuple(x) for x in truth["links"]]

        ing = ingest_crawl(cr, sws[0].address, truth)

        ch0 = own_cpu(children=True)
        t_base, n_base = baseline([s.address for s in sws], ports, args.baseline_devices)
        base_cli_cpu = own_cpu(children=True) - ch0
        base_sim_cpu = sum(cpu_of(int(sim.proc.pid)) for sim in sims if sim.proc) - sim_cpu1
        with open("/proc/loadavg") as f:
            load = f.read().split()[:3]
        base_rate = args.baseline_devices / t_base
        rate = len(ok) / t_crawl
    finally:
        for sim in sims:
            sim.cleanup()

    print(
        f"campus: {args.devices} switches x {args.ports} ports, {args.shards} snmpsim "
        f"processes (start {t_start:.1f} s), GETBULK budget {args.budget} var-binds"
    )
    print(
        f"{'method':<44} {'devices':>8} {'seconds':>9} {'devices/s':>10} {'ratio':>7} "
        f"{'client CPU s':>13} {'snmpsim CPU s':>14}"
    )
    print(
        f"{'netcmdb crawl (asyncio, GETBULK multi-column)':<44} {len(ok):>8} {t_crawl:>9.1f} "
        f"{rate:>10.2f} {rate / base_rate:>6.1f}x {cli_cpu:>13.1f} {sim_cpu:>14.1f}"
    )
    print(
        f"{'sequential snmpget + snmpbulkwalk per column':<44} {args.baseline_devices:>8} "
        f"{t_base:>9.1f} {base_rate:>10.2f} {1.0:>6.1f}x {base_cli_cpu:>13.1f} "
        f"{base_sim_cpu:>14.1f}"
    )
    print(
        f"CPU seconds per device: netcmdb {(cli_cpu + sim_cpu) / max(1, len(ok)):.3f} "
        f"(client {cli_cpu / max(1, len(ok)):.3f}), baseline "
        f"{(base_cli_cpu + base_sim_cpu) / args.baseline_devices:.3f} "
        f"(client {base_cli_cpu / args.baseline_devices:.3f}); load average at the end "
        f"{' '.join(load)} on {os.cpu_count()} CPUs"
    )
    print(
        f"ingest into a fresh SQLite CMDB: {ing['seconds']:.1f} s wall, {ing['cpu']:.1f} s CPU: "
        f"{ing['new']} new CIs, {ing['hosts']} end hosts cabled to their port "
        f"({'all exact' if ing['exact'] else 'MISMATCH'}); crawl + ingest "
        f"{t_crawl + ing['seconds']:.1f} s (target <= 60 s: "
        f"{'met' if t_crawl + ing['seconds'] <= 60 else 'NOT met'})"
    )
    print(
        f"netcmdb: {requests} requests, ~{varbinds} table cells decoded, links "
        f"{'all correct' if links_ok else 'MISMATCH'}, failures {len(cr.results) - len(ok)}; "
        f"baseline: {n_base} varbinds for {args.baseline_devices} devices; "
        f"baseline extrapolated to {args.devices} devices: {args.devices / base_rate:.0f} s"
    )


if __name__ == "__main__":
    main()
