"""Host discovery sweeps: ARP (layer 2), ICMP echo, and TCP connect probes.

The first thing an admin runs is "what is alive on 10.20.0.0/16". These scanners answer that fast
and politely: every probe takes a token from a rate limiter, unanswered targets get a bounded
number of retries, and the wait after each round adapts to the RTTs seen (see
:mod:`netcmdb.discovery.ratelimit`). One :class:`ScanResult` is yielded per target; a target that
did not answer gets ``error_kind="timeout"``, so a dead or hostile host never stops a sweep.

Why raw sockets instead of scapy here: importing scapy alone takes 0.6-1.7 s and its per-packet
dissection is slow, more than the whole budget of an ARP sweep of a /24 (<= 1 s). An ARP request
is 42 bytes and an echo request 8 bytes plus payload, so the frames are packed with ``struct`` and
sent on an ``AF_PACKET`` socket (ARP) or a raw ``IPPROTO_ICMP`` socket (ICMP: the kernel does ARP,
which also fills its neighbour table, so ICMP results carry MACs on the local segment too). The
tests capture the traffic with scapy/tcpdump and check it independently.

Without root (no CAP_NET_RAW) ICMP falls back to unprivileged ICMP datagram sockets
(``net.ipv4.ping_group_range``) or to ``ping`` subprocesses, and says so in :attr:`notes`; ARP
needs root and says so.

Must not import the CMDB or the CLI; never prints (progress goes through ``options.progress``).
"""

from __future__ import annotations

import errno
import os
import queue
import select
import shutil
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from netcmdb.discovery.base import ScanOptions, register_scanner
from netcmdb.discovery.facts import DeviceFact, ScanResult, Source
from netcmdb.discovery.normalize import mac_vendors
from netcmdb.discovery.ratelimit import ProbePolicy, TokenBucket
from netcmdb.errors import N_, DiscoveryError
from netcmdb.net.normalize import mac_from_bytes
from netcmdb.net.scope import ScopeRules, cleared


def norm_mac(raw: bytes) -> str:
    """``aa:bb:cc:dd:ee:ff`` from 6 bytes (``net.normalize.mac_from_bytes``; no netaddr import
    on the sweep's hot path)."""
    return mac_from_bytes(raw)


def mac_vendor(value: str) -> str | None:
    from netcmdb.discovery.normalize import mac_vendor as lookup

    return lookup(value)


ETH_P_ARP = 0x0806
ETH_P_IP = 0x0800
BROADCAST = b"\xff" * 6
RCVBUF = 4 << 20


def _policy(options: ScanOptions, min_wait_s: float = 0.25) -> ProbePolicy:
    """Policy from the options. ``min_wait_s`` defaults per scanner: an L3 probe (ICMP/TCP) to
    an address missing from the neighbour cache costs an ARP exchange first, i.e. two RTTs, so
    those scanners wait twice as long after their last round as the ARP sweep does."""
    return ProbePolicy(
        timeout_s=options.timeout_s,
        retries=max(0, options.retries),
        min_wait_s=min(options.timeout_s, float(options.extra.get("min_wait_s", min_wait_s))),
    )


def _progress(options: ScanOptions, done: int, total: int, msg: str) -> None:
    if options.progress is not None:
        options.progress(done, total, msg)


# ---------------------------------------------------------------------------------------------
# The round engine shared by ARP and ICMP: send to everyone pending (rate-limited), drain replies
# while waiting for tokens, wait an adaptive time, retry the silent ones.
# ---------------------------------------------------------------------------------------------

SendFn = Callable[[str], None]
RecvFn = Callable[[float], list[tuple[str, dict[str, object]]]]


@dataclass(slots=True)
class Reply:
    rtt_s: float
    info: dict[str, object]


