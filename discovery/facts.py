"""The one schema every scanner yields (ARP, ICMP, TCP, nmap import, SNMP, SSH).

Like NAPALM's ``models.py``: the CMDB consumes only these shapes and never sees raw device output,
so the reconciler cannot tell an SNMP device from an SSH one except by ``source``.

Conventions (normalise in the scanner, not downstream):
- MAC addresses: lower-case ``aa:bb:cc:dd:ee:ff`` (use :func:`netcmdb.discovery.normalize.mac`).
- IPs: canonical text form (``str(ipaddress.ip_address(x))``).
- Port/interface names: as the device calls them (ifName, e.g. ``GigabitEthernet0/1``, ``xe1``).
- Strings from devices are untrusted; they are stored as-is and escaped by the exporters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Source(StrEnum):
    """Where a fact came from; also the reconciler's per-attribute priority key."""

    MANUAL = "manual"
    SSH = "ssh"
    SNMP = "snmp"
    NMAP = "nmap"
    TCP = "tcp"
    ICMP = "icmp"
    ARP = "arp"
    IMPORT = "import"


class DeviceClass(StrEnum):
    """CI classes (mirrors the CMDB's class enum)."""

    ROUTER = "router"
    SWITCH = "switch"
    FIREWALL = "firewall"
    AP = "ap"
    SERVER = "server"
    PC = "pc"
    PRINTER = "printer"
    PHONE = "phone"
    UPS = "ups"
    SERVICE = "service"
    CLUSTER = "cluster"
    OTHER = "other"


@dataclass(slots=True)
class InterfaceFact:
    """One interface of a device (IF-MIB row, ``show interfaces`` entry...)."""

    name: str
    ifindex: int | None = None
    descr: str | None = None
    alias: str | None = None
    mac: str | None = None
    speed_mbps: int | None = None
    oper_up: bool | None = None
    admin_up: bool | None = None
    ips: list[str] = field(default_factory=list)
    #: ethernet | lag | loopback | bridge | vlan | virtual | other
    kind: str = "ethernet"
    #: name of the aggregate (Port-channel/Eth-Trunk/Bridge-Aggregation) this port belongs to
    lag_parent: str | None = None


@dataclass(slots=True)
class NeighborFact:
    """One LLDP or CDP adjacency as seen from the device that reported it."""

    protocol: str  # "lldp" | "cdp"
    local_port: str  # our ifName, resolved (never a guessed index)
    remote_name: str | None = None  # sysName / CDP device id (domain kept as sent)
    remote_chassis_id: str | None = None  # human readable (MAC normalised if it is one)
    remote_chassis_id_kind: str | None = None  # mac | ifname | local | network_address | ...
    remote_port: str | None = None  # human readable port id
    remote_port_kind: str | None = None
    remote_port_descr: str | None = None
    remote_mgmt_ip: str | None = None
    remote_platform: str | None = None
    remote_descr: str | None = None
    remote_capabilities: list[str] = field(default_factory=list)  # bridge, router, phone, wlan...


@dataclass(slots=True)
class FdbEntry:
    """A forwarding-database row: ``mac`` was learned on ``port`` of the reporting switch."""

    mac: str
    port: str | None  # ifName; None when the bridge port could not be mapped
    vlan: int | None = None
    status: str = "learned"  # learned | self | static | other


@dataclass(slots=True)
class ArpEntry:
    """An IP-to-MAC binding from a router/L3 switch/host ARP table."""

    ip: str
    mac: str
    interface: str | None = None


@dataclass(slots=True)
class DeviceFact:
    """Everything one scanner learned about one device in one run.

    Only what the scanner saw is set; ``None`` means "not observed", never "empty".
    """

    source: Source
    ip: str | None = None  # the address we reached it on (or its management address)
    mac: str | None = None  # the MAC seen for ``ip`` (ARP) or the base MAC
    hostname: str | None = None  # the device's own name (sysName, prompt hostname, NetBIOS)
    dns_name: str | None = None  # reverse DNS
    netbios_name: str | None = None
    mac_vendor: str | None = None  # from the IEEE OUI registry
    vendor: str | None = None
    model: str | None = None
    platform: str | None = None  # vendor_os key, see discovery.vendors
    os: str | None = None
    os_version: str | None = None
    serial: str | None = None
    chassis_mac: str | None = None  # LLDP chassis id / dot1dBaseBridgeAddress
    device_class: DeviceClass | None = None
    class_reason: str | None = None  # the evidence that decided device_class (shown by ci show)
    description: str | None = None  # sysDescr
    sys_object_id: str | None = None
    sys_location: str | None = None  # raw sysLocation; the CMDB parses it with the label rule
    contact: str | None = None
    uptime_s: float | None = None
    rtt_ms: float | None = None
    open_ports: list[int] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)  # every IP the device owns
    interfaces: list[InterfaceFact] = field(default_factory=list)
    neighbors: list[NeighborFact] = field(default_factory=list)
    fdb: list[FdbEntry] = field(default_factory=list)
    arp: list[ArpEntry] = field(default_factory=list)
    stack_members: list[dict[str, str]] = field(default_factory=list)  # serial/model per member
    warnings: list[str] = field(default_factory=list)  # partial parses, skipped rows...
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ScanResult:
    """One target's outcome. Failures are per host (Nornir style): a sweep never aborts."""

    target: str
    device: DeviceFact | None = None
    error: str | None = None  # one line a user can act on
    # timeout | auth | hostkey | refused | unreachable | parse | other
    error_kind: str | None = None
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and self.device is not None

    @property
    def alive(self) -> bool:
        """True when the target answered at all (a device fact exists)."""
        return self.device is not None
