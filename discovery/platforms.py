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