def run_rounds(
    targets: Sequence[str],
    send: SendFn,
    recv: RecvFn,
    *,
    policy: ProbePolicy,
    bucket: TokenBucket,
    options: ScanOptions,
    label: str,
    errors: dict[str, str] | None = None,
) -> dict[str, Reply]:
    """Probe ``targets`` in rounds; return the first reply of each target that answered.

    ``send`` raises ``OSError`` for a target it could not send to (recorded in ``errors`` and
    retried next round); ``recv(timeout)`` returns ``(ip, info)`` pairs that arrived.
    """
    answered: dict[str, Reply] = {}
    sent_at: dict[str, float] = {}
    wanted = set(targets)
    total = len(targets)
    errors = errors if errors is not None else {}

    def drain(timeout: float) -> None:
        for ip, info in recv(max(0.0, timeout)):
            if ip in wanted and ip not in answered and ip in sent_at:
                answered[ip] = Reply(time.monotonic() - sent_at[ip], info)
                _progress(options, len(answered), total, f"{label}: {ip} is up")

    full_rate = bucket.rate
    streak = 0
    for rnd in range(policy.retries + 1):
        pending = [t for t in targets if t not in answered]
        if not pending:
            break
        for n, ip in enumerate(pending):
            give_up = time.monotonic() + max(3.0, policy.timeout_s)
            while True:
                delay = bucket.delay()
                if delay > 0:  # sleep for a few tokens at a time: fewer wake-ups under load
                    drain(max(delay, min(0.005, 5 / bucket.rate)))
                bucket.take()
                sent_at[ip] = time.monotonic()
                try:
                    send(ip)
                    errors.pop(ip, None)
                except OSError as exc:
                    if exc.errno == errno.ENOBUFS and time.monotonic() < give_up:
                        # The kernel's neighbour table (shared by all namespaces, gc_thresh3)
                        # or a queue is full: back off multiplicatively, let entries expire,
                        # and try the same target again (every target still gets its probe).
                        bucket.rate = max(20.0, bucket.rate / 2)
                        streak = 0
                        drain(0.05)
                        continue
                    errors[ip] = N_("send failed: {why}", why=exc.strerror or str(exc))
                break
            streak += 1
            if streak >= 64 and bucket.rate < full_rate:  # additive recovery
                bucket.rate = min(full_rate, bucket.rate + full_rate / 8)
                streak = 0
            if n % 32 == 31:
                drain(0.0)
        deadline = time.monotonic() + policy.round_wait(
            [r.rtt_s for r in answered.values()], final=rnd == policy.retries
        )
        while len(answered) < total:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            drain(left)
        _progress(options, len(answered), total, f"{label}: round {rnd + 1} done")
    return answered


# ---------------------------------------------------------------------------------------------
# Local routing facts without scapy: which interface reaches an address, and is it on-link?
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Route:
    iface: str
    network: int
    mask: int
    gateway: int


def ipv4_routes(path: str = "/proc/net/route") -> list[Route]:
    """IPv4 routes of this network namespace, most specific first."""
    routes = []
    try:
        lines = Path(path).read_text().splitlines()[1:]
    except OSError:
        return []
    for line in lines:
        f = line.split()
        if len(f) < 8:
            continue
        dest, gw, mask = (struct.unpack("<I", bytes.fromhex(x))[0] for x in (f[1], f[2], f[7]))
        routes.append(Route(f[0], dest, mask, gw))  # already host order (little-endian text)
    routes.sort(key=lambda r: -bin(r.mask).count("1"))
    return routes


def route_for(ip: str, routes: Sequence[Route]) -> Route | None:
    n = struct.unpack("!I", socket.inet_aton(ip))[0]
    for r in routes:
        if n & r.mask == r.network:
            return r
    return None


def source_ip_for(ip: str) -> str:
    """The address the kernel would send from to reach ``ip`` (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((ip, 9))
        return str(s.getsockname()[0])


def iface_mac(iface: str) -> bytes:
    return bytes.fromhex(
        Path(f"/sys/class/net/{iface}/address").read_text().strip().replace(":", "")
    )


def kernel_neighbours(path: str = "/proc/net/arp") -> dict[str, str]:
    """IP -> MAC of complete entries in this namespace's ARP table."""
    out: dict[str, str] = {}
    try:
        lines = Path(path).read_text().splitlines()[1:]
    except OSError:
        return out
    for line in lines:
        f = line.split()
        if len(f) >= 4 and f[2] != "0x0" and f[3] != "00:00:00:00:00:00":
            out[f[0]] = f[3].lower()
    return out


def _is_ipv4(ip: str) -> bool:
    try:
        socket.inet_aton(ip)
        return ip.count(".") == 3
    except OSError:
        return False


def _have_raw() -> bool:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()
        return True
    except PermissionError:
        return False


# ---------------------------------------------------------------------------------------------
# Enrichment shared by all sweeps: MAC vendor (offline), reverse DNS, NetBIOS name.
# ---------------------------------------------------------------------------------------------


