"""CLI output -> typed facts: TextFSM parsing (ntc-templates plus our own templates) and mapping.

Used by the ``ssh`` scanner and by the table-driven parser tests. Pure: takes command outputs as
text, returns a :class:`DeviceFact`; it never opens a connection, prints or logs device output.
Must not import ``netcmdb.cmdb`` (data flows discovery -> facts -> cmdb).

Parsing is forgiving on purpose: a device string is untrusted and often truncated (a pager, a
timeout, a firmware quirk). Each command is parsed on its own; whatever one command cannot give is
recorded in ``DeviceFact.warnings`` and the rest of the device is still returned. Nothing here
raises for bad device output.

Template choice: ``discovery/templates/<ntc platform>_<command, spaces as _>.textfsm`` when it
exists (our fix for a missing or wrong ntc-templates entry), otherwise ntc-templates' index.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import textfsm
from textfsm import clitable

from netcmdb.discovery import normalize
from netcmdb.discovery.facts import (
    ArpEntry,
    DeviceClass,
    DeviceFact,
    FdbEntry,
    InterfaceFact,
    NeighborFact,
    Source,
)
from netcmdb.discovery.vendors import (
    CLI_KINDS,
    PLATFORM_REFINEMENTS,
    PLATFORMS,
    TEMPLATE_DIR,
    cli_commands,
)
from netcmdb.net.normalize import ip_or_none

Row = dict[str, Any]


class CliParseError(Exception):
    """A command's output could not be parsed at all (internal; becomes a warning)."""


# ---------------------------------------------------------------------------------------------
# TextFSM
# ---------------------------------------------------------------------------------------------


def own_template(ntc_platform: str, command: str) -> Path | None:
    """Our template for ``command`` on ``ntc_platform``, if the package ships one."""
    name = f"{ntc_platform}_{command.strip().replace(' ', '_')}.textfsm"
    path = TEMPLATE_DIR / name
    return path if path.is_file() else None


@lru_cache(maxsize=64)
def _template_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


_TLS = threading.local()


def _ntc_table() -> clitable.CliTable:
    """ntc-templates' index, loaded once per thread (``parse_output`` re-reads it on every call,
    which dominated parse time; a CliTable is not thread-safe, hence one per thread)."""
    table = getattr(_TLS, "table", None)
    if table is None:
        from ntc_templates.parse import _get_template_dir

        table = clitable.CliTable("index", _get_template_dir())
        _TLS.table = table
    return table


def parse_command(ntc_platform: str, command: str, text: str) -> list[Row]:
    """Parse one command's output into rows with lower-case keys.

    Raises:
        CliParseError: no template, or TextFSM hit an Error state on this output.
    """
    path = own_template(ntc_platform, command)
    try:
        if path is not None:
            fsm = textfsm.TextFSM(io.StringIO(_template_text(path)))
            header = [h.lower() for h in fsm.header]
            return [dict(zip(header, rec, strict=True)) for rec in fsm.ParseText(text)]
        table = _ntc_table()
        table.ParseCmd(text, {"Command": command, "Platform": ntc_platform})
        header = [h.lower() for h in table.header]
        return [dict(zip(header, row, strict=True)) for row in table]
    except Exception as exc:  # textfsm/clitable raise several unrelated types
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CliParseError(f"{command!r}: {first[:200]}") from exc


# ---------------------------------------------------------------------------------------------
# Field aliases: which template column means which fact attribute (data, not branches).
# The first non-empty alias wins. Per-platform overrides replace the default list for one field.
# ---------------------------------------------------------------------------------------------

