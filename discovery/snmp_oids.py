"""SNMP OIDs and vendor quirks as data: what the SNMP collector GETs and walks, and how to read it.

Everything vendor-specific the collector knows lives in the tables here (or in
:mod:`netcmdb.discovery.vendors`), so supporting another vendor's serial OID or bridge-port quirk
is a row, not a branch. Numeric OIDs only: Debian ships no IETF MIB files and we never load MIBs.

Must not import pysnmp (the parser and tests use these tables without a transport) nor ``cmdb``.
"""

from __future__ import annotations

from netcmdb.discovery import vendors as V

# --- scalars fetched by the reachability probe (one GET) --------------------------------------
SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_CONTACT = "1.3.6.1.2.1.1.4.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
SYS_LOCATION = "1.3.6.1.2.1.1.6.0"
SYS_SERVICES = "1.3.6.1.2.1.1.7.0"
#: IP-MIB ipForwarding: 1 = forwarding (a router / L3 switch), 2 = not forwarding
IP_FORWARDING = "1.3.6.1.2.1.4.1.0"
DOT1D_BASE_BRIDGE_ADDRESS = "1.3.6.1.2.1.17.1.1.0"
LLDP_LOC_CHASSIS_ID_SUBTYPE = "1.0.8802.1.1.2.1.3.1.0"
LLDP_LOC_CHASSIS_ID = "1.0.8802.1.1.2.1.3.2.0"

PROBE_SCALARS = [SYS_OBJECT_ID, SYS_DESCR, SYS_NAME, SYS_UPTIME, SYS_CONTACT, SYS_LOCATION]
EXTRA_SCALARS = [DOT1D_BASE_BRIDGE_ADDRESS, LLDP_LOC_CHASSIS_ID_SUBTYPE, LLDP_LOC_CHASSIS_ID]

#: UPS-MIB (RFC 1628) upsIdent group and upsBatteryStatus
UPS_IDENT_MANUFACTURER = "1.3.6.1.2.1.33.1.1.1.0"
UPS_IDENT_MODEL = "1.3.6.1.2.1.33.1.1.2.0"
UPS_IDENT_SOFTWARE = "1.3.6.1.2.1.33.1.1.3.0"
UPS_IDENT_AGENT_SOFTWARE = "1.3.6.1.2.1.33.1.1.4.0"
UPS_BATTERY_STATUS = "1.3.6.1.2.1.33.1.2.1.0"
STANDARD_IDENT_SCALARS = [
    SYS_SERVICES,
    IP_FORWARDING,
    UPS_IDENT_MANUFACTURER,
    UPS_IDENT_MODEL,
    UPS_IDENT_SOFTWARE,
    UPS_IDENT_AGENT_SOFTWARE,
    UPS_BATTERY_STATUS,
]

#: Vendor serial numbers in private-MIB scalars/columns, vendor power-MIB identity scalars and
#: vendor columns: one home, :mod:`netcmdb.discovery.vendors` (tried in its order).
VENDOR_SERIAL_SCALARS: dict[str, str] = V.SERIAL_SCALARS
SERIAL_SCALAR_ORDER = list(V.SERIAL_SCALARS)
IDENT_SCALAR_OIDS: list[str] = [
    o for t in V.IDENT_SCALARS.values() for k, o in t.items() if k != "kind"
]

# --- table columns ------------------------------------------------------------------------
IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
IF_TYPE = "1.3.6.1.2.1.2.2.1.3"
IF_SPEED = "1.3.6.1.2.1.2.2.1.5"
IF_PHYS_ADDRESS = "1.3.6.1.2.1.2.2.1.6"
IF_ADMIN_STATUS = "1.3.6.1.2.1.2.2.1.7"
IF_OPER_STATUS = "1.3.6.1.2.1.2.2.1.8"
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"
IF_HIGH_SPEED = "1.3.6.1.2.1.31.1.1.1.15"
IF_ALIAS = "1.3.6.1.2.1.31.1.1.1.18"

