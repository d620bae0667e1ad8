"""Identification as data with evidence: what a device is, and why we think so.

:func:`identify` is pure: it takes what the SNMP collector read (:class:`Evidence`) and returns an
:class:`Identity` whose ``class_reason`` names the evidence that decided the class. Evidence is
tried in this order, the first that speaks wins:

1. UPS-MIB (RFC 1628 upsIdent / upsBatteryStatus), APC PowerNet UPS or Eaton XUPS ident -> ``ups``
2. Printer-MIB (prtGeneral rows) -> ``printer``
3. a sysObjectID/sysDescr rule that names the product line's class (``Rule.device_class``)
4. the model (ENTITY-MIB chassis, else sysDescr) against the platform's model patterns
5. bridge ports (>= 2 dot1dBasePort rows) -> ``switch``
6. the vendor's hint for its usual product (``Rule.hint_class``), then ipForwarding without
   bridge ports -> ``router`` (only for a device the rules do not call a host)
7. sysServices, last: layer 2 only -> ``switch``
8. otherwise ``other`` with the reason "no evidence".

Vendor: the rule, else the enterprise number's vendor, else the UPS/Printer-MIB manufacturer.
Must not import pysnmp or ``netcmdb.cmdb``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from netcmdb.discovery.vendors import (
    MODEL_CLASSES,
    MODEL_PATTERNS,
    OS_VERSION_PATTERNS,
    PLATFORMS,
    enterprise_vendor,
    match_sysobjectid,
)
from netcmdb.discovery.vendors.model import Rule

#: UPS-MIB manufacturer spellings -> our vendor names
_MAKER_NAMES = {
    "huawei": "Huawei",
    "eaton": "Eaton",
    "santak": "Santak",
    "east": "EAST",
    "cps": "CyberPower",
    "rps spa": "Riello",
    "apc": "APC",
}


@dataclass(slots=True)
class Evidence:
    """What the collector read that bears on identity (text already decoded, None = absent)."""

    sys_object_id: str | None = None
    sys_descr: str | None = None
    sys_services: int | None = None
    ip_forwarding: int | None = None  # 1 forwarding, 2 not forwarding
    bridge_ports: int = 0
    #: RFC 1628 upsIdent: manufacturer, model, UPS software, agent software, name
    ups_manufacturer: str | None = None
    ups_model: str | None = None
    ups_software: str | None = None
    ups_agent_software: str | None = None
    ups_battery_status: int | None = None
    #: vendor UPS/PDU MIBs (APC PowerNet, Eaton XUPS...): model, serial, firmware
    power_kind: str | None = None  # "ups" | "pdu" when a vendor power MIB answered
    power_model: str | None = None
    power_serial: str | None = None
    power_firmware: str | None = None
    power_manufacturer: str | None = None
    #: Printer-MIB: prtGeneral rows present, and its serial
    printer_mib: bool = False
    printer_serial: str | None = None
    #: ENTITY-MIB chassis: description, model name, serial, manufacturer, software revision
    chassis_descr: str | None = None
    chassis_model: str | None = None
    chassis_serial: str | None = None
    chassis_mfg: str | None = None
    chassis_software: str | None = None


@dataclass(slots=True)
class Identity:
    vendor: str | None = None
    platform: str | None = None
    os: str | None = None
    os_version: str | None = None
    model: str | None = None
    serial: str | None = None
    device_class: str = "other"
    class_reason: str = ""
    #: every step that was tried and what it said, in order (for ``--json`` and debugging)
    evidence: list[str] = field(default_factory=list)


def _first(patterns: list[str], text: str | None) -> str | None:
    if not text:
        return None
    for p in patterns:
        m = re.search(p, text)
        if m:
            return (m.group(1) if m.groups() else m.group(0)).strip() or None
    return None


def _maker(name: str | None) -> str | None:
    if not name:
        return None
    return _MAKER_NAMES.get(name.strip().casefold(), name.strip())


def _rule_model(rule: Rule | None, descr: str | None) -> str | None:
    if rule is None or not rule.model or not descr:
        return None
    m = re.search(rule.model, descr)
    if not m:
        return None
    return next((g for g in m.groups() if g), None) or m.group(0)


def identify(ev: Evidence) -> Identity:
    """Vendor, platform, OS version, model, serial and class with the reason (pure).

    >>> i = identify(Evidence("1.3.6.1.4.1.9833.1.1.1", "FIREWALL", 6, 1, 0))
    >>> (i.vendor, i.device_class, i.class_reason)
    ('Legend Holdings', 'firewall', 'Legend Holdings firewall (sysDescr: FIREWALL)')
    >>> identify(Evidence("1.3.6.1.4.1.99999.1", "box", None, 1, 0)).device_class
    'router'
    >>> i = identify(Evidence(None, "", None, None, 0))
    >>> (i.device_class, i.class_reason)
    ('other', 'no evidence: no sysObjectID rule, no bridge ports, no forwarding, no sysServices')
    """
    descr = ev.sys_descr or ""
    rule = match_sysobjectid(ev.sys_object_id, descr)
    out = Identity()
    steps = out.evidence
    if rule:
        steps.append(f"rule: {rule.why}")
        out.platform = rule.platform
        out.vendor = rule.vendor
    plat = PLATFORMS.get(out.platform) if out.platform else None
    out.os = plat.os if plat else None
    out.vendor = out.vendor or enterprise_vendor(ev.sys_object_id)
    ups_maker = _maker(ev.ups_manufacturer)
    out.vendor = (
        out.vendor
        or ups_maker
        or _maker(ev.power_manufacturer)
        or (_maker(ev.chassis_mfg) if ev.chassis_mfg else None)
    )
    # a UPS-MIB manufacturer beats the agent's enterprise (Huawei UPS5000 on Net-SNMP 8072,
    # a Santak UPS behind an Ingrasys card)
    if ups_maker and (rule is None or rule.vendor is None or out.platform in ("linux", None)):
        out.vendor = ups_maker
    key = out.platform or ""
    # model: ENTITY chassis model, then vendor power MIB / UPS-MIB, then sysDescr patterns
    out.model = (
        ev.chassis_model
        or ev.power_model
        or (ev.ups_model or None)
        or _rule_model(rule, descr)
        or _first(MODEL_PATTERNS.get(key, []), descr)
        or _first(MODEL_PATTERNS.get(key, []), ev.chassis_descr)
    )
    out.serial = ev.chassis_serial or ev.power_serial or None
    out.os_version = (
        _first(OS_VERSION_PATTERNS.get(key, []), descr)
        or ev.chassis_software
        or ev.ups_software
        or ev.power_firmware
        or None
    )
    # ---- class, from evidence, in order
    ups = bool(ev.ups_manufacturer or ev.ups_model or ev.ups_battery_status is not None)

    def decide(cls: str, reason: str) -> Identity:
        out.device_class, out.class_reason = cls, reason
        steps.append(f"class {cls}: {reason}")
        return out

    if ups:
        what = ", ".join(x for x in (ev.ups_manufacturer, ev.ups_model) if x)
        return decide("ups", "UPS-MIB (RFC 1628) answers" + (f": {what}" if what else ""))
    if ev.power_kind == "ups":
        return decide("ups", f"vendor UPS MIB answers (model {ev.power_model or '?'})")
    if ev.printer_mib:
        return decide("printer", "Printer-MIB (RFC 3805) prtGeneral rows present")
    if rule and rule.device_class:
        return decide(rule.device_class, rule.why)
    # the platform's model patterns; a device without a platform (no sysDescr) uses those of
    # its vendor's platforms (Huawei ME60 answers with a chassis "ME60-X8 frame" only)
    keys = (
        [key]
        if key
        else [p.key for p in PLATFORMS.values() if out.vendor and p.vendor == out.vendor]
    )
    for k in keys:
        descr_model = _first(MODEL_PATTERNS.get(k, []), descr)
        chassis_model = _first(MODEL_PATTERNS.get(k, []), ev.chassis_descr)
        if not out.model and not key:
            out.model = chassis_model
        parts = [
            x.strip()
            for x in (out.model, descr_model, ev.chassis_model, chassis_model, ev.chassis_descr)
            if x
        ]
        for mc in MODEL_CLASSES:
            if mc.platform != k:
                continue
            for part in parts:
                if re.match(mc.pattern, part, re.IGNORECASE):
                    return decide(mc.device_class, f"{mc.why}: {part}")
    if ev.bridge_ports >= 2:
        fwd = " and IP forwarding" if ev.ip_forwarding == 1 else ""
        return decide("switch", f"{ev.bridge_ports} bridge ports (BRIDGE-MIB){fwd}")
    if rule and rule.hint_class:
        return decide(rule.hint_class, f"{rule.why}: the vendor's usual product, no other evidence")
    host_services = isinstance(ev.sys_services, int) and bool(ev.sys_services & 0x48)
    if (
        ev.ip_forwarding == 1
        and not host_services
        and out.platform not in ("linux", "windows", "net_snmp")
    ):
        return decide(
            "router", "ipForwarding = forwarding, no bridge ports, sysServices without host layers"
        )
    if isinstance(ev.sys_services, int) and ev.sys_services:
        svc = ev.sys_services
        if svc & 0x02 and not svc & 0x4C:
            return decide("switch", f"sysServices {svc}: layer 2 only")
    missing = ", ".join(
        x
        for x in (
            "no sysObjectID rule" if rule is None else f"rule '{rule.why}' names no class",
            "no bridge ports",
            "no forwarding" if ev.ip_forwarding != 1 else "host forwarding",
            "no sysServices"
            if ev.sys_services is None
            else f"sysServices {ev.sys_services} inconclusive",
        )
    )
    return decide("other", f"no evidence: {missing}")
