"""What the web's pages and API ask of the CMDB, composed from the library functions the CLI uses.

Each function here is a composition the CLI spells inline today (impact: resolve, compute, report;
the label rule from the config; a CI list page). When the CLI's ``services/`` modules take these
over, the web calls those instead. Returns plain dicts; never prints; must not import the CLI.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from netcmdb.cmdb.models import CI, Location
from netcmdb.cmdb.query import row_id
from netcmdb.errors import NotFoundError

#: load a CI's location with it (search hits show the room: no query per hit)
_LOC = joinedload(CI.location)


def label_rule(cmdb: Any = None):  # type: ignore[no-untyped-def]
    """The configured label rule (``services.labels.rule_of``; a fresh config read when no
    ``Cmdb`` is given)."""
    from netcmdb.services.context import Cmdb
    from netcmdb.services.labels import rule_of

    return rule_of(cmdb if cmdb is not None else Cmdb())


def list_cis(
    session: Session,
    *,
    q: str | None,
    filters: dict[str, Any],
    limit: int,
    offset: int,
    rule: Any = None,
    cmdb: Any = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of CIs (``ci list --json`` records) and the total, ``q`` as the search box."""
    from netcmdb.exporters.netcmdb_json import ci_page

    return ci_page(
        session, list_selection(session, q, filters, rule, cmdb), limit=limit, offset=offset
    )


def list_selection(
    session: Session, q: str | None, filters: dict[str, Any], rule: Any = None, cmdb: Any = None
) -> dict[str, Any]:
    """The CI list page's selection as ``ci list`` filters (``services.cis.selection``: a room
    in any notation; ``ids``: the search box's CIs), for the page, ``GET /api/v1/cis`` and the
    downloads (``services.export.download(..., cis=)``)."""
    from netcmdb.services.cis import selection
    from netcmdb.services.context import Cmdb

    f = selection(cmdb if cmdb is not None else Cmdb(), {k: v for k, v in filters.items() if v})
    if q and q.strip():
        f["ids"] = [h["id"] for h in search(session, q, limit=5000, rule=rule) if h["kind"] == "ci"]
    return f


def search(session: Session, q: str, *, limit: int = 20, rule: Any = None) -> list[dict[str, Any]]:
    """The search box: CIs and rooms by name, label, IP, MAC (any notation), serial, room code,
    room name, owner; journal notes lead to their CI. The text index is ``cmdb.search``'s (the
    one search service); this adds exact look-ups (``find_ci``) and the label rule's room codes.
    """
    from netcmdb.cmdb.search import MIN_QUERY_CHARS
    from netcmdb.cmdb.search import search as text_search
    from netcmdb.errors import CmdbError

    q = (q or "").strip()[:200]
    if len(q) < MIN_QUERY_CHARS:
        return []
    hits: list[dict[str, Any]] = []
    seen: set[int] = set()

    def add(ci: CI | None, why: str) -> None:
        if ci is None or ci.id in seen or len(hits) >= limit:
            return
        seen.add(ci.id)
        hits.append(ci_hit(ci, why))

    for ci in exact_cis(session, q):
        add(ci, "exact")
    rule = rule if rule is not None else label_rule()
    rooms: dict[int, Location] = {}
    try:
        key = rule.parse_room(q)
    except Exception:  # noqa: BLE001 - not a room code
        key = None
    if key is not None:
        rooms.update(
            {
                loc.id: loc
                for loc in session.scalars(select(Location))
                if _room_key(rule, loc) == key
            }
        )
    try:  # a MAC in any notation is cmdb.search's to understand (the one search service)
        found = text_search(session, q, limit=limit)
    except CmdbError:
        found = []
    ci_ids = [h.ci_id for h in found if h.kind in ("ci", "note") and h.ci_id]
    by_id = (
        {c.id: c for c in session.scalars(select(CI).options(_LOC).where(CI.id.in_(ci_ids)))}
        if ci_ids
        else {}
    )
    for h in found:
        if h.kind in ("ci", "note") and h.ci_id:
            add(by_id.get(h.ci_id), h.kind)
        elif h.kind == "room" and h.id not in rooms:
            loc = session.get(Location, h.id)
            if loc is not None:
                rooms[loc.id] = loc
    for loc in list(rooms.values())[:5]:
        if len(hits) >= limit:
            break
        for ci in session.scalars(
            select(CI)
            .options(_LOC)
            .where(CI.location_id == loc.id)
            .order_by(CI.seat, CI.name)
            .limit(limit - len(hits))
        ):
            add(ci, "room")
    return [room_hit(rule, loc) for loc in list(rooms.values())[:5]] + hits


def exact_cis(session: Session, q: str) -> list[CI]:
    """CIs whose label, name, IP or MAC (any notation) is exactly ``q``, or ``#id``: one
    statement, a UNION of index look-ups (an OR of the terms scanned the table)."""
    import ipaddress

    from sqlalchemy import union

    from netcmdb.discovery.normalize import mac_or_none

    conds = [CI.label == q, CI.name == q]
    try:
        conds.append(CI.ip == str(ipaddress.ip_address(q)))
    except ValueError:
        mac = mac_or_none(q) if len(re.sub(r"[^0-9A-Fa-f]", "", q)) == 12 else None
        if mac:
            conds.append(CI.mac == mac)
    if q.startswith("#") and (rid := row_id(q)) is not None:
        conds.append(CI.id == rid)
    ids = union(*(select(CI.id).where(c) for c in conds))
    return list(
        session.scalars(select(CI).options(_LOC).where(CI.id.in_(ids)).order_by(CI.id).limit(10))
    )