def reverse_dns(ips: Sequence[str], *, budget_s: float = 2.0, workers: int = 16) -> dict[str, str]:
    """PTR names for ``ips`` using the system resolver (``/etc/hosts`` first, as nsswitch says).

    Bounded: whatever has not resolved after ``budget_s`` is skipped, so an unreachable DNS
    server costs at most the budget, not 5 s per host. Daemon threads, so a stuck lookup
    never delays process exit.
    """
    if not ips:
        return {}
    todo: queue.SimpleQueue[str | None] = queue.SimpleQueue()
    done: queue.SimpleQueue[tuple[str, str | None]] = queue.SimpleQueue()
    for ip in ips:
        todo.put(ip)

    def worker() -> None:
        while True:
            try:
                ip = todo.get_nowait()
            except queue.Empty:
                return
            if ip is None:
                return
            try:
                name: str | None = socket.gethostbyaddr(ip)[0]
            except (OSError, UnicodeError):
                name = None
            done.put((ip, name))

    for _ in range(min(workers, len(ips))):
        threading.Thread(target=worker, daemon=True, name="rdns").start()
    out: dict[str, str] = {}
    deadline = time.monotonic() + budget_s
    for _ in range(len(ips)):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            ip, name = done.get(timeout=left)
        except queue.Empty:
            break
        if name and name != ip:
            out[ip] = name
    return out


def _nb_encode(name: bytes) -> bytes:
    name = name.ljust(16, b"\x00")[:16]
    return bytes(c for b in name for c in (0x41 + (b >> 4), 0x41 + (b & 0x0F)))


NBSTAT_QUERY_TAIL = b"\x20" + _nb_encode(b"*") + b"\x00" + b"\x00\x21\x00\x01"


def nbstat_query(txid: int) -> bytes:
    """A NetBIOS node status (NBSTAT, RFC 1002 4.2.17) request for the wildcard name ``*``."""
    return struct.pack("!HHHHHH", txid & 0xFFFF, 0, 1, 0, 0, 0) + NBSTAT_QUERY_TAIL


def parse_nbstat(data: bytes) -> tuple[str | None, str | None, str | None]:
    """``(computer name, workgroup, MAC)`` from an NBSTAT response; Nones for what is absent.

    Untrusted input: any truncation or nonsense gives ``(None, None, None)``, never an error.
    """
    try:
        if len(data) < 12 or not data[2] & 0x80:
            return None, None, None
        pos = 12
        # answer name: either a label sequence or a compression pointer
        while pos < len(data):
            ln = data[pos]
            if ln == 0:
                pos += 1
                break
            if ln & 0xC0 == 0xC0:
                pos += 2
                break
            pos += 1 + ln
        rtype, _cls, _ttl, _rdlen = struct.unpack_from("!HHIH", data, pos)
        pos += 10
        if rtype != 0x21:
            return None, None, None
        count = data[pos]
        pos += 1
        name = group = None
        for _ in range(count):
            raw = data[pos : pos + 18]
            if len(raw) < 18:
                break
            pos += 18
            label = raw[:15].decode("ascii", "replace").rstrip(" \x00")
            suffix, flags = raw[15], struct.unpack("!H", raw[16:18])[0]
            if suffix == 0x00 and not flags & 0x8000 and name is None:
                name = label
            elif suffix == 0x00 and flags & 0x8000 and group is None:
                group = label
        unit = data[pos : pos + 6]
        mac = norm_mac(unit) if len(unit) == 6 and any(unit) else None
        return (name or None), (group or None), mac
    except (IndexError, struct.error, ValueError):
        return None, None, None


def netbios_names(
    ips: Sequence[str],
    *,
    bucket: TokenBucket,
    wait_s: float = 0.5,
    rules: ScopeRules | None = None,
) -> dict[str, tuple[str | None, str | None, str | None]]:
    """Ask each of ``ips`` for its NetBIOS node status on UDP 137; wait at most ``wait_s``.

    ``ips`` pass the send-level scope gate (:func:`netcmdb.net.scope.cleared`, ``rules``: default
    private addresses only) before the socket is opened.

    Raises:
        ScopeError: an address is refused; nothing is sent.
    """
    out: dict[str, tuple[str | None, str | None, str | None]] = {}
    ips = cleared(ips, rules)
    if not ips:
        return out
    want = set(ips)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setblocking(False)
        txid = os.getpid() & 0xFFFF
        for ip in ips:
            bucket.take()
            try:
                s.sendto(nbstat_query(txid), (ip, 137))
            except OSError:
                continue
        deadline = time.monotonic() + wait_s
        while len(out) < len(want):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                break
            try:
                data, (src, _port) = s.recvfrom(2048)
            except OSError:
                continue
            if src in want and len(data) >= 2 and struct.unpack("!H", data[:2])[0] == txid:
                out[src] = parse_nbstat(data)
    return out


