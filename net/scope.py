"""Scope safety: the one place that decides which addresses netcmdb may contact.

Every method (ARP/ICMP/TCP sweeps, SNMP, SSH) and every crawl (SNMP or SSH over LLDP/CDP) goes
through this module before its first packet, so one syntax means one thing everywhere:

* **targets and excludes** are written the same way: an address (``10.0.0.1``), a CIDR
  (``10.0.0.0/24``; IPv4 /30 and shorter drop their network and broadcast addresses as targets,
  never as excludes), a range (``10.0.0.1-50`` or ``10.0.0.1-10.0.0.9``), ``@file`` (one or more
  specs per line, ``#`` comments), comma lists. SNMP/SSH targets may also be a host name or carry
  a port (``10.0.0.1:2222``, ``[fd00::1]:2222``, ``sw1:2222``); a name is resolved once and the
  checked address is the one contacted.
* **rules** (:class:`ScopeRules`): excludes win over everything; multicast, broadcast and the
  unspecified/"this network" addresses are never contacted; globally routed ("public")
  addresses need ``allow_public``; a scan larger than ``max_hosts`` (counted after excludes) is
  refused -- one expansion limit, :data:`DEFAULT_MAX_HOSTS`, for every method.
* **crawl scope** (:class:`CrawlScope`): where a crawl may follow a neighbour. Given scopes, else
  the configured ones, else (the bounded default) the non-public blocks the seeds sit in, e.g.
  ``10.0.0.0/8`` for a seed ``10.1.2.3``. A neighbour outside it is skipped with the reason.

Refusals are :class:`~netcmdb.errors.ScopeError` with one actionable line. Pure and stdlib only
(interval arithmetic on integers; no netaddr, whose import alone costs a tenth of an ARP sweep's
time budget); the only I/O is reading ``@file`` lists and the injected name resolver. Must not
import scanners, the CMDB or the CLI.

>>> expand(["10.0.0.1-3", "10.0.0.2"])
['10.0.0.1', '10.0.0.2', '10.0.0.3']
>>> expand(["192.168.1.0/30"])
['192.168.1.1', '192.168.1.2']
>>> expand(["10.99.255.1-4"], ["10.99.255.2-3"])
['10.99.255.1', '10.99.255.4']
>>> in_scope("10.0.0.7", ["10.0.0.0/24"], ["10.0.0.5-9"])
False
>>> ScopeRules().why_not("8.8.8.8")
'8.8.8.8 is public (internet-routed) address space; contacting it needs --allow-public'
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from netcmdb.errors import N_, ScopeError

#: The one expansion limit: refuse to contact more addresses than this unless the user raises
#: ``--max-hosts``. Counted after excludes, over all targets of a run, for every method.
DEFAULT_MAX_HOSTS = 65_536

#: Largest ``@file`` read (a target list of a whole campus is a few hundred kB).
MAX_TARGET_FILE_BYTES = 4 * 1024 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: Turns a host name into its addresses (``socket.getaddrinfo`` by default; tests inject one).
Resolver = Callable[[str], list[str]]

FORMS = N_(
    "give an address (10.0.0.1), a CIDR (10.0.0.0/24), a range (10.0.0.1-50 or "
    "10.0.0.1-10.0.0.9) or @file"
)


# ---------------------------------------------------------------------------------------------
# Parsing one spec
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetBlock:
    """One parsed spec: an inclusive address range (or a host name) and the text it came from.

    ``drop_edges`` is set for IPv4 CIDRs of /30 and shorter: their network and broadcast
    addresses are not hosts. ``name`` is set (and the range empty) for a host name target;
    ``port`` for ``host:port`` targets (SNMP/SSH).
    """

    spec: str
    first: int
    last: int
    version: int
    drop_edges: bool = False
    name: str | None = None
    port: int | None = None

    @property
    def size(self) -> int:
        if self.name is not None:
            return 1
        n = self.last - self.first + 1
        return n - 2 if self.drop_edges else n

    def host_range(self, *, whole: bool = False) -> tuple[int, int]:
        """The contacted addresses; ``whole`` keeps network/broadcast (for excludes)."""
        if self.drop_edges and not whole:
            return self.first + 1, self.last - 1
        return self.first, self.last


_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}\.?$){_LABEL}(?:\.{_LABEL})*\.?$")


def is_host_name(text: str) -> bool:
    """A syntactically valid DNS name whose last label is not all digits (so ``10.0.0.300``,
    ``10.0.0.0/33`` and ``10.99.255.1-4`` are never taken for names).

    >>> [is_host_name(t) for t in ("sw-core.campus", "sw1", "10.0.0.300", "10.0.0.0/33", "a b")]
    [True, True, False, False, False]
    """
    if not _HOSTNAME.match(text):
        return False
    last = text.rstrip(".").rsplit(".", 1)[-1]
    return not last.replace("-", "").isdigit()


def _split_port(text: str) -> tuple[str, int | None]:
    """``[v6]:port``, ``v4:port``, ``name:port`` -> (host, port); anything else unchanged."""
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ScopeError("bad target {text!r}: write [fd00::1]:2222", text=text)
        return host, _port(text, rest[1:]) if rest else None
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, _port(text, port)
    return text, None


def _port(spec: str, text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ScopeError("bad port in target {spec!r}: ports are 1-65535", spec=spec)
    return int(text)


def _parse_range(spec: str) -> tuple[IPAddress, IPAddress] | None:
    """``10.0.0.1-50`` (last-octet shorthand) or ``10.0.0.1-10.0.0.50``; None if not a range."""
    if "-" not in spec:
        return None
    left, right = (p.strip() for p in spec.split("-", 1))
    try:
        start = ipaddress.ip_address(left)
    except ValueError:
        return None
    if "." in right or ":" in right:
        try:
            end = ipaddress.ip_address(right)
        except ValueError:
            raise ScopeError(
                "bad range {spec!r}: {right!r} is not an address", spec=spec, right=right
            ) from None
    else:
        if start.version != 4 or not right.isdigit():
            raise ScopeError(
                "bad range {spec!r}: write 10.0.0.1-50 or 10.0.0.1-10.0.0.50", spec=spec
            )
        last = int(right)
        if last > 255:
            raise ScopeError(
                "bad range {spec!r}: last octet {last} is above 255", spec=spec, last=last
            )
        end = ipaddress.IPv4Address((int(start) & 0xFFFFFF00) | last)
    if end.version != start.version:
        raise ScopeError("bad range {spec!r}: mixes IPv4 and IPv6", spec=spec)
    if int(end) < int(start):
        raise ScopeError("bad range {spec!r}: the end is below the start", spec=spec)
    return start, end


def parse_spec(spec: str, *, names: bool = False, lenient: bool = False) -> TargetBlock:
    """Parse one target or exclude (CIDR, range, address; with ``names``: also a host name
    and ``host:port``) into a :class:`TargetBlock`.

    >>> b = parse_spec("10.0.0.0/30"); (b.size, b.drop_edges)
    (2, True)
    >>> parse_spec("sw1:2222", names=True).port
    2222

    IPv4-mapped IPv6 (``::ffff:10.0.0.1``) becomes the IPv4 block it reaches; a target block
    only partly mapped (``::/64``) is refused, an exclude or scope block (``lenient``) keeps its
    IPv6 part only.

    Raises:
        ScopeError: the text is none of the accepted forms (the message lists them).
    """
    text = str(spec).strip()
    if not text:
        raise ScopeError("empty target; {forms}", forms=FORMS)
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ScopeError(
            "not a target: {text!r} holds control characters; {forms}", text=text, forms=FORMS
        )
    port = None
    if names:
        try:
            ipaddress.ip_address(text)  # a bare IPv6 address is not host:port
        except ValueError:
            text, port = _split_port(text)
    rng = _parse_range(text)
    if rng is not None:
        _no_port(spec, port)
        return _unmapped(TargetBlock(text, int(rng[0]), int(rng[1]), rng[0].version), lenient)
    try:
        if "/" in text:
            _no_port(spec, port)
            net = ipaddress.ip_network(text, strict=False)
            drop = net.version == 4 and net.prefixlen <= 30
            return _unmapped(
                TargetBlock(
                    text, int(net.network_address), int(net.broadcast_address), net.version, drop
                ),
                lenient,
            )
        addr = ipaddress.ip_address(text)
        return _unmapped(TargetBlock(text, int(addr), int(addr), addr.version, port=port), lenient)
    except ValueError:
        pass
    if names and is_host_name(text):
        return TargetBlock(text, 0, -1, 0, name=text.rstrip(".").lower(), port=port)
    if names:
        raise ScopeError("not a target: {text!r}; {forms} (or a host name)", text=text, forms=FORMS)
    raise ScopeError("not a target: {text!r}; {forms}", text=text, forms=FORMS)


#: IPv4-mapped IPv6 addresses (``::ffff:8.8.8.8``): a dual-stack socket sends them as IPv4.
_MAPPED_FIRST = 0xFFFF_0000_0000
_MAPPED_LAST = 0xFFFF_FFFF_FFFF


def _unmapped(b: TargetBlock, lenient: bool = False) -> TargetBlock:
    """An IPv4-mapped IPv6 block as the IPv4 block it reaches, so every rule (excludes, public,
    broadcast) judges the address the packet really goes to.

    >>> b = parse_spec("::ffff:10.0.0.0/120"); (b.version, b.size)
    (4, 256)

    Raises:
        ScopeError: a block that is partly IPv4-mapped and partly not.
    """
    if b.version != 6 or b.last < _MAPPED_FIRST or b.first > _MAPPED_LAST:
        return b
    if b.first < _MAPPED_FIRST or b.last > _MAPPED_LAST:
        if lenient:
            return b
        raise ScopeError(
            (
                "{spec!r} mixes IPv4-mapped addresses (::ffff:0:0/96) with other IPv6 addresses; "
                "give the IPv4 addresses and the IPv6 ones separately"
            ),
            spec=b.spec,
        )
    return TargetBlock(
        b.spec, b.first - _MAPPED_FIRST, b.last - _MAPPED_FIRST, 4, b.drop_edges, b.name, b.port
    )


def _address(text: str) -> IPAddress:
    """An address as the packet reaches it (IPv4-mapped IPv6 -> IPv4). ValueError if not one."""
    a = ipaddress.ip_address(str(text).strip())
    if isinstance(a, ipaddress.IPv6Address) and a.ipv4_mapped is not None:
        return a.ipv4_mapped
    return a


def _no_port(spec: str, port: int | None) -> None:
    if port is not None:
        raise ScopeError(
            "bad target {spec!r}: a port goes with one address or name only", spec=spec
        )


def read_target_file(path: str | Path) -> list[str]:
    """Target specs from a file: one or more per line (spaces/commas), ``#`` comments.

    Raises:
        ScopeError: the file cannot be read, is not text, or is larger than
            :data:`MAX_TARGET_FILE_BYTES`.
    """
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = fh.read(MAX_TARGET_FILE_BYTES + 1)
    except OSError as exc:
        raise ScopeError(
            "cannot read target file {p!r}: {strerror}", p=str(p), strerror=exc.strerror or exc
        ) from None
    if len(data) > MAX_TARGET_FILE_BYTES:
        raise ScopeError(
            "target file {p!r} is larger than {mib} MiB; split it",
            p=str(p),
            mib=MAX_TARGET_FILE_BYTES // 1024 // 1024,
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScopeError("target file {p!r} is not UTF-8 text", p=str(p)) from None
    out: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        out.extend(tok for tok in line.replace(",", " ").split() if tok)
    return out


def flatten(specs: Iterable[str]) -> list[str]:
    """Expand ``@file`` / ``file:path`` entries and comma lists into plain specs (one level:
    an ``@`` inside a file is not followed)."""
    out: list[str] = []
    if isinstance(specs, str):
        specs = [specs]
    for raw in specs:
        for item in str(raw).split(","):
            item = item.strip()
            if not item:
                continue
            if item.startswith("@"):
                out.extend(read_target_file(item[1:]))
            elif item.startswith("file:"):
                out.extend(read_target_file(item[5:]))
            else:
                out.append(item)
    return out


def parse_specs(
    specs: Iterable[str], *, names: bool = False, lenient: bool = False
) -> list[TargetBlock]:
    """Parse many specs (files expanded); errors name the offending spec."""
    return [parse_spec(s, names=names, lenient=lenient) for s in flatten(specs)]


# ---------------------------------------------------------------------------------------------
# Interval arithmetic
# ---------------------------------------------------------------------------------------------

#: (IP version, first, last) -- an inclusive block of addresses as integers.
Interval = tuple[int, int, int]


def _merge(ivs: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping, non-adjacent intervals."""
    out: list[Interval] = []
    for v, lo, hi in sorted(ivs):
        if lo > hi:
            continue
        if out and out[-1][0] == v and lo <= out[-1][2] + 1:
            if hi > out[-1][2]:
                out[-1] = (v, out[-1][1], hi)
        else:
            out.append((v, lo, hi))
    return out


