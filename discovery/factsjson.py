"""JSON round trip of scan results (``--json`` output, subprocess runners, recorded fixtures).

Pure and lossless for everything in :mod:`netcmdb.discovery.facts`. Must not import ``cmdb``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from netcmdb.discovery.facts import (
    ArpEntry,
    DeviceClass,
    DeviceFact,
    FdbEntry,
    InterfaceFact,
    NeighborFact,
    ScanResult,
    Source,
)

_NESTED = {"interfaces": InterfaceFact, "neighbors": NeighborFact, "fdb": FdbEntry, "arp": ArpEntry}


def device_to_dict(dev: DeviceFact) -> dict[str, Any]:
    d = dataclasses.asdict(dev)
    d["source"] = str(dev.source)
    d["device_class"] = str(dev.device_class) if dev.device_class else None
    return d


def device_from_dict(d: dict[str, Any]) -> DeviceFact:
    kw = dict(d)
    kw["source"] = Source(kw["source"])
    if kw.get("device_class"):
        kw["device_class"] = DeviceClass(kw["device_class"])
    for key, cls in _NESTED.items():
        kw[key] = [cls(**x) for x in kw.get(key) or []]
    return DeviceFact(**kw)


def result_to_dict(r: ScanResult) -> dict[str, Any]:
    return {
        "target": r.target,
        "device": device_to_dict(r.device) if r.device else None,
        "error": r.error,
        "error_kind": r.error_kind,
        "duration_s": r.duration_s,
    }


def result_from_dict(d: dict[str, Any]) -> ScanResult:
    dev = device_from_dict(d["device"]) if d.get("device") else None
    return ScanResult(
        target=d["target"],
        device=dev,
        error=d.get("error"),
        error_kind=d.get("error_kind"),
        duration_s=d.get("duration_s", 0.0),
    )