def _escape_like(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _room_key(rule: Any, loc: Location) -> Any:
    try:
        return rule.normalize_room(loc.building, loc.floor, loc.room)
    except Exception:  # noqa: BLE001 - a location the rule cannot express
        return None


def room_code(rule: Any, loc: Location | dict[str, Any] | None) -> str | None:
    """The label rule's room code of a location (``D010210``), or None."""
    if loc is None:
        return None
    b, f, r = (
        (loc["building"], loc["floor"], loc["room"])
        if isinstance(loc, dict)
        else (loc.building, loc.floor, loc.room)
    )
    try:
        return str(rule.format_room(*rule.normalize_room(b, f, r)))
    except Exception:  # noqa: BLE001
        return None


def ci_hit(ci: CI, why: str) -> dict[str, Any]:
    loc = ci.location
    return {
        "kind": "ci",
        "id": ci.id,
        "name": ci.name,
        "class": ci.ci_class.value,
        "label": ci.label,
        "ip": ci.ip,
        "mac": ci.mac,
        "room": (f"{loc.building}/{loc.floor}/{loc.room}" if loc else None),
        "room_name": loc.name if loc else None,
        "match": why,
    }


def room_hit(rule: Any, loc: Location) -> dict[str, Any]:
    return {
        "kind": "room",
        "code": room_code(rule, loc),
        "name": loc.name,
        "room": f"{loc.building}/{loc.floor}/{loc.room}",
    }


def room_plan(session: Session, room: str, rule: Any = None) -> dict[str, Any]:
    """A room as the label rule sees it: its code and name, and its CIs by seat.

    Seats are numbered from the door, right to left in a U (labeling/rule.py); the page draws
    seat 1 right of the door. Raises NotFoundError for an unknown room.
    """
    from netcmdb.labeling.assign import room_cis

    rule = rule if rule is not None else label_rule()
    key = rule.parse_room(room)
    code = rule.format_room(*key)
    loc, cis = room_cis(session, rule, room)
    if loc is None:
        raise NotFoundError("no room {code} in the CMDB", code=code)
    seats = [
        {
            "seat": c.seat,
            "id": c.id,
            "name": c.name,
            "label": c.label,
            "class": c.ci_class.value,
            "ip": c.ip,
        }
        for c in cis
    ]
    return {
        "code": code,
        "name": loc.name,
        "building": loc.building,
        "floor": loc.floor,
        "room": loc.room,
        "seated": [s for s in seats if s["seat"] is not None],
        "unseated": [s for s in seats if s["seat"] is None],
        "unlabelled": sum(1 for s in seats if not s["label"]),
    }


def _pdf(write: Any) -> bytes:
    """Bytes of a PDF a service writes to a path (a private temporary file, removed)."""
    import os
    import tempfile

    fd, path = tempfile.mkstemp(suffix=".pdf", prefix="netcmdb-web-")
    os.close(fd)
    try:
        write(path)
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)


def room_labels_pdf(cmdb: Any, room: str) -> bytes:
    """The room's labels as a PDF (``label print --room ROOM --format pdf``).

    Raises:
        LabelError: a malformed room code. NotFoundError: no labelled CI in the room.
    """
    from netcmdb.labeling.items import select_items
    from netcmdb.services.labels import print_labels

    rule = label_rule(cmdb)
    rule.parse_room(room)
    with cmdb.session() as s:
        if not select_items(s, rule, room=room):
            raise NotFoundError("no labelled CIs in room {room}", room=room)
    return _pdf(lambda p: print_labels(cmdb, rule, p, fmt="pdf", room=room))


def ci_label_pdf(cmdb: Any, ci_id: int) -> bytes:
    """One CI's label as a PDF (the config's template and QR)."""
    from netcmdb.labeling.items import DEFAULT_QR, select_items
    from netcmdb.labeling.print_pdf import render_labels
    from netcmdb.labeling.templates import get_template
    from netcmdb.services.labels import print_default

    rule = label_rule(cmdb)
    with cmdb.session() as s:
        items = [
            i
            for i in select_items(
                s, rule, ids=[ci_id], qr_template=str(print_default(cmdb, "qr", None, DEFAULT_QR))
            )
            if i.ci_id == ci_id
        ]
    if not items:
        raise NotFoundError("this CI has no label yet (label assign, or set one)")
    tpl = get_template(str(print_default(cmdb, "template", None, "L7160")), None)
    return _pdf(lambda p: render_labels(items, tpl, p))


def walk_sheet_pdf(cmdb: Any, room: str) -> bytes:
    """The room's walk-sheet PDF (``label sheet ROOM``)."""
    from netcmdb.services.labels import walk_sheet

    rule = label_rule(cmdb)
    return _pdf(lambda p: walk_sheet(cmdb, rule, room, p))