def enrich(facts: Sequence[DeviceFact], options: ScanOptions, bucket: TokenBucket) -> None:
    """Fill vendor (OUI), reverse DNS (``extra['resolve']``, default on) and NetBIOS names
    (``extra['netbios']``, default off: one extra UDP packet per live host)."""
    vendors = mac_vendors([f.mac for f in facts if f.mac and not f.mac_vendor])
    for f in facts:
        if f.mac and not f.mac_vendor:
            f.mac_vendor = vendors.get(f.mac)
    ips = [f.ip for f in facts if f.ip]
    if options.extra.get("resolve", True) and ips:
        names = reverse_dns(ips, budget_s=float(options.extra.get("dns_budget_s", 2.0)))
        for f in facts:
            if f.ip in names:
                f.dns_name = names[f.ip]
    if options.extra.get("netbios", False) and ips:
        nb = netbios_names(
            [i for i in ips if _is_ipv4(i)],
            bucket=bucket,
            wait_s=min(options.timeout_s, 1.0),
            rules=options.rules,
        )
        for f in facts:
            if f.ip in nb:
                name, group, mac = nb[f.ip]
                if name:
                    f.netbios_name = name
                    f.hostname = f.hostname or name
                if group:
                    f.extra["netbios_workgroup"] = group
                if mac and not f.mac:
                    f.mac = mac
                    f.mac_vendor = mac_vendor(mac)


def _guard(
    targets: Sequence[str], options: ScanOptions
) -> tuple[list[str], list[str], dict[str, str]]:
    """The scope check before the first packet (:func:`netcmdb.discovery.base.guard`), whoever
    calls the scanner: ``(every target, the ones to probe, {excluded target: why})``.

    Raises:
        ScopeError: a refused target (public, multicast/broadcast, too many, not an address).
    """
    from netcmdb.discovery.base import guard

    kept, dropped = guard(targets, options, names=False)
    errors: dict[str, str] = {t: N_("excluded from the scan scope; not probed") for t in dropped}
    return kept + dropped, kept, errors


def _results(
    targets: Sequence[str],
    facts: dict[str, DeviceFact],
    errors: dict[str, str],
    dead_msg: str,
    started: float,
) -> Iterator[ScanResult]:
    took = time.monotonic() - started
    for t in targets:
        if t in facts:
            yield ScanResult(t, device=facts[t], duration_s=took)
        elif t in errors:
            kind = (
                "unreachable"
                if "segment" in errors[t] or "route" in errors[t]
                else "excluded"
                if errors[t].startswith("excluded")
                else "other"
            )
            yield ScanResult(t, error=errors[t], error_kind=kind, duration_s=took)
        else:
            yield ScanResult(t, error=dead_msg, error_kind="timeout", duration_s=took)


# ---------------------------------------------------------------------------------------------
# ARP
# ---------------------------------------------------------------------------------------------


def arp_request(src_mac: bytes, src_ip: str, dst_ip: str) -> bytes:
    """An Ethernet broadcast ARP who-has frame (RFC 826)."""
    return (
        BROADCAST
        + src_mac
        + struct.pack("!H", ETH_P_ARP)
        + struct.pack("!HHBBH", 1, ETH_P_IP, 6, 4, 1)
        + src_mac
        + socket.inet_aton(src_ip)
        + b"\x00" * 6
        + socket.inet_aton(dst_ip)
    )


def parse_arp_reply(frame: bytes, my_ip: bytes) -> tuple[str, str] | None:
    """``(sender ip, sender mac)`` of an ARP reply addressed to ``my_ip``, else None."""
    if len(frame) < 42 or frame[12:14] != b"\x08\x06":
        return None
    htype, ptype, hlen, plen, op = struct.unpack_from("!HHBBH", frame, 14)
    if op != 2 or hlen != 6 or plen != 4 or ptype != ETH_P_IP:
        return None
    if frame[38:42] != my_ip:
        return None
    return socket.inet_ntoa(frame[28:32]), norm_mac(frame[22:28])


def split_by_route(
    targets: Sequence[str],
) -> tuple[dict[str, list[str]], list[str], dict[str, str]]:
    """``(on-link targets by interface, routed targets, errors)`` from this namespace's routes."""
    routes = ipv4_routes()
    by_iface: dict[str, list[str]] = {}
    routed: list[str] = []
    errors: dict[str, str] = {}
    for t in targets:
        if not _is_ipv4(t):
            errors[t] = N_("ARP is IPv4 only; not on an IPv4 segment")
            continue
        r = route_for(t, routes)
        if r is None:
            errors[t] = N_("no route to this address from the scanner")
        elif r.gateway:
            routed.append(t)
            errors[t] = N_(
                "not on a directly connected segment (via gateway {gateway}); use --icmp",
                gateway=socket.inet_ntoa(struct.pack("!I", r.gateway)),
            )
        else:
            by_iface.setdefault(r.iface, []).append(t)
    return by_iface, routed, errors