def _subtract(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """``a`` minus ``b`` (both merged)."""
    out: list[Interval] = []
    for v, lo, hi in a:
        cur = lo
        for bv, blo, bhi in b:
            if bv != v or bhi < cur or blo > hi:
                continue
            if blo > cur:
                out.append((v, cur, blo - 1))
            cur = max(cur, bhi + 1)
            if cur > hi:
                break
        if cur <= hi:
            out.append((v, cur, hi))
    return out


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    return _merge(
        (v, max(lo, blo), min(hi, bhi))
        for v, lo, hi in a
        for bv, blo, bhi in b
        if bv == v and max(lo, blo) <= min(hi, bhi)
    )


def _size(ivs: list[Interval]) -> int:
    return sum(hi - lo + 1 for _v, lo, hi in ivs)


def _make(version: int, n: int) -> IPAddress:
    return ipaddress.IPv4Address(n) if version == 4 else ipaddress.IPv6Address(n)


def _cidrs(ivs: list[Interval]) -> list[str]:
    """The minimal CIDR blocks covering ``ivs`` exactly."""
    return [
        str(net)
        for v, lo, hi in ivs
        for net in ipaddress.summarize_address_range(_make(v, lo), _make(v, hi))
    ]


def _first_block(ivs: list[Interval]) -> str:
    """The first CIDR of ``ivs`` for a message (a single address without its /32 or /128)."""
    net = ipaddress.ip_network(_cidrs(ivs)[0])
    return str(net.network_address) if net.num_addresses == 1 else str(net)


def _intervals(blocks: Sequence[TargetBlock], *, whole: bool = False) -> list[Interval]:
    return _merge((b.version, *b.host_range(whole=whole)) for b in blocks if b.name is None)


def _nets(*cidrs: str) -> list[Interval]:
    nets = [ipaddress.ip_network(c) for c in cidrs]
    return _merge((n.version, int(n.network_address), int(n.broadcast_address)) for n in nets)


def _contains(ivs: Sequence[Interval], addr: IPAddress) -> bool:
    n = int(addr)
    return any(v == addr.version and lo <= n <= hi for v, lo, hi in ivs)


#: Non-public blocks, each a default crawl scope for the seeds inside it (RFC 6890). Data.
PRIVATE_BLOCKS = (
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "240.0.0.0/4",
    "::1/128",
    "64:ff9b:1::/48",
    "100::/64",
    "2001:db8::/32",
    "fc00::/7",
    "fe80::/10",
)
#: Address blocks that are not routed on the internet. A scan may touch these freely;
#: anything else is "public" and needs ``allow_public``.
NON_GLOBAL = _nets("0.0.0.0/8", "::/128", *PRIVATE_BLOCKS)
#: Never contacted, whatever the flags: multicast, limited broadcast, "this network" and the
#: unspecified address.
NEVER = _nets("0.0.0.0/8", "224.0.0.0/4", "255.255.255.255/32", "ff00::/8", "::/128")


def is_public(addr: str) -> bool:
    """True for globally routed addresses (not RFC 1918, CGNAT, link-local, loopback...).

    >>> is_public("8.8.8.8"), is_public("10.1.2.3"), is_public("100.64.0.1")
    (True, False, False)
    """
    a = ipaddress.ip_address(addr)
    return not _contains(NON_GLOBAL, a) and not _contains(NEVER, a)


# ---------------------------------------------------------------------------------------------
# Rules and plans
# ---------------------------------------------------------------------------------------------


def system_resolver(name: str) -> list[str]:
    """The addresses a host name resolves to (IPv4 first), via the system resolver.

    Raises:
        ScopeError: the name does not resolve.
    """
    try:
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise ScopeError(
            "{name}: name does not resolve ({exc}); give its address", name=name, exc=exc
        ) from None
    addrs = list(dict.fromkeys(str(i[4][0]).split("%", 1)[0] for i in infos))
    return sorted(addrs, key=lambda a: ":" in a)


def canonical_address(text: str) -> str:
    """The canonical text of an address (what a collector is handed).

    >>> canonical_address(" FD00::0001 ")
    'fd00::1'

    Raises:
        ScopeError: not an address.
    """
    try:
        return str(ipaddress.ip_address(str(text).strip()))
    except ValueError:
        raise ScopeError("{text!r} is not an address", text=text) from None


def _fast_address(text: str) -> tuple[int, int]:
    """``(version, integer)`` of an address already in canonical text (inet_pton is ~10x faster
    than ipaddress); ValueError for anything else, so the caller takes the general path."""
    fam, version = (socket.AF_INET6, 6) if ":" in text else (socket.AF_INET, 4)
    try:
        packed = socket.inet_pton(fam, text)
    except OSError:
        raise ValueError(text) from None
    if socket.inet_ntop(fam, packed) != text or packed[:12] == b"\0" * 10 + b"\xff\xff":
        raise ValueError(text)  # not canonical, or IPv4-mapped (the general path maps it)
    return version, int.from_bytes(packed, "big")


def _fmt(addr: str, port: int | None) -> str:
    if port is None:
        return addr
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


@dataclass(frozen=True, slots=True)
class Plan:
    """What a method will contact, checked: the answer to ``--dry-run`` and the input of a scan.

    ``addresses`` are sorted and unique; ``ports`` and ``names`` map an address to the port or
    host name the user wrote for it (SNMP/SSH). ``unresolved`` lists host names not resolved
    (a dry run sends nothing, not even a DNS query). ``covered`` are the CIDRs the targets span
    after excludes (the reconciler counts misses there); ``excluded`` the CIDRs the excludes
    removed from the targets.
    """

    addresses: list[str]
    covered: list[str]
    excluded: list[str] = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)

    def targets(self) -> list[str]:
        """The addresses as connection targets (``addr`` or ``addr:port`` / ``[v6]:port``)."""
        return [_fmt(a, self.ports.get(a)) for a in self.addresses]

    def as_dict(self) -> dict[str, Any]:
        return {
            "addresses": list(self.addresses),
            "count": len(self.addresses),
            "ports": dict(self.ports),
            "names": dict(self.names),
            "unresolved": list(self.unresolved),
            "covered": list(self.covered),
            "excluded": list(self.excluded),
        }


