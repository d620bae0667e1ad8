"""Export of the CMDB as the ``netcmdb/1`` document (and the flat CSV asset list / tables).

The JSON document is exactly what ``netcmdb import json`` reads, so export -> import -> export is
identical. :func:`ci_records` is also the shape of ``netcmdb ci list --json`` (import entries plus
``id``, ``status``, ``first_seen``, ``last_seen``).

Reads the CMDB with Core selects (no ORM objects; large CMDBs export in seconds). Must not import
the CLI. CSV cells pass through :func:`netcmdb.safety.neutralize_cell`.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from netcmdb.cmdb.importer import CSV_COLUMNS, FORMAT
from netcmdb.cmdb.models import CI, Change, Interface, Location, Relationship, ScanRun
from netcmdb.cmdb.query import _iso, _v  # one spelling of enum values and timestamps
from netcmdb.errors import ExportError
from netcmdb.safety import neutralize_cell

_PLAIN = ("role", "ip", "mac", "serial", "vendor", "model", "platform", "os", "os_version",
          "description", "owner", "contact")


def _ci_select(filters: dict[str, Any] | None = None) -> Select[Any]:
    t, lt = CI.__table__, Location.__table__
    q = (select(t, lt.c.building, lt.c.floor, lt.c.room, lt.c.name.label("room_name"))
         .select_from(t.outerjoin(lt, t.c.location_id == lt.c.id)).order_by(t.c.id))
    for key, value in (filters or {}).items():
        if value is None:
            continue
        if key == "class":
            q = q.where(t.c["class"] == value)
        elif key == "status":
            q = q.where(t.c.status == value)
        elif key == "building":
            q = q.where(lt.c.building == value)
        elif key == "room":
            q = q.where(lt.c.room == value)
        elif key == "floor":
            q = q.where(lt.c.floor == value)
        elif key == "role":
            q = q.where(t.c.role == value)
        else:
            raise ExportError(f"unknown filter {key!r}")
    return q


def _entry(m: Any, *, with_min_up: bool, with_status: bool = True) -> dict[str, Any]:
    d: dict[str, Any] = {"name": m["name"], "class": _v(m["class"])}
    for k in _PLAIN:
        if m[k] is not None:
            d[k] = m[k]
    loc: dict[str, Any] = {}
    if m["building"] is not None:
        loc = {"building": m["building"], "floor": m["floor"], "room": m["room"]}
        if m["room_name"]:
            loc["name"] = m["room_name"]
    if m["seat"] is not None:
        loc["seat"] = m["seat"]
    if loc:
        d["location"] = loc
    if m["label"] is not None:
        d["label"] = m["label"]
    if with_min_up and m["min_up"] is not None:
        d["min_up"] = m["min_up"]
    if with_status and _v(m["status"]) != "active":
        d["status"] = _v(m["status"])
    return d


def ci_records(session: Session, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """CIs shaped like the import format's ``cis`` entries plus id/status/first/last seen.

    Args:
        session: open session.
        filters: optional ``class``, ``status``, ``building``, ``floor``, ``room``, ``role``.
    """
    out = []
    for row in session.execute(_ci_select(filters)):
        m = row._mapping
        d = _entry(m, with_min_up=True, with_status=False)
        d = {"id": m["id"], **d, "status": _v(m["status"]),
             "first_seen": _iso(m["first_seen"]), "last_seen": _iso(m["last_seen"])}
        out.append(d)
    return out


def export_document(session: Session) -> dict[str, Any]:
    """The whole CMDB as a ``netcmdb/1`` document (CIs in creation order, relations sorted)."""
    rows = [r._mapping for r in session.execute(_ci_select())]
    names = {m["id"]: m["name"] for m in rows}
    rt = Relationship.__table__
    links, deps = [], []
    members: dict[int, list[str]] = defaultdict(list)
    for r in session.execute(select(rt).order_by(rt.c.id)):
        kind = _v(r.kind)
        a, b = names.get(r.source_ci_id), names.get(r.target_ci_id)
        if a is None or b is None:
            continue
        if kind == "connected_to":
            links.append({"a": a, "a_port": r.source_port, "b": b, "b_port": r.target_port})
        elif kind == "depends_on":
            deps.append({"from": a, "to": b})
        elif kind == "member_of":
            members[r.target_ci_id].append(a)
    groups = []
    group_ids = [m["id"] for m in rows
                 if m["id"] in members or (_v(m["class"]) == "cluster")]
    min_up = {m["id"]: m["min_up"] for m in rows}
    for gid in group_ids:
        g: dict[str, Any] = {"name": names[gid], "members": sorted(members.get(gid, []))}
        if min_up[gid] is not None:
            g["min_up"] = min_up[gid]
        groups.append(g)
    in_group = set(group_ids)
    cis = [_entry(m, with_min_up=m["id"] not in in_group) for m in rows]
    for link in links:
        for k in ("a_port", "b_port"):
            if not link[k]:
                del link[k]
    links.sort(key=lambda x: (x["a"], x.get("a_port", ""), x["b"], x.get("b_port", "")))
    deps.sort(key=lambda x: (x["from"], x["to"]))
    groups.sort(key=lambda x: x["name"])
    return {"format": FORMAT, "cis": cis, "links": links, "dependencies": deps,
            "groups": groups}


# ------------------------------------------------------------------------------------- CSV
CSV_TABLES = ("cis", "links", "dependencies", "groups", "interfaces", "changes", "runs")


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else neutralize_cell(v) for v in r])
    return buf.getvalue()


def export_csv(session: Session, table: str = "cis") -> str:
    """CSV text of the flat asset list (``cis``, re-importable) or of one other table.

    Raises:
        ExportError: unknown table name.
    """
    if table == "cis":
        header = ("id", *CSV_COLUMNS, "first_seen", "last_seen")
        rows = []
        for row in session.execute(_ci_select()):
            m = row._mapping
            rec = {k: _v(m[k]) for k in m.keys() if k in CSV_COLUMNS}
            rec["room_name"] = m["room_name"]
            rows.append([m["id"], *[rec.get(c) for c in CSV_COLUMNS],
                         _iso(m["first_seen"]), _iso(m["last_seen"])])
        return _csv_text(header, rows)
    doc = export_document(session) if table in ("links", "dependencies", "groups") else None
    if table == "links":
        assert doc is not None
        return _csv_text(("a", "a_port", "b", "b_port"),
                         ([x["a"], x.get("a_port"), x["b"], x.get("b_port")]
                          for x in doc["links"]))
    if table == "dependencies":
        assert doc is not None
        return _csv_text(("from", "to"), ([x["from"], x["to"]] for x in doc["dependencies"]))
    if table == "groups":
        assert doc is not None
        return _csv_text(("name", "members", "min_up"),
                         ([x["name"], ";".join(x["members"]), x.get("min_up")]
                          for x in doc["groups"]))
    if table == "interfaces":
        t, ct = Interface.__table__, CI.__table__
        q = (select(ct.c.name.label("ci"), t.c.name, t.c.ifindex, t.c.mac, t.c.speed_mbps,
                    t.c.oper_status, t.c.descr, t.c.alias)
             .join(ct, ct.c.id == t.c.ci_id).order_by(ct.c.id, t.c.id))
        return _csv_text(("ci", "name", "ifindex", "mac", "speed_mbps", "oper_status",
                          "descr", "alias"), session.execute(q))
    if table == "changes":
        t, ct = Change.__table__, CI.__table__
        q = (select(t.c.at, ct.c.name, t.c.attribute, t.c.old, t.c.new, t.c.source, t.c.run_id)
             .join(ct, ct.c.id == t.c.ci_id).order_by(t.c.id))
        return _csv_text(("at", "ci", "attribute", "old", "new", "source", "run"),
                         ([_iso(r[0]), *r[1:]] for r in session.execute(q)))
    if table == "runs":
        t = ScanRun.__table__
        q = select(t.c.id, t.c.started, t.c.finished, t.c.status, t.c.methods, t.c.targets,
                   t.c.n_seen, t.c.n_new, t.c.n_changed, t.c.n_missing, t.c.n_failed
                   ).order_by(t.c.id)
        return _csv_text(("id", "started", "finished", "status", "methods", "targets", "seen",
                          "new", "changed", "missing", "failed"),
                         ([r[0], _iso(r[1]), _iso(r[2]), _v(r[3]), " ".join(r[4] or []),
                           " ".join(r[5] or []), *r[6:]] for r in session.execute(q)))
    raise ExportError(f"unknown table {table!r} (known: {', '.join(CSV_TABLES)})")
