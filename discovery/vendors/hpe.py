"""HP / HPE / Aruba (enterprises 11, 47196, 14823): ProCurve and ArubaOS switches, iLO,
BladeSystem Onboard Administrator, JetDirect, Aruba controllers and Instant APs."""

from __future__ import annotations

from netcmdb.discovery.vendors.model import Enterprise, Platform, Rule, VendorRows

ROWS = VendorRows(
    platforms=[
        Platform("hp_procurve", "HPE", "ProCurve", "hp_procurve"),
        Platform("hp_procurve_aruba", "HPE", "ArubaOS-Switch", "hp_procurve"),
        Platform("hpe_ilo", "HPE", "iLO", None),
        Platform("aruba_instant", "Aruba", "ArubaOS Instant", None),
        Platform("aruba_os", "Aruba", "ArubaOS", "aruba_os"),
    ],
    enterprises=[
        Enterprise(11, "HP", "iana"),
        Enterprise(47196, "HPE", "iana"),
        Enterprise(14823, "Aruba", "rec:network/wifi/aruba-7010"),
    ],
    rules=[
        Rule("1.3.6.1.4.1.11", "HP enterprise (11)", "HP"),
        Rule("1.3.6.1.4.1.11.2.3.7.11", "HP ProCurve switch", "HPE", "hp_procurve", "switch"),
        Rule("1.3.6.1.4.1.11.2.3.9", "HP JetDirect print server", "HP", "printer", "printer"),
        Rule("1.3.6.1.4.1.11.2.14", "HP ProCurve switch", "HPE", "hp_procurve", "switch"),
        Rule("1.3.6.1.4.1.11.5.7.5", "HPE iLO (stands for its server)", "HPE", "hpe_ilo", "server"),
        Rule(
            "1.3.6.1.4.1.11.5.7.1.2",
            "HP BladeSystem Onboard Administrator (enclosure manager, no class for it)",
            "HP",
            None,
            "other",
        ),
        Rule("1.3.6.1.4.1.47196", "ArubaOS-Switch / CX", "HPE", "hp_procurve_aruba", "switch"),
        Rule("1.3.6.1.4.1.14823", "Aruba (14823)", "Aruba", "aruba_instant", hint_class="ap"),
        Rule(
            "1.3.6.1.4.1.14823.1.2",
            "Aruba Instant access point (14823.1.2)",
            "Aruba",
            "aruba_instant",
            "ap",
        ),
        Rule(
            "1.3.6.1.4.1.14823.1.1",
            "Aruba mobility controller (14823.1.1, no controller class)",
            "Aruba",
            "aruba_os",
            "other",
        ),
    ],
    os_version={
        "hp_procurve": [r"revision ([\w.]+)"],
        "aruba_os": [r"Version ([\d.]+)"],
        "aruba_instant": [r"Version ([\d.]+)"],
    },
    model={
        "hp_procurve": [r"^(?:HP |ProCurve )?(?:ProCurve )?(\S+ \d+\w*)"],
        "aruba_os": [r"MODEL: (?:Aruba)?([\w-]+)\)"],
        "aruba_instant": [r"MODEL: ([\w-]+)\)"],
    },
)
