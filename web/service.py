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
from netcmdb.errors import ImportFormatError, NotFoundError

#: [label] keys that are print defaults, not part of the rule (as the CLI's label commands)
LABEL_PRINT_KEYS = ("template", "qr", "dpi")
#: load a CI's location with it (search hits show the room: no query per hit)
_LOC = joinedload(CI.location)


def config() -> dict[str, Any]:
    from netcmdb.config import load_config

    return load_config()


def label_rule(cfg: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    """The label rule of the config file's ``[label]`` table (else the house rule)."""
    from netcmdb.labeling.rule import get_rule

    cfg = config() if cfg is None else cfg
    table = {k: v for k, v in (cfg.get("label") or {}).items() if k not in LABEL_PRINT_KEYS}
    return get_rule(table) if table else get_rule(None)


def find(session: Session, ref: str) -> CI:
    """The CI ``ref`` means (name, label, IP, MAC, ``#id``; a bare number is an id too)."""
    from netcmdb.cmdb.query import find_ci

    ref = ref.strip()
    if ref.isdigit() and session.get(CI, int(ref)) is not None:
        return find_ci(session, f"#{ref}")
    return find_ci(session, ref)


def _search_ids(session: Session, q: str, limit: int) -> list[int]:
    return [h["id"] for h in search(session, q, limit=limit) if h["kind"] == "ci"]


def list_cis(session: Session, *, q: str | None, filters: dict[str, Any], limit: int,
             offset: int) -> tuple[list[dict[str, Any]], int]:
    """One page of CIs (``ci list --json`` records) and the total, ``q`` as the search box."""
    from netcmdb.exporters.netcmdb_json import ci_page

    f = {k: v for k, v in filters.items() if v}
    if q and q.strip():
        f["ids"] = _search_ids(session, q, 5000)
    return ci_page(session, f, limit=limit, offset=offset)


def impact_report(engine: Any, targets: list[str]) -> dict[str, Any]:
    """``netcmdb impact --json TARGETS``: resolve, compute, report."""
    from netcmdb.topology.impact import report

    cis, links = engine.topo.resolve_targets(targets)
    return report(engine, engine.impact(cis, links))


#: a MAC or part of one, in any notation (00e0.fc00.0001, 00-E0-FC, 00e0fc000001)
_MACISH = re.compile(r"^[0-9A-Fa-f]{2}([-:. ]?[0-9A-Fa-f]{2}){2,5}$"
                     r"|^[0-9A-Fa-f]{4}(\.[0-9A-Fa-f]{4}){1,2}$")


def search(session: Session, q: str, *, limit: int = 20) -> list[dict[str, Any]]:
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
    rule = label_rule()
    rooms: dict[int, Location] = {}
    try:
        key = rule.parse_room(q)
    except Exception:  # noqa: BLE001 - not a room code
        key = None
    if key is not None:
        rooms.update({loc.id: loc for loc in session.scalars(select(Location))
                      if _room_key(rule, loc) == key})
    text_q = q
    if _MACISH.match(q):  # a MAC in another notation: search the stored (colon) spelling
        hexd = re.sub(r"[-:. ]", "", q).lower()
        text_q = ":".join(hexd[i:i + 2] for i in range(0, len(hexd), 2))
    try:
        found = text_search(session, text_q, limit=limit)
    except CmdbError:
        found = []
    ci_ids = [h.ci_id for h in found if h.kind in ("ci", "note") and h.ci_id]
    by_id = ({c.id: c for c in session.scalars(
        select(CI).options(_LOC).where(CI.id.in_(ci_ids)))} if ci_ids else {})
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
        for ci in session.scalars(select(CI).options(_LOC).where(CI.location_id == loc.id)
                                  .order_by(CI.seat, CI.name).limit(limit - len(hits))):
            add(ci, "room")
    return [room_hit(rule, loc) for loc in list(rooms.values())[:5]] + hits


def exact_cis(session: Session, q: str) -> list[CI]:
    """CIs whose label, name, IP or MAC (any notation) is exactly ``q``: index look-ups only."""
    import ipaddress

    from netcmdb.discovery.normalize import mac_or_none

    ci = select(CI).options(_LOC)
    out = list(session.scalars(ci.where(CI.label == q).limit(5)))
    out += session.scalars(ci.where(CI.name == q).order_by(CI.id).limit(5))
    try:
        ip = str(ipaddress.ip_address(q))
    except ValueError:
        ip = None
    if ip:
        out += session.scalars(ci.where(CI.ip == ip).order_by(CI.id).limit(5))
    else:
        mac = mac_or_none(q) if len(re.sub(r"[^0-9A-Fa-f]", "", q)) == 12 else None
        if mac:
            out += session.scalars(ci.where(CI.mac == mac).order_by(CI.id).limit(5))
    if q.startswith("#") and q[1:].isdigit():
        hit = session.get(CI, int(q[1:]))
        if hit is not None:
            out.append(hit)
    return out


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
    b, f, r = ((loc["building"], loc["floor"], loc["room"]) if isinstance(loc, dict)
               else (loc.building, loc.floor, loc.room))
    try:
        return str(rule.format_room(*rule.normalize_room(b, f, r)))
    except Exception:  # noqa: BLE001
        return None


def ci_hit(ci: CI, why: str) -> dict[str, Any]:
    loc = ci.location
    return {"kind": "ci", "id": ci.id, "name": ci.name, "class": ci.ci_class.value,
            "label": ci.label, "ip": ci.ip, "mac": ci.mac,
            "room": (f"{loc.building}/{loc.floor}/{loc.room}" if loc else None),
            "room_name": loc.name if loc else None, "match": why}


def room_hit(rule: Any, loc: Location) -> dict[str, Any]:
    return {"kind": "room", "code": room_code(rule, loc), "name": loc.name,
            "room": f"{loc.building}/{loc.floor}/{loc.room}"}


def room_plan(session: Session, room: str) -> dict[str, Any]:
    """A room as the label rule sees it: its code and name, and its CIs by seat.

    Seats are numbered from the door, right to left in a U (labeling/rule.py); the page draws
    seat 1 right of the door. Raises NotFoundError for an unknown room.
    """
    from netcmdb.labeling.assign import room_cis

    rule = label_rule()
    key = rule.parse_room(room)
    code = rule.format_room(*key)
    loc, cis = room_cis(session, rule, room)
    if loc is None:
        raise NotFoundError(f"no room {code} in the CMDB")
    seats = [{"seat": c.seat, "id": c.id, "name": c.name, "label": c.label,
              "class": c.ci_class.value, "ip": c.ip} for c in cis]
    return {"code": code, "name": loc.name, "building": loc.building, "floor": loc.floor,
            "room": loc.room, "seated": [s for s in seats if s["seat"] is not None],
            "unseated": [s for s in seats if s["seat"] is None],
            "unlabelled": sum(1 for s in seats if not s["label"])}


def room_labels_pdf(session: Session, room: str) -> bytes:
    """The room's labels as a PDF (``label print --room ROOM``, the config's template/QR)."""
    import os
    import tempfile

    from netcmdb.labeling.items import DEFAULT_QR, select_items
    from netcmdb.labeling.print_pdf import render_labels
    from netcmdb.labeling.templates import get_template

    cfg = config()
    lab = cfg.get("label") or {}
    rule = label_rule(cfg)
    rule.parse_room(room)  # LabelError for a malformed room code
    items = select_items(session, rule, room=room, qr_template=str(lab.get("qr", DEFAULT_QR)))
    if not items:
        raise NotFoundError(f"no labelled CIs in room {room}")
    tpl = get_template(str(lab.get("template", "L7160")), None)
    fd, path = tempfile.mkstemp(suffix=".pdf", prefix="netcmdb-labels-")
    os.close(fd)
    try:
        render_labels(items, tpl, path)
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)


