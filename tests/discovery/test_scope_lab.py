"""Scope safety of every method and every crawl, proven with packet captures (issue 17 §1).

One namespace lab: the sweep LAN (:class:`SweepNet`, 10.98.0.0/16 on the scanner's ``eth0``),
inside the scanner namespace an snmpsim campus on 127.77.0.x and fakenos SSH devices on
127.66.0.x (their traffic stays on that namespace's ``lo``), and a *trap*: a default route into
``trap0``, a veth to an empty namespace, so a packet to any address outside the lab -- 8.8.8.8,
172.16.0.1 -- is captured there and goes nowhere. Every scan runs as the CLI inside the scanner
namespace while tcpdump captures ``eth0``, ``lo`` and ``trap0``; :class:`Capture` returns only
once its end marker is on disk, so "nothing was sent" is a fact about complete files, not
timing luck.

The campus core advertises hostile LLDP neighbours (8.8.8.8, 255.255.255.255, 224.0.0.5,
172.16.0.1 and the real lab host 10.98.0.10, all outside the crawl's bounded default scope
127.0.0.0/8); the SSH seed's LLDP table points at 10.98.0.13. A crawl must list them as skipped
with the reason and send them nothing.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from netcmdb.demo.lab.netns import have_netns
from netcmdb.demo.lab.sweepnet import SCANNER_MAC, Capture, SweepNet, pkg_env, standard_hosts

pytestmark = [
    pytest.mark.root,
    pytest.mark.slow,
    pytest.mark.skipif(not have_netns(), reason="needs root and iproute2"),
]

HERE = Path(__file__).resolve().parent
PASSWORD = "Pw-" + secrets.token_hex(8)
ENABLE = "En-" + secrets.token_hex(8)
CAMPUS = [f"127.77.0.{i}" for i in range(1, 10)]  # core .1, dist .2 .3, access .4-.9
SSH_BASE = "127.66.0."
HOSTILE = ["8.8.8.8", "255.255.255.255", "224.0.0.5", "172.16.0.1", "10.98.0.10"]
# every exclude form at once: an address, a CIDR, a range and an @file entry
EXCLUDED_CAMPUS = ["127.77.0.4", "127.77.0.5", "127.77.0.6", "127.77.0.7", "127.77.0.8"]

SERVICES = r"""
import json, sys, re
from pathlib import Path
from netcmdb.demo.sim import campus
from netcmdb.demo.sim.snmpsim_runner import SnmpSimulator
spec = json.loads(sys.argv[1])
sws = campus.build_campus(9, n_dist=2, ports=4)
sim = SnmpSimulator(spec["workdir"])
t = campus._template()
REM = "1.0.8802.1.1.2.1.4.1.1."
for sw in sws:
    text = campus.render(sw, sws, t)
    if sw.index == 0:  # the core also advertises hostile neighbours on its first port
        rows = dict(line.split("|", 1) for line in text.splitlines())
        k = sw.ports[0].ifindex
        for n, addr in enumerate(spec["hostile"], start=2):
            idx = f"100.{k}.{n}"
            mac = f"02660000{n:04x}"
            name = f"evil-{n}".encode().hex()
            rows.update({f"{REM}4.{idx}": "2|4", f"{REM}5.{idx}": f"4x|{mac}",
                         f"{REM}6.{idx}": "2|5", f"{REM}7.{idx}": "4x|" + b"xe9".hex(),
                         f"{REM}9.{idx}": f"4x|{name}", f"{REM}11.{idx}": "4x|2800",
                         f"{REM}12.{idx}": "4x|2000",
                         f"1.0.8802.1.1.2.1.4.2.1.3.{idx}.1.4.{addr}": "2|2",
                         f"1.0.8802.1.1.2.1.4.2.1.4.{idx}.1.4.{addr}": "2|2"})
        keyed = sorted(rows.items(), key=lambda kv: tuple(int(x) for x in kv[0].split(".")))
        text = "".join(f"{o}|{v}\n" for o, v in keyed)
    sim.add_device(sw.address, text=text)
