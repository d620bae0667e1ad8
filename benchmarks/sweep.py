"""Sweep benchmark: netcmdb's ARP and ICMP sweeps against Debian's ``nmap -sn`` in the same run.

Builds a namespace LAN (tests/lab/sweepnet.py): 200 live hosts in 10.98.0.0/24 and 100 live hosts
spread over 10.98.4.0/22, all on one bridge with the scanner. Every tool runs inside the scanner
namespace with the neighbour cache flushed before each run; reverse DNS is off for everyone
(``-n`` / ``--no-dns``: the lab has no DNS server). Each measurement is the median of ``--repeat``
runs, and every run's host count is checked against the ground truth.

Measured:
  * the scanner function directly (a driver process timing ``scanner.scan()`` only), and
  * the CLI end to end (``python -m netcmdb scan ... --dry-run --json``: interpreter start,
    imports, target expansion, scan, JSON), wall time and peak RSS (GNU time),
against ``nmap -sn -n`` (ARP on a local segment) and, for ICMP, also ``nmap -sn -n -PE --send-ip``
(the like-for-like ICMP echo sweep).

Run as root from the repository root:
    PYTHONPATH=.. /work/venv/bin/python benchmarks/sweep.py [--repeat 3] \
        [--out benchmarks/RESULTS-sweep.md]
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from lab.sweepnet import SweepNet, pkg_env, spread_hosts  # noqa: E402

DRIVER = r"""
import json, resource, sys, time
from netcmdb.discovery.base import ScanOptions, get_scanner
from netcmdb.discovery.targets import expand
method, spec = sys.argv[1], sys.argv[2]
targets = expand([spec])
t0 = time.perf_counter()
alive = [r for r in get_scanner(method).scan(targets, ScanOptions(extra={"resolve": False}))
         if r.alive]
dt = time.perf_counter() - t0
print(json.dumps({"s": dt, "found": len(alive),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB, GNU time) and stdout of ``cmd``."""
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True,
                       env=env, timeout=300)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {r.stderr[-500:]}")
    rss = int(r.stderr.strip().splitlines()[-1]) / 1024
    return dt, rss, r.stdout


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

        def measure(label: str, cmd: list[str], parse_found,  # type: ignore[no-untyped-def]
                    expect: int) -> dict[str, object]:
            times, rss, found = [], [], []
            for _ in range(args.repeat):
                flush()
                dt, mem, out = timed(cmd, env)
                times.append(dt)
                rss.append(mem)
                found.append(parse_found(out))
            row = {"what": label, "s": statistics.median(times), "min_s": min(times),
                   "rss_mb": max(rss), "found": f"{min(found)}-{max(found)}/{expect}"}
            print(f"{label:<58} {row['s']:.3f} s (min {row['min_s']:.3f})  "
                  f"{row['rss_mb']:.0f} MB  found {row['found']}", flush=True)
            rows.append(row)
            return row

        def direct(label: str, method: str, spec: str, expect: int) -> dict[str, object]:
            times, found, rss = [], [], []
            for _ in range(args.repeat):
                flush()
                r = subprocess.run(in_ns(sys.executable, "-c", DRIVER, method, spec),
                                   capture_output=True, text=True, env=env, timeout=300)
                if r.returncode:
                    raise RuntimeError(r.stderr[-800:])
                d = json.loads(r.stdout)
                times.append(d["s"])
                found.append(d["found"])
                rss.append(d["rss_mb"])
            row = {"what": label, "s": statistics.median(times), "min_s": min(times),
                   "rss_mb": max(rss), "found": f"{min(found)}-{max(found)}/{expect}"}
            print(f"{label:<58} {row['s']:.3f} s (min {row['min_s']:.3f})  "
                  f"{row['rss_mb']:.0f} MB  found {row['found']}", flush=True)
            rows.append(row)
            return row

        def cli_found(out: str) -> int:
            return len(json.loads(out)["hosts"])

        def nmap_found(out: str) -> int:
            return out.count('<status state="up"')

        print(f"lab: 300 hosts built in {build_s:.1f} s", flush=True)
        res: dict[str, dict[str, object]] = {}
        for spec, expect, tag in (("10.98.0.0/24", 200, "/24"), ("10.98.4.0/22", 100, "/22")):
            res[f"arp{tag}:fn"] = direct(f"netcmdb arp {tag} (scanner function)", "arp", spec,
                                         expect)
            res[f"arp{tag}:cli"] = measure(
                f"netcmdb scan --arp {tag} (CLI end to end)",
                in_ns(sys.executable, "-m", "netcmdb", "scan", spec, "--arp", "--dry-run",
                      "--json", "--no-dns"), cli_found, expect)
            res[f"icmp{tag}:fn"] = direct(f"netcmdb icmp {tag} (scanner function)", "icmp", spec,
                                          expect)
            res[f"icmp{tag}:cli"] = measure(
                f"netcmdb scan --icmp {tag} (CLI end to end)",
                in_ns(sys.executable, "-m", "netcmdb", "scan", spec, "--icmp", "--dry-run",
                      "--json", "--no-dns"), cli_found, expect)
            res[f"nmap{tag}"] = measure(f"nmap -sn -n {tag} (ARP)",
                                        in_ns("nmap", "-sn", "-n", "-oX", "-", spec),
                                        nmap_found, expect)
            res[f"nmapicmp{tag}"] = measure(
                f"nmap -sn -n -PE --send-ip {tag} (ICMP)",
                in_ns("nmap", "-sn", "-n", "-PE", "--send-ip", "-oX", "-", spec),
                nmap_found, expect)

    def ratio(a: str, b: str) -> str:
        return f"{float(res[a]['s']) / float(res[b]['s']):.2f}"  # type: ignore[arg-type]

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
        nmap_version = subprocess.run(["nmap", "--version"], capture_output=True,
                                      text=True).stdout.splitlines()[0]
        lines = [
            "# Sweep benchmark (ARP / ICMP vs nmap -sn)", "",
            f"Command (root, repository root): `PYTHONPATH=.. {sys.executable} benchmarks/sweep.py"
            f" --repeat {args.repeat} --out {args.out}`", "",
            f"Machine: {platform.node()} {platform.machine()}, Linux {platform.release()}, "
            f"Python {platform.python_version()}, "
            f"{nmap_version}; load average at the start {load0}, "
            f"at the end {open('/proc/loadavg').read().split()[0]} "
            "(other test suites were running on the same 2 cores).", "",
            "Lab: 200 live hosts in 10.98.0.0/24 and 100 live hosts spread over 10.98.4.0/22 "
            "(one Linux bridge, one namespace per host); neighbour cache flushed before every run; "
            "reverse DNS off for all tools. Times are medians of the repeats; netcmdb at its "
            "default settings (1000 packets/s, timeout 1 s, 1 retry).", "",
            "| what | median s | min s | peak RSS MB | hosts found |", "|---|---:|---:|---:|---|",
        ]
        lines += [f"| {r['what']} | {r['s']:.3f} | {r['min_s']:.3f} | "
                  f"{r['rss_mb']:.0f} | {r['found']} |" for r in rows]
        lines += ["", "| ratio (netcmdb / nmap) | value | target |", "|---|---:|---|"]
        lines += [f"| {n} | {r} | {t} |" for n, r, t in ratios]
        lines += ["", f"Peak RSS of any netcmdb process: {peak:.0f} MB (target < 150 MB).", ""]
        args.out.write_text("\n".join(lines))
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