FIELDS: dict[str, dict[str, list[str]]] = {
    "version": {
        "hostname": ["hostname", "sysname"],
        "model": ["hardware", "model", "platform", "product"],
        "serial": ["serial", "serial_number", "chassis_serial_number"],
        "os_version": ["version", "junos_version", "os", "image", "software_version"],
        "chassis_mac": ["mac_address", "sys_mac", "base_mac"],
        "uptime": ["uptime"],
    },
    "inventory": {
        "name": ["name", "slot_type", "chassis_id", "slot"],
        "model": ["pid", "device_name", "chassis_description", "model"],
        "serial": ["sn", "device_serial_number", "chassis_serial_number", "esn", "serial"],
        "descr": ["descr", "chassis_description", "card"],
        "mac": ["mac_address"],
    },
    "interfaces": {
        "name": ["interface"],
        "alias": ["description", "interface_description"],
        "mac": ["mac_address", "hw_address", "bia"],
        "speed": ["speed", "bandwidth"],
        "link": ["link_status", "line_status", "status"],
        "protocol": ["protocol_status"],
        "admin": ["admin_state"],
        "ip": ["ip_address"],
        "prefix": ["prefix_length"],
        "lag_parent": ["lag_parent"],
    },
    "lldp": {
        "local_port": ["local_interface"],
        "remote_name": ["neighbor_name", "system_name"],
        "chassis_id": ["chassis_id"],
        "chassis_type": ["chassis_type"],
        "remote_port": ["neighbor_port_id", "neighbor_interface", "port_id"],
        "port_type": ["port_id_type"],
        "remote_port_descr": ["neighbor_interface_description", "port_description"],
        "mgmt_ip": ["mgmt_address", "management_address"],
        "descr": ["neighbor_description", "system_description"],
        "platform": ["platform"],
        "capabilities": ["capabilities", "system_capabilities_enabled"],
    },
    "cdp": {
        "local_port": ["local_interface"],
        "remote_name": ["neighbor_name", "destination_host"],
        "chassis_id": ["chassis_id"],
        "remote_port": ["neighbor_interface", "port_id"],
        "mgmt_ip": ["mgmt_address", "management_ip"],
        "descr": ["neighbor_description", "software_version"],
        "platform": ["platform"],
        "capabilities": ["capabilities"],
    },
    "mac": {
        "mac": ["destination_address", "mac_address", "mac"],
        "port": ["destination_port", "ports", "interface", "logical_interface", "port"],
        "vlan": ["vlan_id", "vlan", "vlan_name"],
        "type": ["type", "state", "mac_flag"],
    },
    "arp": {
        "ip": ["ip_address", "address"],
        "mac": ["mac_address", "hardware_addr", "mac"],
        "interface": ["interface"],
    },
}

#: ntc platform -> kind -> field -> aliases (replaces the default list for that field).
FIELD_OVERRIDES: dict[str, dict[str, dict[str, list[str]]]] = {
    # IOS/XE LLDP: NEIGHBOR_INTERFACE is the Port Description, not the port id.
    "cisco_ios": {"lldp": {"remote_port_descr": ["neighbor_interface"]}},
    "cisco_nxos": {"version": {"os_version": ["os"], "model": ["platform"]}},
    "arista_eos": {"version": {"os_version": ["image"]}},
    "huawei_vrp": {
        "version": {"os_version": ["product_version", "vrp_version"]},
        "lldp": {"remote_port": ["neighbor_port_id"], "remote_port_descr": ["neighbor_interface"]},
    },
    "hp_comware": {"inventory": {"name": ["slot_id", "slot_type"]}},
}


def _fields(ntc: str, kind: str) -> dict[str, list[str]]:
    out = dict(FIELDS[kind])
    out.update(FIELD_OVERRIDES.get(ntc, {}).get(kind, {}))
    return out


def _pick(row: Row, aliases: list[str]) -> str | None:
    """First non-empty value among ``aliases`` (list values: their first non-empty element)."""
    for key in aliases:
        val = row.get(key)
        if isinstance(val, list):
            val = next((v for v in val if v and v.strip()), None)
        if val is not None and str(val).strip():
            return str(val).strip()
    return None


def _pick_all(row: Row, aliases: list[str]) -> list[str]:
    for key in aliases:
        val = row.get(key)
        if isinstance(val, list) and any(v.strip() for v in val):
            return [v.strip() for v in val if v.strip()]
        if isinstance(val, str) and val.strip():
            return [val.strip()]
    return []


# ---------------------------------------------------------------------------------------------
# Small pure helpers
# ---------------------------------------------------------------------------------------------

_UPTIME_UNITS = {
    "year": 365 * 86400,
    "week": 7 * 86400,
    "day": 86400,
    "hour": 3600,
    "minute": 60,
    "second": 1,
}


