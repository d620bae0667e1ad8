"""Juniper (enterprise 2636 Junos; 14525 Trapeze wireless controllers)."""

from __future__ import annotations

from netcmdb.discovery.vendors.model import (
    CliCommands,
    Enterprise,
    ModelClass,
    Platform,
    Rule,
    VendorRows,
)

ROWS = VendorRows(
    platforms=[Platform("juniper_junos", "Juniper", "Junos", "juniper_junos")],
    enterprises=[
        Enterprise(2636, "Juniper", "iana"),
        Enterprise(14525, "Juniper", "rec:network/wifi/juniper-wlc2800"),
    ],
    rules=[
        Rule(
            "1.3.6.1.4.1.2636",
            "Juniper Junos (2636)",
            "Juniper",
            "juniper_junos",
            hint_class="router",
        ),
        Rule("1.3.6.1.4.1.2636.1.1.1.2.30", "Juniper EX4200", "Juniper", "juniper_junos", "switch"),
        Rule(
            "1.3.6.1.4.1.2636.1.1.1.2.41", "Juniper SRX100", "Juniper", "juniper_junos", "firewall"
        ),
        Rule("1.3.6.1.4.1.2636.1.1.1.2.76", "Juniper EX3300", "Juniper", "juniper_junos", "switch"),
        Rule(
            "1.3.6.1.4.1.14525",
            "Juniper (Trapeze) wireless LAN controller (no controller class)",
            "Juniper",
            None,
            "other",
            model=r"Inc,? (WLC\d+)",
        ),
    ],
    model_classes=[
        ModelClass("juniper_junos", r"(mx|m\d|t\d|ptx|acx)", "router", "Juniper router model"),
        ModelClass("juniper_junos", r"(ex|qfx)", "switch", "Juniper switch model"),
        ModelClass("juniper_junos", r"srx", "firewall", "Juniper SRX firewall model"),
    ],
    cli={
        "juniper_junos": CliCommands(
            "juniper_junos",
            version="show version",
            inventory="show chassis hardware",
            interfaces="show interfaces",
            lldp="show lldp neighbors",
            cdp=None,
            mac="show ethernet-switching table",
            arp="show arp no-resolve",
        )
    },
    os_version={"juniper_junos": [r"JUNOS ([\w.\-]+)"]},
    model={"juniper_junos": [r"Inc\. (\S+)"]},
    detect=[(r"JUNOS|Juniper Networks", "juniper_junos")],
    serial_scalars={"juniper_box": "1.3.6.1.4.1.2636.3.1.3.0"},  # jnxBoxSerialNo
    serial_columns={"juniper_vc_serial": "1.3.6.1.4.1.2636.3.40.1.4.1.1.1.2"},
    walk_columns=["1.3.6.1.4.1.2636.3.40.1.4.1.1.1.2"],
)