def arp_sweep_iface(
    iface: str,
    ips: list[str],
    policy: ProbePolicy,
    bucket: TokenBucket,
    options: ScanOptions,
    errors: dict[str, str],
) -> dict[str, DeviceFact]:
    """ARP who-has for ``ips`` on ``iface`` (one AF_PACKET socket, rounds, adaptive waits).

    ``ips`` pass the send-level scope gate (:func:`netcmdb.net.scope.cleared` with
    ``options.rules``) before the socket is opened, whoever calls.

    Raises:
        ScopeError: an address is refused; nothing is sent.
        DiscoveryError: no CAP_NET_RAW (not root).
    """
    ips = cleared(ips, options.rules)
    if not ips:
        return {}
    try:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    except PermissionError:
        raise DiscoveryError(
            "ARP sweeps need root (raw layer-2 socket); run as root or use --icmp / --tcp instead"
        ) from None
    facts: dict[str, DeviceFact] = {}
    with sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        sock.bind((iface, ETH_P_ARP))
        sock.setblocking(False)
        src_mac = iface_mac(iface)
        src_ip = source_ip_for(ips[0])
        my_ip = socket.inet_aton(src_ip)
        head = (
            BROADCAST
            + src_mac
            + struct.pack("!H", ETH_P_ARP)
            + struct.pack("!HHBBH", 1, ETH_P_IP, 6, 4, 1)
            + src_mac
            + my_ip
            + b"\x00" * 6
        )
        self_hit = [ip for ip in ips if ip == src_ip]
        probe = [ip for ip in ips if ip != src_ip]

        def send(ip: str) -> None:
            sock.send(head + socket.inet_aton(ip))

        def recv(timeout: float) -> list[tuple[str, dict[str, object]]]:
            out: list[tuple[str, dict[str, object]]] = []
            if timeout > 0 and not select.select([sock], [], [], timeout)[0]:
                return out
            while True:
                try:
                    frame = sock.recv(128)
                except BlockingIOError:
                    return out
                hit = parse_arp_reply(frame, my_ip)
                if hit:
                    out.append((hit[0], {"mac": hit[1]}))

        replies = run_rounds(
            probe,
            send,
            recv,
            policy=policy,
            bucket=bucket,
            options=options,
            label=f"arp {iface}",
            errors=errors,
        )
    for ip, rep in replies.items():
        facts[ip] = DeviceFact(
            source=Source.ARP,
            ip=ip,
            mac=str(rep.info["mac"]),
            rtt_ms=round(rep.rtt_s * 1000, 3),
            addresses=[ip],
            extra={"interface": iface},
        )
    for ip in self_hit:
        facts[ip] = DeviceFact(
            source=Source.ARP,
            ip=ip,
            mac=norm_mac(src_mac),
            addresses=[ip],
            extra={"interface": iface, "self": "true"},
        )
    return facts


#: Up to this many on-link targets, L3 sweeps let the kernel ARP (like ``nmap --send-ip``);
#: beyond it they ARP themselves first (see :func:`onlink_prefilter`).
KERNEL_ARP_MAX = 256


def onlink_prefilter(
    targets: Sequence[str], options: ScanOptions, bucket: TokenBucket
) -> tuple[list[str], dict[str, str]] | None:
    """For L3 sweeps as root: ``(targets worth probing, MAC of each on-link one)``, or None.

    An ICMP or TCP probe to an on-link address makes the kernel ARP for it first: three
    who-has per dead address over three seconds, and an INCOMPLETE entry in the neighbour table
    (shared by every namespace, ``gc_thresh3`` = 1024 by default) that makes a /22 sweep fail
    with ENOBUFS. The wire sees ARP for every target either way, so we ARP once ourselves
    (the same who-has frames, one retry) and send L3 probes only to addresses that answered,
    plus every routed address. Returns None (the caller probes everything and the kernel ARPs)
    without CAP_NET_RAW, or when at most :data:`KERNEL_ARP_MAX` targets are on-link: a /24's
    worth of entries fits the table, and one round trip less makes that case faster.
    """
    if not _have_raw():
        return None
    by_iface, routed, _errors = split_by_route(targets)
    if sum(len(v) for v in by_iface.values()) <= KERNEL_ARP_MAX:
        return None  # few on-link targets: the kernel's neighbour table copes, and is faster
    policy = _policy(options)
    macs: dict[str, str] = {}
    for iface, ips in by_iface.items():
        for ip, fact in arp_sweep_iface(iface, ips, policy, bucket, options, {}).items():
            if fact.mac and not fact.extra.get("self"):
                macs[ip] = fact.mac
    keep = set(macs) | set(routed)
    return [t for t in targets if t in keep or not _is_ipv4(t)], macs


