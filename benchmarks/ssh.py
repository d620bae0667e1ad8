"""Benchmark: SSH collection from N fakenos devices, concurrent vs a sequential loop, same run.

Run from the repository root's parent (so ``netcmdb`` imports):

    PYTHONPATH=/work/wt/ssh /work/venv/bin/python netcmdb/benchmarks/ssh.py --devices 50

Devices: fakenos on 127.x.y.1..N (one port, one address each), round-robin cisco_ios /
arista_eos / huawei_vrp serving the recorded outputs of tests/discovery/data/ssh, spread over
several server processes so the device side is not one interpreter's GIL. Host keys are
recorded once before timing, so both modes do identical work: login, enable where needed,
seven commands, parse. Prints a table and, with --write, writes benchmarks/history/RESULTS-ssh.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "tests" / "discovery" / "fakenos_lab.py"
DATA = ROOT / "tests" / "discovery" / "data" / "ssh"
CASES = [
    ("cisco_ios", "cisco_ios/c3850_basic"),
    ("arista_eos", "arista_eos/dcs7050_basic"),
    ("huawei_vrp", "huawei_vrp/s5720_basic"),
]


def _commands(platform_key: str, case: str) -> dict[str, str]:
    from netcmdb.discovery.vendors import CLI_COMMANDS

    cmds = CLI_COMMANDS[platform_key]
    out = {}
    for p in (DATA / case).glob("*.txt"):
        if p.stem != "prompt" and cmds.command(p.stem):
            out[cmds.command(p.stem)] = p.read_text()
    return out


def start_lab(n: int, procs: int, tmp: Path) -> tuple[list[subprocess.Popen[str]], list[str], str]:
    pid = os.getpid()
    base = f"127.{60 + pid % 180}.{(pid // 180) % 250}."
    with socket.socket() as s:
        s.bind((f"{base}1", 0))
        port = s.getsockname()[1]
    devices = []
    for i in range(1, n + 1):
        plat, case = CASES[(i - 1) % len(CASES)]
        devices.append(
            {
                "name": f"bench-{i}",
                "platform": plat,
                "address": f"{base}{i}",
                "port": port,
                "username": "admin",
                "password": "bench-pw",
                "commands": _commands(plat, case),
            }
        )
    running = []
    for k in range(procs):
        part = devices[k::procs]
        if not part:
            continue
        spec = tmp / f"spec{k}.json"
        spec.write_text(json.dumps({"devices": part}))
        running.append(
            subprocess.Popen(
                [sys.executable, str(LAB), str(spec)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        )
    for p in running:
        assert p.stdout is not None and p.stdout.readline().strip() == "READY"
    return running, [f"{d['address']}:{port}" for d in devices], base


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=50)
    ap.add_argument("--server-procs", type=int, default=5)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--write", action="store_true", help="write benchmarks/history/RESULTS-ssh.md")
    args = ap.parse_args()

    from netcmdb.discovery.credentials import Secret, SshCredentials
    from netcmdb.discovery.ssh import (
        SshSettings,
        collect_device,
        collect_many,
        ensure_host_key,
        split_target,
    )

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        procs, targets, _ = start_lab(args.devices, args.server_procs, tmp)
        try:
            time.sleep(0.5)
            settings = SshSettings(
                credentials=SshCredentials("admin", Secret("bench-pw"), Secret("bench-pw")),
                platform=None,
                known_hosts=tmp / "known_hosts",
                accept_new_host_keys=True,
                connect_timeout_s=20,
                command_timeout_s=60,
                device_timeout_s=300,
                concurrency=args.concurrency,
            )
            with ThreadPoolExecutor(16) as pool:  # record host keys once, outside the timing
                list(pool.map(lambda t: ensure_host_key(*split_target(t, 22), settings), targets))
            by_platform = {t: CASES[i % len(CASES)][0] for i, t in enumerate(targets)}

            def one(t: str):  # type: ignore[no-untyped-def]
                import dataclasses

                return collect_device(t, dataclasses.replace(settings, platform=by_platform[t]))

            t0 = time.perf_counter()
            seq = [one(t) for t in targets]
            t_seq = time.perf_counter() - t0

            import dataclasses

            # concurrent: same per-device platform, through the scanner's thread pool
            t0 = time.perf_counter()
            from concurrent.futures import ThreadPoolExecutor as TPE

            with TPE(max_workers=args.concurrency) as pool:
                conc = list(pool.map(one, targets))
            t_conc = time.perf_counter() - t0

            # and the public entry point (platform detected per device, as `scan --ssh` does)
            t0 = time.perf_counter()
            auto = list(collect_many(targets, dataclasses.replace(settings, platform=None)))
            t_auto = time.perf_counter() - t0
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()

    n = len(targets)
    ok = [sum(r.ok for r in rs) for rs in (seq, conc, auto)]
    rows = [
        ("sequential loop (baseline)", t_seq, ok[0], 1.0),
        (f"concurrent, {args.concurrency} threads", t_conc, ok[1], t_seq / t_conc),
        (f"collect_many + autodetect, {args.concurrency} threads", t_auto, ok[2], t_seq / t_auto),
    ]
    lines = [
        "| mode | devices ok | seconds | devices/s | speed-up vs sequential |",
        "|---|---|---|---|---|",
    ]
    for name, secs, okn, ratio in rows:
        lines.append(f"| {name} | {okn}/{n} | {secs:.1f} | {n / secs:.2f} | {ratio:.1f}x |")
    table = "\n".join(lines)
    print(table)
    if args.write:
        cmd = (
            f"PYTHONPATH=/work/wt/ssh /work/venv/bin/python netcmdb/benchmarks/ssh.py "
            f"--devices {args.devices} --server-procs {args.server_procs} "
            f"--concurrency {args.concurrency} --write"
        )
        text = f"""# SSH collection benchmark

{n} fakenos devices (round-robin cisco_ios / arista_eos / huawei_vrp, recorded outputs of
`tests/discovery/data/ssh`), each on its own 127.x.y.z address, served by
{args.server_procs} fakenos processes. Per device: SSH login (host key already known), enable
where the platform needs it, 7 commands (version, inventory, interfaces, LLDP, CDP, MAC, ARP),
TextFSM parsing into a DeviceFact. Baseline and contenders measured in the same run.

{table}

Target: >= 8x over the sequential loop. The third row adds per-device platform detection
(`show version` + `display version` before the real commands), which is what
`netcmdb scan --ssh` does without `--platform`.

Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}.
Date: {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}.

Command:

    {cmd}
"""
        (ROOT / "benchmarks" / "history" / "RESULTS-ssh.md").write_text(text)


if __name__ == "__main__":
    main()
