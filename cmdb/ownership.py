"""Departments and contacts by building and room (inherited by their CIs unless a CI has its
own), and bulk edits of a selection of CIs with a dry run.

The inheritance rule itself is :func:`netcmdb.cmdb.query.responsible` (CI, then room, then
building, each attribute on its own). Rooms are given as canonical ``(building, floor, room)``
keys (the CLI parses the room code with the label rule). Must not import the CLI; never prints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from netcmdb.cmdb.lifecycle import set_lifecycle
from netcmdb.cmdb.models import CI, Building, Location
from netcmdb.cmdb.query import _s, _v, set_manual
from netcmdb.errors import CmdbError, LabelError

#: what ``room set`` / ``building set`` may change
PLACE_ATTRS = ("name", "department", "contact")
#: what a bulk ``ci set`` may change (one value for every selected CI)
BULK_ATTRS = ("department", "contact", "owner", "role", "description", "lifecycle")

Normalizer = Callable[[str, str, str], tuple[str, str, str]]


def _apply(obj: Any, values: Mapping[str, str | None]) -> list[dict[str, Any]]:
    from netcmdb.cmdb import validate

    prefix = "building." if isinstance(obj, Building) else "location."
    changes = []
    for attr, new in values.items():
        if attr not in PLACE_ATTRS:
            raise CmdbError(
                "cannot set {attr!r} (settable: {place_attrs})",
                attr=attr,
                place_attrs=", ".join(PLACE_ATTRS),
            )
        # the one value check (types, NUL, lone surrogates, the column's length on any backend)
        new = validate.text("", f"--{attr}", new, CmdbError, limit_key=prefix + attr)
        new = (new or "").strip() or None
        old = getattr(obj, attr)
        if old != new:
            setattr(obj, attr, new)
            changes.append({"attribute": attr, "old": old, "new": new})
    return changes


def room_locations(
    session: Session, key: tuple[str, str, str], normalize: Normalizer | None = None
) -> list[Location]:
    """The location rows of room ``key`` (rows stored unpadded count too, through
    ``normalize``, e.g. the label rule's ``normalize_room``)."""
    rows = list(
        session.scalars(
            select(Location).where(
                Location.building == key[0], Location.floor == key[1], Location.room == key[2]
            )
        )
    )
    if normalize is not None:
        seen = {r.id for r in rows}
        for loc in session.scalars(select(Location)):
            if loc.id in seen:
                continue
            try:
                if tuple(normalize(loc.building, loc.floor, loc.room)) == tuple(key):
                    rows.append(loc)
            except LabelError:  # a stored room the rule cannot read is not this one
                continue
    return rows


def set_room(
    session: Session,
    key: tuple[str, str, str],
    values: Mapping[str, str | None],
    normalize: Normalizer | None = None,
) -> list[dict[str, Any]]:
    """Set a room's name, department and contact (the room is created when unknown).

    Returns:
        The changes (attribute, old, new); ``""`` or None clears an attribute.
    """
    rows = room_locations(session, key, normalize)
    if not rows:
        loc = Location(building=key[0], floor=key[1], room=key[2])
        session.add(loc)
        rows = [loc]
    changes: list[dict[str, Any]] = []
    for loc in rows:
        changes = _apply(loc, values) or changes
    session.flush()
    return changes


def set_building(
    session: Session, code: str, values: Mapping[str, str | None]
) -> list[dict[str, Any]]:
    """Set a building's name, department and contact (``code``: the label rule's building
    code, e.g. ``01``; created when unknown)."""
    code = code.strip()
    if not code:
        raise CmdbError("a building needs a code (e.g. 01)")
    b = session.scalars(select(Building).where(Building.code == code)).first()
    if b is None:
        b = Building(code=code)
        session.add(b)
    changes = _apply(b, values)
    session.flush()
    return changes


def select_cis(
    session: Session,
    *,
    location_ids: list[int] | None = None,
    building: str | None = None,
    ci_class: str | None = None,
    status: str | None = None,
) -> list[CI]:
    """The CIs of a bulk edit: in these rooms / this building, of this class and status.

    Raises:
        CmdbError: no selection criterion at all (a bulk edit of everything is refused), or a
            class or status that does not exist (it used to reach the database: a 500).
    """
    from netcmdb.cmdb import validate

    validate.choice("--where-class", "class", ci_class, validate.CLASSES, CmdbError)
    validate.choice("--where-status", "status", status, validate.STATUSES, CmdbError)
    if location_ids is None and building is None and ci_class is None and status is None:
        raise CmdbError(
            "a bulk edit needs a selection (--where-room, --where-building, --where-class or "
            "--where-status)"
        )
    q = select(CI).order_by(CI.id)
    if location_ids is not None:
        q = q.where(CI.location_id.in_(location_ids))
    if building is not None:
        q = q.join(Location, Location.id == CI.location_id).where(Location.building == building)
    if ci_class is not None:
        q = q.where(CI.ci_class == ci_class)
    if status is not None:
        q = q.where(CI.status == status)
    return list(session.scalars(q))


def bulk_set(
    session: Session,
    cis: list[CI],
    values: Mapping[str, Any],
    *,
    dry_run: bool = False,
    source: str = "manual",
) -> list[dict[str, Any]]:
    """Set the same values on every CI of a selection, in the caller's transaction.

    Returns:
        One entry per CI that changes: ``{"id", "name", "changes": [...]}`` — with
        ``dry_run`` what would change (the caller rolls back; nothing is flushed as done).

    Raises:
        CmdbError / IntegrityError: an attribute a bulk edit may not set, a bad value.
    """
    for attr in values:
        if attr not in BULK_ATTRS:
            raise CmdbError(
                "a bulk edit cannot set {attr!r} (settable: {bulk_attrs})",
                attr=attr,
                bulk_attrs=", ".join(BULK_ATTRS),
            )
    out = []
    for ci in cis:
        if dry_run:
            diff = [
                {"attribute": a, "old": _s(_v(getattr(ci, a))), "new": _s(v)}
                for a, v in values.items()
                if _s(_v(getattr(ci, a))) != _s(v)
            ]
        else:
            plain = {a: v for a, v in values.items() if a != "lifecycle"}
            diff = set_manual(session, ci, plain, source=source) if plain else []
            if values.get("lifecycle"):
                diff += set_lifecycle(session, ci, values["lifecycle"])
        if diff:
            out.append({"id": ci.id, "name": ci.name, "changes": diff})
    return out
