"""Huawei: VRP switches/routers/controllers, and the non-VRP products that share enterprise 2011
(iBMC, OceanStor ISM, UPS). Class comes from the product subtree or the model, never from the
enterprise number alone: 2011 covers switches, routers, servers, storage and power."""

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
    platforms=[Platform("huawei_vrp", "Huawei", "VRP", "huawei")],
    enterprises=[Enterprise(2011, "Huawei", "rec:network/switch/huawei-s12704")],
    rules=[
        Rule("1.3.6.1.4.1.2011", "Huawei enterprise (2011)", "Huawei"),
        Rule(
            "1.3.6.1.4.1.2011",
            "Huawei VRP (sysDescr)",
            "Huawei",
            "huawei_vrp",
            descr=r"Versatile Routing Platform|\bVRP\b",
        ),
        Rule(
            "1.3.6.1.4.1.2011.2.23",
            "Huawei S-series switch (2011.2.23)",
            "Huawei",
            "huawei_vrp",
            "switch",
        ),
        Rule(
            "1.3.6.1.4.1.2011.2.279",
            "Huawei S12700 switch (2011.2.279)",
            "Huawei",
            "huawei_vrp",
            "switch",
        ),
        Rule(
            "1.3.6.1.4.1.2011.2.224",
            "Huawei AR router (2011.2.224)",
            "Huawei",
            "huawei_vrp",
            "router",
        ),
        Rule(
            "1.3.6.1.4.1.2011.2.235",
            "Huawei iBMC server management controller "
            "('Hardware management system'): the server is the asset, not this agent",
            "Huawei",
            None,
            "other",
        ),
        Rule(
            "1.3.6.1.4.1.2011.2.91",
            "Huawei OceanStor ISM storage management agent (storage system, no storage class)",
            "Huawei",
            None,
            "other",
        ),
        Rule("1.3.6.1.4.1.2011.2.62", "Huawei UPS (2011.2.62)", "Huawei", None, "ups"),
    ],
    model_classes=[
        ModelClass(
            "huawei_vrp",
            r"(HUAWEI )?(S\d{4,5}|CE\d{4,5}|CloudEngine)",
            "switch",
            "Huawei switch model",
        ),
        ModelClass(
            "huawei_vrp",
            r"(HUAWEI )?(AR\d|NE\d|ME60|CX600|NetEngine)",
            "router",
            "Huawei router model",
        ),
        ModelClass("huawei_vrp", r"(HUAWEI )?(USG|Eudemon)", "firewall", "Huawei firewall model"),
        ModelClass(
            "huawei_vrp",
            r"(HUAWEI )?(AC\d|ACU\d?)",
            "other",
            "Huawei wireless access controller (no controller class)",
        ),
        ModelClass("huawei_vrp", r"(HUAWEI )?AP\d", "ap", "Huawei access point model"),
    ],
    cli={
        "huawei_vrp": CliCommands(
            "huawei_vrp",
            version="display version",
            inventory="display esn",
            interfaces="display interface",
            lldp="display lldp neighbor",
            cdp=None,
            mac="display mac-address",
            arp="display arp",
        )
    },
    os_version={"huawei_vrp": [r"\(\S+ (V\d{3}R\d{3}\w*)\)", r"Version ([\d.]+)"]},
    model={
        "huawei_vrp": [
            r"^((?:S|CE|AR|NE|AC|ME)\d{2,5}[\w-]*)",
            r"HUAWEI ((?:S|CE|AR)\d[\w-]+)",
            r"Huawei ((?:S|CE|AR|ACU)\d?[\w-]*)",
        ]
    },
    port_prefixes=[
        ("xgigabitethernet", "te"),
        ("25ge", "twe"),
        ("ge", "gi"),
        ("eth-trunk", "po"),
        ("vlanif", "vlan"),
    ],
    detect=[
        (r"Huawei Versatile Routing Platform|HUAWEI TECH|Huawei Technologies", "huawei_vrp"),
        (r"\bHUAWEI\b", "huawei_vrp"),
    ],
    netmiko_aliases={"huawei_vrpv8": "huawei_vrp"},
    # hwL2IfPortIfIndex: Huawei numbers bridge ports with its own index (HUAWEI-L2IF-MIB)
    walk_columns=["1.3.6.1.4.1.2011.5.25.42.1.1.1.3.1.2"],
)
