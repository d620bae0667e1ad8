"""Vendors with no CLI driver: one row set each, sorted by vendor. Power (UPS, PDU), printers,
security appliances, wireless controllers, cameras, storage and smaller switch makers.

Classes follow the product line the sysObjectID subtree or sysDescr names; where that line has
no CI class (controllers, PDUs, cameras, storage, load balancers) the class is ``other`` and the
rule's ``why`` says what it is. Enterprise numbers carry how they were verified (model.Enterprise).
"""

from __future__ import annotations

from netcmdb.discovery.vendors.model import Enterprise, Platform, Rule, VendorRows

E = "1.3.6.1.4.1."

ROWS = VendorRows(
    platforms=[
        Platform("ubiquiti_edgeswitch", "Ubiquiti", "EdgeSwitch", "ubiquiti_edgeswitch"),
        Platform("mikrotik_routeros", "MikroTik", "RouterOS", "mikrotik_routeros"),
        Platform("paloalto_panos", "Palo Alto", "PAN-OS", "paloalto_panos"),
        Platform("dlink_ds", "D-Link", "D-Link OS", "dlink_ds"),
        Platform("brocade_fastiron", "Brocade", "FastIron", "brocade_fastiron"),
        Platform("brocade_fos", "Brocade", "Fabric OS", None),
        Platform("fortinet_fortios", "Fortinet", "FortiOS", "fortinet"),
        Platform("zte_zxros", "ZTE", "ZXROS", "zte_zxros"),
        Platform("printer", "", "Printer", None),
        Platform("ups", "", "UPS", None),
    ],
    enterprises=[
        Enterprise(171, "D-Link", "iana"),
        Enterprise(253, "Xerox", "iana"),
        Enterprise(318, "APC", "iana"),
        Enterprise(367, "Ricoh", "iana"),
        Enterprise(476, "Vertiv", "iana"),
        Enterprise(534, "Eaton", "iana"),
        Enterprise(705, "Eaton", "rec:UPS/eaton-93e-80 (UPS-MIB manufacturer EATON)"),
        Enterprise(789, "NetApp", "rec:storage/netapp-fas3270"),
        Enterprise(850, "Tripp Lite", "iana"),
        Enterprise(935, "Phoenixtec", "iana"),
        Enterprise(1347, "Kyocera", "iana"),
        Enterprise(1588, "Brocade", "rec:network/switch/brocade-fiber-channel (Brocade6510)"),
        Enterprise(1602, "Canon", "iana"),
        Enterprise(1991, "Brocade", "rec:network/switch/brocade-icx6430-24"),
        Enterprise(2435, "Brother", "iana"),
        # the network card of UPSs sold under other names (Santak): the UPS-MIB maker wins
        Enterprise(2468, "Ingrasys", "iana"),
        Enterprise(3320, "BDCOM", "rec:network/switch/bdcom-s5612"),
        Enterprise(3808, "CyberPower", "rec:librenms/cyberpower"),
        Enterprise(3902, "ZTE", "rec:network/switch/zte-zxr10-5250"),
        Enterprise(4413, "Broadcom", "rec:librenms/edgeswitch_unifi-4.0.9"),
        Enterprise(5089, "Clavister", "rec:network/firewall/clavister-amaranten"),
        Enterprise(5491, "Riello", "rec:librenms/riello"),
        Enterprise(5651, "Maipu", "rec:network/switch/maipu-sm4200-16gef8ge-ac"),
        Enterprise(6339, "Digital China", "rec:network/switch/dcs-3726c"),
        Enterprise(9833, "Legend Holdings", "iana"),
        Enterprise(10002, "Ubiquiti", "rec:librenms/unifi"),
        Enterprise(11863, "TP-Link", "https://github.com/Opmantek/open-audit "
                   "app/Helpers/snmp_11863_helper.php"),
        Enterprise(12124, "Dell EMC Isilon", "rec:storage/isilon-onefs"),
        Enterprise(12356, "Fortinet", "rec:network/firewall/fortinet-xcu"),
        Enterprise(13400, "Emerson", "rec:UPS/emerson-network-power"),
        Enterprise(14331, "Topsec", "rec:network/firewall/topsec-ngfw4000-uf"),
        Enterprise(14988, "MikroTik", "rec:librenms/routeros"),
        Enterprise(15227, "Venustech", "rec:network/firewall/venus-vsos-v070060600"),
        Enterprise(15983, "Meru", "rec:network/appliance/meru-networks-controller"),
        Enterprise(18334, "Konica Minolta", "iana"),
        Enterprise(19849, "NSFOCUS", "rec:network/appliance/nsfocus-ads"),
        Enterprise(25053, "Ruckus", "rec:librenms/ruckuswireless"),
        Enterprise(25461, "Palo Alto", "rec:network/firewall/paloalto-pa-5000"),
        Enterprise(27971, "INFOSEC", "rec:network/appliance/infosec-nsae-6500"),
        Enterprise(28557, "Hillstone", "https://github.com/librenms/librenms/pull/7982"),
        Enterprise(30803, "Vyatta", "rec:network/router/vyatta-unknown"),
        Enterprise(31648, "DPtech", "rec:network/switch/dptech-dpx800-a5"),
        Enterprise(35047, "Sangfor", "rec:network/wifi/sangfor-wac, network/firewall/sangfor-*"),
        Enterprise(36849, "Samsung", "rec:camera/samsung-ipolis"),
        Enterprise(37940, "WRD Tech", "rec:camera/wds-ips-1022"),
        Enterprise(39165, "Hikvision", "https://github.com/glpi-project/glpi-agent "
                   "lib/GLPI/Agent/SNMP/MibSupport/Hikvision.pm"),
        Enterprise(40614, "EAST", "rec:UPS/eastpower-istars-swv053 (UPS-MIB manufacturer EAST)"),
        Enterprise(41112, "Ubiquiti", "rec:network/wifi/ubiquiti-m5"),
        Enterprise(50001, "Hikvision", "rec:camera/hikvision-network-video-recorder"),
        Enterprise(1004849, "Dahua", "https://github.com/ (Dahua Product Management "
                   "Information Library, root 1.3.6.1.4.1.1004849.2)"),
    ],
    rules=[
        # --- power: UPS and PDUs (UPS-MIB / PowerNet / XUPS presence decides the class too)
        Rule(E + "318", "APC (318)", "APC"),
        Rule(E + "318.1.3.4", "APC rack PDU (PowerNet rPDU; no PDU class)", "APC", None,
             "other", model=r"MN:(\S+)"),
        Rule(E + "318.1.3.8", "APC NetBotz environmental monitor (no class for it)", "APC", None,
             "other", model=r"MN:(\S+)"),
        Rule(E + "318.1.3.2", "APC UPS network management card", "APC", "ups", "ups"),
        Rule(E + "318.1.3.27", "APC UPS network management card", "APC", "ups", "ups"),
        Rule(E + "534.1", "Eaton XUPS / ConnectUPS agent", "Eaton", "ups", "ups"),
        Rule(E + "3808", "CyberPower UPS", "CyberPower", "ups", "ups"),
        Rule(E + "5491", "Riello UPS (Netman)", "Riello", "ups", "ups"),
        Rule(E + "935", "Phoenixtec Power UPS agent", "Phoenixtec", "ups", "ups"),
        Rule(E + "13400", "Emerson Network Power (13400)", "Emerson"),
        Rule(E + "13400", "Emerson UPS Web/SNMP agent (sysDescr)", "Emerson", "ups", "ups",
             descr=r"\bUPS\b"),
        Rule(E + "476", "Vertiv/Liebert agent card: UPS or cooling unit, the agent MIB does not "
             "say which", "Vertiv", None, "other"),
        # --- printers
        Rule(E + "2435", "Brother printer", "Brother", "printer", "printer"),
        Rule(E + "253", "Xerox printer", "Xerox", "printer", "printer",
             model=r"^(Xerox [^;,]+)"),
        Rule(E + "1602", "Canon printer", "Canon", "printer", "printer"),
        Rule(E + "1347", "Kyocera printer", "Kyocera", "printer", "printer"),
        Rule(E + "367", "Ricoh printer", "Ricoh", "printer", "printer"),
        Rule(E + "18334", "Konica Minolta printer", "Konica Minolta", "printer", "printer"),
        # --- security appliances
        Rule(E + "12356", "Fortinet (12356)", "Fortinet"),
        Rule(E + "12356.101", "FortiGate firewall (12356.101)", "Fortinet", "fortinet_fortios",
             "firewall"),
        Rule(E + "25461", "Palo Alto Networks firewall", "Palo Alto", "paloalto_panos",
             "firewall"),
        Rule(E + "5089", "Clavister firewall (sysDescr: Firewall)", "Clavister", None, "firewall",
             descr=r"Firewall"),
        Rule(E + "9833", "Legend Holdings firewall (sysDescr: FIREWALL)", "Legend Holdings", None,
             "firewall", descr=r"FIREWALL"),
        Rule(E + "15227", "Venustech (15227)", "Venustech"),
        Rule(E + "15227", "Venustech firewall (sysDescr: VSOS / FIREWALL)", "Venustech", None,
             "firewall", descr=r"VSOS|FIREWALL", model=r"^VENUS (VSOS)"),
        Rule(E + "14331", "Topsec firewall (sysDescr: NGFW)", "Topsec", None, "firewall",
             descr=r"NGFW|firewall", model=r"(NGFW\d+[\w-]*)"),
        Rule(E + "28557", "Hillstone firewall (StoneOS)", "Hillstone", None, "firewall"),
        Rule(E + "30803", "Vyatta router", "Vyatta", None, "router", descr=r"^Vyatta"),
        Rule(E + "30803", "Netentsec NGFW (Vyatta based)", "Netentsec", None, "firewall",
             descr=r"Netentsec"),
        Rule(E + "19849", "NSFOCUS (19849)", "NSFOCUS"),
        Rule(E + "19849", "NSFOCUS ADS anti-DDoS appliance (no class for it)", "NSFOCUS", None,
             "other", descr=r"^ads$"),
        Rule(None, "NSFOCUS OSMS operations/security management system (bastion host, no class "
             "for it)", "NSFOCUS", None, "other", descr=r"^NSFOCUS-OSMS"),
        Rule(E + "35047", "Sangfor (35047)", "Sangfor"),
        Rule(E + "35047", "Sangfor AD application delivery controller (load balancer, no class "
             "for it)", "Sangfor", None, "other", descr=r"^Linux v?AD[-\d ]",
             model=r"^Linux (v?AD[-\w]*)"),
        Rule(E + "35047.2.1", "Sangfor AC internet access management gateway (no class for it)",
             "Sangfor", None, "other"),
        Rule(E + "35047.2.10", "Sangfor appliance of a product line the recordings do not name "
             "(35047.2.10)", "Sangfor", None, "other"),
        Rule(E + "35047.2.12", "Sangfor wireless access controller (no controller class)",
             "Sangfor", None, "other"),
        Rule(E + "27971", "INFOSEC NSAE security appliance (no class for it)", "INFOSEC", None,
             "other", model=r"INFOSEC (NSAE \d+)"),
        # --- wireless controllers and APs
        Rule(E + "25053", "Ruckus access point", "Ruckus", None, "ap"),
        Rule(E + "25053.3.1", "Ruckus wireless controller (ZoneDirector/SmartZone, no controller "
             "class)", "Ruckus", None, "other", model=r"Ruckus Wireless (\w+)"),
        Rule(E + "15983", "Meru wireless controller (no controller class)", "Meru", None,
             "other", descr=r"controller"),
        Rule(E + "41112", "Ubiquiti airMAX/UniFi access point", "Ubiquiti", None, "ap"),
        Rule(E + "10002", "Ubiquiti UniFi access point", "Ubiquiti", None, "ap"),
        # --- cameras, sensors
        Rule(E + "39165", "Hikvision camera/recorder (no camera class)", "Hikvision", None,
             "other"),
        Rule(E + "50001", "Hikvision video recorder (no class for it)", "Hikvision", None,
             "other"),
        Rule(E + "1004849", "Dahua camera/recorder (no camera class)", "Dahua", None, "other"),
        Rule(E + "36849", "Samsung IP camera (no camera class)", "Samsung", None, "other",
             model=r"(iPolis)"),
        Rule(E + "37940", "WRD IP sensor (no class for it)", "WRD Tech", None, "other",
             model=r"WRD Tech\. (IPS-\d+)"),
        # --- storage
        Rule(E + "789", "NetApp storage system (no storage class)", "NetApp", None, "other"),
        Rule(E + "12124", "Isilon OneFS storage cluster (no storage class)", "Dell EMC Isilon",
             None, "other"),
        # --- switches and routers of smaller makers
        Rule(E + "4413", "Broadcom FASTPATH (Ubiquiti EdgeSwitch)", "Broadcom",
             "ubiquiti_edgeswitch", "switch"),
        Rule(E + "14988", "MikroTik RouterOS", "MikroTik", "mikrotik_routeros", "router"),
        Rule(E + "171", "D-Link switch", "D-Link", "dlink_ds", hint_class="switch",
             model=r"(DES-\d+[\w-]*)"),
        Rule(E + "1991", "Brocade/Foundry FastIron switch", "Brocade", "brocade_fastiron",
             hint_class="switch", model=r"Inc\. (ICX[\w-]+)"),
        Rule(E + "1588", "Brocade Fibre Channel switch (Fabric OS)", "Brocade", "brocade_fos",
             "switch"),
        Rule(E + "3320", "BDCOM switch", "BDCOM", None, hint_class="switch",
             model=r"BDCOM\(tm\) (\S+)"),
        Rule(E + "3902", "ZTE (3902)", "ZTE"),
        Rule(E + "3902", "ZTE ZXR10 switch (sysDescr)", "ZTE", "zte_zxros", "switch",
             descr=r"ZXR10.*(Switch|9900)|Ethernet Switch", model=r"ZXR10 ([\w-]+)"),
        Rule(E + "3902.2505", "ZTE embedded Linux board (CGEL, no class for it)", "ZTE", "linux",
             "other"),
        Rule(E + "5651", "Maipu switch", "Maipu", None, hint_class="switch",
             model=r"^\s*(SM\d+[\w-]*)"),
        Rule(E + "6339", "Digital China switch", "Digital China", None, hint_class="switch",
             model=r"^(DCRS-[\w-]+|Digital China (DCS-[\w-]+))"),
        Rule(E + "31648", "DPtech (31648)", "DPtech", model=r"(DPX\d+-\w+)"),
        Rule(E + "11863.1", "TP-Link switch", "TP-Link", None, "switch"),
        Rule(E + "11863.2", "TP-Link router", "TP-Link", None, "router"),
        Rule(E + "11863.3", "TP-Link access point", "TP-Link", None, "ap"),
    ],
    os_version={"mikrotik_routeros": [r"RouterOS ([\d.]+)"],
                "zte_zxros": [r"Version: ?(V[\w.]+)"],
                "brocade_fastiron": [r"IronWare Version ([\w.]+)"]},
    model={"printer": [r"^((?:Xerox|HP|Canon|Ricoh|Kyocera|Lexmark|Epson|Konica Minolta) [^;,]+)"]},
    ident_scalars={
        # APC PowerNet-MIB upsBasicIdentModel, upsAdvIdentSerialNumber, upsAdvIdentFirmwareRev
        "apc_ups": {"kind": "ups", "model": E + "318.1.1.1.1.1.1.0",
                    "serial": E + "318.1.1.1.1.2.3.0", "firmware": E + "318.1.1.1.1.2.1.0"},
        # APC PowerNet-MIB rPDUIdentModelNumber, rPDUIdentSerialNumber, rPDUIdentFirmwareRev
        "apc_pdu": {"kind": "pdu", "model": E + "318.1.1.12.1.5.0",
                    "serial": E + "318.1.1.12.1.6.0", "firmware": E + "318.1.1.12.1.3.0"},
        # Eaton XUPS-MIB xupsIdentManufacturer, xupsIdentModel, xupsIdentSoftwareVersion
        "eaton_xups": {"kind": "ups", "manufacturer": E + "534.1.1.1.0",
                       "model": E + "534.1.1.2.0", "firmware": E + "534.1.1.3.0"},
    },
    serial_scalars={
        "mikrotik": "1.3.6.1.4.1.14988.1.1.7.3.0",  # MIKROTIK-MIB mtxrSerialNumber
        "cyberpower": "1.3.6.1.4.1.3808.1.1.1.1.2.3.0",  # CPS-MIB upsAdvanceIdentSerialNumber
        "ruckus_zd": "1.3.6.1.4.1.25053.1.2.1.1.1.1.15.0",  # ruckusZDSystemSerialNumber
    },
)
