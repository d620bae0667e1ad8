"""One home per vendor: every vendor fact the scanners use, keyed by the platform key.

Each vendor module here (``cisco``, ``huawei``, ``h3c``, ``ruijie``, ``juniper``, ``arista``,
``hpe``, ``hosts``, ``others``) declares one :class:`~netcmdb.discovery.vendors.model.VendorRows`:
platforms (vendor, OS, netmiko device type), enterprise numbers, sysObjectID/sysDescr rules with
the class and the reason, model -> class patterns, SSH command sets (TextFSM templates live in
:data:`TEMPLATE_DIR`, named ``<ntc platform>_<command>.textfsm``), OS-version and model patterns,
port-name prefixes, LLDP/CDP detection strings, private-MIB serial OIDs and SNMP quirks. This
module merges them into the lookup tables below. Adding a vendor is a row set in ``others.py`` or
a new module listed in :data:`VENDOR_MODULES` (docs/discovery-snmp.md, "Add a vendor").

Pure data and lookups: must not import pysnmp, ``netcmdb.cmdb`` or print.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from netcmdb.discovery.vendors import (
    arista,
    cisco,
    h3c,
    hosts,
    hpe,
    huawei,
    juniper,
    others,
    ruijie,
)
from netcmdb.discovery.vendors.model import (
    CliCommands,
    Enterprise,
    ModelClass,
    Platform,
    Rule,
    VendorRows,
)

__all__ = [
    "CLI_COMMANDS",
    "CLI_KINDS",
    "DESCRIPTION_HINTS",
    "ENTERPRISES",
    "IDENT_SCALARS",
    "MODEL_CLASSES",
    "MODEL_PATTERNS",
    "NETMIKO_ALIASES",
    "OS_VERSION_PATTERNS",
    "PLATFORMS",
    "PLATFORM_REFINEMENTS",
    "PORT_PREFIXES",
    "QUIRKS",
    "RULES",
    "SERIAL_COLUMNS",
    "SERIAL_SCALARS",
    "TEMPLATE_DIR",
    "VENDOR_MODULES",
    "WALK_COLUMNS",
    "CliCommands",
    "Enterprise",
    "ModelClass",
    "Platform",
    "Rule",
    "VendorRows",
    "by_key",
    "by_netmiko",
    "cli_commands",
    "enterprise_number",
    "enterprise_vendor",
    "match_sysobjectid",
    "platform_from_description",
    "port_key",
    "quirk",
]

#: The vendor modules, in the order their rows are merged.
VENDOR_MODULES = (cisco, huawei, h3c, ruijie, juniper, arista, hpe, hosts, others)
_ROWS: list[VendorRows] = [m.ROWS for m in VENDOR_MODULES]

#: Own TextFSM templates (they take precedence over ntc-templates for the same platform/command).
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"

#: Fact kinds the SSH scanner collects, in order (``version`` first: it names the device).
CLI_KINDS: tuple[str, ...] = ("version", "inventory", "interfaces", "lldp", "cdp", "mac", "arp")

PLATFORMS: dict[str, Platform] = {}
ENTERPRISES: dict[int, Enterprise] = {}
RULES: list[Rule] = []
MODEL_CLASSES: list[ModelClass] = []
CLI_COMMANDS: dict[str, CliCommands] = {}
OS_VERSION_PATTERNS: dict[str, list[str]] = {}
MODEL_PATTERNS: dict[str, list[str]] = {}
#: (long, short) port-name prefixes of every vendor, longest first (one alias table)
PORT_PREFIXES: tuple[tuple[str, str], ...]
DESCRIPTION_HINTS: list[tuple[str, str]] = []
NETMIKO_ALIASES: dict[str, str] = {}
PLATFORM_REFINEMENTS: list[tuple[str, str, str]] = []
SERIAL_SCALARS: dict[str, str] = {}
SERIAL_COLUMNS: dict[str, str] = {}
WALK_COLUMNS: list[str] = []
IDENT_SCALARS: dict[str, dict[str, str]] = {}
QUIRKS: dict[str, set[str]] = {}

_ports: dict[str, str] = {"ethernet": "eth"}
for _r in _ROWS:
    for _p in _r.platforms:
        PLATFORMS.setdefault(_p.key, _p)
    for _e in _r.enterprises:
        ENTERPRISES.setdefault(_e.number, _e)
    RULES.extend(_r.rules)
    MODEL_CLASSES.extend(_r.model_classes)
    CLI_COMMANDS.update(_r.cli)
    for _k, _v in _r.os_version.items():
        OS_VERSION_PATTERNS.setdefault(_k, []).extend(_v)
    for _k, _v in _r.model.items():
        MODEL_PATTERNS.setdefault(_k, []).extend(_v)
    for _long, _short in _r.port_prefixes:
        _ports.setdefault(_long, _short)
    DESCRIPTION_HINTS.extend(_r.detect)
    NETMIKO_ALIASES.update(_r.netmiko_aliases)
    PLATFORM_REFINEMENTS.extend(_r.refinements)
    SERIAL_SCALARS.update(_r.serial_scalars)
    SERIAL_COLUMNS.update(_r.serial_columns)
    WALK_COLUMNS.extend(c for c in _r.walk_columns if c not in WALK_COLUMNS)
    IDENT_SCALARS.update(_r.ident_scalars)
    for _q, _keys in _r.quirks.items():
        QUIRKS.setdefault(_q, set()).update(_keys)
# generic IEEE spellings (not one vendor's): gige/fe and friends
for _long, _short in (("gige", "gi"), ("fe", "fa"), ("ten-gigabitethernet", "te")):
    _ports.setdefault(_long, _short)
PORT_PREFIXES = tuple(sorted(_ports.items(), key=lambda kv: -len(kv[0])))
# The bare "\bHUAWEI\b" hint must come after every more specific pattern.
DESCRIPTION_HINTS.sort(key=lambda h: h[0] == r"\bHUAWEI\b")


_PORT_ALIASES: dict[str, str] = dict(PORT_PREFIXES)


def port_key(name: str | None) -> str:
    """A vendor-neutral key for comparing port names (the two ends of a cable, lldpLocPortId
    against ifName): every vendor's spelling of a port type -> one short prefix.

    >>> port_key("GigabitEthernet0/0/1") == port_key("GE0/0/1") == port_key("Gi0/0/1")
    True
    >>> port_key("Ten-GigabitEthernet1/0/49") == port_key("XGE1/0/49")
    True
    >>> port_key("GigabitEthernet 1/1/1") == port_key("Gi1/1/1")
    True
    """
    if not name:
        return ""
    s = re.sub(r"\s+", "", str(name).casefold())
    m = re.match(r"([a-z][a-z\-]*)(.*)", s)
    if not m:
        return s
    prefix, rest = m.groups()
    short = _PORT_ALIASES.get(prefix)
    return s if short is None else short + rest


def by_key(key: str) -> Platform | None:
    return PLATFORMS.get(key)


def by_netmiko(device_type: str) -> Platform | None:
    """The platform row whose netmiko ``device_type`` is ``device_type`` (autodetect answers)."""
    for p in PLATFORMS.values():
        if p.netmiko == device_type:
            return p
    return None


def cli_commands(key: str) -> CliCommands | None:
    return CLI_COMMANDS.get(key)


def quirk(name: str, platform: str | None) -> bool:
    """True when ``platform`` has the SNMP quirk ``name`` (e.g. ``fdb_id_is_vlan``)."""
    return platform is not None and platform in QUIRKS.get(name, set())


def platform_from_description(text: str | None) -> str | None:
    """Platform key named by a system description (LLDP/CDP or sysDescr), or None.

    >>> platform_from_description("Huawei Versatile Routing Platform Software VRP (R) software")
    'huawei_vrp'
    >>> platform_from_description("Cisco IOS Software, IOS-XE Software, Catalyst L3 Switch")
    'cisco_xe'
    """
    if not text:
        return None
    for pattern, key in DESCRIPTION_HINTS:
        if re.search(pattern, text, flags=re.IGNORECASE):
            return key
    return None


def enterprise_number(oid: str | None) -> int | None:
    """The private enterprise number of a sysObjectID.

    >>> enterprise_number("1.3.6.1.4.1.2011.2.23.291")
    2011
    >>> enterprise_number("1.3.6.1.2.1.1") is None
    True
    """
    if not oid:
        return None
    parts = oid.strip(".").split(".")
    if len(parts) > 6 and parts[:6] == ["1", "3", "6", "1", "4", "1"] and parts[6].isdigit():
        return int(parts[6])
    return None


def enterprise_vendor(oid: str | None) -> str | None:
    """The vendor name of a sysObjectID's enterprise number, when the number is in the table."""
    n = enterprise_number(oid)
    e = ENTERPRISES.get(n) if n is not None else None
    return e.vendor if e else None


