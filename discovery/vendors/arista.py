"""Arista (enterprise 30065): EOS switches."""

from __future__ import annotations

from netcmdb.discovery.vendors.model import (
    CliCommands,
    Enterprise,
    Platform,
    Rule,
    VendorRows,
)

ROWS = VendorRows(
    platforms=[Platform("arista_eos", "Arista", "EOS", "arista_eos")],
    enterprises=[Enterprise(30065, "Arista", "iana")],
    rules=[
        Rule("1.3.6.1.4.1.30065", "Arista EOS switch (30065)", "Arista", "arista_eos", "switch")
    ],
    cli={
        "arista_eos": CliCommands(
            "arista_eos",
            version="show version",
            inventory="show inventory",
            interfaces="show interfaces",
            lldp="show lldp neighbors detail",
            cdp=None,
            mac="show mac address-table",
            arp="show ip arp",
        )
    },
    os_version={"arista_eos": [r"EOS version ([\w.\-]+)"]},
    model={"arista_eos": [r"running on an Arista Networks (\S+)"]},
    detect=[(r"Arista Networks EOS|\bEOS version", "arista_eos")],
)