@dataclass(frozen=True, slots=True)
class ScopeRules:
    """The safety rules of a run: excludes, ``--allow-public``, ``--max-hosts``.

    The default (no excludes, private addresses only, 65,536 hosts) is what a library caller
    gets without asking; every method and crawl applies it before its first packet.

    Raises:
        ScopeError: an exclude is not an address, CIDR, range or @file; ``max_hosts`` < 1.
    """

    excludes: tuple[str, ...] = ()
    allow_public: bool = False
    max_hosts: int = DEFAULT_MAX_HOSTS

    def __post_init__(self) -> None:
        if isinstance(self.excludes, str):
            object.__setattr__(self, "excludes", (self.excludes,))
        else:
            object.__setattr__(self, "excludes", tuple(str(e) for e in self.excludes))
        if not isinstance(self.max_hosts, int) or self.max_hosts < 1:
            raise ScopeError(
                "--max-hosts must be a positive number, not {max_hosts!r}", max_hosts=self.max_hosts
            )
        _excluded_intervals(self.excludes)  # validate now: a bad exclude is an error up front

    @property
    def excluded(self) -> list[Interval]:
        return list(_excluded_intervals(self.excludes))

    def why_not(self, addr: str) -> str | None:
        """None if ``addr`` may be contacted, else the reason (one line).

        >>> r = ScopeRules(excludes=("10.0.0.5-9",))
        >>> r.why_not("10.0.0.4") is None, r.why_not("10.0.0.6")
        (True, '10.0.0.6 is excluded')
        >>> r.why_not("255.255.255.255")
        '255.255.255.255 is multicast/broadcast/unspecified and is never contacted'
        """
        try:
            a = _address(addr)
        except ValueError:
            return N_("{addr!r} is not an address", addr=addr)
        if _contains(_excluded_intervals(self.excludes), a):
            return N_("{a} is excluded", a=str(a))
        if _contains(NEVER, a):
            return N_("{a} is multicast/broadcast/unspecified and is never contacted", a=str(a))
        if not self.allow_public and not _contains(NON_GLOBAL, a):
            return N_(
                "{a} is public (internet-routed) address space; contacting it needs --allow-public",
                a=str(a),
            )
        return None

    def admit(self, target: str, resolve: Resolver | None = None) -> tuple[str, int | None]:
        """Check one connection target (address, name, ``host:port``) -> (address, port).

        A name is resolved (``resolve``, default the system resolver) and its first address is
        checked and returned, so the caller connects to exactly the address that was checked.

        Raises:
            ScopeError: not a target, does not resolve, excluded, public or never-contacted.
        """
        block = parse_spec(target, names=True)
        if block.name is None and block.first != block.last:
            raise ScopeError(
                "{target!r} is several addresses; expand it with net.scope.plan", target=target
            )
        addr = (
            _resolve_one(block.name, resolve or system_resolver)
            if block.name is not None
            else str(_make(block.version, block.first))
        )
        reason = self.why_not(addr)
        if reason:
            if block.name:
                raise ScopeError("{target}: {reason}", target=target, reason=_advice(reason))
            raise ScopeError(_advice(reason))
        return addr, block.port

    def plan(
        self,
        specs: Iterable[str],
        *,
        names: bool = True,
        resolve: Resolver | None = system_resolver,
    ) -> Plan:
        """Expand ``specs`` and check every address against the rules, before any packet.

        Args:
            specs: addresses, CIDRs, ranges, ``@file`` lists (comma lists allowed); with
                ``names`` also host names and ``host:port``.
            names: accept host names and ports (SNMP/SSH); sweeps take addresses only.
            resolve: resolver for names; None leaves them in :attr:`Plan.unresolved`
                (a dry run) -- they still count towards ``max_hosts``.

        Raises:
            ScopeError: bad spec, no targets, too many hosts, a public address without
                ``allow_public``, or a multicast/broadcast/unspecified address.
        """
        return self._plan(parse_specs(specs, names=names), resolve)

    def contact_list(
        self,
        targets: Iterable[str],
        *,
        names: bool = True,
        resolve: Resolver | None = system_resolver,
    ) -> tuple[list[str], list[str]]:
        """What a scanner handed ``targets`` may contact: ``(to contact, excluded)``.

        The guard every method runs before its first packet. A single target (address, name,
        ``host:port``) is kept as written, so results carry the caller's text; a CIDR or range
        becomes its addresses. Order is kept, duplicates dropped.

        >>> ScopeRules(excludes=("10.0.0.2",)).contact_list(["10.0.0.1-3", "10.0.0.1:22"])
        (['10.0.0.1', '10.0.0.3', '10.0.0.1:22'], ['10.0.0.2'])

        Raises:
            ScopeError: as :meth:`plan` -- any refused target refuses the whole call.
        """
        targets = [str(t).strip() for t in ([targets] if isinstance(targets, str) else targets)]
        fast = self._contact_addresses(targets) if targets else None
        if fast is not None:
            return fast
        blocks = parse_specs(targets, names=names)
        p = self._plan(blocks, resolve)
        allowed = set(p.addresses)
        by_name = {n: a for a, n in p.names.items()}
        ex = _excluded_intervals(self.excludes)
        keep: list[str] = []
        dropped: list[str] = []
        for b in blocks:
            if b.name is not None:
                addr = by_name.get(b.name)
                ok = addr in allowed if addr is not None else _fmt(b.name, b.port) in p.unresolved
                (keep if ok else dropped).append(b.spec if b.port is None else _fmt(b.name, b.port))
            elif b.first == b.last:
                a = str(_make(b.version, b.first))
                (keep if a in allowed else dropped).append(
                    b.spec if b.port is None else _fmt(a, b.port)
                )
            else:
                lo, hi = b.host_range()
                for n in range(lo, hi + 1):
                    a = str(_make(b.version, n))
                    if a in allowed:
                        keep.append(a)
                    elif _contains(ex, _make(b.version, n)):
                        dropped.append(a)
        return list(dict.fromkeys(keep)), list(dict.fromkeys(dropped))

    def _refuse(self, wanted: list[Interval], more: int = 0) -> None:
        """Raise ScopeError if ``wanted`` (after excludes, plus ``more`` names) breaks a rule."""
        size = _size(wanted) + more
        if size > self.max_hosts:
            raise ScopeError(
                (
                    "{size} addresses to contact is more than --max-hosts {max_hosts}; narrow the "
                    "targets, add --exclude, or raise --max-hosts"
                ),
                size=size,
                max_hosts=self.max_hosts,
            )
        bad = _intersect(wanted, NEVER)
        if bad:
            raise ScopeError(
                (
                    "{first_block} is multicast/broadcast/unspecified and is never contacted; "
                    "remove "
                    "it or --exclude it"
                ),
                first_block=_first_block(bad),
            )
        if not self.allow_public:
            public = _subtract(wanted, NON_GLOBAL)
            if public:
                first = _first_block(public)
                raise ScopeError(
                    (
                        "{first} is public (internet-routed) address space; contacting it needs "
                        "--allow-public (and permission from its owner), or --exclude it"
                    ),
                    first=first,
                )

    def _contact_addresses(self, targets: list[str]) -> tuple[list[str], list[str]] | None:
        """:meth:`contact_list` for a list of canonical bare addresses (what a sweep is handed:
        65,536 of them must cost milliseconds, not seconds); None if any item is another form."""
        try:
            nums = [_fast_address(t) for t in targets]
        except ValueError:
            return None
        ex = list(_excluded_intervals(self.excludes))
        wanted = _subtract(_merge((v, n, n) for v, n in nums), ex)
        self._refuse(wanted)
        if not ex:
            return list(dict.fromkeys(targets)), []
        keep: list[str] = []
        dropped: list[str] = []
        for t, (v, n) in zip(targets, nums):
            hit = False
            for ev, lo, hi in ex:
                if ev == v and lo <= n <= hi:
                    hit = True
                    break
            (dropped if hit else keep).append(t)
        return list(dict.fromkeys(keep)), list(dict.fromkeys(dropped))

    def _plan(self, blocks: list[TargetBlock], resolve: Resolver | None) -> Plan:
        if not blocks:
            raise ScopeError("no targets given; {forms}", forms=FORMS)
        ports: dict[str, int] = {}
        by_name: dict[str, str] = {}
        unresolved: list[str] = []
        resolved: list[TargetBlock] = []
        for b in blocks:
            if b.name is None:
                if b.port is not None:
                    ports[str(_make(b.version, b.first))] = b.port
                continue
            if resolve is None:
                unresolved.append(_fmt(b.name, b.port))
                continue
            addr = _resolve_one(b.name, resolve)
            a = ipaddress.ip_address(addr)
            resolved.append(TargetBlock(b.spec, int(a), int(a), a.version))
            by_name[str(a)] = b.name
            if b.port is not None:
                ports[str(a)] = b.port
        ex = list(_excluded_intervals(self.excludes))
        targets = _intervals([*blocks, *resolved])
        wanted = _subtract(targets, ex)
        self._refuse(wanted, len(unresolved))
        addresses = list(iter_addresses(wanted))
        kept = set(addresses) if (ports or by_name) else set()
        return Plan(
            addresses=addresses,
            covered=_cidrs(wanted),
            excluded=_cidrs(_intersect(targets, ex)),
            ports={a: p for a, p in ports.items() if a in kept},
            names={a: n for a, n in by_name.items() if a in kept},
            unresolved=unresolved,
        )