def parse_uptime(text: str | None) -> float | None:
    """Seconds from ``"2 weeks, 3 days, 4 hours, 5 minutes"``, ``"358 days, 16 hours"``, ``"1d2h"``.

    >>> parse_uptime("1 week, 2 days, 3 hours, 4 minutes")
    788640.0
    >>> parse_uptime("0:00:03:36")
    216.0
    >>> parse_uptime("garbage") is None
    True
    """
    if not text:
        return None
    m = re.fullmatch(r"\s*(\d+):(\d{1,2}):(\d{1,2}):(\d{1,2})\s*", text)
    if m:
        d, h, mi, s = (int(x) for x in m.groups())
        return float(d * 86400 + h * 3600 + mi * 60 + s)
    total = 0.0
    found = False
    units = r"(\d+)\s*(year|week|day|hour|minute|second|[ywdhms])"
    for num, unit in re.findall(units, text.lower()):
        unit_s = next((v for k, v in _UPTIME_UNITS.items() if k.startswith(unit)), None)
        if unit_s is None:
            continue
        total += int(num) * unit_s
        found = True
    return total if found else None


def parse_speed_mbps(text: str | None, *, kbit: bool = False) -> int | None:
    """Mbit/s from ``"1000Mb/s"``, ``"1Gbps"``, ``"a-1000"``, ``"10G"``, ``"1000M"``,
    ``"100000 Kbit"``.

    >>> parse_speed_mbps("1000Mb/s"), parse_speed_mbps("10Gb/s"), parse_speed_mbps("a-100")
    (1000, 10000, 100)
    >>> parse_speed_mbps("1000000", kbit=True), parse_speed_mbps("auto")
    (1000, None)
    """
    if not text:
        return None
    t = text.strip().lower().replace(" ", "")
    m = re.search(r"(\d+(?:\.\d+)?)(g|m|k)?(?:bit|b|bps|b/s|bit/s)?", t)
    if not m:
        return None
    num = float(m.group(1))
    unit = m.group(2) or ("k" if kbit else "m")
    factor = {"g": 1000.0, "m": 1.0, "k": 0.001}[unit]
    value = int(num * factor)
    return value if value > 0 else None


#: Short interface-name prefixes -> the long form devices use in interface lists (data).
PORT_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "gi": ("GigabitEthernet",),
    "ge": ("GigabitEthernet",),
    "fa": ("FastEthernet",),
    "te": ("TenGigabitEthernet", "Ten-GigabitEthernet"),
    "xge": ("XGigabitEthernet", "Ten-GigabitEthernet"),  # Huawei / H3C spell 10G differently
    "tf": ("TwentyFiveGigE",),
    "wge": ("TwentyFiveGigE",),
    "fo": ("FortyGigabitEthernet",),
    "fge": ("FortyGigE",),
    "hu": ("HundredGigE",),
    "hge": ("HundredGigE",),
    "eth": ("Ethernet", "Eth-Trunk"),
    "et": ("Ethernet",),
    "po": ("Port-channel",),
    "vl": ("Vlan",),
    "lo": ("Loopback", "LoopBack"),
    "bagg": ("Bridge-Aggregation",),
    "ragg": ("Route-Aggregation",),
    "ma": ("Management",),
    "ag": ("AggregatePort",),
}

_PORT_SPLIT = re.compile(r"^([A-Za-z][A-Za-z\-_]*?)\s*([\d/.:]+)$")


def resolve_port(name: str | None, known: list[str]) -> str | None:
    """Map an abbreviated port (``Gi1/0/1``, ``GE0/0/1``) onto a full name in ``known``.

    Returns ``name`` unchanged when ``known`` is empty or nothing matches: we never guess.

    >>> resolve_port("Gi1/0/49", ["GigabitEthernet1/0/49", "Vlan1"])
    'GigabitEthernet1/0/49'
    >>> resolve_port("GE0/0/2", ["GigabitEthernet0/0/2"])
    'GigabitEthernet0/0/2'
    >>> resolve_port("Gi0/9", ["GigabitEthernet0/1"])
    'Gi0/9'
    """
    if not name or not known or name in known:
        return name
    m = _PORT_SPLIT.match(name.strip())
    if not m:
        return name
    prefix, number = m.group(1).lower(), m.group(2)
    longs = {p.lower() for p in PORT_ABBREVIATIONS.get(prefix, ())}
    for cand in known:
        cm = _PORT_SPLIT.match(cand)
        if not cm or cm.group(2) != number:
            continue
        cprefix = cm.group(1).lower()
        if cprefix in longs or cprefix.startswith(prefix):
            return cand
    return name