sim.start()
sys.path.insert(0, spec["here"])
import fakenos_lab
nets = fakenos_lab.build(spec["ssh"])
print(json.dumps({"snmp_port": sim.port}), flush=True)
sys.stdin.read()
for n in nets:
    try:
        n.stop()
    except Exception:
        pass
sim.cleanup()
import os
os._exit(0)
"""


def _rewrite(text: str) -> str:
    # the Cisco seed's LLDP neighbours: .2 (Arista, in scope) stays in the lab's 127.66.0.x,
    # .3 becomes the real lab host 10.98.0.13 -- outside the crawl scope, a hostile pointer
    text = re.sub(r"\b10\.20\.0\.([12])\b", lambda m: f"{SSH_BASE}{m.group(1)}", text)
    return re.sub(r"\b10\.20\.0\.3\b", "10.98.0.13", text)


def _ssh_spec(port: int) -> dict:  # type: ignore[type-arg]
    from netcmdb.discovery.vendors import CLI_COMMANDS

    devices = []
    for n, (platform, case) in enumerate(
        [("cisco_ios", "c3850_basic"), ("arista_eos", "dcs7050_basic")], start=1
    ):
        folder = HERE / "data" / "ssh" / platform / case
        outputs = {
            p.stem: _rewrite(p.read_text()) for p in folder.glob("*.txt") if p.stem != "prompt"
        }
        cmds = CLI_COMMANDS[platform]
        devices.append(
            {
                "name": f"ssh{n}",
                "platform": platform,
                "address": f"{SSH_BASE}{n}",
                "port": port,
                "username": "admin",
                "password": PASSWORD,
                "commands": {cmds.command(k): v for k, v in outputs.items() if cmds.command(k)},
            }
        )
    return {"devices": devices}


@dataclass
class ScopeLab:
    net: SweepNet
    snmp_port: int
    ssh_port: int
    tmp: Path
    excludes_file: Path

    def env(self) -> dict[str, str]:
        return {
            **pkg_env(),
            "NETCMDB_CONFIG": str(self.tmp / "none.toml"),
            "NETCMDB_SSH_USERNAME": "admin",
            "NETCMDB_SSH_PASSWORD": PASSWORD,
            "NETCMDB_SSH_SECRET": ENABLE,
            "NETCMDB_SSH_KNOWN_HOSTS": str(self.tmp / "known_hosts"),
        }

    def scan(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.net.run_scan(
            "--db",
            f"sqlite:///{self.tmp / 'cmdb.sqlite'}",
            "scan",
            *args,
            env=self.env(),
            timeout=180,
        )


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScopeLab]:
    from netcmdb.demo.sim.snmpsim_runner import have_snmpsim

    if not have_snmpsim():
        pytest.skip("snmpsim/pysmi not installed")
    tmp = tmp_path_factory.mktemp("scopelab")
    os.chmod(tmp, 0o755)
    with SweepNet(standard_hosts(), tag="scope") as net:
        # the trap: anything not for the lab leaves by trap0, a veth into an empty namespace that
        # drops it (no addresses, no forwarding); ARP off, so the IP packet itself is captured
        [trap] = net.lab.add_namespaces(["trap"])
        net.lab.veth(net.scan_ns, "trap0", trap, "eth0")
        net.lab.exec_batch(trap, ["link set eth0 up"])
        net.lab.exec_batch(
            net.scan_ns,
            ["link set trap0 arp off", "link set trap0 up", "route add default dev trap0"],
        )
        ssh_port = 2200 + os.getpid() % 1000
        spec = {
            "workdir": str(tmp / "snmpsim"),
            "hostile": HOSTILE,
            "here": str(HERE),
            "ssh": _ssh_spec(ssh_port),
        }
        proc = net.lab.popen(
            net.scan_ns,
            sys.executable,
            "-c",
            SERVICES,
            json.dumps(spec),
            env=pkg_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until both simulators listen (or they died)
        assert line, "lab services did not start"
        excludes_file = tmp / "excludes.txt"
        excludes_file.write_text("# one more exclude, from a file\n127.77.0.8\n10.98.0.14\n")
        try:
            yield ScopeLab(net, int(json.loads(line)["snmp_port"]), ssh_port, tmp, excludes_file)
        finally:
            assert proc.stdin is not None
            proc.stdin.close()


@dataclass
class Sent:
    """Who the scanner namespace sent IP packets (or ARP requests) to, per interface."""

    eth0: set[str]
    lo: set[str]
    trap0: set[str]

    @property
    def everywhere(self) -> set[str]:
        return self.eth0 | self.lo | self.trap0


def _destinations(pcap: Path, *, only_src_mac: str | None) -> set[str]:
    from scapy.layers.inet import IP
    from scapy.layers.l2 import ARP, Ether
    from scapy.utils import rdpcap

    out = set()
    for p in rdpcap(str(pcap)):
        if Ether not in p or (only_src_mac and p[Ether].src != only_src_mac):
            continue
        if ARP in p and p[ARP].op == 1:
            out.add(p[ARP].pdst)
        elif IP in p:
            out.add(p[IP].dst)
    return out


@contextmanager
def captured(lab: ScopeLab, name: str) -> Iterator[list[Sent]]:
    """Capture eth0, lo and trap0 of the scanner; on exit (all three complete) yields Sent."""
    box: list[Sent] = []
    paths = {i: lab.tmp / f"{name}-{i}.pcap" for i in ("eth0", "lo", "trap0")}
    lab.net.flush_neighbours()
    with ExitStack() as stack:
        for iface, path in paths.items():
            stack.enter_context(Capture(lab.net.lab, lab.net.scan_ns, path, iface=iface))
        yield box
    box.append(
        Sent(
            eth0=_destinations(paths["eth0"], only_src_mac=SCANNER_MAC),
            lo=_destinations(paths["lo"], only_src_mac=None) - {"127.0.0.1"},
            trap0=_destinations(paths["trap0"], only_src_mac=None),
        )
    )


def _json(res: subprocess.CompletedProcess[str]) -> dict:  # type: ignore[type-arg]
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout)


EXCLUDE_FORMS_SWEEP = [
    "--exclude",
    "10.98.0.10",
    "--exclude",
    "10.98.0.11/32",
    "--exclude",
    "10.98.0.12-13",
]


@pytest.mark.parametrize(
    "method", [["--arp"], ["--icmp"], ["--tcp", "8080,9100,2222"]], ids=["arp", "icmp", "tcp"]
)
def test_sweeps_honour_every_exclude_form(lab: ScopeLab, method: list[str]) -> None:
    excl = {"10.98.0.10", "10.98.0.11", "10.98.0.12", "10.98.0.13", "10.98.0.14"}
    with captured(lab, f"sweep-{method[0][2:]}") as box:
        out = _json(
            lab.scan(
                "10.98.0.8-16",
                *method,
                *EXCLUDE_FORMS_SWEEP,
                "--exclude",
                f"@{lab.excludes_file}",
                "--no-dns",
                "--no-store",
                "--json",
            )
        )
    [sent] = box
    assert {h["ip"] for h in out["hosts"]} == {"10.98.0.15"}  # the one live host not excluded
    assert sent.eth0 & excl == set(), f"excluded addresses were sent to: {sent.eth0 & excl}"
    assert "10.98.0.15" in sent.eth0  # and it was really probed
    assert sent.eth0 <= {f"10.98.0.{i}" for i in (8, 9, 15, 16)}
    assert sent.trap0 == set()


def test_snmp_honours_every_exclude_form(lab: ScopeLab) -> None:
    with captured(lab, "snmp") as box:
        out = _json(
            lab.scan(
                "127.77.0.1-9",
                "--snmp",
                "--snmp-port",
                str(lab.snmp_port),
                "--exclude",
                "127.77.0.4",
                "--exclude",
                "127.77.0.5/32",
                "--exclude",
                "127.77.0.6-7",
                "--exclude",
                f"@{lab.excludes_file}",
                "--no-store",
                "--json",
            )
        )
    [sent] = box
    reached = {r["target"] for r in out["results"] if r.get("device")}
    assert reached == {"127.77.0.1", "127.77.0.2", "127.77.0.3", "127.77.0.9"}
    assert sent.lo >= reached and sent.lo & set(EXCLUDED_CAMPUS) == set()
    assert sent.eth0 == set() and sent.trap0 == set()


def test_snmp_crawl_bounded_default_scope_skips_hostile_neighbours(lab: ScopeLab) -> None:
    with captured(lab, "snmp-crawl") as box:
        out = _json(
            lab.scan(
                "127.77.0.1",
                "--snmp",
                "--crawl",
                "--snmp-port",
                str(lab.snmp_port),
                "--exclude",
                "127.77.0.4",
                "--exclude",
                "127.77.0.5/32",
                "--exclude",
                "127.77.0.6-7",
                "--exclude",
                f"@{lab.excludes_file}",
                "--no-store",
                "--json",
            )
        )
    [sent] = box
    reached = {r["target"] for r in out["results"] if r.get("device")}
    assert reached == {"127.77.0.1", "127.77.0.2", "127.77.0.3", "127.77.0.9"}
    assert out["scope"]["cidrs"] == ["127.0.0.0/8"] and out["scope"]["origin"] == "seeds"
    why = {s["what"]: s["why"] for s in out["skipped"]}
    for addr in EXCLUDED_CAMPUS:
        assert "is excluded" in why[addr], why
    assert "is public" in why["8.8.8.8"]
    assert "never contacted" in why["255.255.255.255"] and "never contacted" in why["224.0.0.5"]
    assert "outside the crawl scope (127.0.0.0/8, from the seeds)" in why["172.16.0.1"]
    assert "outside the crawl scope" in why["10.98.0.10"]
    assert sent.everywhere & (set(HOSTILE) | set(EXCLUDED_CAMPUS)) == set()
    assert sent.eth0 == set() and sent.trap0 == set()
    assert sent.lo >= reached


def test_snmp_crawl_with_a_given_scope(lab: ScopeLab) -> None:
    with captured(lab, "snmp-crawl-scope") as box:
        out = _json(
            lab.scan(
                "127.77.0.1",
                "--snmp",
                "--crawl",
                "--snmp-port",
                str(lab.snmp_port),
                "--scope",
                "127.77.0.1-3",
                "--no-store",
                "--json",
            )
        )
    [sent] = box
    assert {r["target"] for r in out["results"]} == {"127.77.0.1", "127.77.0.2", "127.77.0.3"}
    assert out["scope"] == {
        "cidrs": ["127.77.0.1-3"],
        "origin": "given",
        "excludes": [],
        "allow_public": False,
    }
    assert sent.lo & set(CAMPUS[3:]) == set() and sent.eth0 == set() and sent.trap0 == set()


def test_ssh_honours_every_exclude_form(lab: ScopeLab) -> None:
    with captured(lab, "ssh") as box:
        out = _json(
            lab.scan(
                f"{SSH_BASE}1-6",
                "--ssh",
                "--ssh-port",
                str(lab.ssh_port),
                "--platform",
                "cisco_ios",
                "--accept-new-host-keys",
                "--exclude",
                f"{SSH_BASE}2",
                "--exclude",
                f"{SSH_BASE}3/32",
                "--exclude",
                f"{SSH_BASE}4-5",
                "--exclude",
                f"{SSH_BASE}6",
                "--no-store",
                "--json",
            )
        )
    [sent] = box
    assert [r["target"] for r in out["results"]] == [f"{SSH_BASE}1"]
    assert out["results"][0]["device"]["hostname"] == "sw-access-1"
    assert f"{SSH_BASE}1" in sent.lo
    assert sent.lo & {f"{SSH_BASE}{i}" for i in range(2, 7)} == set()
    assert sent.eth0 == set() and sent.trap0 == set()


def test_ssh_crawl_skips_the_neighbour_outside_its_scope(lab: ScopeLab) -> None:
    with captured(lab, "ssh-crawl") as box:
        out = _json(
            lab.scan(
                f"{SSH_BASE}1",
                "--ssh",
                "--crawl",
                "--ssh-port",
                str(lab.ssh_port),
                "--platform",
                "cisco_ios",
                "--accept-new-host-keys",
                "--no-store",
                "--json",
            )
        )
    [sent] = box
    assert sorted(r["target"] for r in out["results"]) == [f"{SSH_BASE}1", f"{SSH_BASE}2"]
    assert all(r["error"] is None for r in out["results"]), out["results"]
    why = {s["what"]: s["why"] for s in out["skipped"]}
    assert "outside the crawl scope (127.0.0.0/8, from the seeds)" in why["10.98.0.13"]
    assert "10.98.0.13" not in sent.everywhere and sent.trap0 == set()
    assert {f"{SSH_BASE}1", f"{SSH_BASE}2"} <= sent.lo
    # the same crawl with the neighbour excluded: the seed alone
    with captured(lab, "ssh-crawl-ex") as box:
        out = _json(
            lab.scan(
                f"{SSH_BASE}1",
                "--ssh",
                "--crawl",
                "--ssh-port",
                str(lab.ssh_port),
                "--platform",
                "cisco_ios",
                "--exclude",
                f"{SSH_BASE}2-2",
                "--no-store",
                "--json",
            )
        )
    [sent] = box
    assert [r["target"] for r in out["results"]] == [f"{SSH_BASE}1"]
    assert f"{SSH_BASE}2" not in sent.everywhere


DRY_RUNS = [
    (["10.98.0.8-16", "--arp"], 9),
    (["10.98.0.8-16", "--icmp"], 9),
    (["10.98.0.8-16", "--tcp", "8080"], 9),
    (["127.77.0.1-9", "--snmp"], 9),
    (["127.77.0.1", "--snmp", "--crawl"], 1),
    ([f"{SSH_BASE}1-2", "--ssh"], 2),
    ([f"{SSH_BASE}1", "--ssh", "--crawl"], 1),
    (["10.98.0.0/24", "--snmp", "--ssh"], 254),
]


def test_dry_run_sends_nothing_for_any_method(lab: ScopeLab) -> None:
    outs = []
    with captured(lab, "dry") as box:
        for args, _n in DRY_RUNS:
            outs.append(_json(lab.scan(*args, "--exclude", "10.98.0.10", "--dry-run", "--json")))
    [sent] = box
    assert sent.eth0 == set() and sent.trap0 == set()
    assert sent.lo == set()
    for (args, n), out in zip(DRY_RUNS, outs):
        swept = args[0].startswith("10.98.")  # those targets hold the exclude
        assert out["dry_run"] is True and len(out["contact"]) == n - swept, args
        assert "10.98.0.10" not in out["contact"]
        if "--crawl" in args:
            assert out["crawl"]["scope"] == {
                "cidrs": ["127.0.0.0/8"],
                "origin": "seeds",
                "excludes": ["10.98.0.10"],
                "allow_public": False,
            }
    text = lab.scan("127.77.0.1", "--snmp", "--crawl", "--dry-run")
    assert text.returncode == 0 and "nothing sent" in text.stdout
    assert "crawl: may follow neighbours in 127.0.0.0/8 (from the seeds)" in text.stdout


REFUSED = [
    (["8.8.8.8", "--snmp"], "8.8.8.8 is public"),
    (["1.1.1.0/24", "--snmp"], "1.1.1.1 is public"),
    (["255.255.255.255", "--snmp"], "255.255.255.255 is multicast/broadcast"),
    (
        ["10.0.0.0/16", "--snmp", "--max-hosts", "10"],
        "65534 addresses to contact is more than --max-hosts 10",
    ),
    (["8.8.8.8", "--ssh"], "8.8.8.8 is public"),
    (["10.0.0.0/33", "--snmp"], "not a target: '10.0.0.0/33'"),
    (["@TARGETS", "--snmp"], "8.8.8.8 is public"),
    (["@TARGETS", "--ssh", "--crawl"], "8.8.8.8 is public"),
    (["8.8.8.8", "--icmp"], "8.8.8.8 is public"),
    (["224.0.0.1", "--arp", "--allow-public"], "224.0.0.1 is multicast"),
    (["10.98.0.10", "--snmp", "--crawl", "--scope", "10.0.0.0/33"], "not a target"),
    (["10.98.0.10", "--ssh", "--exclude", "campus"], "not a target: 'campus'"),
    (["10.98.0.10", "--arp", "--crawl"], "add --snmp or --ssh"),
    (["10.98.0.10", "--snmp", "--scope", "10.98.0.0/24"], "--scope bounds a crawl"),
]


def test_refused_targets_send_nothing(lab: ScopeLab) -> None:
    targets = lab.tmp / "targets.txt"
    targets.write_text("10.98.0.10\n8.8.8.8\n")
    results = []
    with captured(lab, "refused") as box:
        for args, _msg in REFUSED:
            args = [a.replace("@TARGETS", f"@{targets}") for a in args]
            results.append(lab.scan(*args, "--snmp-port", str(lab.snmp_port)))
    [sent] = box
    for (args, msg), res in zip(REFUSED, results):
        assert res.returncode == 2, (args, res.stderr)
        assert res.stderr.startswith("error: ") and msg in res.stderr, (args, res.stderr)
        assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert sent.everywhere == set()


def test_the_trap_would_see_a_packet_that_leaves_the_lab(lab: ScopeLab) -> None:
    """Control: the captures are not blind. A datagram to 8.8.8.8 from the scanner namespace is
    seen on trap0 (and dropped by the empty namespace behind it), one to the campus on lo."""
    send = (
        "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
        "s.sendto(b'x', ('8.8.8.8', 9)); s.sendto(b'x', ('127.77.0.9', 9))"
    )
    with captured(lab, "control") as box:
        lab.net.lab.run(lab.net.scan_ns, sys.executable, "-c", send)
    [sent] = box
    assert sent.trap0 == {"8.8.8.8"} and sent.lo == {"127.77.0.9"} and sent.eth0 == set()


LOW_LEVEL = r"""
import asyncio, json, sys
spec = json.loads(sys.argv[1])
from netcmdb.errors import ScopeError
from netcmdb.discovery import snmp_wire as W, ssh, sweep
from netcmdb.discovery.base import ScanOptions
from netcmdb.discovery.credentials import Secret, SshCredentials
from netcmdb.discovery.ratelimit import ProbePolicy, TokenBucket
from netcmdb.discovery.snmp import SnmpCredential, SnmpSession, _close, _engine
from netcmdb.net.scope import ScopeRules

