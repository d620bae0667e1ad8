"""Ruijie (enterprise 4881): RGOS switches and wireless controllers."""

from __future__ import annotations

from netcmdb.discovery.vendors.model import (
    CliCommands,
    Enterprise,
    Platform,
    Rule,
    VendorRows,
)

ROWS = VendorRows(
    platforms=[Platform("ruijie_os", "Ruijie", "RGOS", "ruijie_os")],
    enterprises=[Enterprise(4881, "Ruijie", "rec:network/switch/ruijie-s5750-24gt12sfp")],
    rules=[
        Rule("1.3.6.1.4.1.4881", "Ruijie RGOS (4881)", "Ruijie", "ruijie_os", hint_class="switch"),
        Rule(
            "1.3.6.1.4.1.4881.1.1.10",
            "Ruijie switch product line (4881.1.1.10)",
            "Ruijie",
            "ruijie_os",
            "switch",
        ),
        Rule(
            "1.3.6.1.4.1.4881.1.3",
            "Ruijie wireless controller line (4881.1.3, no controller class)",
            "Ruijie",
            "ruijie_os",
            "other",
        ),
    ],
    cli={
        "ruijie_os": CliCommands(
            "ruijie_os",
            version="show version",
            inventory=None,
            interfaces="show interfaces status",
            lldp="show lldp neighbors detail",
            cdp=None,
            mac="show mac-address-table",
            arp="show arp",
        )
    },
    os_version={"ruijie_os": [r"RGOS ([\w.()]+)", r"Version ([\w.()]+)"]},
    model={"ruijie_os": [r"\(([A-Z]\w*\d[\w/-]*)\)"]},
    port_prefixes=[("aggregateport", "po"), ("ag", "po")],
    detect=[(r"Ruijie|RGOS", "ruijie_os")],
    netmiko_aliases={"ruijie_os": "ruijie_os"},
)
