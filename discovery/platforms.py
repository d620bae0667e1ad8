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

#: Fact kinds in collection order. ``version`` first: it names the device even if later commands fail.
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