IP_AD_ENT_IF_INDEX = "1.3.6.1.2.1.4.20.1.2"
IP_NET_TO_MEDIA_PHYS = "1.3.6.1.2.1.4.22.1.2"
IP_NET_TO_MEDIA_TYPE = "1.3.6.1.2.1.4.22.1.4"
IP_NET_TO_PHYSICAL_PHYS = "1.3.6.1.2.1.4.35.1.4"
IP_NET_TO_PHYSICAL_TYPE = "1.3.6.1.2.1.4.35.1.6"

ENT_DESCR = "1.3.6.1.2.1.47.1.1.1.1.2"
ENT_CONTAINED_IN = "1.3.6.1.2.1.47.1.1.1.1.4"
ENT_CLASS = "1.3.6.1.2.1.47.1.1.1.1.5"
ENT_NAME = "1.3.6.1.2.1.47.1.1.1.1.7"
ENT_SOFTWARE_REV = "1.3.6.1.2.1.47.1.1.1.1.10"
ENT_SERIAL = "1.3.6.1.2.1.47.1.1.1.1.11"
ENT_MFG = "1.3.6.1.2.1.47.1.1.1.1.12"
ENT_MODEL = "1.3.6.1.2.1.47.1.1.1.1.13"

DOT1D_BASE_PORT_IF_INDEX = "1.3.6.1.2.1.17.1.4.1.2"
DOT1D_TP_FDB_PORT = "1.3.6.1.2.1.17.4.3.1.2"
DOT1D_TP_FDB_STATUS = "1.3.6.1.2.1.17.4.3.1.3"
DOT1Q_TP_FDB_PORT = "1.3.6.1.2.1.17.7.1.2.2.1.2"
DOT1Q_TP_FDB_STATUS = "1.3.6.1.2.1.17.7.1.2.2.1.3"
DOT1Q_VLAN_FDB_ID = "1.3.6.1.2.1.17.7.1.4.2.1.3"

LLDP_LOC_PORT_ID_SUBTYPE = "1.0.8802.1.1.2.1.3.7.1.2"
LLDP_LOC_PORT_ID = "1.0.8802.1.1.2.1.3.7.1.3"
LLDP_LOC_PORT_DESC = "1.0.8802.1.1.2.1.3.7.1.4"
LLDP_REM = "1.0.8802.1.1.2.1.4.1.1"
LLDP_REM_CHASSIS_ID_SUBTYPE = LLDP_REM + ".4"
LLDP_REM_CHASSIS_ID = LLDP_REM + ".5"
LLDP_REM_PORT_ID_SUBTYPE = LLDP_REM + ".6"
LLDP_REM_PORT_ID = LLDP_REM + ".7"
LLDP_REM_PORT_DESC = LLDP_REM + ".8"
LLDP_REM_SYS_NAME = LLDP_REM + ".9"
LLDP_REM_SYS_DESC = LLDP_REM + ".10"
LLDP_REM_SYS_CAP_ENABLED = LLDP_REM + ".12"
LLDP_REM_MAN_ADDR_IF_SUBTYPE = "1.0.8802.1.1.2.1.4.2.1.3"

CDP_CACHE = "1.3.6.1.4.1.9.9.23.1.2.1.1"
CDP_ADDRESS_TYPE = CDP_CACHE + ".3"
CDP_ADDRESS = CDP_CACHE + ".4"
CDP_VERSION = CDP_CACHE + ".5"
CDP_DEVICE_ID = CDP_CACHE + ".6"
CDP_DEVICE_PORT = CDP_CACHE + ".7"
CDP_PLATFORM = CDP_CACHE + ".8"
CDP_CAPABILITIES = CDP_CACHE + ".9"

DOT3AD_AGG_PORT_ATTACHED_AGG_ID = "1.2.840.10006.300.43.1.2.1.1.13"

HR_DEVICE_TYPE = "1.3.6.1.2.1.25.3.2.1.2"
HR_DEVICE_DESCR = "1.3.6.1.2.1.25.3.2.1.3"
PRT_GENERAL_SERIAL = "1.3.6.1.2.1.43.5.1.1.17"