@register_scanner("arp")
class ArpScanner:
    """ARP who-has to every target on a directly connected Ethernet segment (needs root).

    Targets behind a router cannot be reached by ARP; they get an ``unreachable`` result that says
    to use ``--icmp``. The scanner's own address, if targeted, is reported with its own MAC.
    """

    name = "arp"

    def __init__(self) -> None:
        self.notes: list[str] = []

    def scan(self, targets: Sequence[str], options: ScanOptions) -> Iterator[ScanResult]:
        started = time.monotonic()
        targets, allowed, skipped = _guard(targets, options)
        by_iface, _routed, errors = split_by_route(allowed)
        errors.update(skipped)
        policy, bucket = _policy(options), TokenBucket(options.rate_pps)
        facts: dict[str, DeviceFact] = {}
        for iface, ips in by_iface.items():
            facts.update(arp_sweep_iface(iface, ips, policy, bucket, options, errors))
        enrich(list(facts.values()), options, bucket)
        yield from _results(
            targets,
            facts,
            errors,
            N_("no ARP reply ({tries} tries)", tries=policy.retries + 1),
            started,
        )


# ---------------------------------------------------------------------------------------------
# ICMP
# ---------------------------------------------------------------------------------------------


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def echo_request(ident: int, seq: int, payload: bytes = b"netcmdb-sweep\x00\x00\x00") -> bytes:
    """ICMP echo request (type 8) with a correct checksum."""
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident & 0xFFFF, seq & 0xFFFF)
    return (
        struct.pack("!BBHHH", 8, 0, _checksum(hdr + payload), ident & 0xFFFF, seq & 0xFFFF)
        + payload
    )


@register_scanner("icmp")
class IcmpScanner:
    """ICMP echo sweep. Root: one raw socket, the kernel ARPs (so MACs of local hosts come from
    its neighbour table). Not root: ICMP datagram sockets, else ``ping`` subprocesses; the
    method used is named in :attr:`notes` and in each fact's ``extra['icmp_method']``.
    ``options.extra['icmp_method']`` (raw | dgram | ping) forces one, for tests."""

    name = "icmp"

    def __init__(self) -> None:
        self.notes: list[str] = []
        self.method = ""

    def _choose(self, options: ScanOptions) -> str:
        forced = options.extra.get("icmp_method")
        if forced:
            return str(forced)
        if _have_raw():
            return "raw"
        try:
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP).close()
            self.notes.append(
                N_(
                    "icmp: not root, using unprivileged ICMP datagram sockets "
                    "(net.ipv4.ping_group_range)"
                )
            )
            return "dgram"
        except OSError:
            pass
        if shutil.which("ping"):
            self.notes.append(
                N_(
                    "icmp: not root and ICMP datagram sockets are not allowed "
                    "(net.ipv4.ping_group_range); using ping subprocesses (slower)"
                )
            )
            return "ping"
        raise DiscoveryError(
            "ICMP sweeps need root, net.ipv4.ping_group_range covering your "
            "group, or the ping tool; none is available"
        )

    def scan(self, targets: Sequence[str], options: ScanOptions) -> Iterator[ScanResult]:
        started = time.monotonic()
        targets, allowed, errors = _guard(targets, options)
        self.method = method = self._choose(options)
        v4 = [t for t in allowed if _is_ipv4(t)]
        for t in allowed:
            if t not in v4:
                errors[t] = N_("ICMPv6 sweeps are not supported yet; not on an IPv4 route")
        policy, bucket = _policy(options, 0.5), TokenBucket(options.rate_pps)
        probe: list[str] = v4
        neigh: dict[str, str] = {}
        pre = (
            onlink_prefilter(v4, options, bucket)
            if method == "raw" and options.extra.get("arp_prefilter", True)
            else None
        )
        if pre is not None:
            probe, neigh = pre
        if method == "ping":
            replies = _ping_subprocesses(probe, policy, bucket, options)
        else:
            replies = self._socket_sweep(probe, method, policy, bucket, options, errors)
        neigh = {**kernel_neighbours(), **neigh}
        facts: dict[str, DeviceFact] = {}
        for ip, rep in replies.items():
            f = DeviceFact(
                source=Source.ICMP,
                ip=ip,
                rtt_ms=round(rep.rtt_s * 1000, 3),
                addresses=[ip],
                extra={"icmp_method": method},
            )
            if "ttl" in rep.info:
                f.extra["ttl"] = str(rep.info["ttl"])
            if ip in neigh:
                f.mac = neigh[ip]
            facts[ip] = f
        enrich(list(facts.values()), options, bucket)
        yield from _results(
            targets,
            facts,
            errors,
            N_("no ICMP echo reply ({tries} tries)", tries=policy.retries + 1),
            started,
        )

    def _socket_sweep(
        self,
        ips: list[str],
        method: str,
        policy: ProbePolicy,
        bucket: TokenBucket,
        options: ScanOptions,
        errors: dict[str, str],
    ) -> dict[str, Reply]:
        ips = cleared(ips, options.rules)  # the send-level scope gate, whoever calls
        if not ips:
            return {}
        kind = socket.SOCK_RAW if method == "raw" else socket.SOCK_DGRAM
        try:
            sock = socket.socket(socket.AF_INET, kind, socket.IPPROTO_ICMP)
        except PermissionError:
            raise DiscoveryError(
                (
                    "ICMP {method} sockets are not permitted here; run as root or let the icmp "
                    "scanner pick its unprivileged fallback"
                ),
                method=method,
            ) from None
        ident = os.getpid() & 0xFFFF
        seqs = {ip: i & 0xFFFF for i, ip in enumerate(ips)}
        packets = {ip: echo_request(ident, seqs[ip]) for ip in ips}
        raw = method == "raw"
        with sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
            sock.setblocking(False)

            def send(ip: str) -> None:
                try:
                    sock.sendto(packets[ip], (ip, 0))
                except BlockingIOError:
                    select.select([], [sock], [], 0.05)
                    sock.sendto(packets[ip], (ip, 0))

            def recv(timeout: float) -> list[tuple[str, dict[str, object]]]:
                out: list[tuple[str, dict[str, object]]] = []
                if timeout > 0 and not select.select([sock], [], [], timeout)[0]:
                    return out
                while True:
                    try:
                        data, addr = sock.recvfrom(2048)
                    except BlockingIOError:
                        return out
                    except OSError as exc:  # queued ICMP errors on the socket
                        if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ECONNREFUSED):
                            continue
                        return out
                    info: dict[str, object] = {}
                    if raw:
                        ihl = (data[0] & 0x0F) * 4
                        info["ttl"] = data[8]
                        data = data[ihl:]
                    if len(data) < 8:
                        continue
                    typ, code, _ck, rid, rseq = struct.unpack_from("!BBHHH", data)
                    src = addr[0]
                    if typ != 0 or code != 0 or seqs.get(src) != rseq:
                        continue
                    if raw and rid != ident:
                        continue
                    out.append((src, info))

            return run_rounds(
                ips,
                send,
                recv,
                policy=policy,
                bucket=bucket,
                options=options,
                label=f"icmp/{method}",
                errors=errors,
            )


