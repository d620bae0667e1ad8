"""Place end-host MACs on switch access ports (Netdisco's rules), as a pure function.

Given the facts of every infrastructure device of one crawl:

1. a port is an *uplink* if it has an LLDP/CDP neighbour (other than a phone or station behind
   which a PC may sit) or if it carries the MAC of another infrastructure device;
2. LAG members roll up to their aggregate (a MAC learned on ``Eth-Trunk1`` or a member of it is on
   the trunk);
3. static and self entries never count, nor MACs that belong to infrastructure devices;
4. a MAC left on several access ports (several switches, or a hub) goes to the edge-most one: the
   port with the fewest MACs behind it;
5. ARP tables join MAC -> IP; ``names`` (IP -> name, e.g. from DNS or sweeps) adds the name;
6. an access port with more MACs than ``max_macs_per_port`` and no LLDP/CDP neighbour is
   *crowded*: something unmanaged sits there (a desk switch, a hub, a hypervisor). Its MACs are
   still placed on it, and the reconciler cables them to a placeholder CI on that port.

:func:`guess_class` guesses an end host's class from its MAC vendor and open ports (a table, as
data); :func:`end_host_facts` turns placements into the facts the reconciler identifies.

Must not import ``netcmdb.cmdb``: the reconciler calls this and maps the results to CIs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from netcmdb.discovery.facts import DeviceClass, DeviceFact, NeighborFact, Source
from netcmdb.discovery.normalize import mac_or_none
from netcmdb.net.normalize import is_multicast

#: neighbours that do not make a port an uplink (a PC may sit behind a phone)
NON_UPLINK_CAPABILITIES = frozenset({"phone", "station", "host"})


@dataclass(frozen=True, slots=True)
class Placement:
    """One end host: ``mac`` sits on ``port`` of ``devices[device_index]``."""

    mac: str
    device_index: int
    switch: str  # the switch's hostname (or IP) for display
    port: str
    vlan: int | None = None
    ip: str | None = None
    name: str | None = None
    candidates: int = 1  # on how many access ports the MAC was seen before picking one
    crowded: bool = False  # the port is crowded (see rule 6): the host sits behind a placeholder


@dataclass(slots=True)
class PlacementResult:
    placements: list[Placement] = field(default_factory=list)
    uplinks: dict[int, set[str]] = field(default_factory=dict)  # device index -> uplink ports
    infra_macs: set[str] = field(default_factory=set)
    #: crowded access ports (rule 6): (device index, port) -> number of MACs behind it
    crowded: dict[tuple[int, str], int] = field(default_factory=dict)

    def by_mac(self) -> dict[str, Placement]:
        return {p.mac: p for p in self.placements}


def _neighbor_makes_uplink(n: NeighborFact) -> bool:
    caps = set(n.remote_capabilities)
    return not (caps and caps <= NON_UPLINK_CAPABILITIES)


def infra_macs(devices: Sequence[DeviceFact]) -> set[str]:
    """Every MAC that belongs to an infrastructure device (own interfaces, chassis, neighbours)."""
    macs: set[str] = set()
    for d in devices:
        macs.update(m for m in (d.mac, d.chassis_mac) if m)
        macs.update(i.mac for i in d.interfaces if i.mac)
        for n in d.neighbors:
            if (
                n.remote_chassis_id_kind == "mac"
                and n.remote_chassis_id
                and _neighbor_makes_uplink(n)
            ):
                macs.add(n.remote_chassis_id)
    return macs


def place_end_hosts(
    devices: Sequence[DeviceFact],
    *,
    names: Mapping[str, str] | None = None,
    max_macs_per_port: int | None = None,
) -> PlacementResult:
    """Decide on which switch port each end-host MAC sits (see the module docstring for rules).

    Args:
        devices: facts of the infrastructure devices of one crawl.
        names: IP -> name, to name the placed hosts.
        max_macs_per_port: a port without a neighbour and with more learned MACs than this is
            crowded (an unmanaged switch, hub or hypervisor behind it): its hosts are placed
            with ``crowded=True``; None: off.
    """
    names = names or {}
    res = PlacementResult(infra_macs=infra_macs(devices))
    own_macs = [
        {m for m in (d.mac, d.chassis_mac) if m} | {i.mac for i in d.interfaces if i.mac}
        for d in devices
    ]
    lag_of = [{i.name: i.lag_parent for i in d.interfaces if i.lag_parent} for d in devices]

    def roll(di: int, port: str) -> str:
        return lag_of[di].get(port, port)

    # ports and the MACs behind them (learned entries only, rolled up to the LAG)
    port_macs: dict[tuple[int, str], set[str]] = defaultdict(set)
    vlan_of: dict[tuple[int, str, str], int | None] = {}
    for di, d in enumerate(devices):
        for e in d.fdb:
            m = mac_or_none(e.mac)
            if e.status not in ("learned", "other") or not e.port or m is None or is_multicast(m):
                continue
            key = (di, roll(di, e.port))
            port_macs[key].add(m)
            vlan_of[(di, key[1], m)] = e.vlan
    # uplinks: a neighbour, or another infrastructure device's MAC behind the port
    for di, d in enumerate(devices):
        up = {roll(di, n.local_port) for n in d.neighbors if _neighbor_makes_uplink(n)}
        res.uplinks[di] = up
    for (di, port), macs in port_macs.items():
        if (macs & res.infra_macs) - own_macs[di]:
            res.uplinks[di].add(port)
        elif (
            max_macs_per_port is not None
            and len(macs) > max_macs_per_port
            and port not in res.uplinks[di]
        ):
            res.crowded[(di, port)] = len(macs)
    # candidates per MAC on access ports
    cands: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for (di, port), macs in port_macs.items():
        if port in res.uplinks[di]:
            continue
        for m in macs:
            if m not in res.infra_macs:
                cands[m].append((di, port))
    arp: dict[str, str] = {}
    for d in devices:
        for a in d.arp:
            arp.setdefault(a.mac, a.ip)
    for m in sorted(cands):
        options = cands[m]
        di, port = min(
            options,
            key=lambda o: (
                len(port_macs[o]),
                devices[o[0]].hostname or devices[o[0]].ip or "",
                o[1],
            ),
        )
        ip = arp.get(m)
        d = devices[di]
        res.placements.append(
            Placement(
                mac=m,
                device_index=di,
                switch=d.hostname or d.ip or f"device{di}",
                port=port,
                vlan=vlan_of.get((di, port, m)),
                ip=ip,
                name=names.get(ip) if ip else None,
                candidates=len(options),
                crowded=(di, port) in res.crowded,
            )
        )
    return res


# ------------------------------------------------------------------------------------------------
# Class guess (data, first match wins; ``other`` when nothing matches)
# ------------------------------------------------------------------------------------------------

#: OUI organisation substrings (case-insensitive) -> class. Vendors that make mostly one kind of
#: end device; PC/NIC makers are listed only where the NIC is rarely in anything but a PC.
CLASS_BY_VENDOR: tuple[tuple[str, str], ...] = (
    ("hewlett packard enterprise", "other"),  # servers, switches, APs: unsure
    ("aruba", "ap"),
    ("ruckus", "ap"),
    ("ubiquiti", "ap"),
    ("cambium", "ap"),
    ("polycom", "phone"),
    ("yealink", "phone"),
    ("grandstream", "phone"),
    ("avaya", "phone"),
    ("mitel", "phone"),
    ("snom", "phone"),
    ("fanvil", "phone"),
    ("htek", "phone"),
    ("cisco spvtg", "phone"),
    ("lexmark", "printer"),
    ("brother industries", "printer"),
    ("kyocera", "printer"),
    ("xerox", "printer"),
    ("ricoh", "printer"),
    ("canon", "printer"),
    ("konica minolta", "printer"),
    ("zebra technologies", "printer"),
    ("seiko epson", "printer"),
    ("sharp corporation", "printer"),
    ("pantum", "printer"),
    ("fuji xerox", "printer"),
    ("toshiba tec", "printer"),
    ("hikvision", "other"),
    ("dahua", "other"),  # cameras: no class for them
    ("dell", "pc"),
    ("lenovo", "pc"),
    ("intel corporate", "pc"),
    ("realtek", "pc"),
    ("asustek", "pc"),
    ("micro-star", "pc"),
    ("gigabyte", "pc"),
    ("apple", "pc"),
    ("hp inc", "pc"),
    ("hewlett packard", "pc"),
    ("tongfang", "pc"),
    ("microsoft", "pc"),
)

#: open TCP ports -> class (printing and SIP ports say more than a vendor does)
CLASS_BY_PORTS: tuple[tuple[frozenset[int], str], ...] = (
    (frozenset({9100, 515, 631}), "printer"),
    (frozenset({5060, 5061}), "phone"),
    (frozenset({3389, 445, 139}), "pc"),
)


def guess_class(mac_vendor: str | None, open_ports: Sequence[int] = ()) -> str:
    """An end host's class from what is known about it, ``other`` when unsure.

    >>> guess_class("Lexmark International, Inc.")
    'printer'
    >>> guess_class("Dell Inc.", [9100])
    'printer'
    >>> guess_class(None)
    'other'
    """
    ports = set(open_ports)
    for wanted, cls in CLASS_BY_PORTS:
        if ports & wanted:
            return cls
    low = (mac_vendor or "").casefold()
    if low:
        for needle, cls in CLASS_BY_VENDOR:
            if needle in low:
                return cls
    return "other"


def placeholder_name(switch: str, port: str) -> str:
    """Name (and hostname identifier) of the placeholder CI on a crowded port.

    >>> placeholder_name("sw-a", "GigabitEthernet0/5")
    'sw-a GigabitEthernet0/5 (unmanaged)'
    """
    return f"{switch} {port} (unmanaged)".replace(".", "_")


def end_host_facts(res: PlacementResult, source: Source = Source.ARP) -> list[DeviceFact]:
    """One fact per placed MAC: MAC, IP (ARP), name, OUI vendor and a guessed class.

    The source defaults to ``arp``, the lowest priority: anything a sweep, an nmap import or a
    person says about the host wins over what a switch's tables imply.
    """
    from netcmdb.discovery.normalize import mac_vendors

    vendors = mac_vendors(sorted({p.mac for p in res.placements}))
    out = []
    for p in res.placements:
        vendor = vendors.get(p.mac)
        out.append(
            DeviceFact(
                source=source,
                ip=p.ip,
                mac=p.mac,
                hostname=p.name,
                mac_vendor=vendor,
                device_class=DeviceClass(guess_class(vendor)),
            )
        )
    return out
