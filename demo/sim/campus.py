"""A simulated campus for snmpsim: many switches whose LLDP tables point at each other.

The devices are derived from a walk of a real lab switch (``sim/data/lab-sw-a.snmprec``,
recorded from the namespace lab by ``tests/lab/record_campus.py``: net-snmp + lldpd + the
BRIDGE-MIB helper). Each generated switch keeps the template's rows and value types and gets its
own system group, one IF-MIB/ifXTable row per port (cloned from the template's ``xe1`` row), LLDP
local/remote/management-address rows for its cables, BRIDGE-MIB/Q-BRIDGE forwarding entries for
the PCs on its access ports and the neighbours on its uplinks, and an ARP table for its PCs.

Topology: one core, ``n_dist`` distribution switches (each cabled to the core), access switches
round robin under the distribution switches; every device is served on its own 127.x.y.z
endpoint (which is also its LLDP management address, so a crawl reaches it).

Pure (returns text); must not import ``netcmdb.cmdb`` or pysnmp.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

TEMPLATE = Path(__file__).parent / "data" / "lab-sw-a.snmprec"
_TEMPLATE_PORT = 3  # ifIndex of xe1 in the recorded template
IF_COLS = "1.3.6.1.2.1.2.2.1."
IFX_COLS = "1.3.6.1.2.1.31.1.1.1."
REM = "1.0.8802.1.1.2.1.4.1.1."
REPLACED_PREFIXES = (
    "1.3.6.1.2.1.2.2.1.",
    "1.3.6.1.2.1.31.1.1.1.",
    "1.3.6.1.2.1.17.",
    "1.0.8802.1.1.2.1.3.",
    "1.0.8802.1.1.2.1.4.",
    "1.3.6.1.2.1.4.20.",
    "1.3.6.1.2.1.4.22.",
    "1.3.6.1.2.1.1.",
    "1.3.6.1.2.1.2.1.0",
)


@dataclass
class Port:
    name: str
    ifindex: int
    mac: str
    peer: tuple[int, str] | None = None  # (device index, port name)
    pcs: list[tuple[str, str]] = field(default_factory=list)  # (mac, ip)


@dataclass
class Switch:
    index: int
    name: str
    address: str
    role: str
    ports: list[Port] = field(default_factory=list)

    @property
    def chassis_mac(self) -> str:
        return self.ports[0].mac

    def port(self, name: str) -> Port:
        return next(p for p in self.ports if p.name == name)


def _hex(s: str) -> str:
    return s.encode().hex()


def _mac_hex(m: str) -> str:
    return m.replace(":", "")


def _mac_dec(m: str) -> str:
    return ".".join(str(int(x, 16)) for x in m.split(":"))


def address_of(i: int) -> str:
    return f"127.77.{i // 250}.{i % 250 + 1}"


def build_campus(
    n_devices: int = 28, *, n_dist: int = 3, ports: int = 12, pcs_per_port: int = 1
) -> list[Switch]:
    """The campus topology (device 0 is the core)."""
    n_dist = max(1, min(n_dist, n_devices - 1)) if n_devices > 1 else 0
    sws: list[Switch] = []
    for i in range(n_devices):
        role = "core" if i == 0 else ("dist" if i <= n_dist else "access")
        name = f"{role}-{i:03d}" if role != "core" else "core-000"
        sws.append(Switch(i, name, address_of(i), role))
    uplinks: dict[int, list[tuple[str, int, str]]] = {i: [] for i in range(n_devices)}

    def cable(a: int, b: int) -> None:
        pa = f"xe{len(uplinks[a]) + 1}"
        pb = f"xe{len(uplinks[b]) + 1}"
        uplinks[a].append((pa, b, pb))
        uplinks[b].append((pb, a, pa))

    for d in range(1, n_dist + 1):
        cable(d, 0)  # xe1 of each distribution switch goes to the core
    for k, a in enumerate(range(n_dist + 1, n_devices)):
        cable(a, 1 + k % n_dist)
    pc = 0
    for sw in sws:
        i = sw.index
        ifx = 3
        for pname, peer, pport in uplinks[i]:
            sw.ports.append(
                Port(
                    pname,
                    ifx,
                    f"02:77:{i >> 8:02x}:{i & 0xFF:02x}:00:{ifx:02x}",
                    peer=(peer, pport),
                )
            )
            ifx += 1
        if sw.role == "access":
            for g in range(1, ports - len(uplinks[i]) + 1):
                p = Port(f"ge{g}", ifx, f"02:77:{i >> 8:02x}:{i & 0xFF:02x}:01:{ifx:02x}")
                for _ in range(pcs_per_port):
                    pc += 1
                    p.pcs.append(
                        (
                            f"02:88:00:{pc >> 16 & 0xFF:02x}:{pc >> 8 & 0xFF:02x}:{pc & 0xFF:02x}",
                            f"10.88.{pc >> 8 & 0xFF}.{pc & 0xFF}",
                        )
                    )
                sw.ports.append(p)
                ifx += 1
    return sws


def _template() -> dict[str, tuple[str, str]]:
    rows: dict[str, tuple[str, str]] = {}
    for line in TEMPLATE.read_text().splitlines():
        if line.strip():
            oid, tag, val = line.split("|", 2)
            rows[oid] = (tag, val)
    return rows


def render(
    sw: Switch, sws: list[Switch], template: dict[str, tuple[str, str]] | None = None
) -> str:
    """One switch as .snmprec text (rows sorted numerically, as snmpsim requires)."""
    t = template or _template()
    rows: dict[str, tuple[str, str]] = {
        o: v for o, v in t.items() if not o.startswith(REPLACED_PREFIXES)
    }
    n = sw.index
    rows.update(
        {
            "1.3.6.1.2.1.1.1.0": (
                "4x",
                _hex(
                    f"netcmdb simulated campus switch {sw.name} "
                    f"(derived from a lab walk: Linux bridge, net-snmp, "
                    f"lldpd)"
                ),
            ),
            "1.3.6.1.2.1.1.2.0": t["1.3.6.1.2.1.1.2.0"],
            "1.3.6.1.2.1.1.3.0": ("67", str(360000 + n)),
            "1.3.6.1.2.1.1.4.0": ("4x", _hex("noc@campus.example")),
            "1.3.6.1.2.1.1.5.0": ("4x", _hex(sw.name)),
            "1.3.6.1.2.1.1.6.0": (
                "4x",
                _hex(f"B{n // 100 + 1:02d}-F{n // 10 % 10 + 1}-R{n % 10 + 1:02d}"),
            ),
            "1.3.6.1.2.1.1.7.0": ("2", "2"),
            "1.3.6.1.2.1.2.1.0": ("2", str(len(sw.ports) + 2)),
        }
    )
    # loopback and br0 rows of the template are kept as they are (ifIndex 1, 2)
    for o, v in t.items():
        if o.startswith((IF_COLS, IFX_COLS)) and o.rsplit(".", 1)[1] in ("1", "2"):
            rows[o] = v
    proto_if = {
        o[len(IF_COLS) :].split(".")[0]: v
        for o, v in t.items()
        if o.startswith(IF_COLS) and o.endswith(f".{_TEMPLATE_PORT}")
    }
    proto_ifx = {
        o[len(IFX_COLS) :].split(".")[0]: v
        for o, v in t.items()
        if o.startswith(IFX_COLS) and o.endswith(f".{_TEMPLATE_PORT}")
    }
    for p in sw.ports:
        k = p.ifindex
        for col, v in proto_if.items():
            rows[f"{IF_COLS}{col}.{k}"] = v
        for col, v in proto_ifx.items():
            rows[f"{IFX_COLS}{col}.{k}"] = v
        alias = f"uplink to {sws[p.peer[0]].name} {p.peer[1]}" if p.peer else ""
        rows[f"{IF_COLS}1.{k}"] = ("2", str(k))
        rows[f"{IF_COLS}2.{k}"] = ("4x", _hex(p.name))
        rows[f"{IF_COLS}6.{k}"] = ("4x", _mac_hex(p.mac))
        rows[f"{IFX_COLS}1.{k}"] = ("4x", _hex(p.name))
        rows[f"{IFX_COLS}18.{k}"] = ("4x", _hex(alias))
        rows[f"{IFX_COLS}15.{k}"] = ("66", "10000" if p.peer else "1000")
    rows[f"{IF_COLS}6.2"] = ("4x", _mac_hex(sw.chassis_mac))  # br0 carries the bridge MAC
    # management address on br0 (ifIndex 2)
    a = sw.address
    rows[f"1.3.6.1.2.1.4.20.1.1.{a}"] = ("64", a)
    rows[f"1.3.6.1.2.1.4.20.1.2.{a}"] = ("2", "2")
    rows[f"1.3.6.1.2.1.4.20.1.3.{a}"] = ("64", "255.255.0.0")
    # BRIDGE-MIB: bridge port = position + 100 (never the ifIndex), FDB of PCs and neighbours
    rows["1.3.6.1.2.1.17.1.1.0"] = ("4x", _mac_hex(sw.chassis_mac))
    rows["1.3.6.1.2.1.17.1.2.0"] = ("2", str(len(sw.ports)))
    rows["1.3.6.1.2.1.17.1.3.0"] = ("2", "2")
    for pos, p in enumerate(sw.ports, start=1):
        bp = pos + 100
        rows[f"1.3.6.1.2.1.17.1.4.1.1.{bp}"] = ("2", str(bp))
        rows[f"1.3.6.1.2.1.17.1.4.1.2.{bp}"] = ("2", str(p.ifindex))
        macs = [m for m, _ in p.pcs]
        if p.peer:
            macs.append(sws[p.peer[0]].port(p.peer[1]).mac)
            macs.append(sws[p.peer[0]].chassis_mac)
        for m in dict.fromkeys(macs):
            d = _mac_dec(m)
            rows[f"1.3.6.1.2.1.17.4.3.1.1.{d}"] = ("4x", _mac_hex(m))
            rows[f"1.3.6.1.2.1.17.4.3.1.2.{d}"] = ("2", str(bp))
            rows[f"1.3.6.1.2.1.17.4.3.1.3.{d}"] = ("2", "3")
            rows[f"1.3.6.1.2.1.17.7.1.2.2.1.2.1.{d}"] = ("2", str(bp))
            rows[f"1.3.6.1.2.1.17.7.1.2.2.1.3.1.{d}"] = ("2", "3")
        for m, ip in p.pcs:
            _arp_row(rows, m, ip)
    # the core routes (IP-MIB ipForwarding = 1) and its ARP table resolves every PC: the reconciler
    # makes it the PCs' gateway (the root impact walks to); the other switches only bridge
    rows["1.3.6.1.2.1.4.1.0"] = ("2", "1" if sw.role == "core" else "2")
    if sw.role == "core":
        for other in sws:
            for p in other.ports:
                for m, ip in p.pcs:
                    _arp_row(rows, m, ip)
    rows["1.3.6.1.2.1.17.7.1.4.2.1.3.0.1"] = ("66", "1")
    # LLDP: local system and ports (port number = ifIndex, ID = ifName), remote + mgmt rows
    rows["1.0.8802.1.1.2.1.3.1.0"] = ("2", "4")
    rows["1.0.8802.1.1.2.1.3.2.0"] = ("4x", _mac_hex(sw.chassis_mac))
    rows["1.0.8802.1.1.2.1.3.3.0"] = ("4x", _hex(sw.name))
    for p in sw.ports:
        k = p.ifindex
        rows[f"1.0.8802.1.1.2.1.3.7.1.2.{k}"] = ("2", "5")
        rows[f"1.0.8802.1.1.2.1.3.7.1.3.{k}"] = ("4x", _hex(p.name))
        rows[f"1.0.8802.1.1.2.1.3.7.1.4.{k}"] = ("4x", _hex(p.name))
        if not p.peer:
            continue
        far = sws[p.peer[0]]
        idx = f"100.{k}.1"
        rows[f"{REM}4.{idx}"] = ("2", "4")
        rows[f"{REM}5.{idx}"] = ("4x", _mac_hex(far.chassis_mac))
        rows[f"{REM}6.{idx}"] = ("2", "5")
        rows[f"{REM}7.{idx}"] = ("4x", _hex(p.peer[1]))
        rows[f"{REM}8.{idx}"] = ("4x", _hex(f"uplink to {sw.name} {p.name}"))
        rows[f"{REM}9.{idx}"] = ("4x", _hex(far.name))
        rows[f"{REM}10.{idx}"] = ("4x", _hex(f"netcmdb simulated campus switch {far.name}"))
        rows[f"{REM}11.{idx}"] = ("4x", "2800")
        rows[f"{REM}12.{idx}"] = ("4x", "2000")
        rows[f"1.0.8802.1.1.2.1.4.2.1.3.{idx}.1.4.{far.address}"] = ("2", "2")
        rows[f"1.0.8802.1.1.2.1.4.2.1.4.{idx}.1.4.{far.address}"] = ("2", "2")
    keyed = sorted(rows.items(), key=lambda kv: tuple(int(x) for x in kv[0].split(".")))
    return "".join(f"{o}|{tag}|{val}\n" for o, (tag, val) in keyed)


def _arp_row(rows: dict[str, tuple[str, str]], mac: str, ip: str) -> None:
    """ipNetToMediaTable row (ifIndex 2, br0): ``ip`` is at ``mac``, learned dynamically."""
    rows[f"1.3.6.1.2.1.4.22.1.1.2.{ip}"] = ("2", "2")
    rows[f"1.3.6.1.2.1.4.22.1.2.2.{ip}"] = ("4x", _mac_hex(mac))
    rows[f"1.3.6.1.2.1.4.22.1.3.2.{ip}"] = ("64", ip)
    rows[f"1.3.6.1.2.1.4.22.1.4.2.{ip}"] = ("2", "3")


def truth(sws: list[Switch]) -> dict[str, object]:
    """Ground truth of a campus: switches, cables (once), PCs and their ports."""
    links = set()
    for sw in sws:
        for p in sw.ports:
            if p.peer:
                links.add(tuple(sorted([(sw.name, p.name), (sws[p.peer[0]].name, p.peer[1])])))
    return {
        "switches": {s.name: s.address for s in sws},
        "links": sorted(links),
        "hosts": {m: (s.name, p.name, ip) for s in sws for p in s.ports for m, ip in p.pcs},
    }


def serve(sim: object, sws: list[Switch]) -> None:
    """Add every switch to a :class:`~netcmdb.demo.sim.snmpsim_runner.SnmpSimulator`."""
    t = _template()
    for sw in sws:
        sim.add_device(sw.address, text=render(sw, sws, t))  # type: ignore[attr-defined]
