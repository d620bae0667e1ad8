"""Identification: which stored CI a fact is.

Normalises a fact's identifiers once (:func:`observe`: serial, MACs, host name, IP, plus its
attribute values and its name by the name rule) and follows the configured rule chain over the
:class:`IdentityIndex` (serial, then MAC, then host name, then IP; junk serials, virtual and
multicast MACs and factory-default names never identify; a weak match is refused when a stronger
identifier of the same kind disagrees).

The normalising rules live in :mod:`netcmdb.net.normalize`; the functions here add fast paths
for the canonical spellings scanners already produce (100k facts per run) and must give the same
answers (tests/cmdb/test_properties.py). Must not import the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

from netcmdb.cmdb.reconcile.config import (
    DEFAULT_CFG,
    DEFAULT_JUNK_HOSTNAMES,
    DEFAULT_JUNK_SERIALS,
    DEFAULT_RULES,
    ReconcileConfig,
)
from netcmdb.discovery.facts import DeviceFact, Source
from netcmdb.net.normalize import ip, is_multicast, mac_or_none, serial_or_none, short_hostname

#: MAC prefixes of first-hop-redundancy virtual MACs: shared between devices, never identifying.
_VIRTUAL_MAC_PREFIXES: tuple[str, ...] = (
    "00:00:5e:00:01:",  # VRRP IPv4
    "00:00:5e:00:02:",  # VRRP IPv6
    "00:00:0c:07:ac:",  # HSRPv1
    "00:00:0c:9f:f",  # HSRPv2
    "00:07:b4:00:",  # GLBP
    "00:00:00:00:00:00",
)


def clean_serial(value: str | None, junk: frozenset[str] = DEFAULT_JUNK_SERIALS) -> str | None:
    """A serial usable as an identifier (stripped, upper-case), or None for junk.

    >>> clean_serial("  foc1234x ")
    'FOC1234X'
    >>> clean_serial("To Be Filled By O.E.M.") is None
    True
    >>> clean_serial("0000-0000") is None
    True
    """
    return serial_or_none(value, junk)


def clean_hostname(value: str | None, junk: frozenset[str] = DEFAULT_JUNK_HOSTNAMES) -> str | None:
    """The device's own name, domain stripped, or None when absent or a factory default.

    >>> clean_hostname("SW-Core-1.campus.edu.cn")
    'SW-Core-1'
    >>> clean_hostname("localhost") is None
    True
    """
    if value is None:
        return None
    text_ = str(value).strip().rstrip(".")
    if "." in text_ and not _CANON_V4.fullmatch(text_):
        name = short_hostname(text_)
    else:
        name = text_
    if not name or name.casefold() in junk or len(name) > 255:
        return None
    return name


def is_identifying_mac(value: str | None) -> bool:
    """True for a unicast, non-virtual MAC that can identify one device.

    >>> is_identifying_mac("00:11:22:33:44:55")
    True
    >>> is_identifying_mac("00:00:5e:00:01:0a")  # VRRP
    False
    >>> is_identifying_mac("01:00:5e:00:00:01")  # multicast
    False
    """
    if not value or len(value) != 17:
        return False
    if is_multicast(value):
        return False
    return not value.startswith(_VIRTUAL_MAC_PREFIXES)


_CANON_V4 = re.compile(
    r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    r"(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}"
)


_CANON_MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")


_CANON_MAC_MATCH = _CANON_MAC.fullmatch


_CANON_V4_MATCH = _CANON_V4.fullmatch


def canon_ip(value: str | None) -> str | None:
    """:func:`netcmdb.net.normalize.ip`, or None for nothing or not an address (a prefix such
    as ``/24`` is not an address here), with a fast path for canonical IPv4 (100k facts a run).

    >>> canon_ip(" 10.0.0.1"), canon_ip("2001:DB8::1"), canon_ip("10.0.0.1/24"), canon_ip("")
    ('10.0.0.1', '2001:db8::1', None, None)
    """
    if not value:
        return None
    if type(value) is str and _CANON_V4.fullmatch(value):
        return value
    try:
        return ip(value)
    except ValueError:
        return None


def canon_mac(value: str | None) -> str | None:
    """:func:`mac_or_none` with a fast path for the canonical spelling scanners already use."""
    if not value:
        return None
    if type(value) is str and _CANON_MAC.fullmatch(value):
        return value
    return mac_or_none(value)


_NO_JUNK: frozenset[str] = frozenset()


def fact_identifiers(fact: DeviceFact, cfg: ReconcileConfig | None = None) -> dict[str, list[str]]:
    """Normalised identifiers of a fact by kind (junk removed, order kept, no duplicates).

    MACs come from the chassis MAC, the fact's MAC and every interface MAC.
    """
    return observe(fact, cfg or DEFAULT_CFG)[0]


def observe(
    fact: DeviceFact, cfg: ReconcileConfig
) -> tuple[dict[str, list[str]], tuple[Any, ...], tuple[str, str] | None]:
    """Everything the reconciler needs from one fact, each field normalised exactly once.

    Returns its identifiers (see :func:`fact_identifiers`), its attribute values in
    :data:`ATTRIBUTES` order (``None`` for "not observed", empty text included) and its name by
    the name rule, ``(basis, name)``. One pass per fact: at 100k facts per run, normalising the
    serial, MACs and hostname twice (identification, then merging) was a tenth of a rescan.
    """
    # Each field has an inline fast path for the canonical spelling scanners produce (plain
    # alphanumeric serial, lower-case colon MAC, dotted-quad IPv4, dot-free host name) and
    # falls back to the full normaliser otherwise: same results, a third of the time.
    ids: dict[str, list[str]] = {}
    raw = fact.serial
    serial = None
    if raw:
        if type(raw) is str and raw.isalnum():
            if raw.casefold() not in cfg.junk_serials and raw.count(raw[0]) != len(raw):
                serial = raw.upper()
        else:
            serial = clean_serial(raw, cfg.junk_serials)
        if serial:
            ids["serial"] = [serial]
    cm, m = fact.chassis_mac, fact.mac
    if cm:
        cm = cm if type(cm) is str and _CANON_MAC_MATCH(cm) else mac_or_none(cm)
    if m:
        m = m if type(m) is str and _CANON_MAC_MATCH(m) else mac_or_none(m)
    macs: list[str] = []
    # inline fast path of net.normalize.is_multicast (the I/G bit: an odd second hex digit of a
    # canonical MAC); tests/cmdb/test_properties.py checks it against is_identifying_mac.
    if cm and cm[1] not in "13579bdf" and not cm.startswith(_VIRTUAL_MAC_PREFIXES):
        macs.append(cm)
    if m and m != cm and m[1] not in "13579bdf" and not m.startswith(_VIRTUAL_MAC_PREFIXES):
        macs.append(m)
    if fact.interfaces:
        for itf in fact.interfaces:
            x = canon_mac(itf.mac)
            if x and x not in macs and is_identifying_mac(x):
                macs.append(x)
    if macs:
        ids["mac"] = macs
    # the host name: cleaned once (junk-free rules), then judged twice: an identifier unless a
    # configured junk name (``cfg.junk_hostnames``, which the CLI's config always builds anew),
    # the CI's own name (the name rule below) unless a built-in junk name
    raw = fact.hostname
    own = None
    if raw:
        if type(raw) is str and "." not in raw and raw.strip() is raw and len(raw) <= 255:
            name: str | None = raw
        else:
            name = clean_hostname(raw, _NO_JUNK)
        if name:
            folded = name.casefold()
            if folded not in cfg.junk_hostnames:
                ids["hostname"] = [folded]
            if folded not in DEFAULT_JUNK_HOSTNAMES:
                own = name
    ip_ = fact.ip
    if ip_:
        ip_ = ip_ if type(ip_) is str and _CANON_V4_MATCH(ip_) else canon_ip(ip_)
        if ip_:
            ids["ip"] = [ip_]
    named: tuple[str, str] | None
    if own:
        named = ("hostname", own)
    elif fact.netbios_name and (own := clean_hostname(fact.netbios_name)):
        named = ("hostname", own)
    elif fact.dns_name and (dns := clean_hostname(fact.dns_name, _NO_JUNK)):
        named = ("dns", dns)
    elif ip_:
        named = ("ip", ip_)
    else:
        named = None
    dc = fact.device_class
    values = (
        (ENUM_TEXT.get(dc) or as_text(dc)) if dc is not None else None,
        fact.vendor or fact.mac_vendor or None,
        fact.model or None,
        fact.platform or None,
        fact.os or None,
        fact.os_version or None,
        serial,
        ip_ or None,
        m or cm or None,
        fact.description or None,
        fact.contact or None,
        # sysLocation verbatim (a room or not: text no pattern understands is never dropped)
        (fact.sys_location[:255] or None) if fact.sys_location else None,
    )
    return ids, values, named


def as_text(v: Any) -> str | None:
    if v is None or type(v) is str:
        return v
    if not isinstance(v, Enum):
        return v.value if hasattr(v, "value") else str(v)
    out = ENUM_TEXT.get(v)
    if out is None:
        out = ENUM_TEXT[v] = v.value
    return out


#: enum member -> its text (``Enum.value`` is a property: measurable at 100k facts per run)
ENUM_TEXT: dict[Any, str] = {}


def source_text(fact: DeviceFact) -> str:
    """The fact's source as text (an import when it names none)."""
    src = fact.source
    return (src if type(src) is str else ENUM_TEXT.get(src) or as_text(src)) or Source.IMPORT.value


