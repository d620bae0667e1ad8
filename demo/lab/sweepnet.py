"""A flat LAN of namespaces for sweep tests, the sweep benchmark and the demo.

One "scan" namespace and N host namespaces hang off one Linux bridge (in its own "br" namespace),
all in 10.98.0.0/16 (other areas use 10.99.x). Hosts have deterministic MACs and can be made
silent to ICMP, serve TCP ports (a tiny socket listener), or answer slowly (``slowhost.py``: this
kernel has no netem). ``/etc/netns/<scan ns>/hosts`` gives the scanner PTR names, and its
``resolv.conf`` points at the namespace's own loopback so no DNS query ever leaves the lab.

Built on :mod:`netcmdb.demo.lab.netns`; everything is removed by :meth:`SweepNet.close` (also on
failure when used as a context manager).
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import netcmdb
from netcmdb.demo.lab.netns import Lab

SCANNER_IP = "10.98.255.254"
SCANNER_MAC = "02:98:ff:ff:ff:fe"
HERE = Path(__file__).resolve().parent

LISTENER = r"""
import selectors, socket, sys
ip, ready, ports = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3].split(",")]
sel = selectors.DefaultSelector()
for p in ports:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, p)); s.listen(128); s.setblocking(False); sel.register(s, selectors.EVENT_READ)
open(ready, "w").write("ready\n")
while True:
    for key, _ in sel.select():
        try:
            c, _a = key.fileobj.accept(); c.close()
        except OSError:
            pass
"""

NBNS_RESPONDER = r"""
import socket, sys
from scapy.layers.netbios import NBNSHeader, NBNSNodeStatusResponse
from scapy.layers.netbios import NBNSNodeStatusResponseService as Svc
ip, ready, name, group, mac = sys.argv[1:6]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((ip, 137))
open(ready, "w").write("ready\n")
while True:
    data, peer = s.recvfrom(2048)
    if len(data) < 50 or data[-4:] != b"\x00\x21\x00\x01":
        continue
    txid = int.from_bytes(data[:2], "big")
    resp = NBNSHeader(NAME_TRN_ID=txid, RESPONSE=1, ANCOUNT=1) / NBNSNodeStatusResponse(
        RR_NAME=b"*", NODE_NAME=[Svc(NETBIOS_NAME=name.encode(), NAME_FLAGS=0x04),
                                 Svc(NETBIOS_NAME=group.encode(), NAME_FLAGS=0x84)],
        MAC_ADDRESS=mac)
    s.sendto(bytes(resp), peer)
