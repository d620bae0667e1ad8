"""H3C / HPE Comware (enterprise 25506): switches, routers, wireless controllers."""

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
    platforms=[Platform("hp_comware", "H3C", "Comware", "hp_comware")],
    enterprises=[Enterprise(25506, "H3C", "rec:network/switch/h3c-e528-1")],
    rules=[
        Rule("1.3.6.1.4.1.25506", "H3C Comware (25506)", "H3C", "hp_comware", hint_class="switch"),
        Rule(
            "1.3.6.1.4.1.25506.1.565", "H3C access point (25506.1.565)", "H3C", "hp_comware", "ap"
        ),
    ],
    model_classes=[
        ModelClass(
            "hp_comware",
            r"(H3C )?(WX\d|LSQ1WC|LSU\dWC|EWP-WX)",
            "other",
            "H3C wireless LAN controller (no controller class)",
        ),
        ModelClass("hp_comware", r"(H3C )?(SR\d|MSR\d|CR\d)", "router", "H3C router model"),
        ModelClass(
            "hp_comware", r"(H3C )?(SecPath|F\d{3,4}\b|M9\d{3})", "firewall", "H3C firewall model"
        ),
        ModelClass(
            "hp_comware",
            r"(H3C )?(Switch )?(S\d{4}|E\d{3}|LS-?\d|S\d{2,3}\b)",
            "switch",
            "H3C switch model",
        ),
    ],
    cli={
        "hp_comware": CliCommands(
            "hp_comware",
            version="display version",
            inventory="display device manuinfo",
            interfaces="display interface",
            lldp="display lldp neighbor-information",
            cdp=None,
            mac="display mac-address",
            arp="display arp",
        )
    },
    os_version={
        "hp_comware": [
            r"Version ([\d.]+,? (?:Release|ESS|Feature) \w+)",
            r"Version ([\d.]+)",
            r"Product Version (Release \w+)",
        ]
    },
    model={
        "hp_comware": [
            r"H3C (?:Switch |Comware Platform Software )?(?!Comware)([A-Z]+\d[\w-]*)",
            r"Comware Platform Software (?:H3C )?([A-Z]+\d[\w-]*)",
        ]
    },
    port_prefixes=[
        ("ten-gigabitethernet", "te"),
        ("xge", "te"),
        ("ge", "gi"),
        ("bridge-aggregation", "po"),
        ("vlan-interface", "vlan"),
    ],
    detect=[(r"H3C|Comware", "hp_comware")],
    netmiko_aliases={"h3c_comware": "hp_comware"},
    # dot1qVlanFdbId does not match dot1qVlanCurrentTable on Comware: the FDB id is the VLAN id
    quirks={
        "fdb_id_is_vlan": {"hp_comware"},
        # lldpRemLocalPortNum is the ifIndex (used only when lldpLocPortTable is missing)
        "lldp_locport_is_ifindex": {"hp_comware"},
    },
)
