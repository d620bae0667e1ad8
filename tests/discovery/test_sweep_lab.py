"""Sweeps against a real namespace network (netcmdb.demo.lab.sweepnet), run as the CLI inside the
scanner namespace, with tcpdump proving that nothing outside the requested scope was touched.

Ground truth (``standard_hosts``): web .10 (Huawei OUI, TCP 2222+8080, PTR name), quiet .11 (no
ICMP, TCP 9100), slow .12 (answers ARP/ICMP 200 ms late), pc .13 (H3C OUI), mute .14 (ARP only),
excl .15 (alive, always excluded), away 10.98.1.16 (alive, outside the targets).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from scapy.layers.inet import IP
from scapy.layers.l2 import ARP, Ether
from scapy.utils import rdpcap

from netcmdb.demo.lab.netns import have_netns
from netcmdb.demo.lab.sweepnet import SCANNER_MAC, SweepNet, host_table, pkg_env, standard_hosts
from netcmdb.discovery.nmapxml import parse
from netcmdb.net.scope import expand

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(not have_netns(), reason="needs root and iproute2"),
]

HOSTS = standard_hosts()
TRUTH = host_table(HOSTS)
TARGET, EXCLUDE = "10.98.0.0/24", "10.98.0.15"
ALIVE = {"10.98.0.10", "10.98.0.11", "10.98.0.12", "10.98.0.13", "10.98.0.14"}
PING = {h.ip for h in HOSTS if h.icmp or h.slow_s} & ALIVE


@pytest.fixture(scope="module")
def net() -> Iterator[SweepNet]:
    with SweepNet(standard_hosts()) as n:
        yield n


def sent_by_scanner(pcap: Path) -> list:  # type: ignore[type-arg]
    return [p for p in rdpcap(str(pcap)) if Ether in p and p[Ether].src == SCANNER_MAC]


def assert_in_scope(pcap: Path, allowed: set[str]) -> int:
    """Every frame the scanner sent went to an allowed address; returns how many it sent."""
    sent = sent_by_scanner(pcap)
    for p in sent:
        if ARP in p:
            assert p[ARP].pdst in allowed, f"ARP to out-of-scope {p[ARP].pdst}"
        elif IP in p:
            assert p[IP].dst in allowed, f"{p.summary()} left the scope"
        else:
            pytest.fail(f"unexpected frame from the scanner: {p.summary()}")
    return len(sent)


def scan_json(
    net: SweepNet,
    tmp_path: Path,
    *args: str,
    allowed: set[str] | None = None,
    env: dict[str, str] | None = None,
) -> dict:  # type: ignore[type-arg]
    pcap = tmp_path / "scan.pcap"
    # An earlier ICMP/TCP sweep leaves INCOMPLETE neighbour entries the kernel keeps ARPing for
    # ~3 s (in that sweep's scope); flush them so this capture sees only this scan.
    net.flush_neighbours()
    with net.capture(pcap):
        res = net.run_scan("scan", *args, "--json", env=env)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    if allowed is not None:
        assert assert_in_scope(pcap, allowed) > 0
    out["_stderr"] = res.stderr
    return out


def by_ip(out: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {h["ip"]: h for h in out["hosts"]}


def test_arp_sweep_finds_exactly_the_live_hosts(net: SweepNet, tmp_path: Path) -> None:
    allowed = set(expand([TARGET], [EXCLUDE]))
    out = scan_json(
        net, tmp_path, TARGET, "--exclude", EXCLUDE, "--arp", "--no-store", allowed=allowed
    )
    hosts = by_ip(out)
    assert set(hosts) == ALIVE
    for ip, h in hosts.items():
        assert h["mac"] == TRUTH[ip].mac
        assert h["methods"] == ["arp"]
    assert hosts["10.98.0.10"]["mac_vendor"] == "HUAWEI TECHNOLOGIES CO.,LTD"
    assert hosts["10.98.0.13"]["mac_vendor"] == "Hangzhou H3C Technologies Co., Limited"
    assert hosts["10.98.0.10"]["dns_name"] == "web.sweep.test"  # PTR via the scanner's hosts
    assert hosts["10.98.0.12"]["rtt_ms"] >= 190  # the slow host was waited for, not dropped
    assert out["probed"] == 253 and out["errors"] == []


def test_icmp_sweep_sees_only_hosts_that_answer_ping(net: SweepNet, tmp_path: Path) -> None:
    net.flush_neighbours()
    targets = "10.98.0.1-40"
    allowed = set(expand([targets], [EXCLUDE]))
    out = scan_json(
        net,
        tmp_path,
        targets,
        "--exclude",
        EXCLUDE,
        "--icmp",
        "--no-store",
        "--retries",
        "1",
        allowed=allowed,
    )
    hosts = by_ip(out)
    assert set(hosts) == PING == {"10.98.0.10", "10.98.0.12", "10.98.0.13"}
    for ip, h in hosts.items():  # the kernel did ARP, so its neighbour table has the MACs
        assert h["mac"] == TRUTH[ip].mac
    facts = {f["ip"]: f for f in out["facts"]}
    assert facts["10.98.0.10"]["extra"]["icmp_method"] == "raw"
    assert facts["10.98.0.10"]["extra"]["ttl"] == "64"


def test_tcp_connect_finds_open_ports(net: SweepNet, tmp_path: Path) -> None:
    targets = "10.98.0.9-14"
    allowed = set(expand([targets]))
    out = scan_json(
        net,
        tmp_path,
        targets,
        "--tcp",
        "2222,8080,9100",
        "--no-store",
        "--timeout",
        "0.5",
        allowed=allowed,
    )
    hosts = by_ip(out)
    for ip in ("10.98.0.10", "10.98.0.11", "10.98.0.13", "10.98.0.14"):
        assert hosts[ip]["open_ports"] == sorted(TRUTH[ip].tcp_ports), ip
    assert "10.98.0.9" not in hosts  # nobody there
    # banner-free: the scanner never sent payload bytes to an open port
    for p in sent_by_scanner(tmp_path / "scan.pcap"):
        if IP in p and p[IP].proto == 6:
            assert len(bytes(p[IP].payload.payload)) == 0


def test_netbios_names_of_live_hosts(net: SweepNet, tmp_path: Path) -> None:
    targets = "10.98.0.9-14"
    out = scan_json(
        net, tmp_path, targets, "--arp", "--netbios", "--no-store", allowed=set(expand([targets]))
    )
    hosts = by_ip(out)
    assert hosts["10.98.0.13"]["netbios_name"] == "PC-LAB-013"
    assert all(h["netbios_name"] is None for ip, h in hosts.items() if ip != "10.98.0.13")
    fact = next(f for f in out["facts"] if f["ip"] == "10.98.0.13")
    assert fact["extra"]["netbios_workgroup"] == "CAMPUS" and fact["hostname"] == "PC-LAB-013"
    # one NBSTAT query per live host, none to silent addresses
    udp137 = [
        p[IP].dst
        for p in sent_by_scanner(tmp_path / "scan.pcap")
        if IP in p and p[IP].proto == 17 and bytes(p[IP].payload)[2:4] == b"\x00\x89"
    ]
    assert sorted(udp137) == sorted(ALIVE)


def test_combined_scan_writes_the_cmdb_and_reports_missing(net: SweepNet, tmp_path: Path) -> None:
    db = tmp_path / "cmdb.sqlite"
    base = ["--db", f"sqlite:///{db}"]
    allowed = set(expand([TARGET], [EXCLUDE]))
    pcap = tmp_path / "all.pcap"
    net.flush_neighbours()
    with net.capture(pcap):
        first = net.run_scan(
            *base,
            "scan",
            TARGET,
            "--exclude",
            EXCLUDE,
            "--arp",
            "--icmp",
            "--tcp",
            "2222,8080,9100",
            "--json",
        )
    assert first.returncode == 0, first.stderr
    assert_in_scope(pcap, allowed)
    summary = json.loads(first.stdout)
    assert len(summary["new"]) == 5 and summary["failed"] == []
    assert "web" in summary["new"]  # PTR name, domain stripped
    with sqlite3.connect(db) as con:
        rows = dict(con.execute("select ip, mac from ci").fetchall())
    assert rows == {ip: TRUTH[ip].mac for ip in ALIVE}
    mute = host_table(net.hosts)["10.98.0.14"]  # the fixture's copy knows its namespace
    cfg = tmp_path / "config.toml"
    cfg.write_text("[cmdb]\nmissing_after = 1\n")  # the default 3 would need 3 runs
    env = {**pkg_env(), "NETCMDB_CONFIG": str(cfg)}
    net.lab.exec_batch(mute.ns, ["link set eth0 down"])
    try:
        r = net.run_scan(*base, "scan", "10.98.0.12-14", "--arp", "--no-dns", env=env)
        assert r.returncode == 0, r.stderr
        assert "0 new" in r.stdout and "1 missing" in r.stdout
        assert "missing  10.98.0.14" in r.stdout
        with sqlite3.connect(db) as con:
            status = dict(con.execute("select ip, status from ci").fetchall())
        assert status["10.98.0.14"] == "missing"
        assert status["10.98.0.10"] == "active"  # outside that run's targets: untouched
    finally:
        net.lab.exec_batch(mute.ns, ["link set eth0 up"])


def test_profile_from_config_file(net: SweepNet, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[scan]\nexcludes = ["10.98.0.13"]\n\n[scan.profiles.nightly]\n'
        'targets = ["10.98.0.8-16"]\nmethods = ["arp"]\nexclude = ["10.98.0.15"]\n'
        "rate = 200\ntimeout = 0.5\n"
    )
    env = {**pkg_env(), "NETCMDB_CONFIG": str(cfg)}
    out = scan_json(
        net,
        tmp_path,
        "--profile",
        "nightly",
        "--no-store",
        env=env,
        allowed=set(expand(["10.98.0.8-16"], ["10.98.0.13", "10.98.0.15"])),
    )
    assert set(by_ip(out)) == {"10.98.0.10", "10.98.0.11", "10.98.0.12", "10.98.0.14"}
    bad = net.run_scan("scan", "--profile", "weekly", env=env)
    assert bad.returncode == 2 and "defined: nightly" in bad.stderr


def test_out_of_scope_requests_send_nothing(net: SweepNet, tmp_path: Path) -> None:
    pcap = tmp_path / "none.pcap"
    net.flush_neighbours()
    with net.capture(pcap):
        public = net.run_scan("scan", "10.98.0.10", "8.8.8.8", "--arp")
        big = net.run_scan("scan", "10.0.0.0/8", "--arp")
        bad = net.run_scan("scan", "10.98.0.1-999", "--icmp")
    for r, msg in ((public, "--allow-public"), (big, "--max-hosts"), (bad, "above 255")):
        assert r.returncode == 2 and msg in r.stderr and r.stderr.count("\n") == 1
    assert sent_by_scanner(pcap) == []


def test_nmap_import_matches_a_live_nmap_run(net: SweepNet, tmp_path: Path) -> None:
    sn, ports = tmp_path / "sn.xml", tmp_path / "ports.xml"
    net.lab.run(net.scan_ns, "nmap", "-n", "-sn", "-oX", str(sn), TARGET, "--exclude", EXCLUDE)
    net.lab.run(
        net.scan_ns, "nmap", "-n", "-p", "2222,8080,9100", "-oX", str(ports), "10.98.0.10-11"
    )
    swept = {r.target: r.device for r in parse(sn)}
    assert set(swept) == ALIVE
    assert {ip: d.mac for ip, d in swept.items()} == {ip: TRUTH[ip].mac for ip in ALIVE}
    opened = {r.target: r.device.open_ports for r in parse(ports) if r.device}
    assert opened == {"10.98.0.10": [2222, 8080], "10.98.0.11": [9100]}


@pytest.fixture()
def no_raw(net: SweepNet, tmp_path: Path) -> Iterator[list[str]]:
    """A command prefix that runs as root minus CAP_NET_RAW (Python lives under /root, so it
    cannot run as another user), with unprivileged ICMP sockets allowed for gid 0 and a copy of
    ping without file capabilities first in PATH."""
    net.lab.run(net.scan_ns, "sysctl", "-qw", "net.ipv4.ping_group_range=0 0")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shutil.copy("/usr/bin/ping", bindir / "ping")  # plain copy: no cap_net_raw xattr
    yield [
        "setpriv",
        "--bounding-set",
        "-net_raw",
        "--inh-caps",
        "-net_raw",
        "env",
        f"PATH={bindir}:{os.environ['PATH']}",
    ]
    net.lab.run(net.scan_ns, "sysctl", "-qw", "net.ipv4.ping_group_range=1 0")


def test_icmp_without_root_falls_back_and_says_so(net: SweepNet, no_raw: list[str]) -> None:
    res = net.lab.run(
        net.scan_ns,
        *no_raw,
        sys.executable,
        "-m",
        "netcmdb",
        "scan",
        "10.98.0.9-14",
        "--icmp",
        "--no-store",
        "--json",
        env=pkg_env(),
        check=False,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    assert "not root, using unprivileged ICMP datagram sockets" in res.stderr
    assert set(by_ip(json.loads(res.stdout))) == PING
    arp = net.lab.run(
        net.scan_ns,
        *no_raw,
        sys.executable,
        "-m",
        "netcmdb",
        "scan",
        "10.98.0.10",
        "--arp",
        "--no-store",
        env=pkg_env(),
        check=False,
    )
    assert arp.returncode == 2 and "ARP sweeps need root" in arp.stderr


PING_DRIVER = """
import json, sys
from netcmdb.discovery.base import ScanOptions, get_scanner
s = get_scanner("icmp")
res = s.scan(sys.argv[1:], ScanOptions(timeout_s=1.0, extra={"icmp_method": "ping",
                                                              "resolve": False}))
print(json.dumps(sorted(r.target for r in res if r.alive)))
"""


def test_ping_subprocess_fallback(net: SweepNet, no_raw: list[str]) -> None:
    targets = ["10.98.0.9", "10.98.0.10", "10.98.0.11", "10.98.0.13"]
    res = net.lab.run(
        net.scan_ns,
        *no_raw,
        sys.executable,
        "-c",
        PING_DRIVER,
        *targets,
        env=pkg_env(),
        check=False,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == ["10.98.0.10", "10.98.0.13"]


def test_lab_is_gone_after_teardown() -> None:
    """The module fixture's namespaces must not outlive a SweepNet (checked with a fresh one)."""
    with SweepNet([standard_hosts()[3]], tag="sweepgone") as n:
        names = list(n.lab.namespaces)
        etc = Path(f"/etc/netns/{n.scan_ns}")
        assert etc.exists()
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert not any(name in listed for name in names)
    assert not etc.exists()
