"""Cisco: IOS, IOS-XE, NX-OS, IOS-XR, AireOS wireless controllers (enterprise 9)."""

from __future__ import annotations

from netcmdb.discovery.vendors.model import (
    CliCommands,
    Enterprise,
    ModelClass,
    Platform,
    Rule,
    VendorRows,
)

_IOS = dict(
    version="show version",
    inventory="show inventory",
    interfaces="show interfaces",
    lldp="show lldp neighbors detail",
    cdp="show cdp neighbors detail",
    mac="show mac address-table",
    arp="show ip arp",
)

ROWS = VendorRows(
    platforms=[
        Platform("cisco_ios", "Cisco", "IOS", "cisco_ios"),
        Platform("cisco_xe", "Cisco", "IOS-XE", "cisco_xe"),
        Platform("cisco_nxos", "Cisco", "NX-OS", "cisco_nxos"),
        Platform("cisco_xr", "Cisco", "IOS-XR", "cisco_xr"),
        Platform("cisco_aireos", "Cisco", "AireOS", "cisco_wlc"),
    ],
    enterprises=[Enterprise(9, "Cisco", "iana")],
    rules=[
        Rule("1.3.6.1.4.1.9", "Cisco enterprise, IOS", "Cisco", "cisco_ios", hint_class="switch"),
        Rule(
            "1.3.6.1.4.1.9",
            "Cisco IOS-XE",
            "Cisco",
            "cisco_xe",
            hint_class="switch",
            descr="IOS[- ]XE",
        ),
        Rule(
            "1.3.6.1.4.1.9", "Cisco NX-OS (Nexus)", "Cisco", "cisco_nxos", "switch", descr="NX-OS"
        ),
        Rule("1.3.6.1.4.1.9", "Cisco IOS XR", "Cisco", "cisco_xr", "router", descr="IOS XR"),
        Rule(
            "1.3.6.1.4.1.9",
            "Cisco AireOS wireless LAN controller (no controller class)",
            "Cisco",
            "cisco_aireos",
            "other",
            descr=r"^Cisco Controller",
        ),
        Rule("1.3.6.1.4.1.9.1.1745", "Cisco AIR-CAP access point", "Cisco", "cisco_ios", "ap"),
        Rule(
            "1.3.6.1.4.1.9.12.3.1.3",
            "Cisco Nexus / UCS fabric interconnect (NX-OS)",
            "Cisco",
            "cisco_nxos",
            "switch",
        ),
    ],
    model_classes=[
        ModelClass(
            "cisco_ios",
            r"(WS-)?C(29|35|36|37|38|45|65|92|93)\d\d",
            "switch",
            "Catalyst switch model",
        ),
        ModelClass("cisco_ios", r"IE\d{4}", "switch", "industrial Ethernet switch model"),
        ModelClass("cisco_ios", r"(CISCO|ISR)?\d{4}/K9|C8\d\d|ISR", "router", "ISR router model"),
    ],
    cli={
        "cisco_ios": CliCommands("cisco_ios", **_IOS),
        "cisco_xe": CliCommands("cisco_ios", **_IOS),
        "cisco_nxos": CliCommands(
            "cisco_nxos",
            version="show version",
            inventory="show inventory",
            interfaces="show interface",
            lldp="show lldp neighbors detail",
            cdp="show cdp neighbors detail",
            mac="show mac address-table",
            arp="show ip arp",
        ),
    },
    os_version={
        "cisco_ios": [r"Version ([^,\s]+)"],
        "cisco_xe": [r"Version ([^,\s]+)"],
        "cisco_nxos": [r"Version ([^,\s]+)"],
        "cisco_xr": [r"Version ([^,\s\[]+)"],
    },
    model={
        "cisco_nxos": [r"NX-OS\(tm\) (\w+)"],
        "cisco_ios": [r"IOS \(tm\) (C\d{4}\w*) Software", r"IOS Software, (C\d{4}\w*|IE\d{4})"],
    },
    port_prefixes=[
        ("hundredgigabitethernet", "hu"),
        ("hundredgige", "hu"),
        ("fortygigabitethernet", "fo"),
        ("fortygige", "fo"),
        ("twentyfivegige", "twe"),
        ("tengigabitethernet", "te"),
        ("tengige", "te"),
        ("gigabitethernet", "gi"),
        ("fastethernet", "fa"),
        ("port-channel", "po"),
    ],
    detect=[
        (r"IOS[- ]XE", "cisco_xe"),
        (r"NX-OS|Nexus Operating System", "cisco_nxos"),
        (r"Cisco IOS Software|Cisco Internetwork Operating System", "cisco_ios"),
    ],
    refinements=[("cisco_ios", r"IOS[- ]XE", "cisco_xe")],
)