def _ping_subprocesses(
    ips: list[str], policy: ProbePolicy, bucket: TokenBucket, options: ScanOptions
) -> dict[str, Reply]:
    """Last resort without privileges: one ``ping -c 1`` per target and try, concurrently.

    Raises:
        ScopeError: an address is refused by ``options.rules``; no ping is started.
    """

    import asyncio

    ips = cleared(ips, options.rules)  # the send-level scope gate, whoever calls

    async def one(ip: str, sem: asyncio.Semaphore) -> tuple[str, Reply | None]:
        for _ in range(policy.retries + 1):
            async with sem:
                await bucket.acquire()
                t0 = time.monotonic()
                proc = await asyncio.create_subprocess_exec(
                    "ping",
                    "-n",
                    "-q",
                    "-c",
                    "1",
                    "-W",
                    str(max(1, round(policy.timeout_s))),
                    ip,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                )
                if await proc.wait() == 0:
                    return ip, Reply(time.monotonic() - t0, {})
        return ip, None

    async def main() -> dict[str, Reply]:
        sem = asyncio.Semaphore(max(1, options.concurrency))
        out: dict[str, Reply] = {}
        tasks = [asyncio.ensure_future(one(ip, sem)) for ip in ips]
        for n, fut in enumerate(asyncio.as_completed(tasks), 1):
            ip, rep = await fut
            if rep is not None:
                out[ip] = rep
            _progress(options, n, len(ips), f"icmp/ping: {ip}")
        return out

    return asyncio.run(main()) if ips else {}


# ---------------------------------------------------------------------------------------------
# TCP connect
# ---------------------------------------------------------------------------------------------

DEFAULT_TCP_PORTS = (22, 23, 80, 443, 445, 3389, 8080, 9100)


