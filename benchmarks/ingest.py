"""Reconciler throughput: N device facts into an empty SQLite CMDB, the same facts again
(nothing changed), then with 1% changed; each compared with a raw ``sqlite3.executemany`` of the
same rows in one transaction, measured in the same run. Peak RSS of the process is reported.
CPU seconds include the reconciler's forked rescan helper (it runs on the second core).

Every ingest goes the way ``netcmdb scan`` goes: the config file read by
``netcmdb.config.load_config`` (none here: all defaults, as for a new user), the CMDB opened as
``services.context.Cmdb`` and the facts written by ``services.ingest.ingest_results`` (the
reconciler config from ``[cmdb]``, the label rule's sysLocation parser, one transaction).
``--path library`` instead calls ``netcmdb.cmdb.reconcile.ingest`` with the built-in
``ReconcileConfig()`` and a hand-written location parser (what this benchmark measured before
2026-12-02: a path no user takes).

Run (from the repository root's parent, or with the package installed):

    PYTHONPATH=.. python benchmarks/ingest.py            # 100,000 facts, median of 3 rounds
    PYTHONPATH=.. python benchmarks/ingest.py -n 20000 --repeat 1   # quicker
    PYTHONPATH=.. python benchmarks/ingest.py --parallel 20000      # with the rescan helper

Each round starts from an empty CMDB; the median of the rounds is what counts (on this shared
2-core VM the same code's wall time varies by up to 1.7x from one minute to the next).

Targets on a 2-core machine: first ingest <= 6 s, unchanged rescan <= 3 s, peak <= 500 MB.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from netcmdb.cmdb.db import session_scope
from netcmdb.cmdb.models import CI, Change, Identifier
from netcmdb.cmdb.reconcile import ReconcileConfig, ingest
from netcmdb.config import load_config
from netcmdb.discovery.facts import DeviceClass, DeviceFact, Source
from netcmdb.services.context import Cmdb
from netcmdb.services.ingest import ingest_results


def location_parser(text: str) -> dict[str, str | int] | None:
    """``D010210-009`` style: building 01, floor 02, room 10, seat 9."""
    if len(text) == 11 and text[0] == "D" and text[7] == "-":
        return {"building": text[1:3], "floor": text[3:5], "room": text[5:7], "seat": int(text[8:])}
    return None


def make_facts(n: int, changed_every: int = 0) -> list[DeviceFact]:
    facts = []
    for i in range(n):
        os_version = "17.9.4"
        if changed_every and i % changed_every == 0:
            os_version = "17.12.1"
        facts.append(
            DeviceFact(
                source=Source.SNMP,
                ip=f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
                mac=(
                    f"02:00:{i >> 24 & 255:02x}:{i >> 16 & 255:02x}"
                    f":{i >> 8 & 255:02x}:{i & 255:02x}"
                ),
                hostname=f"dev-{i:06d}",
                serial=f"SN{i:08d}X",
                vendor="Huawei",
                model="S5735-L48T4X",
                os="VRP",
                os_version=os_version,
                device_class=DeviceClass.PC if i % 10 else DeviceClass.SWITCH,
                sys_location=f"D{1 + i % 2:02d}{1 + i % 6:02d}{1 + i % 40:02d}-{i % 60:03d}",
            )
        )
    return facts


def raw_baseline(facts: list[DeviceFact], path: Path) -> tuple[float, float]:
    """The floor: the same rows written by sqlite3.executemany in one transaction."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute(
        "CREATE TABLE ci (id INTEGER PRIMARY KEY, name TEXT, class TEXT, ip TEXT, "
        "mac TEXT, serial TEXT, vendor TEXT, model TEXT, os TEXT, os_version TEXT, "
        "location TEXT)"
    )
    rows = [
        (
            f.hostname,
            f.device_class.value if f.device_class else None,
            f.ip,
            f.mac,
            f.serial,
            f.vendor,
            f.model,
            f.os,
            f.os_version,
            f.sys_location,
        )
        for f in facts
    ]
    t, c = time.perf_counter(), time.process_time()
    with con:
        con.executemany(
            "INSERT INTO ci (name, class, ip, mac, serial, vendor, model, os, "
            "os_version, location) VALUES (?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
    dt, dc = time.perf_counter() - t, time.process_time() - c
    con.close()
    return dt, dc


def cpu_seconds() -> float:
    """This process's CPU time plus that of its finished children (the reconciler's forked
    rescan helper works on the other core)."""
    t = os.times()
    return time.process_time() + t.children_user + t.children_system


class Target:
    """Where the facts go, and how: the CLI's way (``cli``) or the bare library call."""

    def __init__(self, path: str, db: Path, config_file: Path) -> None:
        self.path = path
        self.url = f"sqlite:///{db}"
        self.cmdb = Cmdb(self.url, load_config(config_file))  # as the CLI opens it
        self.engine = self.cmdb.engine  # created and migrated (as on a command's first use)
        # the library path: the built-in defaults and the [cmdb] table's parallel setting
        self.config = ReconcileConfig(
            parallel_min_facts=self.cmdb.reconcile_config().parallel_min_facts
        )

    def ingest(self, facts: list[DeviceFact]):  # type: ignore[no-untyped-def]
        if self.path == "cli":
            return ingest_results(
                self.cmdb, facts, source="snmp", targets=["10.0.0.0/8"], methods=["snmp"]
            )
        with session_scope(self.engine) as s:
            return ingest(
                s,
                facts,
                source="snmp",
                targets=["10.0.0.0/8"],
                methods=["snmp"],
                location_parser=location_parser,
                config=self.config,
            )


def timed_ingest(target: Target, facts: list[DeviceFact]):  # type: ignore[no-untyped-def]
    gc.collect()
    t, c = time.perf_counter(), cpu_seconds()
    summary = target.ingest(facts)
    return (time.perf_counter() - t, cpu_seconds() - c), summary


def peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    kb = resource.getrusage(who).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def one_round(n: int, d: Path, path: str, config_file: Path):  # type: ignore[no-untyped-def]
    """One full measurement on a fresh CMDB: baseline, first ingest, rescan, 1% changed."""
    facts = make_facts(n)
    baseline = raw_baseline(facts, d / "raw.sqlite")
    target = Target(path, d / "cmdb.sqlite", config_file)
    engine = target.engine
    rows = []
    t1, s1 = timed_ingest(target, facts)
    assert len(s1.new) == n, len(s1.new)
    rows.append(("first ingest (empty CMDB)", t1, f"{len(s1.new)} new"))
    t2, s2 = timed_ingest(target, facts)
    assert not s2.new and not s2.changed and s2.seen == n
    rows.append(("same facts again (unchanged)", t2, f"{s2.seen} seen, 0 changed"))
    del facts, s1, s2  # keep one fact list alive at a time (peak memory is reported)
    gc.collect()
    changed = make_facts(n, changed_every=100)
    t3, s3 = timed_ingest(target, changed)
    assert len(s3.changed) == (n + 99) // 100 and not s3.new
    rows.append(("1% changed", t3, f"{len(s3.changed)} changed"))
    del changed, s3
    with session_scope(engine) as s:
        n_ci = s.scalar(select(func.count()).select_from(CI))
        n_id = s.scalar(select(func.count()).select_from(Identifier))
        n_ch = s.scalar(select(func.count()).select_from(Change))
    assert n_ci == n
    engine.dispose()
    return baseline, rows, (n_ci, n_id, n_ch)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100_000, help="number of device facts")
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="fresh-CMDB rounds; the median of each step is reported (default 3)",
    )
    ap.add_argument(
        "--parallel",
        type=int,
        default=0,
        metavar="N",
        help="[cmdb] parallel_min_facts in the config file (0, the default: off): rescans of"
        " >= N facts use the forked helper; costs memory, see docs/cmdb.md",
    )
    ap.add_argument(
        "--path",
        choices=("cli", "library"),
        default="cli",
        help="cli (default): config file, services.ingest.ingest_results, as `netcmdb scan`;"
        " library: reconcile.ingest with ReconcileConfig() (no user takes that path)",
    )
    args = ap.parse_args()
    n = args.n
    rounds = []
    for _ in range(max(1, args.repeat)):
        with tempfile.TemporaryDirectory(prefix="netcmdb-bench-") as d:
            config_file = Path(d) / "config.toml"  # absent (all defaults) unless --parallel
            if args.parallel:
                config_file.write_text(f"[cmdb]\nparallel_min_facts = {args.parallel}\n")
            rounds.append(one_round(n, Path(d), args.path, config_file))
        gc.collect()
    peak = peak_mb()
    n_ci, n_id, n_ch = rounds[-1][2]
    med = statistics.median
    print(f"netcmdb reconciler, {n:,} device facts (serial, MAC, IP, name, location), SQLite")
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    print(
        "path:",
        "the CLI's (load_config, services.ingest.ingest_results, label-rule sysLocation parser)"
        if args.path == "cli"
        else "library (reconcile.ingest, ReconcileConfig(), hand-written sysLocation parser)",
    )
    print(
        "rescan helper (parallel_min_facts):",
        f">= {args.parallel:,} facts" if args.parallel else "off",
    )
    print(f"CMDB after the runs: {n_ci:,} CIs, {n_id:,} identifiers, {n_ch:,} change rows")
    print()
    load = os.getloadavg()[0]
    print(
        f"load average during the run: {load:.1f} (wall time suffers on a busy machine;"
        " CPU seconds less so)"
    )
    print(
        f"{len(rounds)} round(s), each on a fresh CMDB; median of the rounds, then every"
        " round's wall time"
    )
    print()
    w = max(17, 5 * len(rounds) + 2)  # the per-round column
    print(
        f"{'step':<32}{'wall s':>8}{'x raw':>7}{'CPU s':>8}{'x raw':>7}  "
        f"{'rounds (wall s)':<{w}}result"
    )
    bw = med(r[0][0] for r in rounds)
    bc = med(r[0][1] for r in rounds)
    each = " ".join(f"{r[0][0]:.2f}" for r in rounds)
    print(
        f"{'raw sqlite3.executemany (floor)':<32}{bw:>8.2f}{1.0:>7.1f}{bc:>8.2f}{1.0:>7.1f}"
        f"  {each:<{w}}{n:,} rows"
    )
    medians = []
    for i, (name, _t, what) in enumerate(rounds[0][1]):
        tw = med(r[1][i][1][0] for r in rounds)
        tc = med(r[1][i][1][1] for r in rounds)
        medians.append(tw)
        each = " ".join(f"{r[1][i][1][0]:.2f}" for r in rounds)
        print(f"{name:<32}{tw:>8.2f}{tw / bw:>7.1f}{tc:>8.2f}{tc / bc:>7.1f}  {each:<{w}}{what}")
    print(f"{'peak RSS (whole process)':<32}{peak:>7.0f} MB")
    helper = peak_mb(resource.RUSAGE_CHILDREN)
    if helper:
        print(
            f"{'peak RSS of the rescan helper':<32}{helper:>7.0f} MB  (a fork: most of it is"
            " the parent's pages, shared copy-on-write)"
        )
    ok = medians[0] <= 6 and medians[1] <= 3 and peak <= 500
    print()
    print(
        "targets (median first <= 6 s, unchanged <= 3 s, peak <= 500 MB):",
        "met" if ok else "NOT met",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
