"""Target parsing and scope safety for every scan (sweeps now, SNMP/SSH crawls later).

A sweep on a production network must never touch what the admin did not ask for. This module
turns what the user typed (CIDRs, ranges such as ``10.0.0.1-50``, single addresses, ``@file``
lists) into concrete addresses, and refuses -- with a :class:`~netcmdb.errors.ScopeError` that says
how to proceed -- scans that are larger than ``max_hosts`` or that touch public addresses without
an explicit opt-in. :func:`in_scope` is the pure check later crawls reuse before following a
neighbour to a new address, so the exclude list is honoured everywhere.

Pure and stdlib/netaddr only: must not import scanners, the CMDB or the CLI.

>>> expand(["10.0.0.1-3", "10.0.0.2"])
['10.0.0.1', '10.0.0.2', '10.0.0.3']
>>> expand(["192.168.1.0/30"])
['192.168.1.1', '192.168.1.2']
>>> in_scope("10.0.0.7", ["10.0.0.0/24"], ["10.0.0.5-9"])
False
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import netaddr

from netcmdb.errors import ScopeError

#: Refuse to expand more than this many addresses unless the user raises ``--max-hosts``.
DEFAULT_MAX_HOSTS = 65_536

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class TargetBlock:
    """One parsed target spec: an inclusive address range plus the text it came from.

    ``drop_edges`` is set for IPv4 CIDRs of /30 and shorter: their network and broadcast
    addresses are not hosts, and pinging a broadcast address is impolite.
    """

    spec: str
    first: int
    last: int
    version: int
    drop_edges: bool = False

    @property
    def size(self) -> int:
        n = self.last - self.first + 1
        return n - 2 if self.drop_edges else n

    def host_range(self, *, whole: bool = False) -> tuple[int, int]:
        """The probed addresses; ``whole`` keeps network/broadcast (for excludes)."""
        if self.drop_edges and not whole:
            return self.first + 1, self.last - 1
        return self.first, self.last


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
            raise ScopeError(f"bad range {spec!r}: {right!r} is not an address") from None
    else:
        if start.version != 4 or not right.isdigit():
            raise ScopeError(f"bad range {spec!r}: write 10.0.0.1-50 or 10.0.0.1-10.0.0.50")
        last = int(right)
        if last > 255:
            raise ScopeError(f"bad range {spec!r}: last octet {last} is above 255")
        end = ipaddress.IPv4Address((int(start) & 0xFFFFFF00) | last)
    if end.version != start.version:
        raise ScopeError(f"bad range {spec!r}: mixes IPv4 and IPv6")
    if int(end) < int(start):
        raise ScopeError(f"bad range {spec!r}: the end is below the start")
    return start, end


def parse_spec(spec: str) -> TargetBlock:
    """Parse one target (CIDR, range or address) into a :class:`TargetBlock`.

    Raises:
        ScopeError: the text is none of the accepted forms (the message lists them).
    """
    text = spec.strip()
    if not text:
        raise ScopeError("empty target; give a CIDR (10.0.0.0/24), a range (10.0.0.1-50), "
                         "an address, or @file")
    rng = _parse_range(text)
    if rng is not None:
        return TargetBlock(text, int(rng[0]), int(rng[1]), rng[0].version)
    try:
        if "/" in text:
            net = ipaddress.ip_network(text, strict=False)
            drop = net.version == 4 and net.prefixlen <= 30
            return TargetBlock(text, int(net.network_address), int(net.broadcast_address),
                               net.version, drop)
        addr = ipaddress.ip_address(text)
        return TargetBlock(text, int(addr), int(addr), addr.version)
    except ValueError:
        raise ScopeError(f"not a target: {text!r}; give a CIDR (10.0.0.0/24), a range "
                         "(10.0.0.1-50 or 10.0.0.1-10.0.0.9), an address, or @file") from None


def read_target_file(path: str | Path) -> list[str]:
    """Target specs from a file: one or more per line (spaces/commas), ``#`` comments.

    Raises:
        ScopeError: the file cannot be read.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScopeError(f"cannot read target file {str(p)!r}: {exc}") from None
    out: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        out.extend(tok for tok in line.replace(",", " ").split() if tok)
    return out


def _flatten(specs: Iterable[str]) -> list[str]:
    """Expand ``@file`` / ``file:path`` entries and comma lists into plain specs."""
    out: list[str] = []
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


def parse_specs(specs: Iterable[str]) -> list[TargetBlock]:
    """Parse many specs (files expanded); errors name the offending spec."""
    return [parse_spec(s) for s in _flatten(specs)]


def _ipset(blocks: Sequence[TargetBlock], *, whole: bool = False) -> netaddr.IPSet:
    s = netaddr.IPSet()
    for b in blocks:
        lo, hi = b.host_range(whole=whole)
        if lo > hi:
            continue
        s.add(netaddr.IPRange(netaddr.IPAddress(lo, b.version), netaddr.IPAddress(hi, b.version)))
    return s


#: Address blocks that are not routed on the internet (RFC 6890 and friends). A scan may touch
#: these freely; anything else is "public" and needs ``--allow-public``. Data, not code.
NON_GLOBAL = netaddr.IPSet([
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4",
    "::1/128", "::/128", "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64", "2001:db8::/32",
    "fc00::/7", "fe80::/10",
])
#: Never probed one by one, whatever the flags: multicast and the unspecified address.
NEVER = netaddr.IPSet(["224.0.0.0/4", "0.0.0.0/32", "255.255.255.255/32", "ff00::/8", "::/128"])