#: Huawei numbers bridge ports with its own hwL2IfPortIndex; hwL2IfPortIfIndex maps them to ifIndex
#: where dot1dBasePortIfIndex is missing or incomplete (HUAWEI-L2IF-MIB; walked for every device).
HW_L2IF_PORT_IF_INDEX = "1.3.6.1.4.1.2011.5.25.42.1.1.1.3.1.2"

#: Vendor tables whose first non-empty value is the device serial (private MIBs).
VENDOR_SERIAL_COLUMNS: dict[str, str] = V.SERIAL_COLUMNS

#: The table walk plan: every column the collector walks, in one adaptive multi-column GETBULK.
WALK_COLUMNS: list[str] = [
    IF_DESCR,
    IF_TYPE,
    IF_SPEED,
    IF_PHYS_ADDRESS,
    IF_ADMIN_STATUS,
    IF_OPER_STATUS,
    IF_NAME,
    IF_HIGH_SPEED,
    IF_ALIAS,
    IP_AD_ENT_IF_INDEX,
    IP_NET_TO_MEDIA_PHYS,
    IP_NET_TO_MEDIA_TYPE,
    IP_NET_TO_PHYSICAL_PHYS,
    IP_NET_TO_PHYSICAL_TYPE,
    ENT_DESCR,
    ENT_CONTAINED_IN,
    ENT_CLASS,
    ENT_NAME,
    ENT_SOFTWARE_REV,
    ENT_SERIAL,
    ENT_MFG,
    ENT_MODEL,
    DOT1D_BASE_PORT_IF_INDEX,
    DOT1D_TP_FDB_PORT,
    DOT1D_TP_FDB_STATUS,
    DOT1Q_TP_FDB_PORT,
    DOT1Q_TP_FDB_STATUS,
    DOT1Q_VLAN_FDB_ID,
    LLDP_LOC_PORT_ID_SUBTYPE,
    LLDP_LOC_PORT_ID,
    LLDP_LOC_PORT_DESC,
    LLDP_REM_CHASSIS_ID_SUBTYPE,
    LLDP_REM_CHASSIS_ID,
    LLDP_REM_PORT_ID_SUBTYPE,
    LLDP_REM_PORT_ID,
    LLDP_REM_PORT_DESC,
    LLDP_REM_SYS_NAME,
    LLDP_REM_SYS_DESC,
    LLDP_REM_SYS_CAP_ENABLED,
    LLDP_REM_MAN_ADDR_IF_SUBTYPE,
    CDP_ADDRESS_TYPE,
    CDP_ADDRESS,
    CDP_VERSION,
    CDP_DEVICE_ID,
    CDP_DEVICE_PORT,
    CDP_PLATFORM,
    CDP_CAPABILITIES,
    DOT3AD_AGG_PORT_ATTACHED_AGG_ID,
    HR_DEVICE_TYPE,
    HR_DEVICE_DESCR,
    PRT_GENERAL_SERIAL,
    *V.WALK_COLUMNS,
]

# --- value decoding tables ------------------------------------------------------------------
#: LLDP chassis-ID subtypes (IEEE 802.1AB lldpChassisIdSubtype).
LLDP_CHASSIS_SUBTYPES = {
    1: "chassis_component",
    2: "interface_alias",
    3: "port_component",
    4: "mac",
    5: "network_address",
    6: "ifname",
    7: "local",
}
#: LLDP port-ID subtypes (lldpPortIdSubtype).
LLDP_PORT_SUBTYPES = {
    1: "interface_alias",
    2: "port_component",
    3: "mac",
    4: "network_address",
    5: "ifname",
    6: "agent_circuit_id",
    7: "local",
}
#: lldpSystemCapabilitiesMap bit -> name (bit 0 is the most significant bit of the first octet).
LLDP_CAPABILITIES = ["other", "repeater", "bridge", "wlan", "router", "phone", "docsis", "station"]
#: CDP capability bits (CISCO-CDP-MIB cdpCacheCapabilities, LSB first).
CDP_CAPABILITIES_BITS = {
    0x01: "router",
    0x02: "bridge",
    0x04: "bridge",
    0x08: "bridge",
    0x10: "host",
    0x20: "igmp",
    0x40: "repeater",
    0x80: "phone",
    0x100: "remote",
    0x200: "cvta",
    0x400: "two_port_mac_relay",
}