SYS_NAME = "1.3.6.1.2.1.1.5.0"
out = {}
policy, bucket = ProbePolicy(timeout_s=0.5, retries=0), TokenBucket(1000)
settings = ssh.SshSettings(
    credentials=SshCredentials("admin", Secret("x"), None, origin="test"),
    platform="cisco_ios", connect_timeout_s=1.0, known_hosts=spec["known_hosts"],
)

def attempt(name, fn):
    try:
        out[name] = "sent: " + repr(fn())[:200]
    except ScopeError as exc:
        out[name] = "refused: " + str(exc)
    except Exception as exc:
        out[name] = f"other: {type(exc).__name__}: {exc}"

async def snmp_get(host, port, rules=None):
    engine = _engine()
    try:
        sess = SnmpSession(engine, host, port, SnmpCredential(), timeout=0.5, retries=0,
                           rules=rules)
        return await sess.get([SYS_NAME])
    finally:
        _close(engine)

async def wire_get(host, port):
    c = W.WireClient()
    try:
        return await c.request(host, port, 1, b"public", W.GET,
                               [tuple(map(int, SYS_NAME.split(".")))], timeout=0.5, retries=0)
    finally:
        c.close()

for t in spec["refused"]:
    opts = ScanOptions(timeout_s=0.5, retries=0)
    attempt(f"snmp-session {t}", lambda: asyncio.run(snmp_get(t, 161)))
    attempt(f"wire-client {t}", lambda: asyncio.run(wire_get(t, 161)))
    attempt(f"ssh-open {t}", lambda: ssh._open(t, 22, settings))
    attempt(f"ssh-hostkey {t}", lambda: ssh.ensure_host_key(t, 22, settings))
    attempt(f"ssh-fetch {t}", lambda: ssh._fetch_host_key(t, 22, 1.0))
    attempt(f"arp {t}", lambda: sweep.arp_sweep_iface("eth0", [t], policy, bucket, opts, {}))
    attempt(f"icmp {t}", lambda: sweep.IcmpScanner()._socket_sweep(
        [t], "raw", policy, bucket, opts, {}))
    attempt(f"ping {t}", lambda: sweep._ping_subprocesses([t], policy, bucket, opts))
    attempt(f"tcp {t}", lambda: asyncio.run(
        sweep.TcpScanner()._run([t], [22, 80], policy, bucket, opts)))
    attempt(f"netbios {t}", lambda: sweep.netbios_names([t], bucket=bucket, wait_s=0.2))