def interface_kind(name: str) -> str:
    """Classify an interface by its name (the CLI has no ifType)."""
    n = name.lower()
    if re.match(r"^(vlan|vlanif|vl\d|irb|vlan-interface)", n):
        return "vlan"
    if n.startswith(("loopback", "lo0", "lo")) and not n.startswith("lo-"):
        return "loopback"
    if n.startswith(
        (
            "port-channel",
            "po",
            "eth-trunk",
            "bridge-aggregation",
            "route-aggregation",
            "ae",
            "aggregateport",
            "ag",
            "bagg",
        )
    ):
        return "lag"
    if n.startswith(("tunnel", "null", "nve", "vxlan", "inloopback", "meth")) and not n.startswith(
        "meth0"
    ):
        return "virtual"
    return "ethernet"


_mac = normalize.mac_or_none
_ip = ip_or_none


#: Line that starts one neighbour record, per ntc platform and kind. Used only to notice records
#: the template could not complete (a truncated output), so the loss is reported, not silent.
NEIGHBOR_BLOCK_START: dict[tuple[str, str], str] = {
    ("cisco_ios", "lldp"): r"^Local Intf:",
    ("cisco_ios", "cdp"): r"^Device ID:",
    ("cisco_nxos", "lldp"): r"^Chassis id:",
    ("cisco_nxos", "cdp"): r"^Device ID:",
    ("arista_eos", "lldp"): r"^\s+Neighbor\s+\S+",
    ("huawei_vrp", "lldp"): r"^Neighbou?r\s+index",
    ("hp_comware", "lldp"): r"^LLDP\s+neighbor-information\s+of\s+port",
    ("ruijie_os", "lldp"): r"^\s*Neighbor\s+index",
}

#: A line that looks like a MAC/ARP table row: it holds a MAC-shaped or IPv4-shaped token.
_ROW_LIKE = re.compile(
    r"(?i)(\b[0-9a-z]{4}[-.][0-9a-z]{4}[-.][0-9a-z]{2,4}\b|\b[0-9a-f]{2}(?::[0-9a-f]{2}){3,5}"
    r"|\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b)"
)


def _count_matching(pattern: str, text: str) -> int:
    return len(re.findall(pattern, text, flags=re.MULTILINE))


def _row_like_lines(text: str) -> int:
    """Lines that look like data rows (legend/header lines seldom hold a MAC or IPv4 address)."""
    return sum(
        1
        for line in text.splitlines()
        if _ROW_LIKE.search(line) and "incomplete" not in line.lower()
    )


def _rejected(text: str) -> bool:
    """The device refused the command (unknown command, bad syntax, no privilege)."""
    head = text.strip()[:200].lower()
    # Cisco/Arista/H3C/Ruijie print "% ..." (also "% LLDP is not enabled"), Huawei and Junos
    # "Error: ..."/"error: ...", everyone may echo a "^" marker line first.
    return head.startswith(
        ("%", "unknown command", "error:", "syntax error", "unrecognized command", "^")
    )


# ---------------------------------------------------------------------------------------------
# Kind handlers: rows -> fact attributes. Each appends its warnings; none raises on bad rows.
# ---------------------------------------------------------------------------------------------


def _apply_version(
    fact: DeviceFact, rows: list[Row], ntc: str, warn: Callable[[str], None]
) -> None:
    f = _fields(ntc, "version")
    row = rows[0]
    fact.hostname = fact.hostname or _pick(row, f["hostname"])
    fact.model = _pick(row, f["model"]) or fact.model
    fact.serial = _pick(row, f["serial"]) or fact.serial
    fact.os_version = _pick(row, f["os_version"]) or fact.os_version
    base = _pick(row, f["chassis_mac"])
    if base and (m := _mac(base)):
        fact.chassis_mac = m
    fact.uptime_s = parse_uptime(_pick(row, f["uptime"])) or fact.uptime_s
    if (descr := _pick(row, ["description", "system_description"])) and not fact.description:
        fact.description = descr


