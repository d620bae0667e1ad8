"""Breadth-first crawl over LLDP/CDP neighbours' management addresses.

Generic: the collector is any callable (sync or async) that turns one address into a
:class:`~netcmdb.discovery.facts.ScanResult`, so the SNMP scanner and the SSH scanner share it.
The crawl is bounded by its scope (:class:`netcmdb.net.scope.CrawlScope`: the given or configured
scopes, else the non-public blocks the seeds sit in -- never unbounded), the scope rules (excludes,
public, multicast/broadcast), a depth limit and a queue cap. Seeds go through the same rules before
the first packet (a refused seed refuses the crawl); a neighbour outside the scope is listed in
``skipped`` with the reason and never contacted. Phones, APs and stations are recorded (as
neighbours of the device that saw them) but not crawled unless asked.
A device reached under several addresses is collected once: every address it owns, its chassis
MAC and its name mark it as visited.

Must not import ``netcmdb.cmdb``; never prints (progress goes through a callback).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from netcmdb.discovery.facts import NeighborFact, ScanResult
from netcmdb.net.scope import (
    CrawlScope,
    Resolver,
    ScopeRules,
    canonical_address,
    crawl_scope,
    system_resolver,
)

Collector = Callable[[str], "ScanResult | Awaitable[ScanResult]"]
FollowRule = Callable[[NeighborFact], bool]

#: capabilities of devices recorded but not crawled by default
LEAF_CAPABILITIES = frozenset({"phone", "wlan", "station", "host"})
#: ... unless they also forward frames between ports / route
INFRA_CAPABILITIES = frozenset({"bridge", "router", "repeater"})
#: CDP platform substrings of leaves (Cisco APs and phones report the bridge capability too)
LEAF_PLATFORM_MARKERS = ("air-", "ip phone", "phone")


def is_leaf(n: NeighborFact) -> bool:
    """True for phones, APs and hosts: recorded, not crawled (unless ``follow`` says otherwise)."""
    caps = set(n.remote_capabilities)
    plat = n.remote_platform or ""
    if any(m in plat.lower() for m in LEAF_PLATFORM_MARKERS):
        return True
    if caps & {"phone", "wlan"}:
        return True
    if caps and caps <= LEAF_CAPABILITIES:
        return True
    return False


def default_follow(n: NeighborFact) -> bool:
    return not is_leaf(n)


@dataclass(slots=True)
class CrawlResult:
    """What a crawl did: every collected result (in visit order), what it did not follow and
    why, and the scope it ran in (``scope``: :meth:`CrawlScope.as_dict`, stated in run output)."""

    results: list[ScanResult] = field(default_factory=list)
    depth: dict[str, int] = field(default_factory=dict)  # target -> depth it was reached at
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (address or name, reason)
    leaves: list[tuple[str, NeighborFact]] = field(default_factory=list)  # (seen by, neighbour)
    scope: dict[str, Any] = field(default_factory=dict)

    @property
    def devices(self) -> list:  # list[DeviceFact]
        return [r.device for r in self.results if r.device is not None]


def plan_crawl(
    seeds: Sequence[str],
    *,
    scope: CrawlScope | Iterable[str] | None = None,
    rules: ScopeRules | None = None,
    excludes: Iterable[str] | None = None,
    configured: Iterable[str] | None = None,
    resolve: Resolver | None = system_resolver,
) -> tuple[CrawlScope, list[str], list[str]]:
    """The crawl's checked start, before any packet: ``(scope, seeds to collect, excluded seeds)``.

    Also what ``--dry-run`` shows for a crawl (the seeds it would contact and where it may go;
    ``resolve=None`` there: seed names stay unresolved, no DNS query).

    Raises:
        ScopeError: a seed is refused (public, multicast/broadcast, too many, not a target),
            or an exclude/scope entry is malformed.
    """
    rules = rules or ScopeRules()
    if excludes:
        rules = replace(rules, excludes=(*rules.excludes, *(str(e) for e in excludes)))
    todo, dropped = rules.contact_list(seeds, names=True, resolve=resolve)  # seeds first
    cs = (
        scope
        if isinstance(scope, CrawlScope)
        else crawl_scope(seeds, scope, configured, rules=rules)
    )
    if cs.rules != rules:
        cs = replace(cs, rules=rules)
    return cs, todo, dropped


async def crawl(
    seeds: Sequence[str],
    collect: Collector,
    *,
    scope: CrawlScope | Iterable[str] | None = None,
    excludes: Iterable[str] | None = None,
    rules: ScopeRules | None = None,
    max_depth: int | None = None,
    max_queue: int = 10_000,
    follow: FollowRule | None = None,
    concurrency: int = 32,
    progress: Callable[[int, int, str], None] | None = None,
) -> CrawlResult:
    """Collect ``seeds``, then every neighbour's management address, breadth first.

    Args:
        seeds: addresses (or CIDRs/ranges/names) to start from; checked against ``rules``
            and always collected unless excluded.
        collect: address -> ScanResult (sync or async).
        scope: where neighbours may be followed: a :class:`CrawlScope`, or specs (address,
            CIDR, range, @file); default: the non-public blocks the seeds sit in.
        excludes: extra excludes (added to ``rules``), seeds included.
        rules: excludes, allow_public, max_hosts (default: private addresses only).
        max_depth: 0 collects only the seeds; None is unlimited.
        max_queue: at most this many devices are collected in total (a runaway guard).
        follow: which neighbours to follow (default: not phones/APs/hosts).
        concurrency: collectors running at once.

    Raises:
        ScopeError: a refused seed or a malformed scope/exclude entry (before any packet).
    """
    cs, seed_todo, seed_dropped = plan_crawl(seeds, scope=scope, rules=rules, excludes=excludes)
    follow = follow or default_follow
    out = CrawlResult(scope=cs.as_dict())
    visited: set[str] = set()  # addresses collected or queued
    known_ids: set[str] = set()  # chassis MACs / names of collected devices
    queue: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
    queued = 0

    def enqueue(addr: str, depth: int, why: str) -> None:
        nonlocal queued
        if addr in visited:
            return
        if depth > 0:  # seeds were checked by plan_crawl; a neighbour's address is untrusted
            reason = cs.why_not(addr)
            if reason:
                out.skipped.append((addr, f"{reason}; {why}"))
                visited.add(addr)
                return
            addr = canonical_address(addr)
            if addr in visited:
                return
        if max_depth is not None and depth > max_depth:
            out.skipped.append((addr, f"beyond depth {max_depth}; {why}"))
            visited.add(addr)
            return
        if queued >= max_queue:
            out.skipped.append((addr, f"queue cap {max_queue} reached; {why}"))
            visited.add(addr)
            return
        visited.add(addr)
        queued += 1
        queue.put_nowait((addr, depth))

    for s in seed_dropped:
        out.skipped.append((s, f"{s} is excluded; seed"))
        visited.add(s)
    for s in seed_todo:
        enqueue(s, 0, "seed")

    async def run_one(addr: str) -> ScanResult:
        r = collect(addr)
        if inspect.isawaitable(r):
            r = await r
        return r

    async def worker() -> None:
        while True:
            addr, depth = await queue.get()
            try:
                res = await run_one(addr)
                out.results.append(res)
                out.depth[addr] = depth
                dev = res.device
                if dev is not None:
                    visited.update(dev.addresses)
                    for ident in (dev.chassis_mac, dev.hostname):
                        if ident:
                            known_ids.add(ident.lower())
                    for n in dev.neighbors:
                        who = n.remote_name or n.remote_chassis_id or "?"
                        if not follow(n):
                            out.leaves.append((dev.hostname or addr, n))
                            continue
                        if not n.remote_mgmt_ip:
                            out.skipped.append((who, "no management address"))
                            continue
                        ids = {x.lower() for x in (n.remote_chassis_id, n.remote_name) if x}
                        if ids & known_ids and n.remote_mgmt_ip not in visited:
                            visited.add(n.remote_mgmt_ip)  # already collected via another address
                            continue
                        enqueue(n.remote_mgmt_ip, depth + 1, f"neighbour of {dev.hostname or addr}")
                if progress:
                    progress(len(out.results), queued, addr)
            finally:
                queue.task_done()

    workers = [asyncio.create_task(worker()) for _ in range(max(1, concurrency))]
    try:
        await queue.join()
    finally:
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    return out


def crawl_sync(seeds: Sequence[str], collect: Collector, **kw: object) -> CrawlResult:
    """:func:`crawl` for callers without an event loop."""
    return asyncio.run(crawl(seeds, collect, **kw))  # type: ignore[arg-type]
