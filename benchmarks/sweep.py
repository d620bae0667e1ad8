"""Sweep benchmark: netcmdb's ARP and ICMP sweeps against Debian's ``nmap -sn`` in the same run.

Builds a namespace LAN (demo/lab/sweepnet.py): 200 live hosts in 10.98.0.0/24 and 100 live hosts
spread over 10.98.4.0/22, all on one bridge with the scanner. Every tool runs inside the scanner
namespace with the neighbour cache flushed before each run; reverse DNS is off for everyone
(``-n`` / ``--no-dns``: the lab has no DNS server). Each measurement is the median of ``--repeat``
runs, and every run's host count is checked against the ground truth.

Measured:
  * the scanner function directly (a driver process timing ``scanner.scan()`` only), and
  * the CLI end to end (``python -m netcmdb scan ... --no-store --json``: interpreter start,
    imports, target expansion, scan, JSON), wall time and peak RSS (GNU time),
against ``nmap -sn -n`` (ARP on a local segment) and, for ICMP, also ``nmap -sn -n -PE --send-ip``
(the like-for-like ICMP echo sweep).

Run as root from the repository root:
    PYTHONPATH=.. /work/venv/bin/python benchmarks/sweep.py [--repeat 3] \
        [--out benchmarks/history/RESULTS-sweep.md]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from netcmdb.demo.lab.sweepnet import SweepNet, pkg_env, spread_hosts

REPO = Path(__file__).resolve().parents[1]

DRIVER = r"""
import json, resource, sys, time
from netcmdb.discovery.base import ScanOptions, get_scanner
from netcmdb.net.scope import expand
method, spec = sys.argv[1], sys.argv[2]
targets = expand([spec])
t0 = time.perf_counter()
alive = [r for r in get_scanner(method).scan(targets, ScanOptions(extra={"resolve": False}))
         if r.alive]
