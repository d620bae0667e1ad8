"""Generic neighbour crawl: breadth-first over LLDP/CDP management addresses.

Protocol-agnostic on purpose: SNMP and SSH each supply a ``collect(target) -> ScanResult``; this
module only decides whom to visit next. The walk is bounded by a scope (only addresses inside
these networks are ever contacted), excludes, a depth limit and a queue limit, so a crawl can
never wander off campus. Devices already seen under another address (same hostname or chassis
MAC) are not visited twice, so loops and multi-homed switches terminate.

Each level of the BFS is collected concurrently (``concurrency`` threads). Results are yielded as
they complete; a failure on one device is just its ScanResult and the crawl goes on.

Must not import ``cmdb`` or any scanner module.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from netcmdb.discovery import normalize
from netcmdb.discovery.facts import NeighborFact, ScanResult
from netcmdb.errors import ScopeError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(items: Iterable[str], what: str) -> list[Network]:
    out: list[Network] = []
    for item in items:
        try:
            out.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise ScopeError(f"bad {what} network {item!r} (expected CIDR like 10.0.0.0/16)") from None
    return out


def _host_of(target: str) -> str:
    t = target.strip()
    if t.startswith("["):
        return t[1:].partition("]")[0]
    if t.count(":") == 1:
        return t.split(":")[0]
    return t


def _follow_all(n: NeighborFact) -> bool:
    return bool(n.remote_mgmt_ip)


def crawl(
    seeds: Sequence[str],
    collect: Callable[[str], ScanResult],
    *,
    scope: Sequence[str],
    excludes: Sequence[str] = (),
    max_depth: int = 3,
    max_queue: int = 1000,
    follow: Callable[[NeighborFact], bool] = _follow_all,
    concurrency: int = 1,
    progress: Callable[[int, int, str], None] | None = None,
) -> Iterator[ScanResult]:
    """Visit ``seeds`` and then, level by level, the management addresses of their neighbours.

    Args:
        seeds: start targets (always collected, even outside ``scope``: the user named them).
        collect: collects one target; must not raise for device problems.
        scope: CIDRs a neighbour address must fall in to be followed.
        excludes: CIDRs never contacted (also applied to seeds).
        max_depth: 0 collects only the seeds; 1 also their direct neighbours, and so on.
        max_queue: most targets the crawl will ever schedule (seeds included).
        follow: decides per neighbour whether it is worth visiting (e.g. not a phone).
        concurrency: devices collected at once within a level.
        progress: ``progress(done, scheduled, target)`` after each device.

    Yields:
        One ScanResult per visited target. A device's ``extra`` gains ``crawl_depth`` and
        ``crawl_via`` (the device whose neighbour table pointed at it). When limits cut the walk
        short, a warning on the reporting device says how many neighbours were not followed.

    Raises:
        ScopeError: a scope/exclude entry is not a network.
    """
    if max_depth < 0:
        raise ScopeError("max_depth must be >= 0")
    scope_nets = _networks(scope, "scope")
    exclude_nets = _networks(excludes, "exclude")

    def excluded(host: str) -> bool:
        try:
            addr = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(addr in n for n in exclude_nets)

    def in_scope(host: str) -> bool:
        try:
            addr = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(addr in n for n in scope_nets)

    scheduled: set[str] = set()
    seen_names: set[str] = set()
    seen_chassis: set[str] = set()
    queued_names: set[str] = set()
    level: list[tuple[str, str | None]] = []
    for seed in seeds:
        host = _host_of(seed)
        if host in scheduled or excluded(host) or len(scheduled) >= max_queue:
            continue
        scheduled.add(host)
        level.append((seed, None))

    done = 0
    depth = 0
    workers = max(1, concurrency)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="netcmdb-crawl") as pool:
        while level:
            futures: dict[Future[ScanResult], str | None] = {
                pool.submit(collect, target): via for target, via in level
            }
            next_level: list[tuple[str, str | None]] = []
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    res = fut.result()
                    done += 1
                    dev = res.device
                    if dev is not None:
                        dev.extra["crawl_depth"] = str(depth)
                        if futures[fut]:
                            dev.extra["crawl_via"] = futures[fut] or ""
                        if dev.hostname:
                            seen_names.add(normalize.short_hostname(dev.hostname).lower())
                        if dev.chassis_mac:
                            seen_chassis.add(dev.chassis_mac)
                    if dev is not None and depth < max_depth:
                        dropped = 0
                        for n in dev.neighbors:
                            ip = n.remote_mgmt_ip
                            if not ip or ip in scheduled or excluded(ip) or not in_scope(ip):
                                continue
                            name = normalize.short_hostname(n.remote_name).lower() if n.remote_name else None
                            if (name and (name in seen_names or name in queued_names)) or (
                                n.remote_chassis_id and n.remote_chassis_id in seen_chassis
                            ):
                                continue
                            if not follow(n):
                                continue
                            if len(scheduled) >= max_queue:
                                dropped += 1
                                continue
                            scheduled.add(ip)
                            if name:
                                queued_names.add(name)
                            next_level.append((ip, res.target))
                        if dropped:
                            dev.warnings.append(
                                f"crawl: queue limit {max_queue} reached; {dropped} neighbour(s) "
                                "not followed"
                            )
                    if progress:
                        progress(done, len(scheduled), res.target)
                    yield res
            level = next_level
            depth += 1