class IdentityIndex:
    """``kind -> value -> CI key`` plus each CI's strong identifiers, for the rule chain.

    Keys are real CI ids (``> 0``) or temporary ids of CIs created in this run (``< 0``). One
    dict per kind rather than one keyed by ``(kind, value)``: 400k identifiers then cost no
    tuple each (~25 MB) and load straight from the cursor's ``(value, ci_id)`` rows.
    """

    def __init__(self, cfg: ReconcileConfig) -> None:
        self.cfg = cfg
        self.by_kind: dict[str, dict[str, int]] = {k: {} for k in DEFAULT_RULES}
        #: CI key -> kind -> values, for strong kinds only; built on first need (a run where
        #: every fact is identified by its first rule never needs it)
        self._strong: dict[int, dict[str, set[str]]] | None = None
        #: identifiers added or moved in this run: (kind, value) -> key
        self.assigned: dict[tuple[str, str], int] = {}
        self.removed: set[tuple[str, str]] = set()
        #: keys of CIs that gained or lost an identifier through assign() or drop()
        self.touched: set[int] = set()
        #: for every identifier this run moved or dropped: was it in the database when the
        #: run started (recorded on first touch instead of copying 400k loaded pairs into a
        #: set: loaded pairs point at real CIs, ``> 0``; pairs new in this run at ``< 0``)
        self._orig_in_db: dict[tuple[str, str], bool] = {}

    def load_kind(self, kind: str, rows: Mapping[str, int] | Iterable[tuple[str, int]]) -> None:
        """Bulk-load one kind's ``value -> ci_id`` (a mapping or rows; a C-level dict update)."""
        self.by_kind.setdefault(kind, {}).update(rows)
        self._strong = None

    def get(self, kind: str, value: str) -> int | None:
        """The CI key ``(kind, value)`` points at, or None."""
        d = self.by_kind.get(kind)
        return d.get(value) if d else None

    def was_in_db(self, pair: tuple[str, str]) -> bool:
        """True when ``pair`` was stored when the run started and this run moved/dropped it."""
        return self._orig_in_db.get(pair, False)

    def _touch(self, pair: tuple[str, str], old: int | None) -> None:
        if pair not in self._orig_in_db:
            self._orig_in_db[pair] = old is not None and old > 0

    @property
    def strong_built(self) -> bool:
        """True once :attr:`strong` was needed (then assign() keeps it up to date)."""
        return self._strong is not None

    @property
    def strong(self) -> dict[int, dict[str, set[str]]]:
        if self._strong is None:
            m: dict[int, dict[str, set[str]]] = {}
            kinds = self.cfg.strong_kinds
            for k in kinds:
                for v, key in self.by_kind.get(k, {}).items():
                    m.setdefault(key, {}).setdefault(k, set()).add(v)
            self._strong = m
        return self._strong

    def identify(self, ids: Mapping[str, Sequence[str]]) -> int | None:
        """The CI the identifiers point at, following the rule chain, or None for a new CI."""
        rules = self.cfg.rules
        by_kind = self.by_kind
        for pos, kind in enumerate(rules):
            values = ids.get(kind)
            if not values:
                continue
            d = by_kind.get(kind)
            if not d:
                continue
            for value in values:
                key = d.get(value)
                if key is None or (pos and self._disagrees(key, ids, rules[:pos])):
                    continue
                return key
        return None

    def _disagrees(
        self, key: int, ids: Mapping[str, Sequence[str]], stronger: Sequence[str]
    ) -> bool:
        kinds = [k for k in stronger if k in self.cfg.strong_kinds and ids.get(k)]
        if not kinds:
            return False
        owned = self.strong.get(key)
        if not owned:
            return False
        for kind in kinds:
            mine = owned.get(kind)
            if mine and mine.isdisjoint(ids[kind]):
                return True
        return False

    def assign(self, kind: str, value: str, key: int) -> None:
        """Make ``(kind, value)`` point at ``key`` (moving it from another CI if needed)."""
        d = self.by_kind.setdefault(kind, {})
        old = d.get(value)
        if old == key:
            return
        pair = (kind, value)
        self._touch(pair, old)
        d[value] = key
        self.touched.add(key)
        if old is not None:
            self.touched.add(old)
        if self._strong is not None and kind in self.cfg.strong_kinds:
            if old is not None:
                self._strong.get(old, {}).get(kind, set()).discard(value)
            self._strong.setdefault(key, {}).setdefault(kind, set()).add(value)
        self.assigned[pair] = key
        self.removed.discard(pair)

    def drop(self, kind: str, value: str, key: int) -> None:
        """Forget ``(kind, value)`` if it still points at ``key``."""
        d = self.by_kind.get(kind)
        if not d or d.get(value) != key:
            return
        pair = (kind, value)
        self._touch(pair, key)
        del d[value]
        self.touched.add(key)
        if self._strong is not None and kind in self.cfg.strong_kinds:
            self._strong.get(key, {}).get(kind, set()).discard(value)
        self.assigned.pop(pair, None)
        self.removed.add(pair)
