"""Turn LLDP/CDP neighbour rows of many devices into cables: one link per pair of ports.

A neighbour row names the far end the way the far end advertised it (a MAC, a long ``ifDescr``, a
short ifName, a sysName with a domain...). When the far device was collected too, both ends are
mapped to that device's own ifName, so that the link seen from either side is the same link and
is never duplicated. Pure; must not import ``netcmdb.cmdb`` (the reconciler uses it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from netcmdb.discovery.facts import DeviceFact, InterfaceFact, NeighborFact
from netcmdb.discovery.normalize import short_hostname


@dataclass(frozen=True, slots=True)
class Link:
    """A cable. ``b_index`` is None when the far device was not collected (``b`` is its name)."""

    a_index: int
    a_port: str
    b_index: int | None
    b: str
    b_port: str
    protocol: str

    def key(self) -> frozenset[tuple[object, str]]:
        return frozenset(
            {
                (self.a_index, self.a_port),
                (self.b_index if self.b_index is not None else self.b, self.b_port),
            }
        )


def _find_device(n: NeighborFact, devices: Sequence[DeviceFact]) -> int | None:
    for i, d in enumerate(devices):
        if n.remote_chassis_id and n.remote_chassis_id in {
            d.chassis_mac,
            d.mac,
            *(f.mac for f in d.interfaces if f.mac),
        }:
            return i
    for i, d in enumerate(devices):
        if n.remote_mgmt_ip and (n.remote_mgmt_ip == d.ip or n.remote_mgmt_ip in d.addresses):
            return i
    if n.remote_name:
        # NX-OS CDP device IDs carry the serial: "core-1(SSI1837...)"; sysNames carry domains
        want = short_hostname(re.sub(r"\([^)]*\)$", "", n.remote_name)).lower()
        hits = [
            i
            for i, d in enumerate(devices)
            if d.hostname and short_hostname(d.hostname).lower() == want
        ]
        if len(hits) == 1:
            return hits[0]
    return None


def resolve_port(n: NeighborFact, dev: DeviceFact) -> InterfaceFact | None:
    """The far device's interface a neighbour row points at (by MAC, ifName, ifDescr, alias)."""
    if n.remote_port_kind == "mac" and n.remote_port:
        hits = [f for f in dev.interfaces if f.mac == n.remote_port]
        if len(hits) == 1:
            return hits[0]
    for value in (n.remote_port, n.remote_port_descr):
        if not value:
            continue
        for attr in ("name", "descr", "alias"):
            hits = [f for f in dev.interfaces if getattr(f, attr) == value]
            if len(hits) == 1:
                return hits[0]
    return None


def resolve_links(devices: Sequence[DeviceFact]) -> tuple[list[Link], list[str]]:
    """Links between (and out of) ``devices``, deduplicated; plus warnings for odd rows."""
    out: dict[frozenset[tuple[object, str]], Link] = {}
    warnings: list[str] = []
    for ai, d in enumerate(devices):
        for n in d.neighbors:
            bi = _find_device(n, devices)
            if bi == ai:
                warnings.append(f"{d.hostname or d.ip}: {n.local_port} sees itself; ignored")
                continue
            if bi is None:
                b = n.remote_name or n.remote_chassis_id or "?"
                bport = n.remote_port or ""
            else:
                far = devices[bi]
                b = far.hostname or far.ip or f"device{bi}"
                f = resolve_port(n, far)
                if f is None:
                    warnings.append(
                        f"{d.hostname or d.ip} {n.local_port}: port {n.remote_port!r} "
                        f"not found on {b}; kept as advertised"
                    )
                bport = f.name if f else (n.remote_port or "")
            link = Link(ai, n.local_port, bi, b, bport, n.protocol)
            out.setdefault(link.key(), link)
    return list(out.values()), warnings