def _apply_inventory(
    fact: DeviceFact, rows: list[Row], ntc: str, warn: Callable[[str], None]
) -> None:
    f = _fields(ntc, "inventory")
    members: list[dict[str, str]] = []
    seen: set[str] = set()
    for row in rows:
        serial = _pick(row, f["serial"])
        if not serial or serial in seen:
            continue
        seen.add(serial)
        member = {"serial": serial}
        if model := _pick(row, f["model"]):
            member["model"] = model
        if name := _pick(row, f["name"]):
            member["name"] = name
        members.append(member)
        if mac := _mac(_pick(row, f["mac"])):
            fact.chassis_mac = fact.chassis_mac or mac
    if not members:
        return
    fact.stack_members = members
    # The chassis (first row on every platform we know) names the device when `version` did not.
    fact.serial = fact.serial or members[0]["serial"]
    fact.model = fact.model or members[0].get("model")


def _apply_interfaces(
    fact: DeviceFact, rows: list[Row], ntc: str, warn: Callable[[str], None]
) -> None:
    f = _fields(ntc, "interfaces")
    out: list[InterfaceFact] = []
    for row in rows:
        name = _pick(row, f["name"])
        if not name:
            continue
        link = (_pick(row, f["link"]) or "").lower()
        proto = (_pick(row, f["protocol"]) or "").lower()
        admin = (_pick(row, f["admin"]) or "").lower()
        admin_up: bool | None = None
        if "admin" in link or admin in ("down", "admin down", "disabled"):
            admin_up = False
        elif admin or link:
            admin_up = True
        oper_up: bool | None = None
        state = proto or link
        if state:
            oper_up = state.startswith(("up", "connected"))
        speed_raw = row.get("speed") if "speed" in row else None
        speed = parse_speed_mbps(speed_raw if isinstance(speed_raw, str) else None)
        if speed is None and isinstance(row.get("bandwidth"), str):
            speed = parse_speed_mbps(row["bandwidth"], kbit=ntc in ("cisco_ios", "cisco_nxos"))
        ips: list[str] = []
        prefixes = _pick_all(row, f["prefix"])
        for i, raw in enumerate(_pick_all(row, f["ip"])):
            addr = _ip(raw)
            if addr is None:
                continue
            if "/" not in raw and i < len(prefixes):
                raw = f"{addr}/{prefixes[i]}"
            ips.append(raw if "/" in raw else addr)
        out.append(
            InterfaceFact(
                name=name,
                alias=_pick(row, f["alias"]),
                mac=_mac(_pick(row, f["mac"])),
                speed_mbps=speed,
                oper_up=oper_up,
                admin_up=admin_up,
                ips=ips,
                kind=interface_kind(name),
                lag_parent=_pick(row, f["lag_parent"]),
            )
        )
    fact.interfaces = out
    for itf in out:
        for cidr in itf.ips:
            addr = cidr.split("/")[0]
            if addr not in fact.addresses:
                fact.addresses.append(addr)


_CAP_CODES = {
    "b": "bridge",
    "r": "router",
    "t": "phone",
    "w": "wlan",
    "p": "repeater",
    "s": "station",
    "c": "docsis",
    "o": "other",
    "h": "host",
    "i": "igmp",
}


def _capabilities(text: str | None) -> list[str]:
    if not text:
        return []
    out: list[str] = []
    text = re.sub(r"(?i)two-port mac relay", "two-port-mac-relay", text)
    for tok in re.split(r"[,\s]+", text.strip()):
        t = tok.strip().lower()
        if not t or t in ("not", "advertised", "-", "only", "none", "na"):
            continue
        word = _CAP_CODES.get(t, t)
        word = {
            "switch": "bridge",
            "telephone": "phone",
            "wlan-access-point": "wlan",
            "trans-bridge": "bridge",
            "source-route-bridge": "bridge",
        }.get(word, word)
        if word not in out:
            out.append(word)
    return out


def _chassis_kind(raw: str | None, type_text: str | None) -> tuple[str | None, str | None]:
    if raw is None:
        return None, None
    if m := _mac(raw):
        return m, "mac"
    t = (type_text or "").lower()
    if "network" in t or _ip(raw):
        return raw, "network_address"
    if "interface" in t:
        return raw, "ifname"
    return raw, "local"