def walk_sheet_pdf(session: Session, room: str) -> bytes:
    """The room's walk-sheet PDF (``label sheet ROOM``)."""
    import os
    import tempfile

    from netcmdb.labeling.assign import room_cis
    from netcmdb.labeling.print_pdf import render_walk_sheet

    rule = label_rule()
    code = rule.format_room(*rule.parse_room(room))
    loc, cis = room_cis(session, rule, room)
    rows = [{"seat": c.seat, "label": c.label, "name": c.name, "class": c.ci_class.value,
             "mac": c.mac, "serial": c.serial, "ip": c.ip} for c in cis]
    fd, path = tempfile.mkstemp(suffix=".pdf", prefix="netcmdb-sheet-")
    os.close(fd)
    try:
        render_walk_sheet(code, loc.name if loc is not None else None, rows, path)
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)


def ingest_pushed(session: Session, payload: dict[str, Any]) -> dict[str, Any]:
    """Reconcile a collector's ``scan --dry-run --json`` document as one run.

    Raises:
        ImportFormatError: the document is not that shape (the message says where).
    """
    from netcmdb.cmdb.reconcile import ingest
    from netcmdb.config import reconcile_config
    from netcmdb.discovery.factsjson import result_from_dict

    results_in = payload.get("results")
    if not isinstance(results_in, list) or not results_in:
        raise ImportFormatError("expected {\"results\": [...]} as `netcmdb scan ... --dry-run "
                                "--json` prints it")
    results = []
    for n, r in enumerate(results_in):
        try:
            if not isinstance(r, dict):
                raise TypeError("not an object")
            results.append(result_from_dict(r))
        except (TypeError, ValueError, KeyError) as exc:
            raise ImportFormatError(f"results[{n}]: {exc}") from None
    targets = [str(t)[:200] for t in payload.get("targets") or [r.target for r in results]][:1000]
    methods = [str(m)[:20] for m in payload.get("methods") or ["push"]][:10]
    cfg = config()
    summary = ingest(session, results, source="push", targets=targets, methods=methods,
                     covered=[], config=reconcile_config(cfg),
                     location_parser=label_rule(cfg).parse_location)
    return {"run": summary.run_id, "new": summary.new, "changed": summary.changed,
            "seen": summary.seen, "missing": summary.missing, "failed": summary.failed}