@lru_cache(maxsize=64)
def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def match_sysobjectid(oid: str | None, sys_descr: str | None = None) -> Rule | None:
    """The best rule for a sysObjectID and sysDescr.

    The longest matching prefix wins; at equal length a rule whose ``descr`` matches beats one
    without; at a tie the rule listed first. Rules without a prefix match on sysDescr alone and
    rank below every prefix match.

    >>> match_sysobjectid("1.3.6.1.4.1.2011.2.23.291").platform
    'huawei_vrp'
    >>> match_sysobjectid("1.3.6.1.4.1.9.12.3.1.3.1008").platform
    'cisco_nxos'
    >>> match_sysobjectid("1.3.6.1.4.1.9.1.1208", "Cisco NX-OS(tm) n5000").platform
    'cisco_nxos'
    """
    oid = (oid or "").strip(".")
    descr = sys_descr or ""
    best: tuple[int, int, int, Rule] | None = None
    for n, rule in enumerate(RULES):
        if rule.prefix is not None:
            if not oid or (oid != rule.prefix and not oid.startswith(rule.prefix + ".")):
                continue
            length = len(rule.prefix.split("."))
        else:
            if rule.descr is None:
                continue
            length = 0
        if rule.descr is not None and not _rx(rule.descr).search(descr):
            continue
        score = (length, 1 if rule.descr else 0, -n)
        if best is None or score > best[:3]:
            best = (*score, rule)
    return best[3] if best else None