"""


@dataclass
class Host:
    """One lab host and what it should look like to a scanner (the ground truth)."""

    name: str
    ip: str
    mac: str
    icmp: bool = True  # answers ICMP echo
    tcp_ports: tuple[int, ...] = ()
    slow_s: float = 0.0  # > 0: ARP/ICMP answered this late by slowhost.py
    dns_name: str | None = None  # PTR name the scanner's /etc/hosts gives
    netbios: tuple[str, str] | None = None  # (computer name, workgroup) served on UDP 137
    ns: str = ""


def mac_for(i: int, oui: str = "02:98:00") -> str:
    return f"{oui}:{(i >> 16) & 0xFF:02x}:{(i >> 8) & 0xFF:02x}:{i & 0xFF:02x}"


@dataclass
class SweepNet:
    hosts: list[Host]
    tag: str = "sweep"
    lab: Lab = field(init=False)
    scan_ns: str = field(init=False, default="")
    tmp: Path = field(init=False)

    def __enter__(self) -> SweepNet:
        self.lab = Lab(self.tag).__enter__()
        self.tmp = Path(tempfile.mkdtemp(prefix="sweepnet-"))
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.lab.teardown()
        finally:
            if self.scan_ns:
                shutil.rmtree(f"/etc/netns/{self.scan_ns}", ignore_errors=True)
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -----------------------------------------------------------------------------------------
    def _build(self) -> None:
        lab = self.lab
        shorts = ["scan", "br"] + [h.name for h in self.hosts]
        lab.add_namespaces(shorts)
        self.scan_ns, br = lab.ns("scan"), lab.ns("br")
        for h in self.hosts:
            h.ns = lab.ns(h.name)
        etc = Path(f"/etc/netns/{self.scan_ns}")
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "resolv.conf").write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
        (etc / "hosts").write_text(
            "127.0.0.1 localhost\n"
            + "".join(f"{h.ip} {h.dns_name}\n" for h in self.hosts if h.dns_name)
        )
        lab.bridge(br, "br0")
        cmds = [
            f"link add s0 type veth peer name eth0 netns {self.scan_ns}",
            "link set s0 master br0",
            "link set s0 up",
        ]
        for i, h in enumerate(self.hosts):
            cmds += [
                f"link add p{i} type veth peer name eth0 netns {h.ns}",
                f"link set p{i} master br0",
                f"link set p{i} up",
            ]
        lab.exec_batch(br, cmds)
        lab.exec_batch(
            self.scan_ns,
            [
                f"link set eth0 address {SCANNER_MAC}",
                f"addr add {SCANNER_IP}/16 dev eth0",
                "link set eth0 up",
            ],
        )
        for h in self.hosts:
            cmd = [
                f"link set eth0 address {h.mac}",
                f"addr add {h.ip}/16 dev eth0",
                "link set eth0 up",
            ]
            if h.slow_s:
                cmd.append("link set eth0 arp off")
            lab.exec_batch(h.ns, cmd)
        ready: list[Path] = []
        for h in self.hosts:
            if not h.icmp or h.slow_s:
                lab.run(h.ns, "sysctl", "-qw", "net.ipv4.icmp_echo_ignore_all=1")
            if h.tcp_ports:
                flag = self.tmp / f"{h.name}.tcp"
                lab.popen(
                    h.ns,
                    sys.executable,
                    "-c",
                    LISTENER,
                    h.ip,
                    str(flag),
                    ",".join(map(str, h.tcp_ports)),
                )
                ready.append(flag)
            if h.netbios:
                flag = self.tmp / f"{h.name}.nbns"
                lab.popen(
                    h.ns,
                    sys.executable,
                    "-c",
                    NBNS_RESPONDER,
                    h.ip,
                    str(flag),
                    h.netbios[0],
                    h.netbios[1],
                    h.mac,
                    env=os.environ.copy(),
                )
                ready.append(flag)
            if h.slow_s:
                flag = self.tmp / f"{h.name}.slow"
                lab.popen(
                    h.ns,
                    sys.executable,
                    str(HERE / "slowhost.py"),
                    "eth0",
                    h.ip,
                    h.mac,
                    str(h.slow_s),
                    str(flag),
                )
                ready.append(flag)
        deadline = time.monotonic() + 40  # generous: CI machines can be busy
        while not all(f.exists() for f in ready):
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"lab helpers did not start: {[f.name for f in ready if not f.exists()]}"
                )
            time.sleep(0.05)

    # -----------------------------------------------------------------------------------------
    def run_scan(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """``python -m netcmdb ARGS`` inside the scanner namespace."""
        return self.lab.run(
            self.scan_ns,
            sys.executable,
            "-m",
            "netcmdb",
            *args,
            check=False,
            timeout=timeout,
            env=env or pkg_env(),
        )

    def capture(self, path: Path) -> Capture:
        """Start tcpdump on the scanner's interface (packet-buffered pcap at ``path``)."""
        return Capture(self.lab, self.scan_ns, path)

    def flush_neighbours(self) -> None:
        self.lab.run(self.scan_ns, "ip", "neigh", "flush", "all", check=False)


#: Source MAC and EtherType (IEEE 802 "local experimental") of the frames that mark the end of a
#: capture. Not the scanner's MAC, so filtering on ``SCANNER_MAC`` never counts them.
SENTINEL_MAC = "02:98:ff:ff:ff:fd"
SENTINEL_TYPE = 0x88B5
_SEND_SENTINEL = r"""
import socket, sys
iface, frame = sys.argv[1], bytes.fromhex(sys.argv[2])
with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
    s.bind((iface, 0))
    s.send(frame)
"""