# ---------------------------------------------------------------------------------------------
# The send-level gate: what the lowest senders (SNMP session and UDP client, SSH opener and
# host-key fetch, ARP/ICMP/TCP/NetBIOS senders) demand before their first packet
# ---------------------------------------------------------------------------------------------

_SEAL = object()


@dataclass(frozen=True, slots=True)
class Admitted:
    """One connection target the scope rules admitted: the checked ``address`` to contact (a name
    already resolved), the ``port`` written with it, the ``target`` as the caller wrote it.

    Only :func:`admitted` makes one (constructing it directly raises ScopeError), so a sender
    that holds an ``Admitted`` holds a scope decision, not a string someone forgot to check.
    """

    address: str
    port: int | None = None
    target: str = ""
    _seal: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._seal is not _SEAL:
            raise ScopeError(
                (
                    "{address}: an admitted target comes from net.scope.admitted(target, rules), "
                    "which checks it; it cannot be made by hand"
                ),
                address=self.address,
            )

    def __str__(self) -> str:
        return self.address


def admitted(
    target: str | Admitted, rules: ScopeRules | None = None, resolve: Resolver | None = None
) -> Admitted:
    """The send-level gate: ``target`` checked by ``rules`` (default :class:`ScopeRules`():
    private addresses only, what a library caller gets without asking).

    An :class:`Admitted` passes as it is (it was checked where it was made); anything else goes
    through :meth:`ScopeRules.admit` -- the one set of rules, nothing repeated here.

    >>> admitted("10.0.0.1:2222").address, admitted("10.0.0.1:2222").port
    ('10.0.0.1', 2222)
    >>> admitted("8.8.8.8")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    netcmdb.errors.ScopeError: 8.8.8.8 is public (internet-routed) address space; ...

    Raises:
        ScopeError: the target is refused (public, excluded, multicast/broadcast, not a
            target, a name that does not resolve).
    """
    if isinstance(target, Admitted):
        return target
    addr, port = (rules or ScopeRules()).admit(str(target), resolve)
    return Admitted(addr, port, str(target), _SEAL)


