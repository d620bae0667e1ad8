"""Reading and hand-editing the CMDB: find a CI, its details and history, scan runs and their
differences, and manual edits (``ci set``) that discovery never overwrites.

Used by the CLI and by other areas (labeling assigns labels through :func:`set_manual`). Returns
plain dicts/lists ready for rich tables or JSON. Must not import scanners or the CLI.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from netcmdb.cmdb.models import (
    CI,
    Building,
    Change,
    CIClass,
    CIStatus,
    ClassReason,
    Identifier,
    Interface,
    Lifecycle,
    Location,
    Note,
    Relationship,
    RunEvent,
    ScanRun,
    event_cis,
    utcnow,
)
from netcmdb.discovery.normalize import mac_or_none
from netcmdb.errors import IntegrityError, NotFoundError


def _v(x: Any) -> Any:
    return x.value if hasattr(x, "value") else x


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _the_one(hits: list[CI], query: str, by: str) -> CI | None:
    """The single CI of ``hits`` (None when empty); several are an error listing them."""
    if len(hits) <= 1:
        return hits[0] if hits else None
    shown = ", ".join(f"#{c.id} {c.name}" for c in hits[:10]) + (", ..." if len(hits) > 10 else "")
    raise NotFoundError(
        "{n_hits} CIs match {query!r} by {by} ({shown}); use #ID",
        n_hits=len(hits),
        query=query,
        by=by,
        shown=shown,
    )


def row_id(text: str | int) -> int | None:
    """``text`` as a row id (``12`` or ``#12``), or None when it is not one: not digits, or
    beyond an INTEGER column (a 40-digit "id" is no row, not an OverflowError in the driver).

    >>> row_id("#12"), row_id("12"), row_id("9" * 40), row_id("-1"), row_id("x")
    (12, 12, None, None, None)
    """
    from netcmdb.cmdb.validate import INT_MAX

    t = str(text).strip().removeprefix("#")
    if not (t.isascii() and t.isdigit()):
        return None
    n = int(t)
    return n if n <= INT_MAX else None


def find_ci(session: Session, query: str) -> CI:
    """The one CI a user means by ``#ID``, LABEL, ASSET CODE, NAME, IP or MAC — always an exact
    match.

    Nothing here is a pattern: ``%`` and ``_`` are characters like any other. A name matches
    exactly, else case-insensitively (still the whole name). When several CIs match the same
    way the look-up fails and lists them, rather than picking one.

    Raises:
        NotFoundError: nothing matches, or several CIs do (the message lists ``#id name``).
    """
    q = query.strip()
    if not q:
        raise NotFoundError("empty CI query (give a name, label, asset code, IP, MAC or #ID)")
    if q.startswith("#") and q[1:].isdigit():
        rid = row_id(q)
        ci = session.get(CI, rid) if rid is not None else None
        if ci is None:
            raise NotFoundError("no CI with id {value}", value=q[1:])
        return ci
    hit = _the_one(
        list(session.scalars(select(CI).where(CI.label == q).order_by(CI.id))), q, "label"
    )
    if hit is None:
        hit = _the_one(
            list(session.scalars(select(CI).where(CI.asset_code == q).order_by(CI.id))),
            q,
            "asset code",
        )
    if hit is None:
        hit = _the_one(
            list(session.scalars(select(CI).where(CI.name == q).order_by(CI.id))), q, "name"
        )
    if hit is not None:
        return hit
    from netcmdb.cmdb.reconcile.identify import canon_ip

    ip_ = canon_ip(q)
    mac_ = None if ip_ else mac_or_none(q)
    if ip_ or mac_:
        kind, val = ("ip", ip_) if ip_ else ("mac", mac_)
        col = CI.ip if ip_ else CI.mac
        hits = list(session.scalars(select(CI).where(col == val).order_by(CI.id)))
        if not hits:
            hits = list(
                session.scalars(
                    select(CI)
                    .join(Identifier)
                    .where(Identifier.kind == kind, Identifier.value == val)
                    .order_by(CI.id)
                )
            )
        hit = _the_one(hits, q, kind.upper())
        if hit is not None:
            return hit
    hit = _the_one(
        list(session.scalars(select(CI).where(func.lower(CI.name) == q.lower()).order_by(CI.id))),
        q,
        "name (any case)",
    )
    if hit is not None:
        return hit
    raise NotFoundError("no CI matches {q!r} (try a name, label, IP, MAC or #ID)", q=q)


def ci_detail(session: Session, ci: CI) -> dict[str, Any]:
    """Attributes, interfaces, relationships and history of one CI (JSON-ready)."""
    loc = ci.location
    rec = {
        "id": ci.id,
        "name": ci.name,
        "class": _v(ci.ci_class),
        "role": ci.role,
        "vendor": ci.vendor,
        "model": ci.model,
        "platform": ci.platform,
        "os": ci.os,
        "os_version": ci.os_version,
        "serial": ci.serial,
        "ip": ci.ip,
        "mac": ci.mac,
        "description": ci.description,
        "owner": ci.owner,
        "contact": ci.contact,
        "location": (
            {"building": loc.building, "floor": loc.floor, "room": loc.room, "name": loc.name}
            if loc
            else None
        ),
        "location_text": ci.location_text,
        "seat": ci.seat,
        "label": ci.label,
        "asset_code": ci.asset_code,
        "department": ci.department,
        "lifecycle": _v(ci.lifecycle),
        "lifecycle_date": ci.lifecycle_date.isoformat() if ci.lifecycle_date else None,
        "purchase_date": ci.purchase_date.isoformat() if ci.purchase_date else None,
        "responsible": responsible(session, ci),
        "min_up": ci.min_up,
        "status": _v(ci.status),
        "missed_runs": ci.missed_runs,
        "first_seen": _iso(ci.first_seen),
        "last_seen": _iso(ci.last_seen),
        "sources": dict(ci.attr_sources or {}),
    }
    reason = session.get(ClassReason, ci.id)
    # a reason explains the class only while its source still owns the class (not after a hand
    # edit)
    rec["class_reason"] = (
        reason.reason
        if reason is not None and (ci.attr_sources or {}).get("class") == reason.source
        else None
    )
    rec["identifiers"] = [
        {"kind": _v(i.kind), "value": i.value}
        for i in session.scalars(
            select(Identifier)
            .where(Identifier.ci_id == ci.id)
            .order_by(Identifier.kind, Identifier.value)
        )
    ]
    rec["interfaces"] = [
        {
            "name": i.name,
            "ifindex": i.ifindex,
            "mac": i.mac,
            "ips": i.ips,
            "speed_mbps": i.speed_mbps,
            "oper_status": i.oper_status,
            "descr": i.descr,
            "alias": i.alias,
        }
        for i in session.scalars(
            select(Interface)
            .where(Interface.ci_id == ci.id)
            .order_by(Interface.ifindex, Interface.name)
        )
    ]
    rels = []
    names: dict[int, str] = {}
    rows = list(
        session.scalars(
            select(Relationship)
            .where(or_(Relationship.source_ci_id == ci.id, Relationship.target_ci_id == ci.id))
            .order_by(Relationship.id)
        )
    )
    other_ids = {r.target_ci_id if r.source_ci_id == ci.id else r.source_ci_id for r in rows}
    if other_ids:
        names = dict(
            session.execute(select(CI.id, CI.name).where(CI.id.in_(other_ids))).tuples().all()
        )
    for r in rows:
        mine = r.source_ci_id == ci.id
        other = r.target_ci_id if mine else r.source_ci_id
        kind = _v(r.kind)
        if kind == "connected_to":
            rels.append(
                {
                    "kind": kind,
                    "port": r.source_port if mine else r.target_port,
                    "peer": names.get(other),
                    "peer_port": r.target_port if mine else r.source_port,
                    "asserted_by": r.asserted_by,
                    "last_seen": _iso(r.last_seen),
                }
            )
        else:
            direction = (
                kind if mine else {"depends_on": "needed_by", "member_of": "has_member"}[kind]
            )
            rels.append({"kind": direction, "peer": names.get(other), "asserted_by": r.asserted_by})
    rec["relationships"] = rels
    rec["history"] = [
        {
            "at": _iso(c.at),
            "attribute": c.attribute,
            "old": c.old,
            "new": c.new,
            "source": c.source,
            "run": c.run_id,
        }
        for c in session.scalars(select(Change).where(Change.ci_id == ci.id).order_by(Change.id))
    ]
    rec["notes"] = [
        note_dict(n, ci.name)
        for n in session.scalars(select(Note).where(Note.ci_id == ci.id).order_by(Note.at, Note.id))
    ]
    return rec


def responsible(session: Session, ci: CI) -> dict[str, str | None]:
    """Whom a CI belongs to: its own department and contact, else its room's, else its
    building's (each attribute inherited on its own), with where each came from."""
    out: dict[str, str | None] = {
        "department": ci.department,
        "contact": ci.contact,
        "department_from": "ci" if ci.department else None,
        "contact_from": "ci" if ci.contact else None,
    }
    loc = ci.location
    if loc is None or (out["department"] and out["contact"]):
        return out
    bld = session.scalars(select(Building).where(Building.code == loc.building)).first()
    for level, obj in (("room", loc), ("building", bld)):
        for attr in ("department", "contact"):
            if obj is not None and not out[attr] and getattr(obj, attr):
                out[attr], out[f"{attr}_from"] = getattr(obj, attr), level
    return out


def note_dict(note: Note, current_name: str | None = None) -> dict[str, Any]:
    """One journal note as JSON-ready data (``ci``: the CI's name today, else the name it had
    when the note was written)."""
    return {
        "id": note.id,
        "ci_id": note.ci_id,
        "ci": current_name or note.ci_name,
        "kind": _v(note.kind),
        "text": note.text,
        "author": note.author,
        "at": _iso(note.at),
    }


#: What ``ci set`` may change: what discovery cannot know (plus name/class/label corrections).
MANUAL_ATTRS = (
    "name",
    "class",
    "role",
    "owner",
    "contact",
    "description",
    "seat",
    "label",
    "min_up",
    "status",
    "location",
    "department",
    "lifecycle",
    "lifecycle_date",
    "asset_code",
)


_TEXT_ATTRS = ("name", "role", "owner", "contact", "description", "department", "asset_code")


def check_manual(
    session: Session, ci: CI, values: dict[str, Any], label_rule: Any = None
) -> dict[str, Any]:
    """``values`` checked exactly as ``import json`` checks a CI (:mod:`netcmdb.cmdb.validate`),
    plus what only an edit can break: a name or label another CI already has. Returns the
    values in stored form (a label in the rule's spelling).

    Raises:
        IntegrityError: the first bad value, naming the attribute.
    """
    from netcmdb.cmdb import validate

    out = dict(values)
    where = f"CI {ci.name!r}"
    for attr, new in values.items():
        if attr in _TEXT_ATTRS:
            out[attr] = validate.text(where, attr, new, IntegrityError)
        elif attr in ("seat", "min_up"):
            out[attr] = validate.whole(where, attr, new, IntegrityError)
        elif attr == "label":
            if label_rule is not None:
                out[attr] = validate.label(where, new, label_rule, IntegrityError)
            else:
                out[attr] = validate.text(where, "label", new, IntegrityError)
        elif attr == "location" and new is not None:
            b, f, r, *rest = list(new)
            parts = validate.location(where, (b, f, r), IntegrityError)
            if parts is None:
                raise IntegrityError(
                    "{where}: location needs building, floor and room", where=where
                )
            room_name = validate.text(
                where,
                "room name",
                rest[0] if rest else None,
                IntegrityError,
                limit_key="location.name",
            )
            out[attr] = (*parts, room_name) if room_name else parts
    name = out.get("name")
    if "name" in out:
        if not name or not str(name).strip():
            raise IntegrityError("{where}: a CI needs a name", where=where)
        # as the importer identifies CIs by name, any case: two such names would merge when an
        # export is imported again
        other = session.scalars(
            select(CI).where(func.lower(CI.name) == str(name).lower(), CI.id != ci.id)
        ).first()
        if other is not None:
            raise IntegrityError(
                (
                    "{where}: another CI (#{id}) is already called {name!r}; names are unique (in "
                    "any case)"
                ),
                where=where,
                id=other.id,
                name=other.name,
            )
    return out


def set_manual(
    session: Session,
    ci: CI,
    values: dict[str, Any],
    *,
    source: str = "manual",
    label_rule: Any = None,
) -> list[dict[str, Any]]:
    """Apply hand edits to a CI: each becomes a Change and is pinned against discovery.

    Args:
        session: open session (the caller's transaction).
        ci: the CI to edit.
        values: attribute -> new value; ``location`` is ``(building, floor, room)`` or
            ``(building, floor, room, room_name)``; ``None`` clears an attribute.
        source: recorded as the change source (``manual``; labeling may pass ``label``).
        label_rule: the site's label rule; a label must follow it (None: any text).

    Returns:
        The changes made (attribute, old, new).

    Raises:
        IntegrityError: unknown attribute/class/status, or a label another CI already has.
    """
    values = check_manual(session, ci, values, label_rule)
    changes: list[dict[str, Any]] = []
    srcs = dict(ci.attr_sources or {})
    pin = "manual"  # every hand edit outranks discovery, whoever made it
    for attr, new in values.items():
        if attr not in MANUAL_ATTRS:
            raise IntegrityError(
                "cannot set {attr!r} (settable: {manual_attrs})",
                attr=attr,
                manual_attrs=", ".join(MANUAL_ATTRS),
            )
        if attr == "location":
            if new is None:
                old_loc, ci.location_id = ci.location, None
                old = f"{old_loc.building}/{old_loc.floor}/{old_loc.room}" if old_loc else None
                newtxt = None
                key = "location_id"
            else:
                b, f, r, *rest = [str(x) for x in new]
                loc = session.scalars(
                    select(Location).where(
                        Location.building == b, Location.floor == f, Location.room == r
                    )
                ).first()
                if loc is None:
                    loc = Location(building=b, floor=f, room=r, name=rest[0] if rest else None)
                    session.add(loc)
                    session.flush()
                elif rest and rest[0] and loc.name != rest[0]:
                    loc.name = rest[0]
                old_loc = ci.location
                old = f"{old_loc.building}/{old_loc.floor}/{old_loc.room}" if old_loc else None
                newtxt = f"{b}/{f}/{r}"
                ci.location_id = loc.id
                session.flush()
                session.refresh(ci, ["location"])
                key = "location_id"
            srcs[key] = pin
            if old != newtxt:
                changes.append({"attribute": "location", "old": old, "new": newtxt})
            continue
        if attr == "class":
            if new not in {c.value for c in CIClass}:
                raise IntegrityError("unknown class {new!r}", new=new)
            old = _v(ci.ci_class)
            ci.ci_class = CIClass(new)
        elif attr == "status":
            if new not in {s.value for s in CIStatus}:
                raise IntegrityError("unknown status {new!r}", new=new)
            old = _v(ci.status)
            ci.status = CIStatus(new)
            if new == "active":
                ci.missed_runs = 0
        elif attr == "label":
            if new:
                other = session.scalars(select(CI).where(CI.label == new, CI.id != ci.id)).first()
                if other is not None:
                    raise IntegrityError(
                        "label {new} already belongs to CI {name!r}", new=new, name=other.name
                    )
            old = ci.label
            ci.label = new or None
        elif attr == "lifecycle":
            if new is not None and new not in {s_.value for s_ in Lifecycle}:
                raise IntegrityError(
                    "unknown lifecycle state {new!r} (one of: {lifecycle})",
                    new=new,
                    lifecycle=", ".join(s_.value for s_ in Lifecycle),
                )
            old = _v(ci.lifecycle)
            ci.lifecycle = Lifecycle(new) if new else None
        elif attr == "asset_code":
            if new:
                other = session.scalars(
                    select(CI).where(CI.asset_code == new, CI.id != ci.id)
                ).first()
                if other is not None:
                    raise IntegrityError(
                        "asset code {new} already belongs to CI {name!r}", new=new, name=other.name
                    )
            old = ci.asset_code
            ci.asset_code = new or None
        elif attr == "name":
            if not new:
                raise IntegrityError("a CI needs a name")
            old = ci.name
            ci.name = new
        else:
            old = getattr(ci, attr)
            setattr(ci, attr, new)
        srcs[attr] = pin
        if _s(old) != _s(new):
            changes.append({"attribute": attr, "old": _s(old), "new": _s(new)})
    ci.attr_sources = srcs
    now = utcnow()
    for c in changes:
        session.add(
            Change(
                ci_id=ci.id,
                attribute=c["attribute"],
                old=c["old"],
                new=c["new"],
                source=source,
                at=now,
            )
        )
    session.flush()
    return changes


def _s(v: Any) -> str | None:
    return None if v is None else str(_v(v))


def list_runs(session: Session, limit: int | None = None) -> list[dict[str, Any]]:
    """Scan runs, newest first."""
    q = select(ScanRun).order_by(ScanRun.id.desc())
    if limit:
        q = q.limit(limit)
    found = [_run_dict(r) for r in session.scalars(q)]
    if found:
        moved = dict(
            session.execute(
                select(Change.run_id, func.count(func.distinct(Change.ci_id)))
                .where(Change.run_id.in_([r["id"] for r in found]), moved_change())
                .group_by(Change.run_id)
            )
            .tuples()
            .all()
        )
        for r in found:
            r["moved"] = moved.get(r["id"], 0)
    return found


def _run_dict(r: ScanRun) -> dict[str, Any]:
    """A run's counters (``moved`` is added by :func:`list_runs` and :func:`run_detail`: it is
    counted from the history by :func:`moved_change`, not stored on the run)."""
    return {
        "id": r.id,
        "started": _iso(r.started),
        "finished": _iso(r.finished),
        "status": _v(r.status),
        "methods": list(r.methods or []),
        "targets": list(r.targets or []),
        "seen": r.n_seen,
        "new": r.n_new,
        "changed": r.n_changed,
        "missing": r.n_missing,
        "failed": r.n_failed,
    }


def _get_run(session: Session, run_id: int | str) -> ScanRun:
    text = str(run_id).strip()
    rid = row_id(text)
    if rid is None:
        if text.lstrip("#").isdigit():
            raise NotFoundError("no run {text} (see netcmdb runs list)", text=text)
        raise NotFoundError("run must be a number, got {run_id!r}", run_id=run_id)
    run = session.get(ScanRun, rid)
    if run is None:
        raise NotFoundError("no run {rid} (see netcmdb runs list)", rid=rid)
    return run


def moved_change() -> Any:
    """The history rows that make a CI count as *moved* (the one rule, for a run and for the
    period report): a room change, or an end host's cable found on another switch port. A
    first room or a first cable is a placement, not a move."""
    return and_(
        Change.attribute.in_(("location", "location_id", "connected_to")),
        func.coalesce(Change.old, "") != "",
        func.coalesce(Change.new, "") != "",
    )


def run_detail(session: Session, run_id: int | str) -> dict[str, Any]:
    """One run: its counters plus the new / changed / moved / missing CIs and per-host
    failures."""
    run = _get_run(session, run_id)
    out = _run_dict(run)
    rows = session.execute(
        select(RunEvent.event, CI.id, CI.name, CI.ip)
        .join(CI, event_cis("new", "changed", "missing"))
        .where(RunEvent.run_id == run.id)
        .order_by(CI.name)
    ).all()
    for kind in ("new", "changed", "missing"):
        out[f"{kind}_cis"] = [
            {"id": i, "name": n, "ip": ip_} for ev, i, n, ip_ in rows if _v(ev) == kind
        ]
    changes = session.execute(
        select(CI.name, Change.attribute, Change.old, Change.new, Change.source)
        .join(CI, CI.id == Change.ci_id)
        .where(Change.run_id == run.id)
        .order_by(Change.id)
    ).all()
    out["changes"] = [
        {"ci": n, "attribute": a, "old": o, "new": nw, "source": s} for n, a, o, nw, s in changes
    ]
    out["moved_cis"] = [
        {"id": i, "name": n, "ip": ip_}
        for i, n, ip_ in session.execute(
            select(CI.id, CI.name, CI.ip)
            .join(Change, Change.ci_id == CI.id)
            .where(Change.run_id == run.id, moved_change())
            .distinct()
            .order_by(CI.name)
        ).all()
    ]
    out["moved"] = len(out["moved_cis"])
    out["errors"] = list(run.errors or [])
    from netcmdb.cmdb.reconcile import retired_seen

    out["retired_seen"] = retired_seen(session.connection(), run.id)
    return out


def run_diff(session: Session, run_a: int | str, run_b: int | str) -> dict[str, Any]:
    """What differs between two runs: CIs only seen in one, and attribute changes in between."""
    a, b = _get_run(session, run_a), _get_run(session, run_b)
    if a.id > b.id:
        a, b = b, a

    def seen(run: ScanRun) -> dict[int, str]:
        return dict(
            session.execute(
                select(CI.id, CI.name)
                .join(RunEvent, event_cis("new", "changed", "seen"))
                .where(RunEvent.run_id == run.id)
            )
            .tuples()
            .all()
        )

    sa, sb = seen(a), seen(b)
    changes = session.execute(
        select(CI.name, Change.attribute, Change.old, Change.new, Change.run_id)
        .join(CI, CI.id == Change.ci_id)
        .where(Change.run_id > a.id, Change.run_id <= b.id, Change.ci_id.in_(set(sa) | set(sb)))
        .order_by(Change.id)
    ).all()
    return {
        "from": a.id,
        "to": b.id,
        "only_in_from": sorted(sa[i] for i in set(sa) - set(sb)),
        "only_in_to": sorted(sb[i] for i in set(sb) - set(sa)),
        "in_both": len(set(sa) & set(sb)),
        "changes": [
            {"ci": n, "attribute": at, "old": o, "new": nw, "run": r} for n, at, o, nw, r in changes
        ],
    }


def ci_counts(session: Session) -> dict[str, Any]:
    """The CMDB at a glance: ``{"total", "by_class", "by_status", "by_building"}``, each ``by_``
    a list of ``[value, count]`` (classes most first, buildings in code order)."""
    by_class = session.execute(
        select(CI.ci_class, func.count()).group_by(CI.ci_class).order_by(func.count().desc())
    ).all()
    by_status = session.execute(select(CI.status, func.count()).group_by(CI.status)).all()
    by_building = session.execute(
        select(Location.building, func.count())
        .join(CI, CI.location_id == Location.id)
        .group_by(Location.building)
        .order_by(Location.building)
    ).all()
    return {
        "total": session.execute(select(func.count()).select_from(CI)).scalar_one(),
        "by_class": [[_v(c), n] for c, n in by_class],
        "by_status": [[_v(st), n] for st, n in by_status],
        "by_building": [[b, n] for b, n in by_building],
    }


def filter_choices(session: Session, *, limit: int = 200) -> dict[str, list[str]]:
    """What the CI list's filters can choose from: ``classes`` (every class), ``buildings``
    and ``vendors`` (at most ``limit``) in the CMDB."""
    from sqlalchemy import distinct

    return {
        "classes": [c.value for c in CIClass],
        "buildings": [
            b
            for (b,) in session.execute(
                select(distinct(Location.building)).order_by(Location.building)
            )
        ],
        "vendors": [
            v
            for (v,) in session.execute(
                select(distinct(CI.vendor))
                .where(CI.vendor.is_not(None))
                .order_by(CI.vendor)
                .limit(limit)
            )
        ],
    }
