"""Host agents: Net-SNMP / UCD-SNMP (8072, 2021: agent software, not a maker), Microsoft (311),
IBM (2), Dell (674). A Linux host is a server only when nothing says it is an appliance."""

from __future__ import annotations

from netcmdb.discovery.vendors.model import Enterprise, Platform, Rule, VendorRows

_EMBEDDED = r"\b(arm\w*|mips\w*|ppc)$|SPEAr|davinci|EMBSYS|integrator"

ROWS = VendorRows(
    platforms=[
        Platform("linux", "Linux", "Linux", "linux"),
        Platform("net_snmp", "Net-SNMP", "Linux", "linux"),
        Platform("windows", "Microsoft", "Windows", None),
        Platform("ibm_aix", "IBM", "AIX", None),
    ],
    enterprises=[
        Enterprise(311, "Microsoft", "iana"),
        Enterprise(2, "IBM", "iana"),
        Enterprise(674, "Dell", "iana"),
    ],
    rules=[
        # 8072/2021 name the SNMP agent software (Net-SNMP / UCD-SNMP), not who made the box.
        Rule("1.3.6.1.4.1.8072", "Net-SNMP agent: says nothing about the maker or the role"),
        Rule(
            "1.3.6.1.4.1.8072",
            "Linux IP camera (davinci/IPCAM, no camera class)",
            None,
            "linux",
            "other",
            descr=r"IPCAM|davinci",
        ),
        Rule(
            "1.3.6.1.4.1.8072",
            "embedded Linux (ARM/MIPS SoC): an appliance, not a server",
            None,
            "linux",
            "other",
            descr=r"^Linux.*(" + _EMBEDDED + ")",
        ),
        Rule(
            "1.3.6.1.4.1.8072",
            "Net-SNMP on Linux (x86): a host",
            None,
            "linux",
            "server",
            descr=r"^Linux",
        ),
        Rule(
            "1.3.6.1.4.1.2021",
            "UCD-SNMP agent on embedded Linux: an appliance, not a server",
            None,
            "linux",
            "other",
            descr=r"^Linux.*(" + _EMBEDDED + ")",
        ),
        Rule("1.3.6.1.4.1.311", "Microsoft Windows", "Microsoft", "windows", "pc"),
        Rule("1.3.6.1.4.1.311.1.1.3.1.2", "Windows Server", "Microsoft", "windows", "server"),
        Rule(
            "1.3.6.1.4.1.311.1.1.3.1.3",
            "Windows domain controller",
            "Microsoft",
            "windows",
            "server",
        ),
        Rule("1.3.6.1.4.1.2", "IBM enterprise (2)", "IBM"),
        Rule(
            "1.3.6.1.4.1.2.3.1.2.1.1", "IBM AIX host (pSeries / CHRP)", "IBM", "ibm_aix", "server"
        ),
        Rule("1.3.6.1.4.1.674", "Dell (OpenManage agent)", "Dell", None, "server"),
    ],
    os_version={
        "linux": [r"^Linux \S+ (\S+)"],
        "net_snmp": [r"^Linux \S+ (\S+)"],
        "windows": [r"Windows.*?Version ([\d.]+)"],
    },
    serial_columns={"dell_service_tag": "1.3.6.1.4.1.674.10892.1.300.10.1.11"},
    walk_columns=["1.3.6.1.4.1.674.10892.1.300.10.1.11"],  # Dell chassisServiceTagName
)