def cleared(addresses: Iterable[str], rules: ScopeRules | None = None) -> list[str]:
    """The send-level gate for a batch of addresses (sweep senders): the ones ``rules`` (default
    :class:`ScopeRules`()) let be contacted, excluded ones dropped, in order.

    Canonical address lists take :meth:`ScopeRules.contact_list`'s fast path (65,536 addresses
    in milliseconds), so a scanner that already planned pays little for the second look.

    >>> cleared(["10.0.0.1", "10.0.0.2"], ScopeRules(excludes=("10.0.0.2",)))
    ['10.0.0.1']

    Raises:
        ScopeError: any address refused (public, multicast/broadcast, more than max_hosts,
            not an address): nothing is sent to any of them.
    """
    addresses = list(addresses)
    if not addresses:
        return []
    keep, _dropped = (rules or ScopeRules()).contact_list(addresses, names=False)
    return keep


def _advice(reason: str) -> str:
    """A refusal reason turned into an instruction (one line)."""
    if reason.endswith("needs --allow-public"):
        return N_("{reason} (and permission from its owner), or --exclude it", reason=reason)
    return reason


def _resolve_one(name: str, resolve: Resolver) -> str:
    addrs = resolve(name)
    if not addrs:
        raise ScopeError("{name}: name does not resolve; give its address", name=name)
    return str(ipaddress.ip_address(addrs[0]))


