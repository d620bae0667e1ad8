"""A 4-switch campus in network namespaces: real snmpd + lldpd (AgentX), kernel STP, a loop, PCs.

Recipe: ../shared/lab/NOTES.md. Topology (tag "snmp", addresses 10.99.x)::

    sw-core 10.99.255.1 -xe1-xe1- sw-a 10.99.255.2 -xe2-xe2- sw-b 10.99.255.3  (loop: STP)
            \\-xe2-xe1- sw-b      \\-xe3-xe1- sw-c 10.99.255.4
    sw-core ge1 -- scan 10.99.255.254     sw-a/b/c geK -- pcNNN (round robin)

Bridge ports are numbered ``port_no + offset`` by the BRIDGE-MIB helper (a different offset per
switch), so bridge port numbers differ from ifIndex and from lldpLocPortNum. ``sw-c xe1`` has no
alias, so lldpd advertises its MAC as port ID (subtype 3) — the collector/reconciler must map it
to the port name. :meth:`SwitchLab.truth` is the ground truth every test compares against.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from netcmdb.demo.lab.netns import Lab

HERE = Path(__file__).parent
SWITCHES = {"sw-core": 1, "sw-a": 2, "sw-b": 3, "sw-c": 4}
#: (switch, port, switch, port); xe ports carry an alias except sw-c xe1
LINKS = [
    ("sw-core", "xe1", "sw-a", "xe1"),
    ("sw-core", "xe2", "sw-b", "xe1"),
    ("sw-a", "xe2", "sw-b", "xe2"),
    ("sw-a", "xe3", "sw-c", "xe1"),
]
PORT_OFFSET = {"sw-core": 0, "sw-a": 100, "sw-b": 7, "sw-c": 40}
ACCESS = ["sw-a", "sw-b", "sw-c"]
V3 = {
    "user": "labv3",
    "auth_proto": "sha256",
    "auth_key": "labauthpass1",
    "priv_proto": "aes",
    "priv_key": "labprivpass1",
}


def sw_ip(name: str) -> str:
    return f"10.99.255.{SWITCHES[name]}"


def port_mac(sw: str, port: str) -> str:
    kind = 0 if port.startswith("xe") else 1
    return f"02:99:f0:{SWITCHES[sw]:02x}:{kind:02x}:{int(port[2:]):02x}"


def pc_ip(i: int) -> str:
    return f"10.99.{(i - 1) // 250}.{(i - 1) % 250 + 1}"


def pc_mac(i: int, prefix: str = "02:99:00:00") -> str:
    return f"{prefix}:{i >> 8:02x}:{i & 0xFF:02x}"


@dataclass
class SwitchLab:
    n_pcs: int = 20
    tag: str = "snmp"
    lab: Lab = field(init=False)
    workdir: Path = field(init=False)
    pcs: list[dict[str, str]] = field(default_factory=list)
    #: the PCs' MAC prefix (4 octets): e.g. a PC maker's OUI, so the end-host class guess says pc
    pc_prefix: str = "02:99:00:00"
    #: sysName (snmpd and lldpd) and sysLocation per switch, instead of the defaults
    sysnames: dict[str, str] = field(default_factory=dict)
    locations: dict[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ build
    def __enter__(self) -> SwitchLab:
        self.lab = Lab(self.tag).__enter__()
        self.workdir = Path(tempfile.mkdtemp(prefix=f"nct-{self.tag}-"))
        self.workdir.chmod(0o755)  # lldpd drops privileges; its socket path must be reachable
        try:
            self._build()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.lab.teardown()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def ns(self, short: str) -> str:
        return self.lab.ns(short)

    def sysname(self, sw: str) -> str:
        """The name switch ``sw`` gives itself (SNMP sysName, LLDP system name)."""
        return self.sysnames.get(sw, sw)

    def _build(self) -> None:
        lab = self.lab
        pcs = [f"pc{i:03d}" for i in range(1, self.n_pcs + 1)]
        lab.add_namespaces([*SWITCHES, "scan", *pcs])
        for sw in SWITCHES:
            lab.bridge(self.ns(sw), "br0", stp=True, forward_delay_s=2, mac=port_mac(sw, "xe1"))
        ge_next = {sw: 1 for sw in SWITCHES}

        def plug(sw: str, port: str, other_ns: str, other_if: str) -> None:
            lab.veth(self.ns(sw), port, other_ns, other_if)
            lab.exec_batch(
                self.ns(sw),
                [
                    f"link set {port} address {port_mac(sw, port)}",
                    f"link set {port} master br0",
                    f"link set {port} up",
                ],
            )

        # uplinks (the loop last, after STP is on)
        for a, pa, b, pb in LINKS:
            lab.veth(self.ns(a), pa, self.ns(b), pb)
            for sw, p, osw, op in ((a, pa, b, pb), (b, pb, a, pa)):
                cmds = [
                    f"link set {p} address {port_mac(sw, p)}",
                    f"link set {p} master br0",
                    f"link set {p} up",
                ]
                if not (sw == "sw-c" and p == "xe1"):
                    cmds.insert(1, f'link set {p} alias "uplink to {osw} {op}"')
                lab.exec_batch(self.ns(sw), cmds)
        for sw in SWITCHES:
            lab.exec_batch(self.ns(sw), [f"addr add {sw_ip(sw)}/16 dev br0"])
        # sw-core routes (IP-MIB ipForwarding = 1): with its ARP table it is the PCs' gateway
        lab.run(self.ns("sw-core"), "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
        # scanner on sw-core ge1
        ge_next["sw-core"] = 2
        plug("sw-core", "ge1", self.ns("scan"), "eth0")
        lab.exec_batch(
            self.ns("scan"),
            [
                "link set eth0 address 02:99:fe:00:00:01",
                "addr add 10.99.255.254/16 dev eth0",
                "link set eth0 up",
            ],
        )
        self.pcs = [
            {
                "kind": "scanner",
                "name": "scan",
                "ip": "10.99.255.254",
                "mac": "02:99:fe:00:00:01",
                "switch": "sw-core",
                "port": "ge1",
            }
        ]
        for i, pc in enumerate(pcs, start=1):
            sw = ACCESS[(i - 1) % len(ACCESS)]
            port = f"ge{ge_next[sw]}"
            ge_next[sw] += 1
            plug(sw, port, self.ns(pc), "eth0")
            lab.exec_batch(
                self.ns(pc),
                [
                    f"link set eth0 address {pc_mac(i, self.pc_prefix)}",
                    f"addr add {pc_ip(i)}/16 dev eth0",
                    "link set eth0 up",
                ],
            )
            self.pcs.append(
                {
                    "kind": "pc",
                    "name": pc,
                    "ip": pc_ip(i),
                    "mac": pc_mac(i, self.pc_prefix),
                    "switch": sw,
                    "port": port,
                }
            )
        self._start_daemons()
        self._wait_stp()
        self._wait_lldp()

    def _start_daemons(self) -> None:
        helper = HERE / "bridge_mib.py"
        for sw, n in SWITCHES.items():
            d = self.workdir / sw
            (d / "persist").mkdir(parents=True, exist_ok=True)
            (d / "snmpd.conf").write_text(
                f"agentAddress udp:{sw_ip(sw)}:161\n"
                "rocommunity public default\n"
                "rocommunity labsecret default\n"
                f"createUser {V3['user']} SHA-256 {V3['auth_key']} AES {V3['priv_key']}\n"
                f"rouser {V3['user']} priv\n"
                f"sysName {self.sysname(sw)}\n"
                f"sysLocation {self.locations.get(sw, f'B01-F{n}-R10{n}')}\n"
                f"sysDescr netcmdb lab switch {sw} (Linux bridge, net-snmp, lldpd)\n"
                "sysServices 2\n"
                "master agentx\nagentXSocket tcp:127.0.0.1:705\n"
                f"pass_persist .1.3.6.1.2.1.17 {sys.executable} {helper} br0 "
                f"--port-offset {PORT_OFFSET[sw]}\n"
            )
            (d / "lldpd.conf").write_text(
                f'configure system hostname "{self.sysname(sw)}"\n'
                f'configure system description "netcmdb lab switch {sw}"\n'
                "configure lldp tx-interval 5\n"
            )
            env = {**os.environ, "MIBS": "", "SNMP_PERSISTENT_DIR": str(d / "persist")}
            self.lab.popen(
                self.ns(sw),
                "snmpd",
                "-f",
                "-C",
                "-c",
                str(d / "snmpd.conf"),
                "-Lf",
                str(d / "snmpd.log"),
                "-p",
                str(d / "snmpd.pid"),
                env=env,
            )
        self._wait_agentx()
        for sw in SWITCHES:
            d = self.workdir / sw
            self.lab.popen(
                self.ns(sw),
                "lldpd",
                "-d",
                "-x",
                "-X",
                "tcp:127.0.0.1:705",
                "-u",
                str(d / "lldpd.socket"),
                "-O",
                str(d / "lldpd.conf"),
                "-I",
                "xe*,ge*",
                "-C",
                "xe1",
                "-m",
                sw_ip(sw),
            )

    def _wait_agentx(self, timeout: float = 40) -> None:
        """Every snmpd listens for AgentX, so lldpd registers at its first try (no retry wait)."""
        deadline = time.monotonic() + timeout
        waiting = set(SWITCHES)
        while waiting:
            for sw in sorted(waiting):
                out = self.lab.run(self.ns(sw), "ss", "-Hltn", "sport = :705", check=False).stdout
                if out.strip():
                    waiting.discard(sw)
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"snmpd did not open its AgentX port in {sorted(waiting)}")
            time.sleep(0.1)

    def _wait_stp(self, timeout: float = 40) -> None:
        """Every port forwarding or blocking, and the topology-change flag cleared (gotcha 6b)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ok = True
            for sw in SWITCHES:
                out = self.lab.run(
                    self.ns(sw),
                    "sh",
                    "-c",
                    "cat /sys/class/net/br0/brif/*/state; "
                    "cat /sys/class/net/br0/bridge/topology_change",
                ).stdout.split()
                states, tc = out[:-1], out[-1]
                if any(s not in ("3", "4") for s in states) or tc != "0":
                    ok = False
                    break
            if ok:
                return
            time.sleep(0.5)
        raise RuntimeError("STP did not settle")

    def _wait_lldp(self, timeout: float = 30) -> None:
        want = {sw: 0 for sw in SWITCHES}
        for a, _, b, _ in LINKS:
            want[a] += 1
            want[b] += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = True
            for sw in SWITCHES:
                sock = str(self.workdir / sw / "lldpd.socket")
                self.lab.run(self.ns(sw), "lldpcli", "-u", sock, "update", check=False)
                out = self.lab.run(
                    self.ns(sw),
                    "lldpcli",
                    "-u",
                    sock,
                    "-f",
                    "json",
                    "show",
                    "neighbors",
                    check=False,
                ).stdout
                try:
                    iface = json.loads(out).get("lldp", {}).get("interface", [])
                except json.JSONDecodeError:
                    iface = []
                if isinstance(iface, dict):
                    iface = [iface]
                if len(iface) < want[sw]:
                    done = False
            if done:
                return
            time.sleep(1)
        raise RuntimeError("LLDP neighbours incomplete")

    # ------------------------------------------------------------------ use
    def traffic(self) -> None:
        """Every host pings sw-core: FDBs learn the MACs, sw-core's ARP cache gets the IPs."""
        procs = [
            subprocess.Popen(
                [
                    "ip",
                    "netns",
                    "exec",
                    self.ns(h["name"]),
                    "ping",
                    "-c",
                    "2",
                    "-i",
                    "0.2",
                    "-W",
                    "1",
                    "10.99.255.1",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for h in self.pcs
        ]
        for p in procs:
            p.wait(timeout=15)

    def move_pc(self, name: str, switch: str) -> dict[str, str]:
        """Re-cable PC ``name`` to the next free ge port of ``switch`` (same MAC and IP), wait
        for STP to forward on the new port, and return its new ground-truth row."""
        host = next(h for h in self.pcs if h["name"] == name)
        self.lab.run(self.ns(host["switch"]), "ip", "link", "del", host["port"])
        used = [int(h["port"][2:]) for h in self.pcs if h["switch"] == switch]
        port = f"ge{max(used, default=0) + 1}"
        self.lab.veth(self.ns(switch), port, self.ns(name), "eth0")
        self.lab.exec_batch(
            self.ns(switch),
            [
                f"link set {port} address {port_mac(switch, port)}",
                f"link set {port} master br0",
                f"link set {port} up",
            ],
        )
        i = int(name[2:])
        self.lab.exec_batch(
            self.ns(name),
            [
                f"link set eth0 address {pc_mac(i, self.pc_prefix)}",
                f"addr add {pc_ip(i)}/16 dev eth0",
                "link set eth0 up",
            ],
        )
        host.update(switch=switch, port=port)
        self._wait_stp()
        return host

    def unplug(self, name: str) -> dict[str, str]:
        """Pull PC ``name``'s cable (its switch port is gone); it leaves the ground truth."""
        host = next(h for h in self.pcs if h["name"] == name)
        self.lab.run(self.ns(host["switch"]), "ip", "link", "del", host["port"])
        self.pcs.remove(host)
        return host

    def truth(self) -> dict[str, object]:
        return {
            "switches": {
                sw: {"ip": sw_ip(sw), "chassis_mac": port_mac(sw, "xe1")} for sw in SWITCHES
            },
            "links": [list(x) for x in LINKS],
            "hosts": self.pcs,
        }

    def run_in_scan(self, code: str, timeout: float = 120) -> str:
        """Run Python code inside the scanner namespace with this checkout on the path."""
        env = {**os.environ}
        r = self.lab.run(self.ns("scan"), sys.executable, "-c", code, timeout=timeout, env=env)
        return r.stdout