# the rules passed down hold at the send level: excluded lab hosts refused or dropped
ex = ScopeRules(excludes=tuple(spec["excluded"]))
attempt("snmp-session excluded",
        lambda: asyncio.run(snmp_get(spec["excluded"][0], spec["snmp_port"], ex)))
attempt("arp excluded", lambda: sorted(sweep.arp_sweep_iface(
    "eth0", [spec["excluded"][1], spec["live"]], policy, bucket,
    ScanOptions(timeout_s=0.5, retries=0, excludes=list(spec["excluded"])), {})))
# controls: an admitted target is really contacted by the same low-level calls
attempt("control snmp", lambda: asyncio.run(snmp_get(spec["campus"], spec["snmp_port"])))
print(json.dumps(out))
"""

LOW_REFUSED = ["8.8.8.8", "255.255.255.255", "224.0.0.5", "::ffff:8.8.4.4", "198.41.0.4"]


def test_low_level_senders_refuse_library_callers_on_the_wire(lab: ScopeLab) -> None:
    """The lowest send levels called straight from a program (no collector, no scanner, no CLI):
    SNMP session and UDP client, SSH opener and host-key fetch, ARP/ICMP/ping/TCP/NetBIOS
    senders. Every refused address gets ScopeError and not one packet on any interface; the
    rules a caller passes down (an exclude) hold there too; the same calls to an admitted lab
    address really go out (the control)."""
    spec = {
        "refused": LOW_REFUSED,
        "excluded": ["127.77.0.4", "10.98.0.10"],
        "live": "10.98.0.15",
        "campus": "127.77.0.1",
        "snmp_port": lab.snmp_port,
        "known_hosts": str(lab.tmp / "known_hosts_low"),
    }
    with captured(lab, "low-level") as box:
        res = lab.net.lab.run(
            lab.net.scan_ns,
            sys.executable,
            "-c",
            LOW_LEVEL,
            json.dumps(spec),
            env=pkg_env(),
            check=False,
            timeout=120,
        )
    [sent] = box
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout)
    for name, what in out.items():
        if name.startswith("control") or name == "arp excluded":
            continue
        assert what.startswith("refused: "), (name, what)
    assert "127.77.0.4 is excluded" in out["snmp-session excluded"]
    assert out["arp excluded"] == "sent: ['10.98.0.15']"
    assert out["control snmp"].startswith("sent: {") and "1.3.6.1.2.1.1.5.0" in out["control snmp"]
    refused = {"8.8.8.8", "255.255.255.255", "224.0.0.5", "8.8.4.4", "198.41.0.4"}
    assert sent.everywhere & refused == set()
    assert sent.trap0 == set()
    assert sent.eth0 == {"10.98.0.15"}  # the ARP control; 10.98.0.10 (excluded) never asked
    assert "127.77.0.1" in sent.lo and "127.77.0.4" not in sent.lo