@lru_cache(maxsize=256)
def _excluded_intervals(excludes: tuple[str, ...]) -> tuple[Interval, ...]:
    return tuple(_intervals(parse_specs(excludes, lenient=True), whole=True))


def iter_addresses(allowed: list[Interval]) -> Iterator[str]:
    """Addresses of a checked scope in ascending order, as canonical text."""
    for v, lo, hi in allowed:
        make = ipaddress.IPv4Address if v == 4 else ipaddress.IPv6Address
        for n in range(lo, hi + 1):
            yield str(make(n))


def plan(
    specs: Iterable[str],
    excludes: Iterable[str] = (),
    *,
    max_hosts: int = DEFAULT_MAX_HOSTS,
    allow_public: bool = False,
    names: bool = True,
    resolve: Resolver | None = system_resolver,
) -> Plan:
    """:meth:`ScopeRules.plan` with the rules given as keywords."""
    rules = ScopeRules(tuple(excludes), allow_public=allow_public, max_hosts=max_hosts)
    return rules.plan(specs, names=names, resolve=resolve)


def expand(
    specs: Iterable[str],
    excludes: Iterable[str] = (),
    *,
    max_hosts: int = DEFAULT_MAX_HOSTS,
    allow_public: bool = False,
) -> list[str]:
    """Addresses only (no names): the sorted list to probe, excludes removed.

    Raises:
        ScopeError: bad spec, too many hosts, public addresses without the flag.
    """
    return plan(
        specs, excludes, max_hosts=max_hosts, allow_public=allow_public, names=False
    ).addresses