class Capture:
    """tcpdump in a namespace; use as a context manager, then read ``path`` with scapy.

    No timing luck on a busy machine: entering waits until tcpdump says it is listening (its
    socket and filter are live, so every later frame is captured); leaving sends a sentinel frame
    (source :data:`SENTINEL_MAC`, EtherType :data:`SENTINEL_TYPE`, a random token) out of the
    interface and waits until that frame is in the file. A packet socket hands frames over in
    order and ``-U`` writes each one as it arrives, so every frame sent before the sentinel is
    then on disk. tcpdump runs in immediate mode with a 4 MiB buffer, and a capture from which
    the kernel dropped frames raises instead of passing for a quiet network.
    """

    def __init__(
        self, lab: Lab, ns: str, path: Path, iface: str = "eth0", timeout: float = 60
    ) -> None:
        self.lab, self.ns, self.iface, self.path, self.timeout = lab, ns, iface, path, timeout
        self.token = os.urandom(12)
        self.stderr = b""
        self.proc = lab.popen(
            ns,
            "tcpdump",
            "-i",
            iface,
            "-n",
            "-U",
            "--immediate-mode",
            "-B",
            "4096",
            "-s",
            "128",
            "-w",
            str(path),
            stderr=subprocess.PIPE,
        )

    def __enter__(self) -> Capture:
        assert self.proc.stderr is not None
        fd = self.proc.stderr.fileno()
        deadline = time.monotonic() + self.timeout
        while b"listening on" not in self.stderr:
            left = deadline - time.monotonic()
            if left <= 0:
                self._stop()
                raise RuntimeError(f"tcpdump did not start: {self.stderr!r}")
            ready, _, _ = select.select([fd], [], [], left)
            chunk = os.read(fd, 4096) if ready else b""
            if ready and not chunk:  # EOF: tcpdump exited
                self.proc.wait()
                raise RuntimeError(f"tcpdump did not start: {self.stderr!r}")
            self.stderr += chunk
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        try:
            if exc_type is None:
                self._wait_for_sentinel()
        finally:
            self._stop()
        if exc_type is None:
            dropped = re.search(rb"(\d+) packets? dropped by kernel", self.stderr)
            if dropped is None or int(dropped.group(1)) != 0:
                raise RuntimeError(
                    f"tcpdump lost frames, the capture is incomplete: "
                    f"{self.stderr.decode(errors='replace')!r}"
                )

    def _sentinel(self) -> bytes:
        dst = bytes.fromhex("02" + "98" + "ffffff" + "fc")  # nobody in the lab has this MAC
        src = bytes.fromhex(SENTINEL_MAC.replace(":", ""))
        return (dst + src + SENTINEL_TYPE.to_bytes(2, "big") + self.token).ljust(60, b"\0")

    def _wait_for_sentinel(self) -> None:
        frame = self._sentinel().hex()
        deadline = time.monotonic() + self.timeout
        while True:
            # (Re)send: one lost frame must not hang the test; extra copies are harmless.
            self.lab.run(self.ns, sys.executable, "-c", _SEND_SENTINEL, self.iface, frame)
            wait_until = min(deadline, time.monotonic() + 2)
            while time.monotonic() < wait_until:
                if self.path.exists() and self.token in self.path.read_bytes():
                    return
                if self.proc.poll() is not None:
                    raise RuntimeError(f"tcpdump exited early: {self.stderr!r}")
                time.sleep(0.02)  # polling a file for a condition, not waiting on luck
            if time.monotonic() >= deadline:
                raise RuntimeError("the capture's end marker never reached the pcap file")

    def _stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        assert self.proc.stderr is not None
        self.stderr += self.proc.stderr.read()
        self.proc.stderr.close()


def pkg_env() -> dict[str, str]:
    """Environment for ``python -m netcmdb`` in a namespace: this very netcmdb importable.

    In a checkout the repository root is the package, so its parent goes on ``PYTHONPATH``.
    """
    repo_parent = str(Path(netcmdb.__file__).resolve().parents[1])
    pp = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": repo_parent + (os.pathsep + pp if pp else "")}


def standard_hosts() -> list[Host]:
    """The test network: every behaviour a sweep must get right, in 10.98.0.0/24 and 10.98.1.x."""
    return [
        Host(
            "web",
            "10.98.0.10",
            "00:e0:fc:98:00:10",
            tcp_ports=(8080, 2222),
            dns_name="web.sweep.test",
        ),  # Huawei OUI
        Host("quiet", "10.98.0.11", mac_for(11), icmp=False, tcp_ports=(9100,)),  # no ping
        Host("slow", "10.98.0.12", mac_for(12), slow_s=0.2),  # 200 ms late
        Host("pc", "10.98.0.13", "3c:8c:40:98:00:13", netbios=("PC-LAB-013", "CAMPUS")),  # H3C
        Host("mute", "10.98.0.14", mac_for(14), icmp=False),  # only ARP sees it
        Host("excl", "10.98.0.15", mac_for(15), tcp_ports=(8080,)),  # excluded: untouched
        Host("away", "10.98.1.16", mac_for(16), tcp_ports=(8080,)),  # outside targets
    ]


def spread_hosts(n24: int, n22: int) -> list[Host]:
    """Benchmark network: ``n24`` hosts in 10.98.0.0/24 and ``n22`` spread over 10.98.4.0/22."""
    hosts = [Host(f"a{i}", f"10.98.0.{i}", mac_for(i)) for i in range(1, n24 + 1)]
    step = max(1, 1020 // max(1, n22))
    for k in range(n22):
        n = 1 + k * step
        hosts.append(Host(f"b{k}", f"10.98.{4 + n // 256}.{n % 256}", mac_for(0x10000 + n)))
    return hosts


def host_table(hosts: Sequence[Host]) -> dict[str, Host]:
    return {h.ip: h for h in hosts}