#: dot1dTpFdbStatus / dot1qTpFdbStatus values.
FDB_STATUS = {1: "other", 2: "invalid", 3: "learned", 4: "self", 5: "mgmt"}

#: ifType -> InterfaceFact.kind
IF_KINDS = {
    6: "ethernet",
    62: "ethernet",
    117: "ethernet",
    69: "ethernet",
    24: "loopback",
    161: "lag",
    53: "virtual",
    135: "vlan",
    136: "vlan",
    209: "bridge",
    131: "virtual",
    71: "wireless",
    1: "other",
    23: "virtual",
    166: "virtual",
    150: "virtual",
}

#: entPhysicalClass values
ENT_CLASS_CHASSIS = 3
ENT_CLASS_STACK = 11

#: hrDeviceType OIDs (HOST-RESOURCES-TYPES)
HR_DEVICE_PRINTER = "1.3.6.1.2.1.25.3.1.5"
HR_DEVICE_PROCESSOR = "1.3.6.1.2.1.25.3.1.3"


#: LLDP capabilities that mean "an end device we record but do not crawl by default".
LEAF_CAPABILITIES = {"phone", "wlan", "station"}

#: Interface names that say what the port is, whatever ifType claims (Linux reports bridges and
#: VLAN interfaces as ethernetCsmacd). Matched case-insensitively from the start of ifName.
IFNAME_KINDS: list[tuple[str, str]] = [
    (r"(lo|loopback|inloopback|null)\d*(\b|$)", "loopback"),
    (r"(br|bridge|virbr|docker)\d*$", "bridge"),
    (r"(vlanif|vlan-interface|vlan)\s*\d+$", "vlan"),
    (r"(port-channel|po|eth-trunk|bridge-aggregation|ae|bond|agg)\s*\d+", "lag"),
    (r"(meth|mgmt|management)", "ethernet"),
]

#: platform key -> regexes on sysDescr (OS version / model): kept in the vendor modules.
OS_VERSION_PATTERNS: dict[str, list[str]] = V.OS_VERSION_PATTERNS
MODEL_PATTERNS: dict[str, list[str]] = V.MODEL_PATTERNS

#: Platforms whose lldpRemLocalPortNum is documented to be the ifIndex. Used ONLY when the device
#: has no lldpLocPortTable at all (H3C Comware 5, e.g. the E528), and reported as a warning.
LLDP_LOCPORT_IS_IFINDEX = V.QUIRKS.get("lldp_locport_is_ifindex", set())

#: The "switch topology" profile: system + interfaces + LLDP + FDB only (the benchmark's OIDs).
TOPOLOGY_COLUMNS: list[str] = [
    IF_DESCR,
    IF_TYPE,
    IF_PHYS_ADDRESS,
    IF_OPER_STATUS,
    IF_NAME,
    IF_HIGH_SPEED,
    IF_ALIAS,
    LLDP_LOC_PORT_ID_SUBTYPE,
    LLDP_LOC_PORT_ID,
    LLDP_LOC_PORT_DESC,
    LLDP_REM_CHASSIS_ID_SUBTYPE,
    LLDP_REM_CHASSIS_ID,
    LLDP_REM_PORT_ID_SUBTYPE,
    LLDP_REM_PORT_ID,
    LLDP_REM_PORT_DESC,
    LLDP_REM_SYS_NAME,
    LLDP_REM_SYS_CAP_ENABLED,
    LLDP_REM_MAN_ADDR_IF_SUBTYPE,
    DOT1D_BASE_PORT_IF_INDEX,
    DOT1Q_TP_FDB_PORT,
    DOT1Q_TP_FDB_STATUS,
]