def in_scope(ip: str, scope: Sequence[str], excludes: Sequence[str] = ()) -> bool:
    """Pure check: is ``ip`` inside one of ``scope`` and outside every one of ``excludes``?
    (Set membership only; :meth:`ScopeRules.why_not` adds the public/multicast rules.)

    >>> in_scope("10.1.2.3", ["10.1.0.0/16"])
    True
    >>> in_scope("10.1.2.3", ["10.1.0.0/16"], ["10.1.2.0/24"])
    False
    >>> in_scope("not-an-ip", ["0.0.0.0/0"])
    False
    """
    try:
        a = _address(ip)
    except ValueError:
        return False
    if _contains(_excluded_intervals(tuple(excludes)), a):
        return False
    return _contains(_scope_intervals(tuple(scope)), a)


def is_excluded(ip: str, excludes: Sequence[str]) -> bool:
    """True if ``ip`` falls in any of ``excludes`` (address/CIDR/range/@file specs).

    >>> is_excluded("10.0.0.5", ["10.0.0.0/29"]), is_excluded("10.0.0.9", ["10.0.0.0/29"])
    (True, False)
    """
    if not excludes:
        return False
    try:
        a = _address(ip)
    except ValueError:
        return False
    return _contains(_excluded_intervals(tuple(excludes)), a)