def is_public(addr: str) -> bool:
    """True for globally routed addresses (not RFC 1918, CGNAT, link-local, loopback...).

    >>> is_public("8.8.8.8"), is_public("10.1.2.3"), is_public("100.64.0.1")
    (True, False, False)
    """
    return netaddr.IPAddress(addr) not in NON_GLOBAL and netaddr.IPAddress(addr) not in NEVER


def check_scope(blocks: Sequence[TargetBlock], excludes: Sequence[TargetBlock], *,
                max_hosts: int = DEFAULT_MAX_HOSTS, allow_public: bool = False) -> netaddr.IPSet:
    """The set of addresses a scan may touch, after every safety check.

    Raises:
        ScopeError: too many hosts, a public address without ``allow_public``, or a multicast /
            unspecified address; the message says which flag or exclude fixes it.
    """
    wanted = _ipset(blocks) - _ipset(excludes, whole=True)
    size = wanted.size
    if size > max_hosts:
        raise ScopeError(f"{size} addresses to scan is more than --max-hosts {max_hosts}; "
                         "narrow the targets, add --exclude, or raise --max-hosts")
    bad = wanted & NEVER
    if bad.size:
        first = bad.iter_cidrs()[0]
        raise ScopeError(f"{first} is multicast/broadcast/unspecified and cannot be scanned; "
                         "remove it or --exclude it")
    if not allow_public:
        public = wanted - NON_GLOBAL
        if public.size:
            first = public.iter_cidrs()[0]
            raise ScopeError(f"{first} is public (internet-routed) address space; scanning it "
                             "needs --allow-public (and permission from its owner), or "
                             "--exclude it")
    return wanted


def iter_addresses(allowed: netaddr.IPSet) -> Iterator[str]:
    """Addresses of a checked set in ascending order, as canonical text."""
    for cidr in allowed.iter_cidrs():
        make = ipaddress.IPv4Address if cidr.version == 4 else ipaddress.IPv6Address
        for n in range(cidr.first, cidr.last + 1):
            yield str(make(n))


def expand(specs: Iterable[str], excludes: Iterable[str] = (), *,
           max_hosts: int = DEFAULT_MAX_HOSTS, allow_public: bool = False) -> list[str]:
    """Turn target specs into the sorted list of addresses to probe (excludes removed).

    Args:
        specs: CIDRs, ranges, addresses, ``@file`` lists (comma lists allowed).
        excludes: the same forms; never probed, whatever the targets say.
        max_hosts: refuse larger scans (``--max-hosts``); counted after excludes.
        allow_public: permit globally routed addresses (``--allow-public``).

    Raises:
        ScopeError: bad spec, too many hosts, public addresses without the flag.
    """
    blocks = parse_specs(specs)
    if not blocks:
        raise ScopeError("no targets given; name a CIDR, range, address, or @file")
    allowed = check_scope(blocks, parse_specs(excludes), max_hosts=max_hosts,
                          allow_public=allow_public)
    return list(iter_addresses(allowed))


@dataclass(frozen=True, slots=True)
class Scope:
    """A checked scan scope: the addresses to probe and the CIDRs they cover (for the
    reconciler's miss counting: a CI inside ``covered`` that did not answer counts a miss)."""

    addresses: list[str]
    covered: list[str]


def resolve_scope(specs: Iterable[str], excludes: Iterable[str] = (), *,
                  max_hosts: int = DEFAULT_MAX_HOSTS, allow_public: bool = False) -> Scope:
    """Like :func:`expand`, also returning the covered CIDRs."""
    blocks = parse_specs(specs)
    if not blocks:
        raise ScopeError("no targets given; name a CIDR, range, address, or @file")
    allowed = check_scope(blocks, parse_specs(excludes), max_hosts=max_hosts,
                          allow_public=allow_public)
    return Scope(list(iter_addresses(allowed)), [str(c) for c in allowed.iter_cidrs()])


@lru_cache(maxsize=256)
def _compiled(specs: tuple[str, ...], whole: bool) -> tuple[tuple[int, int, int], ...]:
    return tuple((b.version, *b.host_range(whole=whole)) for b in parse_specs(specs))


def in_scope(ip: str, scope: Sequence[str], excludes: Sequence[str] = ()) -> bool:
    """Pure check: is ``ip`` inside one of ``scope`` and outside every one of ``excludes``?

    Crawlers (SNMP/SSH) call this before following a neighbour or ARP entry to a new address,
    so a device that advertises an out-of-scope management IP is never contacted.
    ``scope`` / ``excludes`` are target specs as the user wrote them (CIDR, range, address,
    ``@file``). An unparsable ``ip`` is out of scope.

    >>> in_scope("10.1.2.3", ["10.1.0.0/16"])
    True
    >>> in_scope("10.1.2.3", ["10.1.0.0/16"], ["10.1.2.0/24"])
    False
    >>> in_scope("not-an-ip", ["0.0.0.0/0"])
    False
    """
    try:
        a = ipaddress.ip_address(str(ip).strip())
    except ValueError:
        return False
    v, n = a.version, int(a)
    if any(bv == v and lo <= n <= hi for bv, lo, hi in _compiled(tuple(excludes), True)):
        return False
    return any(bv == v and lo <= n <= hi for bv, lo, hi in _compiled(tuple(scope), False))


def is_excluded(ip: str, excludes: Sequence[str]) -> bool:
    """True if ``ip`` falls in any of ``excludes`` (CIDR/range/address/@file specs).

    >>> is_excluded("10.0.0.5", ["10.0.0.0/29"]), is_excluded("10.0.0.9", ["10.0.0.0/29"])
    (True, False)
    """
    if not excludes:
        return False
    try:
        a = ipaddress.ip_address(str(ip).strip())
    except ValueError:
        return False
    v, n = a.version, int(a)
    return any(bv == v and lo <= n <= hi for bv, lo, hi in _compiled(tuple(excludes), True))
