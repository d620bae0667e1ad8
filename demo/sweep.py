"""The sweep part of ``make demo``: a real ARP/ICMP/TCP sweep of a small namespace LAN.

Builds the lab with :mod:`netcmdb.demo.lab.sweepnet` (the same builder the sweep tests use).
Without root (network namespaces, raw sockets) it writes nothing and returns why it skipped.
Run alone: ``python -m netcmdb.demo.sweep OUTDIR``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path


def demo_sweep(outdir: Path, db_url: str | None = None, skip: type[Exception] | None = None) -> str:
    """Build the 7-host sweep lab, scan it, write the results to ``outdir``; one-line summary.

    Files written: ``sweep-table.txt`` (the --no-store table), ``sweep-hosts.json`` (facts) and
    ``sweep-run.json`` (the CMDB run summary: new/changed/missing). ``db_url`` defaults to a
    SQLite file in ``outdir``. ``skip``: raise this (e.g. ``netcmdb.demo.Skip``) with the reason
    instead of returning a "skipped" line, for the demo's step protocol.
    """
    reason = None
    if os.geteuid() != 0 or shutil.which("ip") is None:
        reason = "sweep demo skipped: needs root and iproute2 to build network namespaces"
    elif importlib.util.find_spec("scapy") is None:  # the lab's NetBIOS responder builds replies
        reason = "sweep demo skipped: needs scapy for the lab's NetBIOS host (pip install scapy)"
    if reason is not None:
        if skip is not None:
            raise skip(reason)
        return reason
    from netcmdb.demo.lab.sweepnet import SweepNet, standard_hosts

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    db_url = db_url or f"sqlite:///{(outdir / 'demo-sweep.sqlite').resolve()}"
    args = ["10.98.0.0/24", "--exclude", "10.98.0.15", "--arp", "--icmp", "--tcp", "2222,8080,9100"]
    with SweepNet(standard_hosts(), tag="sweepdemo") as net:
        table = net.run_scan("scan", *args, "--no-store")
        facts = net.run_scan("scan", *args, "--no-store", "--json")
        run = net.run_scan("--db", db_url, "scan", *args, "--json")
    for res in (table, facts, run):
        if res.returncode != 0:
            return f"sweep demo failed: {res.stderr.strip().splitlines()[-1:]}"
    (outdir / "sweep-table.txt").write_text(table.stdout)
    (outdir / "sweep-hosts.json").write_text(facts.stdout)
    (outdir / "sweep-run.json").write_text(run.stdout)
    hosts = json.loads(facts.stdout)["hosts"]
    summary = json.loads(run.stdout)
    return (
        f"sweep: {len(hosts)} live hosts of {json.loads(facts.stdout)['probed']} probed "
        f"(ARP+ICMP+TCP on a namespace LAN); CMDB run {summary['run_id']}: "
        f"{len(summary['new'])} new, {len(summary['changed'])} changed, "
        f"{len(summary['missing'])} missing -> {outdir}/sweep-table.txt"
    )


if __name__ == "__main__":
    print(demo_sweep(Path(sys.argv[1] if len(sys.argv) > 1 else "demo-out")))