# ---------------------------------------------------------------------------------------------
# Crawl scope
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _scope_intervals(scope: tuple[str, ...]) -> tuple[Interval, ...]:
    return tuple(_intervals(parse_specs(scope, lenient=True), whole=True))


def default_crawl_scope(seeds: Iterable[str]) -> list[str]:
    """The bounded default: the non-public block each seed address sits in (a public seed,
    allowed with ``--allow-public``, contributes only itself). Names and bad seeds add nothing.

    >>> default_crawl_scope(["10.1.2.3", "192.168.7.1:2222", "127.0.0.1", "8.8.8.8"])
    ['10.0.0.0/8', '192.168.0.0/16', '127.0.0.0/8', '8.8.8.8/32']
    """
    out: list[str] = []
    for s in seeds:
        try:
            b = parse_spec(s, names=True)
        except ScopeError:
            continue
        if b.name is not None:
            continue
        a = _make(b.version, b.first)
        home = next((c for c in PRIVATE_BLOCKS if a in ipaddress.ip_network(c)), None)
        out.append(home or str(ipaddress.ip_network(a)))
    return list(dict.fromkeys(out))


@dataclass(frozen=True, slots=True)
class CrawlScope:
    """Where a crawl may go: ``cidrs`` (stated in every run result), under ``rules``.

    ``origin`` says where the CIDRs came from: ``given`` (``--scope``), ``config``
    (``[scan] scopes``) or ``seeds`` (the default: the non-public blocks the seeds sit in).
    """

    cidrs: tuple[str, ...]
    origin: str
    rules: ScopeRules = field(default_factory=ScopeRules)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cidrs", tuple(str(c) for c in self.cidrs))
        _scope_intervals(self.cidrs)  # a bad scope entry is an error before the first packet

    def why_not(self, addr: str) -> str | None:
        """None if a crawl may contact ``addr``, else the reason it is skipped (one line).

        >>> cs = CrawlScope(("10.0.0.0/8",), "seeds")
        >>> cs.why_not("10.9.9.9") is None, cs.why_not("192.168.1.1")
        (True, '192.168.1.1 is outside the crawl scope (10.0.0.0/8, from the seeds)')
        """
        reason = self.rules.why_not(addr)
        if reason:
            return reason
        if not in_scope(addr, self.cidrs):
            shown = ", ".join(self.cidrs[:4]) + (", ..." if len(self.cidrs) > 4 else "")
            return N_(
                "{addr} is outside the crawl scope ({shown}, {origin})",
                addr=addr,
                shown=shown,
                origin=self.stated_origin,
            )
        return None

    @property
    def stated_origin(self) -> str:
        return {
            "given": N_("from --scope"),
            "config": N_("from [scan] scopes"),
            "seeds": N_("from the seeds"),
        }.get(self.origin, self.origin)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cidrs": list(self.cidrs),
            "origin": self.origin,
            "excludes": list(self.rules.excludes),
            "allow_public": self.rules.allow_public,
        }


def crawl_scope(
    seeds: Iterable[str],
    scope: Iterable[str] | None = None,
    configured: Iterable[str] | None = None,
    rules: ScopeRules | None = None,
) -> CrawlScope:
    """The crawl's scope: ``scope`` if given, else ``configured``, else the seeds' blocks.

    >>> crawl_scope(["10.99.255.1"]).cidrs
    ('10.0.0.0/8',)
    >>> crawl_scope(["10.99.255.1"], ["10.99.0.0/16"]).origin
    'given'

    Raises:
        ScopeError: a scope entry is not an address, CIDR, range or @file, or nothing bounds
            the crawl (no scope and no seed address).
    """
    rules = rules or ScopeRules()
    given = flatten(scope or ())
    if given:
        return CrawlScope(tuple(given), "given", rules)
    conf = flatten(configured or ())
    if conf:
        return CrawlScope(tuple(conf), "config", rules)
    seeds = list(seeds)
    cidrs = default_crawl_scope(flatten(seeds))
    if not cidrs:
        raise ScopeError(
            "the crawl has no bounded scope (its seeds are host names); "
            "give --scope CIDR or [scan] scopes in the config file"
        )
    return CrawlScope(tuple(cidrs), "seeds", rules)


__all__ = [
    "DEFAULT_MAX_HOSTS",
    "Admitted",
    "CrawlScope",
    "Plan",
    "ScopeRules",
    "TargetBlock",
    "admitted",
    "canonical_address",
    "cleared",
    "crawl_scope",
    "default_crawl_scope",
    "expand",
    "flatten",
    "in_scope",
    "is_excluded",
    "is_host_name",
    "is_public",
    "iter_addresses",
    "parse_spec",
    "parse_specs",
    "plan",
    "read_target_file",
    "system_resolver",
]