dt = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"s": dt, "found": len(alive), "rss_mb": ru.ru_maxrss / 1024}))
"""


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str, float]:
    """Wall seconds, peak RSS (MB), stdout and CPU seconds (user+sys, GNU time) of ``cmd``."""
    t0 = time.perf_counter()
    r = subprocess.run(
        ["/usr/bin/time", "-f", "%M %U %S", *cmd],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {r.stderr[-500:]}")
    rss_kb, user, sys_s = r.stderr.strip().splitlines()[-1].split()
    return dt, int(rss_kb) / 1024, r.stdout, float(user) + float(sys_s)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    rows: list[dict[str, Any]] = []
    load0 = open("/proc/loadavg").read().split()[0]
    t_build = time.perf_counter()
    with SweepNet(spread_hosts(200, 100), tag="sweepbn") as net:
        build_s = time.perf_counter() - t_build
        ns = net.scan_ns
        env = pkg_env()

        def in_ns(*cmd: str) -> list[str]:
            return ["ip", "netns", "exec", ns, *cmd]

        def flush() -> None:
            net.flush_neighbours()
            time.sleep(0.3)

        def run_cli(cmd: list[str]) -> tuple[float, float, int, float]:
            dt, mem, out, cpu = timed(cmd, env)
            return (
                dt,
                mem,
                (
                    len(json.loads(out)["hosts"])
                    if out.lstrip().startswith("{")
                    else out.count('<status state="up"')
                ),
                cpu,
            )

        def run_fn(method: str, spec: str) -> tuple[float, float, int, float | None]:
            r = subprocess.run(
                in_ns(sys.executable, "-c", DRIVER, method, spec),
                capture_output=True,
                text=True,
                env=env,
                timeout=300,
            )
            if r.returncode:
                raise RuntimeError(r.stderr[-800:])
            d = json.loads(r.stdout)
            return float(d["s"]), float(d["rss_mb"]), int(d["found"]), d.get("cpu")

        cases: list[tuple[str, str, int, object]] = []
        for spec, expect, tag in (("10.98.0.0/24", 200, "/24"), ("10.98.4.0/22", 100, "/22")):
            cli = [
                sys.executable,
                "-m",
                "netcmdb",
                "scan",
                spec,
                "--no-store",
                "--json",
                "--no-dns",
            ]
            cases += [
                (
                    f"arp{tag}:fn",
                    f"netcmdb arp {tag} (scanner function)",
                    expect,
                    lambda s=spec: run_fn("arp", s),
                ),
                (
                    f"arp{tag}:cli",
                    f"netcmdb scan --arp {tag} (CLI end to end)",
                    expect,
                    lambda c=cli: run_cli(in_ns(*c, "--arp")),
                ),
                (
                    f"nmap{tag}",
                    f"nmap -sn -n {tag} (ARP)",
                    expect,
                    lambda s=spec: run_cli(in_ns("nmap", "-sn", "-n", "-oX", "-", s)),
                ),
                (
                    f"icmp{tag}:fn",
                    f"netcmdb icmp {tag} (scanner function)",
                    expect,
                    lambda s=spec: run_fn("icmp", s),
                ),
                (
                    f"icmp{tag}:cli",
                    f"netcmdb scan --icmp {tag} (CLI end to end)",
                    expect,
                    lambda c=cli: run_cli(in_ns(*c, "--icmp")),
                ),
                (
                    f"nmapicmp{tag}",
                    f"nmap -sn -n -PE --send-ip {tag} (ICMP)",
                    expect,
                    lambda s=spec: run_cli(
                        in_ns("nmap", "-sn", "-n", "-PE", "--send-ip", "-oX", "-", s)
                    ),
                ),
            ]
        print(
            f"lab: 300 hosts built in {build_s:.1f} s; {args.repeat} interleaved rounds", flush=True
        )
        samples: dict[str, list[tuple[float, float, int, float | None]]] = {
            k: [] for k, *_ in cases
        }
        for rnd in range(args.repeat):  # interleaved, so every tool sees the same load
            for key, label, _expect, fn in cases:
                flush()
                samples[key].append(fn())  # type: ignore[operator]
                print(f"  round {rnd + 1}: {label:<50} {samples[key][-1][0]:.3f} s", flush=True)
        res: dict[str, dict[str, Any]] = {}
        for key, label, expect, _fn in cases:
            ts = [x[0] for x in samples[key]]
            found = [x[2] for x in samples[key]]
            cpus = [x[3] for x in samples[key] if x[3] is not None]
            row = {
                "what": label,
                "s": statistics.median(ts),
                "min_s": min(ts),
                "cpu": statistics.median(cpus) if cpus else None,
                "rss_mb": max(x[1] for x in samples[key]),
                "found": f"{min(found)}-{max(found)}/{expect}",
            }
            rows.append(row)
            res[key] = row
        print()
        for r in rows:
            cpu = "" if r["cpu"] is None else f"cpu {r['cpu']:.2f} s  "
            print(
                f"{r['what']:<50} {r['s']:.3f} s (min {r['min_s']:.3f})  {cpu}"
                f"{r['rss_mb']:.0f} MB  found {r['found']}"
            )

    def ratio(a: str, b: str) -> str:
        """Median of the per-round ratios (paired: both ran back to back in the same round)."""
        return f"{statistics.median(x[0] / y[0] for x, y in zip(samples[a], samples[b])):.2f}"

    ratios = [
        ("ARP /24 function vs nmap -sn", ratio("arp/24:fn", "nmap/24"), "<= 1.0"),
        ("ARP /24 CLI vs nmap -sn", ratio("arp/24:cli", "nmap/24"), "<= 1.0"),
        ("ARP /22 CLI vs nmap -sn", ratio("arp/22:cli", "nmap/22"), "<= 1.0"),
        ("ICMP /22 function vs nmap -sn", ratio("icmp/22:fn", "nmap/22"), "<= 1.2"),
        ("ICMP /22 CLI vs nmap -sn", ratio("icmp/22:cli", "nmap/22"), "<= 1.2"),
        ("ICMP /22 CLI vs nmap -sn -PE --send-ip", ratio("icmp/22:cli", "nmapicmp/22"), "<= 1.2"),
        ("ICMP /24 CLI vs nmap -sn -PE --send-ip", ratio("icmp/24:cli", "nmapicmp/24"), "-"),
    ]
    print()
    for name, r, target in ratios:
        print(f"{name:<44} {r:>6}  (target {target})")
    peak = max(float(r["rss_mb"]) for r in rows if str(r["what"]).startswith("netcmdb"))
    print(f"peak RSS of any netcmdb process: {peak:.0f} MB (target < 150 MB)")

    if args.out:
        nmap_version = subprocess.run(
            ["nmap", "--version"], capture_output=True, text=True
        ).stdout.splitlines()[0]
        lines = [
            "# Sweep benchmark (ARP / ICMP vs nmap -sn)",
            "",
            f"Command (root, repository root): `PYTHONPATH=.. {sys.executable} benchmarks/sweep.py"
            f" --repeat {args.repeat} --out {args.out}`",
            "",
            f"Machine: {platform.node()} {platform.machine()}, Linux {platform.release()}, "
            f"Python {platform.python_version()}, "
            f"{nmap_version}; load average at the start {load0}, "
            f"at the end {open('/proc/loadavg').read().split()[0]} "
            "(other test suites were running on the same 2 cores).",
            "",
            "Lab: 200 live hosts in 10.98.0.0/24 and 100 live hosts spread over 10.98.4.0/22 "
            "(one Linux bridge, one namespace per host); neighbour cache flushed before every run; "
            "reverse DNS off for all tools. The tools run interleaved (each round runs every "
            "case once), times are medians over the rounds and each ratio is the median of "
            "the per-round ratios; netcmdb at its "
            "default settings (1000 packets/s, timeout 1 s, 1 retry).",
            "",
            "CPU s = user + system time of the process (GNU time; CLI and nmap rows only): the"
            " part of the cost that does not depend on the machine's load. Kernel work done"
            " on behalf of the sender (flooding each ARP broadcast to 300 bridge ports) is"
            " partly in it.",
            "",
            "| what | median s | min s | CPU s | peak RSS MB | hosts found |",
            "|---|---:|---:|---:|---:|---|",
        ]
        lines += [
            f"| {r['what']} | {r['s']:.3f} | {r['min_s']:.3f} | "
            f"{'' if r['cpu'] is None else format(r['cpu'], '.2f')} | "
            f"{r['rss_mb']:.0f} | {r['found']} |"
            for r in rows
        ]
        lines += ["", "| ratio (netcmdb / nmap) | value | target |", "|---|---:|---|"]
        lines += [f"| {n} | {r} | {t} |" for n, r, t in ratios]
        lines += ["", f"Peak RSS of any netcmdb process: {peak:.0f} MB (target < 150 MB).", ""]
        args.out.write_text("\n".join(lines))
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