def _apply_neighbors(
    fact: DeviceFact, rows: list[Row], ntc: str, warn: Callable[[str], None], protocol: str
) -> None:
    f = _fields(ntc, protocol)
    known = [i.name for i in fact.interfaces]
    skipped = 0
    for row in rows:
        local = _pick(row, f["local_port"])
        if not local:
            skipped += 1
            continue
        chassis, chassis_kind = _chassis_kind(
            _pick(row, f.get("chassis_id", [])), _pick(row, f.get("chassis_type", []))
        )
        remote_port = _pick(row, f["remote_port"])
        port_kind = None
        if remote_port:
            pt = (_pick(row, f.get("port_type", [])) or "").lower()
            if (m := _mac(remote_port)) and ("mac" in pt or not pt):
                remote_port, port_kind = m, "mac"
            elif "local" in pt:
                port_kind = "local"
            else:
                port_kind = "ifname"
        name = _pick(row, f["remote_name"])
        if not (name or chassis or remote_port):
            skipped += 1
            continue
        port_descr = _pick(row, f.get("remote_port_descr", []))
        fact.neighbors.append(
            NeighborFact(
                protocol=protocol,
                local_port=resolve_port(local, known) or local,
                remote_name=name,
                remote_chassis_id=chassis,
                remote_chassis_id_kind=chassis_kind,
                remote_port=remote_port,
                remote_port_kind=port_kind,
                remote_port_descr=port_descr,
                remote_mgmt_ip=_ip(_pick(row, f["mgmt_ip"])),
                remote_platform=_pick(row, f["platform"]),
                remote_descr=_pick(row, f["descr"]),
                remote_capabilities=_capabilities(_pick(row, f["capabilities"])),
            )
        )
    if skipped:
        warn(f"{protocol}: skipped {skipped} neighbour record(s) without a local port or identity")


def _apply_mac(fact: DeviceFact, rows: list[Row], ntc: str, warn: Callable[[str], None]) -> None:
    f = _fields(ntc, "mac")
    known = [i.name for i in fact.interfaces]
    bad = 0
    for row in rows:
        mac = _mac(_pick(row, f["mac"]))
        if mac is None:
            bad += 1
            continue
        vlan_raw = _pick(row, f["vlan"])
        vlan = int(vlan_raw) if vlan_raw and vlan_raw.isdigit() else None
        port = _pick(row, f["port"])
        typ = (_pick(row, f["type"]) or "").lower()
        status = "learned"
        if typ in ("self", "system", "router", "cpu") or (port or "").lower() in (
            "cpu",
            "router",
            "sup-eth1(r)",
        ):
            status = "self"
        elif "static" in typ or typ in ("s", "config"):
            status = "static"
        fact.fdb.append(
            FdbEntry(
                mac=mac, port=resolve_port(port, known) if port else None, vlan=vlan, status=status
            )
        )
    if bad:
        warn(f"mac: skipped {bad} row(s) with an unparsable MAC address")


def _apply_arp(fact: DeviceFact, rows: list[Row], ntc: str, warn: Callable[[str], None]) -> None:
    f = _fields(ntc, "arp")
    known = [i.name for i in fact.interfaces]
    bad = 0
    for row in rows:
        addr = _ip(_pick(row, f["ip"]))
        mac = _mac(_pick(row, f["mac"]))
        if addr is None or mac is None:
            # "Incomplete" entries have no MAC; they are not bindings, so not a warning.
            if addr is None or "incomplete" not in str(row).lower():
                bad += 1
            continue
        itf = _pick(row, f["interface"])
        # Arista: "Vlan20, Ethernet1" = the L3 interface, then the port it was learned on.
        itf = itf.split(",")[0].strip() if itf else None
        fact.arp.append(ArpEntry(ip=addr, mac=mac, interface=resolve_port(itf, known)))
    if bad:
        warn(f"arp: skipped {bad} row(s) without a valid IP/MAC pair")


_HANDLERS: dict[str, Callable[..., None]] = {
    "version": _apply_version,
    "inventory": _apply_inventory,
    "interfaces": _apply_interfaces,
    "lldp": lambda fact, rows, ntc, warn: _apply_neighbors(fact, rows, ntc, warn, "lldp"),
    "cdp": lambda fact, rows, ntc, warn: _apply_neighbors(fact, rows, ntc, warn, "cdp"),
    "mac": _apply_mac,
    "arp": _apply_arp,
}

#: Order in which parsed kinds are applied: interfaces first so ports in LLDP/MAC can be resolved.
_APPLY_ORDER = ("version", "inventory", "interfaces", "lldp", "cdp", "mac", "arp")
assert set(_APPLY_ORDER) == set(CLI_KINDS)


