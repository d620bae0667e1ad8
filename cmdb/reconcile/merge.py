"""THE merge rule, written once: which source's value a CI attribute keeps (:func:`merge_action`),
and the name rule (:func:`name_action`, :func:`given_name_action`).

Pure functions of values, sources and the configured priorities. Everything that merges a fact
into a CI (:meth:`netcmdb.cmdb.reconcile.run.Run.set_attr`, ``merge``, ``merge_name``,
``give``) or proves that a fact changes nothing (``Run.unchanged``, hence ``Run.unchanged_key``
and the rescan helper) asks these functions; ``Run.fresh_row`` is what they give a CI that has
nothing yet. ``tests/cmdb/test_merge_rule.py`` checks that all of them agree.
"""

from __future__ import annotations

from typing import Any

from netcmdb.cmdb.reconcile.config import DEFAULT_CFG, NAME_BASES, ReconcileConfig
from netcmdb.discovery.facts import Source


def outranks(
    new_source: str, current_source: str | None, cfg: ReconcileConfig | None = None
) -> bool:
    """True when a value from ``new_source`` may replace one set by ``current_source``.

    Equal rank overwrites (a newer SNMP answer replaces an older one); ``manual`` is only ever
    replaced by ``manual``.
    """
    cfg = cfg or DEFAULT_CFG
    if current_source == Source.MANUAL.value:
        return new_source == Source.MANUAL.value
    return cfg.rank(new_source) <= cfg.rank(current_source)


#: What the merge rule does with one observed value (:func:`merge_action`, :func:`name_action`)
KEEP, RETAG, TAKE = 0, 1, 2


def merge_action(
    current: Any,
    current_source: str | None,
    value: Any,
    source: str,
    cfg: ReconcileConfig | None = None,
) -> int:
    """THE merge rule for one attribute: what ``value``, observed by ``source``, does to a CI
    attribute that holds ``current``, set by ``current_source``.

    Returns :data:`TAKE` (the value replaces the current one: the attribute is empty or its
    source does not outrank ``source``), :data:`RETAG` (same value, now credited to ``source``,
    which outranks the one that set it) or :data:`KEEP` (nothing changes). Everything that
    merges an attribute (``Run.set_attr``) or proves that a fact changes nothing
    (``Run.unchanged``, hence ``Run.unchanged_key`` and the rescan helper) asks this function;
    ``Run.fresh_row`` is what it gives a CI that has nothing yet (tests/cmdb/test_merge_rule.py
    checks that they agree).

    >>> merge_action("S5735", "snmp", "S5735-L", "ssh")  # ssh outranks snmp
    2
    >>> merge_action("core-1", "manual", "sw-17", "snmp")  # a person's value stays
    0
    >>> merge_action("Huawei", "arp", "Huawei", "snmp")  # same value, better source
    1
    """
    if current == value:
        if current_source != source and outranks(source, current_source, cfg):
            return RETAG
        return KEEP
    if current is not None and not outranks(source, current_source, cfg):
        return KEEP
    return TAKE


def name_action(
    current: str | None,
    current_tag: str | None,
    basis: str,
    name: str,
    source: str,
    cfg: ReconcileConfig | None = None,
) -> int:
    """The name rule: what a discovered ``name`` (from ``basis``: see :data:`NAME_BASES`) does to
    a CI called ``current`` whose ``attr_sources["name"]`` is ``current_tag``.

    A tag is ``basis:source`` for a discovered name and a bare source (``manual``, ``import``)
    for a given one. A given name yields only to a source that outranks it; a discovered one
    to a better basis, or the same basis from a source that is not outranked.

    >>> name_action("10.0.0.7", "ip:arp", "hostname", "pc-7", "icmp")  # own name beats an IP
    2
    >>> name_action("Mail", "manual", "hostname", "srv-mail", "ssh")  # given by a person
    0
    """
    cfg = cfg or DEFAULT_CFG
    tag = f"{basis}:{source}"
    if current_tag is not None and current == name and current_tag == tag:
        return KEEP  # same name from the same basis and source (rescans)
    if current is not None and current_tag is not None:
        cur_basis, colon, cur_source = current_tag.partition(":")
        if not colon:  # manual / import: a name given by hand wins
            if not outranks(source, cur_basis, cfg):
                return KEEP
        elif (NAME_BASES[basis], cfg.rank(source)) > (
            NAME_BASES.get(cur_basis, 9),
            cfg.rank(cur_source),
        ):
            return KEEP
    if current == name:
        return RETAG if current_tag != tag else KEEP
    return TAKE


def given_name_action(
    current: str | None,
    current_tag: str | None,
    name: str,
    source: str,
    cfg: ReconcileConfig | None = None,
) -> int:
    """The name rule for a name a person gives (``ci set``, an import file): a discovered name
    (``basis:source``) always yields; a given one only to a source that outranks it."""
    given_by = current_tag if current_tag and ":" not in current_tag else None
    if not outranks(source, given_by, cfg):
        return KEEP
    if current != name:
        return TAKE
    return RETAG if current_tag != source else KEEP
