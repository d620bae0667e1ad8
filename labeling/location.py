"""sysLocation text -> a room: the label rule's room code anywhere in it, then site patterns.

A campus whose devices say ``3号楼 0512室`` or ``B3-F5-R12`` instead of the house room code
configures patterns (Python regexes with the named groups ``building``, ``floor`` and ``room``,
tried in order)::

    [location]
    patterns = ['(?P<building>\\d+)号楼\\s*(?P<floor>\\d{2})(?P<room>\\d{2})室',
                'B(?P<building>\\d+)-F(?P<floor>\\d+)-R(?P<room>\\d+)']

Matched values are normalised (zero-padded) by the label rule, so ``B3-F5-R12`` and ``D030512``
are the same room. Text nothing matches is not a room; the reconciler keeps it verbatim on the CI
(``location_text``). Pure: no I/O, no CMDB.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from netcmdb.errors import ConfigError, LabelError

GROUPS = ("building", "floor", "room")


def compile_patterns(patterns: Sequence[str], where: str = "") -> list[re.Pattern[str]]:
    r"""The ``[location] patterns``, compiled; a bad one is one :class:`ConfigError` naming it.

    >>> len(compile_patterns([r"B(?P<building>\d+)-F(?P<floor>\d+)-R(?P<room>\d+)"]))
    1
    """
    out = []
    for p in patterns:
        if not isinstance(p, str) or not p:
            raise ConfigError(
                "{where}[location] patterns: {p!r} is not a non-empty string", where=where, p=p
            )
        try:
            rx = re.compile(p)
        except re.error as exc:
            raise ConfigError(
                "{where}[location] patterns: bad pattern {p!r}: {exc}", where=where, p=p, exc=exc
            ) from None
        missing = [g for g in GROUPS if g not in rx.groupindex]
        if missing:
            raise ConfigError(
                (
                    "{where}[location] patterns: pattern {p!r} has no named group {missing} (use "
                    "(?P<{value}>...))"
                ),
                where=where,
                p=p,
                missing=", ".join(missing),
                value=missing[0],
            )
        out.append(rx)
    return out


def location_parser(
    rule: Any, patterns: Sequence[re.Pattern[str]] = ()
) -> Callable[[str | None], Any]:
    """A reconciler ``location_parser``: the rule's room code anywhere, then ``patterns``.

    ``rule`` is a :class:`netcmdb.labeling.rule.Rule` (its ``parse_location`` and
    ``normalize_room``). Returns the rule's RoomRef, or None when nothing matches.
    """

    def parse(text: str | None) -> Any:
        if not text or not isinstance(text, str):
            return None
        found = rule.parse_location(text)
        if found is not None:
            return found
        for rx in patterns:
            for m in rx.finditer(text[:1000]):
                try:
                    return rule.normalize_room(
                        m.group("building"), m.group("floor"), m.group("room")
                    )
                except LabelError:
                    continue
        return None

    return parse