def _check_complete(
    fact: DeviceFact,
    kind: str,
    ntc: str,
    command: str,
    text: str,
    before: tuple[int, int, int],
    warnings: list[str],
) -> None:
    """Warn when the output held more records than the template produced (truncation, quirks)."""
    if kind in ("lldp", "cdp"):
        marker = NEIGHBOR_BLOCK_START.get((ntc, kind))
        if marker is None:
            return
        expected = _count_matching(marker, text)
        got = len(fact.neighbors) - before[0]
        already = any(w.startswith(f"{kind}: skipped") for w in warnings)
        if expected > got and not already:
            warnings.append(
                f"{kind}: {expected - got} of {expected} neighbour record(s) in {command!r} output"
                " incomplete (truncated?)"
            )
    elif kind in ("mac", "arp"):
        got = (len(fact.fdb) - before[1]) if kind == "mac" else (len(fact.arp) - before[2])
        already = any(w.startswith(f"{kind}: skipped") for w in warnings)
        lost = _row_like_lines(text) - got
        if lost > 0 and not already:
            warnings.append(
                f"{kind}: {lost} line(s) of {command!r} output not understood (truncated?)"
            )


def classify(fact: DeviceFact) -> DeviceClass | None:
    """Switch vs router from what we saw: a MAC table means it switches."""
    if fact.fdb or any(i.kind == "vlan" for i in fact.interfaces):
        return DeviceClass.SWITCH
    if fact.arp or fact.neighbors:
        return DeviceClass.ROUTER
    return None


def build_device_fact(
    platform: str,
    outputs: Mapping[str, str],
    *,
    ip: str | None = None,
    prompt_hostname: str | None = None,
) -> DeviceFact:
    """Turn raw outputs (``{"version": text, "lldp": text, ...}``) into one :class:`DeviceFact`.

    Args:
        platform: a key of :data:`netcmdb.discovery.vendors.CLI_COMMANDS`.
        outputs: fact kind (see ``CLI_KINDS``) -> the command's raw output; missing kinds were
            not collected.
        ip: the address the device was reached on.
        prompt_hostname: the hostname from the CLI prompt, used when ``version`` has none
            (Huawei/H3C/Arista print none in their version output).

    Returns:
        The fact; problems are in ``fact.warnings`` (one line each), never raised.
    """
    version_text = outputs.get("version") or ""
    for base, pattern, better in PLATFORM_REFINEMENTS:
        if platform == base and re.search(pattern, version_text):
            platform = better
            break
    cmds = cli_commands(platform)
    row = PLATFORMS.get(platform)
    fact = DeviceFact(
        source=Source.SSH,
        ip=ip,
        platform=platform,
        vendor=row.vendor if row else None,
        os=row.os if row else None,
    )
    warnings: list[str] = fact.warnings
    if cmds is None:
        warnings.append(f"no CLI command set for platform {platform!r}")
        return fact
    for kind in _APPLY_ORDER:
        text = outputs.get(kind)
        command = cmds.command(kind)
        if text is None or command is None:
            continue
        if not text.strip():
            warnings.append(f"{kind}: {command!r} returned no output")
            continue
        if _rejected(text):
            why = next((ln.strip() for ln in text.splitlines() if re.search(r"[A-Za-z]", ln)), "")
            warnings.append(f"{kind}: device rejected {command!r}: {why[:120]}")
            continue
        try:
            rows = parse_command(cmds.ntc, command, text)
        except CliParseError as exc:
            warnings.append(f"{kind}: could not parse {exc}")
            continue
        if not rows:
            if kind in ("version", "inventory", "interfaces"):
                warnings.append(f"{kind}: no records parsed from {command!r} output")
            continue
        before = (len(fact.neighbors), len(fact.fdb), len(fact.arp))
        try:
            _HANDLERS[kind](fact, rows, cmds.ntc, warnings.append)
        except Exception as exc:  # a template column we did not expect: keep the rest
            warnings.append(f"{kind}: unexpected {command!r} records ({type(exc).__name__}: {exc})")
            continue
        _check_complete(fact, kind, cmds.ntc, command, text, before, warnings)
    if not fact.hostname and prompt_hostname:
        fact.hostname = prompt_hostname
    if fact.ip and fact.ip not in fact.addresses:
        fact.addresses.insert(0, fact.ip)
    fact.device_class = classify(fact)
    if fact.chassis_mac and not fact.mac:
        fact.mac = fact.chassis_mac
    return fact
