"""JSON round trip of scan results (``--json`` output, subprocess runners, recorded fixtures).

Pure and lossless for everything in :mod:`netcmdb.discovery.facts`. Must not import ``cmdb``.

The reading side takes documents from elsewhere (``POST /api/v1/facts`` from a remote
collector), so every value is checked against the type its field declares before a fact is
built: a list where text belongs, a lone surrogate or a non-finite number is a ``ValueError``
naming the field, never a CI called ``['a']`` or a crash further in.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from enum import Enum
from functools import cache
from typing import Any

from netcmdb.discovery.facts import (
    ArpEntry,
    DeviceFact,
    FdbEntry,
    InterfaceFact,
    NeighborFact,
    ScanResult,
)

_NESTED = {"interfaces": InterfaceFact, "neighbors": NeighborFact, "fdb": FdbEntry, "arp": ArpEntry}


def device_to_dict(dev: DeviceFact) -> dict[str, Any]:
    d = dataclasses.asdict(dev)
    d["source"] = str(dev.source)
    d["device_class"] = str(dev.device_class) if dev.device_class else None
    return d


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _conform(where: str, hint: Any, v: Any) -> Any:
    """``v`` checked against the type ``hint`` (the subset facts use); ValueError if not."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if v is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _conform(where, inner, v)
    if origin is list:
        if not isinstance(v, list):
            raise ValueError(f"{where} must be a list, got {type(v).__name__}")
        return [_conform(f"{where}[{i}]", args[0], x) for i, x in enumerate(v)]
    if origin is dict:
        if not isinstance(v, dict):
            raise ValueError(f"{where} must be an object, got {type(v).__name__}")
        return {
            _conform(f"{where} key", args[0], k): _conform(f"{where}[{k!r}]", args[1], x)
            for k, x in v.items()
        }
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(_conform(where, str, v))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _build(hint, v, where)
    if hint is str:
        if not isinstance(v, str):
            raise ValueError(f"{where} must be text, got {type(v).__name__}")
        if "\x00" in v or not _encodes(v):
            raise ValueError(f"{where} holds a NUL or a lone surrogate")
        return v
    if hint is bool:
        if not isinstance(v, bool):
            raise ValueError(f"{where} must be true or false, got {type(v).__name__}")
        return v
    if hint is int:
        if isinstance(v, bool) or not isinstance(v, int) or abs(v) > 2**63 - 1:
            raise ValueError(f"{where} must be a whole number, got {v!r:.40}")
        return v
    if hint is float:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"{where} must be a finite number, got {v!r:.40}")
        return float(v)
    raise ValueError(f"{where}: unsupported field type {hint!r}")  # pragma: no cover


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _build(cls: type, d: Any, where: str) -> Any:
    """An instance of the facts dataclass ``cls`` from ``d``, every field type-checked."""
    if not isinstance(d, dict):
        raise ValueError(f"{where} must be an object, got {type(d).__name__}")
    hints = _hints(cls)
    unknown = sorted(str(k) for k in d if k not in hints)
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r:.60}")
    return cls(**{k: _conform(f"{where}.{k}", hints[k], v) for k, v in d.items()})


def device_from_dict(d: dict[str, Any]) -> DeviceFact:
    """A :class:`DeviceFact` from its JSON form (``device_to_dict``), every value checked.

    Raises:
        ValueError: a missing ``source``, an unknown field, or a value of the wrong type (the
            message names the field).
    """
    if not isinstance(d, dict) or "source" not in d:
        raise ValueError("device must be an object with a 'source'")
    kw = dict(d)
    if not kw.get("device_class"):
        kw.pop("device_class", None)
    for key in _NESTED:
        if kw.get(key) is None:
            kw.pop(key, None)
    return _build(DeviceFact, kw, "device")  # type: ignore[no-any-return]


def result_to_dict(r: ScanResult) -> dict[str, Any]:
    return {
        "target": r.target,
        "device": device_to_dict(r.device) if r.device else None,
        "error": r.error,
        "error_kind": r.error_kind,
        "duration_s": r.duration_s,
    }


def result_from_dict(d: dict[str, Any]) -> ScanResult:
    """A :class:`ScanResult` from its JSON form, every value checked (ValueError if not)."""
    if not isinstance(d, dict) or "target" not in d:
        raise ValueError("a result must be an object with a 'target'")
    dev = device_from_dict(d["device"]) if d.get("device") else None
    hints = _hints(ScanResult)
    return ScanResult(
        target=_conform("target", hints["target"], d["target"]),
        device=dev,
        error=_conform("error", hints["error"], d.get("error")),
        error_kind=_conform("error_kind", hints["error_kind"], d.get("error_kind")),
        duration_s=_conform("duration_s", hints["duration_s"], d.get("duration_s", 0.0)),
    )
