"""Vendor knowledge as data: one table of platforms shared by SNMP and SSH.

Keys are snake_case ``vendor_os`` names (``cisco_ios``, ``huawei_vrp``...). Each row says the
vendor, the default CI class, the netmiko ``device_type`` and the sysObjectID enterprise prefix.
Adding a vendor is a row here, not a branch in a scanner. Extend, do not fork.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Platform:
    key: str
    vendor: str
    os: str
    netmiko: str | None  # netmiko device_type, None when there is no CLI driver


PLATFORMS: dict[str, Platform] = {
    p.key: p
    for p in [
        Platform("cisco_ios", "Cisco", "IOS", "cisco_ios"),
        Platform("cisco_xe", "Cisco", "IOS-XE", "cisco_xe"),
        Platform("cisco_nxos", "Cisco", "NX-OS", "cisco_nxos"),
        Platform("cisco_xr", "Cisco", "IOS-XR", "cisco_xr"),
        Platform("arista_eos", "Arista", "EOS", "arista_eos"),
        Platform("juniper_junos", "Juniper", "Junos", "juniper_junos"),
        Platform("huawei_vrp", "Huawei", "VRP", "huawei"),
        Platform("hp_comware", "H3C", "Comware", "hp_comware"),
        Platform("hp_procurve", "HPE", "ProCurve", "hp_procurve"),
        Platform("ruijie_os", "Ruijie", "RGOS", "ruijie_os"),
        Platform("linux", "Linux", "Linux", "linux"),
        Platform("windows", "Microsoft", "Windows", None),
    ]
}


def by_key(key: str) -> Platform | None:
    return PLATFORMS.get(key)


# ---- SSH CLI command sets (the ``ssh`` scanner) ----------------------------------------------
# One row per platform: which command yields which kind of fact. ``None`` = the platform has no
# such command (or we do not collect it). ``ntc`` is the ntc-templates platform whose templates
# parse the output (IOS-XE speaks IOS). Own TextFSM templates in ``discovery/templates`` named
# ``<ntc>_<command with spaces as _>.textfsm`` take precedence over ntc-templates: that is how a
# missing or wrong vendor template is fixed -- by adding a file, not code.

#: Fact kinds in collection order. ``version`` first: it names the device even if later commands
#: fail.
CLI_KINDS: tuple[str, ...] = ("version", "inventory", "interfaces", "lldp", "cdp", "mac", "arp")


@dataclass(frozen=True, slots=True)
class CliCommands:
    ntc: str  # ntc-templates platform name
    version: str | None = None
    inventory: str | None = None
    interfaces: str | None = None
    lldp: str | None = None
    cdp: str | None = None
    mac: str | None = None
    arp: str | None = None

    def command(self, kind: str) -> str | None:
        """The command that collects ``kind`` (one of :data:`CLI_KINDS`), or None."""
        return getattr(self, kind)  # type: ignore[no-any-return]


_IOS = dict(
    version="show version",
    inventory="show inventory",
    interfaces="show interfaces",
    lldp="show lldp neighbors detail",
    cdp="show cdp neighbors detail",
    mac="show mac address-table",
    arp="show ip arp",
)

CLI_COMMANDS: dict[str, CliCommands] = {
    "cisco_ios": CliCommands("cisco_ios", **_IOS),
    "cisco_xe": CliCommands("cisco_ios", **_IOS),
    "cisco_nxos": CliCommands(
        "cisco_nxos", version="show version", inventory="show inventory",
        interfaces="show interface", lldp="show lldp neighbors detail",
        cdp="show cdp neighbors detail", mac="show mac address-table", arp="show ip arp",
    ),
    "arista_eos": CliCommands(
        "arista_eos", version="show version", inventory="show inventory",
        interfaces="show interfaces", lldp="show lldp neighbors detail", cdp=None,
        mac="show mac address-table", arp="show ip arp",
    ),
    "juniper_junos": CliCommands(
        "juniper_junos", version="show version", inventory="show chassis hardware",
        interfaces="show interfaces", lldp="show lldp neighbors", cdp=None,
        mac="show ethernet-switching table", arp="show arp no-resolve",
    ),
    "huawei_vrp": CliCommands(
        "huawei_vrp", version="display version", inventory="display esn",
        interfaces="display interface", lldp="display lldp neighbor", cdp=None,
        mac="display mac-address", arp="display arp",
    ),
    "hp_comware": CliCommands(
        "hp_comware", version="display version", inventory="display device manuinfo",
        interfaces="display interface", lldp="display lldp neighbor-information", cdp=None,
        mac="display mac-address", arp="display arp",
    ),
    "ruijie_os": CliCommands(
        "ruijie_os", version="show version", inventory=None,
        interfaces="show interfaces status", lldp="show lldp neighbors detail", cdp=None,
        mac="show mac-address-table", arp="show arp",
    ),
}


def by_netmiko(device_type: str) -> Platform | None:
    """The platform row whose netmiko ``device_type`` is ``device_type`` (autodetect answers)."""
    for p in PLATFORMS.values():
        if p.netmiko == device_type:
            return p
    return None


def cli_commands(key: str) -> CliCommands | None:
    return CLI_COMMANDS.get(key)


#: (platform, regex on the version output, better platform): e.g. IOS-XE answers like IOS on login
#: (netmiko cisco_ios drives both) but is a different OS in the CMDB.
PLATFORM_REFINEMENTS: list[tuple[str, str, str]] = [
    ("cisco_ios", r"IOS[- ]XE", "cisco_xe"),
]

#: netmiko ``SSHDetect`` answers that are not a ``Platform.netmiko`` value -> our platform key.
NETMIKO_ALIASES: dict[str, str] = {
    "h3c_comware": "hp_comware",
    "huawei_vrpv8": "huawei_vrp",
    "ruijie_os": "ruijie_os",
}


#: (regex on an LLDP/CDP system description or sysDescr, platform). First match wins, so the
#: more specific patterns come first (IOS-XE also says "Cisco IOS Software").
DESCRIPTION_HINTS: list[tuple[str, str]] = [
    (r"IOS[- ]XE", "cisco_xe"),
    (r"NX-OS|Nexus Operating System", "cisco_nxos"),
    (r"Cisco IOS Software|Cisco Internetwork Operating System", "cisco_ios"),
    (r"Arista Networks EOS|\bEOS version", "arista_eos"),
    (r"JUNOS|Juniper Networks", "juniper_junos"),
    (r"Huawei Versatile Routing Platform|HUAWEI TECH|Huawei Technologies", "huawei_vrp"),
    (r"H3C|Comware", "hp_comware"),
    (r"Ruijie|RGOS", "ruijie_os"),
    (r"\bHUAWEI\b", "huawei_vrp"),
]


def platform_from_description(text: str | None) -> str | None:
    """Platform key named by a system description, or None.

    >>> platform_from_description("Huawei Versatile Routing Platform Software VRP (R) software")
    'huawei_vrp'
    >>> platform_from_description("Cisco IOS Software, IOS-XE Software, Catalyst L3 Switch")
    'cisco_xe'
    """
    import re

    if not text:
        return None
    for pattern, key in DESCRIPTION_HINTS:
        if re.search(pattern, text, flags=re.IGNORECASE):
            return key
    return None
# --- SNMP sysObjectID knowledge (added by the SNMP discovery) -------------------------------------
# More platform rows the SNMP mapping needs (vendor/os only, no CLI driver unless netmiko has one).
for _p in [
    Platform("hp_procurve_aruba", "HPE", "ArubaOS-Switch", "hp_procurve"),
    Platform("hpe_ilo", "HPE", "iLO", None),
    Platform("net_snmp", "Net-SNMP", "Linux", "linux"),
    Platform("ubiquiti_edgeswitch", "Ubiquiti", "EdgeSwitch", "ubiquiti_edgeswitch"),
    Platform("mikrotik_routeros", "MikroTik", "RouterOS", "mikrotik_routeros"),
    Platform("paloalto_panos", "Palo Alto", "PAN-OS", "paloalto_panos"),
    Platform("aruba_instant", "Aruba", "ArubaOS Instant", None),
    Platform("dlink_ds", "D-Link", "D-Link OS", "dlink_ds"),
    Platform("brocade_fastiron", "Brocade", "FastIron", "brocade_fastiron"),
    Platform("printer", "", "Printer", None),
    Platform("ups", "", "UPS", None),
]:
    PLATFORMS.setdefault(_p.key, _p)


@dataclass(frozen=True, slots=True)
class SysObjectRule:
    """sysObjectID prefix -> vendor / platform / default class (longest prefix wins).

    ``descr`` optionally refines a prefix by a case-insensitive substring of sysDescr (Cisco's
    enterprise 9 covers IOS, IOS-XE and NX-OS; Net-SNMP's 8072 covers Linux and others).
    """

    prefix: str
    vendor: str
    platform: str | None
    device_class: str  # a DeviceClass value
    descr: str | None = None


SYSOBJECTID_RULES: list[SysObjectRule] = [
    SysObjectRule("1.3.6.1.4.1.9", "Cisco", "cisco_ios", "switch"),
    SysObjectRule("1.3.6.1.4.1.9", "Cisco", "cisco_xe", "switch", descr="IOS-XE"),
    SysObjectRule("1.3.6.1.4.1.9", "Cisco", "cisco_nxos", "switch", descr="NX-OS"),
    SysObjectRule("1.3.6.1.4.1.9", "Cisco", "cisco_xr", "router", descr="IOS XR"),
    SysObjectRule("1.3.6.1.4.1.9.1.1745", "Cisco", "cisco_ios", "ap"),  # AIR-CAP
    SysObjectRule("1.3.6.1.4.1.9.12.3.1.3", "Cisco", "cisco_nxos", "switch"),
    SysObjectRule("1.3.6.1.4.1.2011", "Huawei", "huawei_vrp", "switch"),
    SysObjectRule("1.3.6.1.4.1.2011.2.224", "Huawei", "huawei_vrp", "router"),  # AR routers
    SysObjectRule("1.3.6.1.4.1.2011.2.62", "Huawei", None, "ups"),
    SysObjectRule("1.3.6.1.4.1.25506", "H3C", "hp_comware", "switch"),
    SysObjectRule("1.3.6.1.4.1.25506.1.565", "H3C", "hp_comware", "ap"),
    SysObjectRule("1.3.6.1.4.1.11.2.3.7.11", "HPE", "hp_procurve", "switch"),
    SysObjectRule("1.3.6.1.4.1.11.2.3.9", "HP", "printer", "printer"),  # JetDirect
    SysObjectRule("1.3.6.1.4.1.11.2.14", "HPE", "hp_procurve", "switch"),
    SysObjectRule("1.3.6.1.4.1.11.5.7.5", "HPE", "hpe_ilo", "server"),
    SysObjectRule("1.3.6.1.4.1.47196", "HPE", "hp_procurve_aruba", "switch"),
    SysObjectRule("1.3.6.1.4.1.4881", "Ruijie", "ruijie_os", "switch"),
    SysObjectRule("1.3.6.1.4.1.30065", "Arista", "arista_eos", "switch"),
    SysObjectRule("1.3.6.1.4.1.2636", "Juniper", "juniper_junos", "router"),
    SysObjectRule("1.3.6.1.4.1.2636.1.1.1.2.30", "Juniper", "juniper_junos", "switch"),  # EX4200
    SysObjectRule("1.3.6.1.4.1.2636.1.1.1.2.41", "Juniper", "juniper_junos", "firewall"),  # SRX100
    SysObjectRule("1.3.6.1.4.1.2636.1.1.1.2.76", "Juniper", "juniper_junos", "switch"),  # EX3300
    SysObjectRule("1.3.6.1.4.1.8072", "Net-SNMP", "linux", "server"),
    SysObjectRule("1.3.6.1.4.1.8072", "Net-SNMP", "linux", "server", descr="Linux"),
    SysObjectRule("1.3.6.1.4.1.311", "Microsoft", "windows", "pc"),
    SysObjectRule("1.3.6.1.4.1.311.1.1.3.1.2", "Microsoft", "windows", "server"),  # Server
    SysObjectRule("1.3.6.1.4.1.311.1.1.3.1.3", "Microsoft", "windows", "server"),  # DC
    SysObjectRule("1.3.6.1.4.1.4413", "Broadcom", "ubiquiti_edgeswitch", "switch"),
    SysObjectRule("1.3.6.1.4.1.41112", "Ubiquiti", None, "ap"),
    SysObjectRule("1.3.6.1.4.1.10002", "Ubiquiti", None, "ap"),
    SysObjectRule("1.3.6.1.4.1.14988", "MikroTik", "mikrotik_routeros", "router"),
    SysObjectRule("1.3.6.1.4.1.25461", "Palo Alto", "paloalto_panos", "firewall"),
    SysObjectRule("1.3.6.1.4.1.14823", "Aruba", "aruba_instant", "ap"),
    SysObjectRule("1.3.6.1.4.1.25053", "Ruckus", None, "ap"),
    SysObjectRule("1.3.6.1.4.1.171", "D-Link", "dlink_ds", "switch"),
    SysObjectRule("1.3.6.1.4.1.1991", "Brocade", "brocade_fastiron", "switch"),
    SysObjectRule("1.3.6.1.4.1.2435", "Brother", "printer", "printer"),
    SysObjectRule("1.3.6.1.4.1.253", "Xerox", "printer", "printer"),
    SysObjectRule("1.3.6.1.4.1.1602", "Canon", "printer", "printer"),
    SysObjectRule("1.3.6.1.4.1.1347", "Kyocera", "printer", "printer"),
    SysObjectRule("1.3.6.1.4.1.367", "Ricoh", "printer", "printer"),
    SysObjectRule("1.3.6.1.4.1.18334", "Konica Minolta", "printer", "printer"),
    SysObjectRule("1.3.6.1.4.1.318", "APC", "ups", "ups"),
    SysObjectRule("1.3.6.1.4.1.534", "Eaton", "ups", "ups"),
    SysObjectRule("1.3.6.1.4.1.3808", "CyberPower", "ups", "ups"),
    SysObjectRule("1.3.6.1.4.1.5491", "Riello", "ups", "ups"),
    SysObjectRule("1.3.6.1.4.1.674", "Dell", None, "server"),
    SysObjectRule("1.3.6.1.4.1.39165", "Hikvision", None, "other"),
]


def match_sysobjectid(oid: str | None, sys_descr: str | None = None) -> SysObjectRule | None:
    """Best rule for a sysObjectID: the longest matching prefix, then a matching ``descr``.

    >>> match_sysobjectid("1.3.6.1.4.1.2011.2.23.291").platform
    'huawei_vrp'
    >>> match_sysobjectid("1.3.6.1.4.1.9.12.3.1.3.1008").platform
    'cisco_nxos'
    >>> match_sysobjectid("1.3.6.1.4.1.9.1.1208", "Cisco NX-OS(tm) n5000").platform
    'cisco_nxos'
    """
    if not oid:
        return None
    oid = oid.strip(".")
    descr = (sys_descr or "").lower()
    best: tuple[int, int, SysObjectRule] | None = None
    for rule in SYSOBJECTID_RULES:
        if oid != rule.prefix and not oid.startswith(rule.prefix + "."):
            continue
        if rule.descr is not None and rule.descr.lower() not in descr:
            continue
        score = (len(rule.prefix.split(".")), 1 if rule.descr else 0)
        if best is None or score > best[:2]:
            best = (score[0], score[1], rule)
    return best[2] if best else None
