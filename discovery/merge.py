"""Combine two facts about one device: the primary wins, the secondary fills the gaps.

Used for "SNMP first, SSH fills gaps": SNMP is cheap and complete for counters and tables, SSH
knows what SNMP often does not (serial on Huawei/H3C without ENTITY-MIB, LLDP where the LLDP-MIB
is off). Pure function, no I/O; must not import ``cmdb`` or any scanner.

Rules, field by field:

- scalars: the primary's value unless it is ``None`` (``None`` = "not observed");
- ``interfaces``: matched by name; a primary interface gets the secondary's values for its
  unset attributes, interfaces only the secondary knows are appended;
- ``neighbors``: union, one per (protocol, local port, remote chassis/name, remote port);
- ``fdb`` / ``arp`` / ``addresses`` / ``open_ports`` / ``stack_members``: union without
  duplicates, primary order first;
- ``warnings``: both lists, secondary's prefixed with its source;
- ``extra``: merged, primary wins; ``extra["filled_by_<source>"]`` lists the fields the secondary
  supplied, so provenance is not lost although the merged fact carries the primary's source.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from netcmdb.discovery.facts import (
    ArpEntry,
    DeviceFact,
    FdbEntry,
    InterfaceFact,
    NeighborFact,
)

T = TypeVar("T")

_LIST_FIELDS = {
    "open_ports",
    "addresses",
    "interfaces",
    "neighbors",
    "fdb",
    "arp",
    "stack_members",
    "warnings",
    "extra",
}


def _fill(primary: T, secondary: T, skip: set[str] = frozenset()) -> tuple[T, list[str]]:  # type: ignore[assignment]
    """Copy of ``primary`` with its ``None``/empty-list scalar fields taken from ``secondary``."""
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(primary):  # type: ignore[arg-type]
        if f.name in skip:
            continue
        mine = getattr(primary, f.name)
        theirs = getattr(secondary, f.name)
        if mine is None and theirs is not None:
            changes[f.name] = theirs
        elif isinstance(mine, list) and not mine and theirs:
            changes[f.name] = list(theirs)
    return dataclasses.replace(primary, **changes), sorted(changes)  # type: ignore[type-var]


def _union(first: list[T], second: list[T], key: Any = None) -> list[T]:
    key = key or (lambda x: x)
    seen = {key(x) for x in first}
    out = list(first)
    for x in second:
        k = key(x)
        if k not in seen:
            seen.add(k)
            out.append(x)
    return out


def _neighbor_key(n: NeighborFact) -> tuple[str, str, str, str]:
    who = (n.remote_chassis_id or n.remote_name or "").lower()
    return (n.protocol, n.local_port, who, (n.remote_port or "").lower())


def _fdb_key(e: FdbEntry) -> tuple[str, str | None, int | None]:
    return (e.mac, e.port, e.vlan)


def _arp_key(e: ArpEntry) -> tuple[str, str]:
    return (e.ip, e.mac)


def merge_facts(primary: DeviceFact, secondary: DeviceFact) -> DeviceFact:
    """A new DeviceFact: ``primary`` with every gap filled from ``secondary`` (inputs unchanged).

    >>> from netcmdb.discovery.facts import Source
    >>> snmp = DeviceFact(source=Source.SNMP, ip="10.0.0.1", hostname="sw1", serial=None)
    >>> ssh = DeviceFact(source=Source.SSH, ip="10.0.0.1", hostname="SW1", serial="FOC123")
    >>> m = merge_facts(snmp, ssh)
    >>> (m.source, m.hostname, m.serial, m.extra["filled_by_ssh"])
    (<Source.SNMP: 'snmp'>, 'sw1', 'FOC123', 'serial')
    """
    merged, filled = _fill(primary, secondary, skip=_LIST_FIELDS | {"source"})

    by_name = {i.name: i for i in secondary.interfaces}
    interfaces: list[InterfaceFact] = []
    for itf in primary.interfaces:
        other = by_name.get(itf.name)
        if other is None:
            interfaces.append(dataclasses.replace(itf, ips=list(itf.ips)))
            continue
        new, got = _fill(itf, other, skip={"name"})
        if got:
            filled.append("interfaces")
        interfaces.append(new)
    known = {i.name for i in primary.interfaces}
    extra_itfs = [
        dataclasses.replace(i, ips=list(i.ips)) for i in secondary.interfaces if i.name not in known
    ]
    if extra_itfs:
        filled.append("interfaces")
    merged.interfaces = interfaces + extra_itfs

    for name, key in (("neighbors", _neighbor_key), ("fdb", _fdb_key), ("arp", _arp_key)):
        mine = getattr(primary, name)
        combined = _union(list(mine), list(getattr(secondary, name)), key)
        if len(combined) > len(mine):
            filled.append(name)
        setattr(merged, name, combined)

    merged.addresses = _union(list(primary.addresses), list(secondary.addresses))
    merged.open_ports = _union(list(primary.open_ports), list(secondary.open_ports))
    merged.stack_members = _union(
        [dict(m) for m in primary.stack_members],
        [dict(m) for m in secondary.stack_members],
        key=lambda m: m.get("serial") or tuple(sorted(m.items())),
    )
    if len(merged.stack_members) > len(primary.stack_members):
        filled.append("stack_members")
    src = str(secondary.source)
    merged.warnings = list(primary.warnings) + [f"{src}: {w}" for w in secondary.warnings]
    merged.extra = {**secondary.extra, **primary.extra}
    if filled:
        merged.extra[f"filled_by_{src}"] = ",".join(sorted(dict.fromkeys(filled)))
    return merged