def parse_ports(text: str | Iterable[int]) -> list[int]:
    """``"22,80,8000-8010"`` -> sorted unique ports.

    >>> parse_ports("443,22,80-82")
    [22, 80, 81, 82, 443]

    Raises:
        ValueError: a port outside 1..65535 or unparsable text (the message names it).
    """
    if not isinstance(text, str):
        ports = {int(p) for p in text}
    else:
        ports = set()
        for part in text.replace(" ", "").split(","):
            if not part:
                continue
            lo, _, hi = part.partition("-")
            try:
                a, b = int(lo), int(hi or lo)
            except ValueError:
                raise ValueError(f"bad port {part!r}: write 22,80,8000-8010") from None
            if b < a:
                raise ValueError(f"bad port range {part!r}: the end is below the start")
            ports.update(range(a, b + 1))
    bad = [p for p in ports if not 1 <= p <= 65535]
    if bad:
        raise ValueError(f"bad port {bad[0]}: ports are 1-65535")
    if not ports:
        raise ValueError("no ports given")
    return sorted(ports)


@register_scanner("tcp")
class TcpScanner:
    """TCP connect probes of a port list (``options.extra['ports']``), banner-free: the
    connection is closed as soon as it is established. A host is alive if any port answered
    (open, or refused with a RST)."""

    name = "tcp"

    def __init__(self) -> None:
        self.notes: list[str] = []

    def scan(self, targets: Sequence[str], options: ScanOptions) -> Iterator[ScanResult]:
        started = time.monotonic()
        targets, allowed, skipped = _guard(targets, options)
        ports = parse_ports(options.extra.get("ports") or DEFAULT_TCP_PORTS)
        import asyncio  # lazily: importing asyncio costs 0.2 s an ARP sweep does not need

        policy, bucket = _policy(options, 0.5), TokenBucket(options.rate_pps)
        probe: list[str] = allowed
        macs: dict[str, str] = {}
        pre = (
            onlink_prefilter(allowed, options, bucket)
            if options.extra.get("arp_prefilter", True)
            else None
        )
        if pre is not None:
            probe, macs = pre
        state: dict[str, dict[int, str]] = {ip: {} for ip in targets}
        state.update(asyncio.run(self._run(probe, ports, policy, bucket, options)))
        facts: dict[str, DeviceFact] = {}
        errors: dict[str, str] = dict(skipped)
        for ip in allowed:
            opened = sorted(p for p, s in state[ip].items() if s == "open")
            answered = any(s in ("open", "closed") for s in state[ip].values())
            if answered:
                facts[ip] = DeviceFact(source=Source.TCP, ip=ip, open_ports=opened, addresses=[ip])
            elif any(s == "unreachable" for s in state[ip].values()):
                errors[ip] = N_("host unreachable (no ARP reply / no route)")
        neigh = {**kernel_neighbours(), **macs}
        for ip, f in facts.items():
            f.mac = neigh.get(ip)
        enrich(list(facts.values()), options, bucket)
        yield from _results(
            targets,
            facts,
            errors,
            N_("no answer on TCP {ports}", ports=",".join(map(str, ports))),
            started,
        )

    async def _run(
        self,
        targets: list[str],
        ports: list[int],
        policy: ProbePolicy,
        bucket: TokenBucket,
        options: ScanOptions,
    ) -> dict[str, dict[int, str]]:
        import asyncio

        targets = cleared(targets, options.rules)  # the send-level scope gate, whoever calls
        # Enough connections in flight to use the rate budget while waiting out timeouts,
        # bounded well below the usual 1024 open-files limit.
        width = max(options.concurrency, min(512, int(options.rate_pps * policy.timeout_s)))
        state: dict[str, dict[int, str]] = {ip: {} for ip in targets}
        total = len(targets) * len(ports)
        done = 0

        async def probe(ip: str, port: int) -> None:
            nonlocal done
            result = "filtered"
            for _ in range(policy.retries + 1):
                await bucket.acquire()
                try:
                    _r, w = await asyncio.wait_for(
                        asyncio.open_connection(ip, port), policy.timeout_s
                    )
                except TimeoutError:
                    continue
                except ConnectionRefusedError:
                    result = "closed"
                    break
                except OSError as exc:
                    if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
                        result = "unreachable"
                        break
                    result = "error"
                    break
                w.transport.abort()  # banner-free: no read, no FIN dance
                result = "open"
                break
            state[ip][port] = result
            done += 1
            _progress(options, done, total, f"tcp {ip}:{port} {result}")

        # A fixed pool of workers pulling from one generator: memory stays flat for a
        # 65,536-host x many-port scan (one task per probe would be half a gigabyte).
        work = ((ip, p) for ip in targets for p in ports)

        async def worker() -> None:
            for ip, port in work:
                await probe(ip, port)

        await asyncio.gather(*(worker() for _ in range(max(1, min(width, total)))))
        return state
