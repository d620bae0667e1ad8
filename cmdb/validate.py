"""The one set of value checks every write path uses: ``import json``/``csv``, ``ci set``, labels.

A value that passes here fits its column on every backend (lengths come from the models, so the
schema is the single source), is valid Unicode without NUL, and a number fits a 32-bit INTEGER.
So an ``export json`` of the CMDB can always be imported again.

Each check takes ``where`` (``cis[3] (sw-1)``, ``ci set``) and the error type to raise, so the
importer names rows and ``ci set`` names options, with the same rule behind both.

Must not import scanners, exporters or the CLI. Never prints.
"""

from __future__ import annotations

import math
from typing import Any, cast

from sqlalchemy import String

from netcmdb.cmdb.models import CI, Building, CIClass, CIStatus, Location, Relationship
from netcmdb.errors import N_, NetcmdbError

#: Largest whole number a count/seat may hold (PostgreSQL INTEGER).
INT_MAX = 2**31 - 1


def _lengths(model: Any, prefix: str = "") -> dict[str, int]:
    return {
        f"{prefix}{c.key}": c.type.length
        for c in model.__table__.columns
        if isinstance(c.type, String) and c.type.length
    }


#: Column lengths by field name, read from the models (``location.room``, ``port``...).
LIMITS: dict[str, int] = {
    **_lengths(CI),
    **_lengths(Location, "location."),
    **_lengths(Building, "building."),
    "port": cast(String, Relationship.__table__.c.source_port.type).length or 0,
}
CLASSES = tuple(c.value for c in CIClass)
STATUSES = tuple(s.value for s in CIStatus)


def fail(error: type[NetcmdbError], where: str, problem: str | NetcmdbError) -> NetcmdbError:
    """``error`` saying ``where: problem``; ``problem`` is an ``N_(...)`` phrase (or an error),
    translated with the rest (netcmdb.i18n.localize)."""
    if not where:
        return error(problem)
    return error("{where}: {problem}", where=where, problem=problem)


def text(
    where: str, key: str, v: Any, error: type[NetcmdbError], *, limit_key: str | None = None
) -> str | None:
    """``v`` as text (numbers are accepted as their text; None stays None).

    Raises:
        error: a list/object/bool, a NUL or lone surrogate, or longer than the column.
    """
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        raise fail(
            error, where, N_("{key} must be text, got {kind}", key=key, kind=type(v).__name__)
        )
    if isinstance(v, float) and not math.isfinite(v):
        raise fail(error, where, N_("{key} must be text, got {v!r}", key=key, v=v))
    s = str(v)
    if "\x00" in s:
        raise fail(error, where, N_("{key} contains a NUL character", key=key))
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise fail(
            error, where, N_("{key} contains a lone surrogate (not valid Unicode)", key=key)
        ) from None
    limit = LIMITS.get(limit_key or key)
    if limit and len(s) > limit:
        raise fail(
            error,
            where,
            N_("{key} is longer than {limit} characters ({n})", key=key, limit=limit, n=len(s)),
        )
    return s


def whole(
    where: str,
    key: str,
    v: Any,
    error: type[NetcmdbError],
    *,
    minimum: int = 0,
    maximum: int = INT_MAX,
) -> int | None:
    """``v`` as a whole number in ``minimum..maximum`` (None/"" stay None)."""
    if v is None or v == "":
        return None
    bad = fail(
        error,
        where,
        N_(
            "{key} must be a whole number from {minimum} to {maximum}, got {v!r}",
            key=key,
            minimum=minimum,
            maximum=maximum,
            v=v,
        ),
    )
    if isinstance(v, bool) or (isinstance(v, float) and not math.isfinite(v)):
        raise bad
    try:
        n = int(v)
    except (TypeError, ValueError, OverflowError):
        raise bad from None
    if isinstance(v, float) and v != n:
        raise bad
    if not minimum <= n <= maximum:
        raise bad
    return n


def choice(
    where: str, key: str, v: Any, known: tuple[str, ...], error: type[NetcmdbError]
) -> str | None:
    """``v`` as one of ``known`` (None/"" stay None)."""
    if v is None or v == "":
        return None
    if not isinstance(v, str) or v not in known:
        raise fail(
            error,
            where,
            N_("unknown {key} {v!r} (known: {known})", key=key, v=v, known=", ".join(known)),
        )
    return v


def location(where: str, parts: Any, error: type[NetcmdbError]) -> tuple[str, str, str] | None:
    """``(building, floor, room)``: all three or none, each within its column."""
    vals = [
        text(where, f"location {k}", p, error, limit_key=f"location.{k}")
        for k, p in zip(("building", "floor", "room"), parts)
    ]
    vals = [v.strip() if v else v for v in vals]
    if not any(vals):
        return None
    if not all(vals):
        raise fail(error, where, N_("location needs building, floor and room"))
    return vals[0], vals[1], vals[2]  # type: ignore[return-value]


def label(where: str, v: Any, rule: Any, error: type[NetcmdbError]) -> str | None:
    """``v`` as a label that follows ``rule`` (a :class:`netcmdb.labeling.rule.Rule`), in the
    rule's canonical spelling; None/"" stay None."""
    s = text(where, "label", v, error)
    if not s:
        return None
    if rule is not None:
        from netcmdb.errors import LabelError

        try:
            return str(rule.format(rule.parse(s)))
        except LabelError as exc:
            raise fail(
                error, where, N_("label does not follow the label rule: {exc}", exc=exc)
            ) from None
    return s
