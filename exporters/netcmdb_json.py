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
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Select, String, null, select, type_coerce
from sqlalchemy.orm import Session

from netcmdb.cmdb.docformat import CSV_COLUMNS, CSV_EXTRA, FORMAT, OPS_FIELDS, PLAIN_FIELDS
from netcmdb.cmdb.models import CI, Change, Interface, Location, Relationship, ScanRun
from netcmdb.cmdb.query import _iso, _v  # one spelling of enum values and timestamps
from netcmdb.errors import ExportError
from netcmdb.exporters.document import gc_paused
from netcmdb.safety import FORMULA, neutralize_cell

_PLAIN = PLAIN_FIELDS  # copied as they are

#: Columns read per CI, in this order (rows are read as plain tuples, not through
#: ``Row._mapping``: at 100,000 CIs the per-field mapping look-ups cost more than the query).
#: ``attr_sources`` (a JSON column no export shows) is deliberately not read: decoding it is
#: wasted work. The order up to ``status`` is ``CSV_COLUMNS`` order, so a CSV row is the tuple.
_COLS: tuple[str, ...] = (
    "id",
    *CSV_COLUMNS,
    "first_seen",
    "last_seen",
    "location_text",
    *OPS_FIELDS,
)
_I = {k: i for i, k in enumerate(_COLS)}
_I_ID, _I_NAME, _I_CLASS = _I["id"], _I["name"], _I["class"]
_I_PLAIN = tuple((k, _I[k]) for k in _PLAIN)
_I_BUILDING, _I_FLOOR, _I_ROOM, _I_ROOM_NAME = (
    _I["building"],
    _I["floor"],
    _I["room"],
    _I["room_name"],
)
_I_SEAT, _I_LABEL, _I_MIN_UP, _I_STATUS = _I["seat"], _I["label"], _I["min_up"], _I["status"]
_I_FIRST, _I_LAST = _I["first_seen"], _I["last_seen"]
_I_OPS = tuple((k, _I[k]) for k in OPS_FIELDS)


def _ci_select(filters: dict[str, Any] | None = None, *, with_times: bool = True) -> Select[Any]:
    t, lt = CI.__table__, Location.__table__
    cols: list[Any] = []
    for k in _COLS:
        if k in ("building", "floor", "room"):
            cols.append(lt.c[k])
        elif k == "room_name":
            cols.append(lt.c.name.label("room_name"))
        elif k in ("class", "status", "lifecycle"):
            # The enum columns store their lower-case values (see models._enum); reading them
            # as text skips the per-row Enum conversion and gives what ``_v`` would.
            cols.append(type_coerce(t.c[k], String).label(k))
        elif k in ("first_seen", "last_seen") and not with_times:
            cols.append(null().label(k))
        else:
            cols.append(t.c[k])
    q = select(*cols).select_from(t.outerjoin(lt, t.c.location_id == lt.c.id)).order_by(t.c.id)
    for key, value in (filters or {}).items():
        if value is None:
            continue
        if key == "class":
            # compared as text: an unknown class selects nothing instead of failing the enum
            q = q.where(type_coerce(t.c["class"], String) == str(value))
        elif key == "status":
            q = q.where(type_coerce(t.c.status, String) == str(value))
        elif key == "building":
            q = q.where(lt.c.building == value)
        elif key == "room":
            q = q.where(lt.c.room == value)
        elif key == "floor":
            q = q.where(lt.c.floor == value)
        elif key == "role":
            q = q.where(t.c.role == value)
        elif key == "vendor":
            q = q.where(t.c.vendor == value)
        elif key == "ids":
            q = q.where(t.c.id.in_(list(value)))
        else:
            raise ExportError("unknown filter {key!r}", key=key)
    return q


def _entry(r: Sequence[Any], *, with_min_up: bool, with_status: bool = True) -> dict[str, Any]:
    """One ``cis`` entry from a ``_ci_select`` row (keys in the documented order)."""
    d: dict[str, Any] = {"name": r[_I_NAME], "class": r[_I_CLASS]}
    for k, i in _I_PLAIN:
        v = r[i]
        if v is not None:
            d[k] = v
    loc: dict[str, Any] = {}
    if r[_I_BUILDING] is not None:
        loc = {"building": r[_I_BUILDING], "floor": r[_I_FLOOR], "room": r[_I_ROOM]}
        if r[_I_ROOM_NAME]:
            loc["name"] = r[_I_ROOM_NAME]
    seat = r[_I_SEAT]
    if seat is not None:
        loc["seat"] = seat
    if loc:
        d["location"] = loc
    label = r[_I_LABEL]
    if label is not None:
        d["label"] = label
    for k, i in _I_OPS:
        if r[i] is not None:
            d[k] = r[i]
    if with_min_up and r[_I_MIN_UP] is not None:
        d["min_up"] = r[_I_MIN_UP]
    if with_status and r[_I_STATUS] != "active":
        d["status"] = r[_I_STATUS]
    return d


def _iso_cached() -> Callable[[Any], str | None]:
    """``_iso`` memoised per value: a scan run stamps thousands of CIs with the same times."""
    cache: dict[Any, str | None] = {}

    def iso(dt: Any) -> str | None:
        try:
            return cache[dt]
        except KeyError:
            v = cache[dt] = _iso(dt)
            return v

    return iso


def ci_records(session: Session, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """CIs shaped like the import format's ``cis`` entries plus id/status/first/last seen.

    Args:
        session: open session.
        filters: optional ``class``, ``status``, ``building``, ``floor``, ``room``, ``role``,
            ``vendor``, ``ids``.
    """
    iso = _iso_cached()
    out = []
    with gc_paused():
        for r in session.execute(_ci_select(filters)).all():
            d = _entry(r, with_min_up=True, with_status=False)
            d = {
                "id": r[_I_ID],
                **d,
                "status": r[_I_STATUS],
                "first_seen": iso(r[_I_FIRST]),
                "last_seen": iso(r[_I_LAST]),
            }
            out.append(d)
    return out


def ci_page(
    session: Session, filters: dict[str, Any] | None = None, *, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """One page of :func:`ci_records` (same shape) and the number of CIs the filters match.

    Args:
        filters: as :func:`ci_records`, plus ``vendor`` and ``ids`` (an iterable of CI ids).
        limit / offset: the page (CIs in id order).
    """
    from sqlalchemy import func

    q = _ci_select(filters)
    total = session.execute(
        select(func.count()).select_from(
            q.order_by(None).with_only_columns(CI.__table__.c.id).subquery()
        )
    ).scalar_one()
    iso = _iso_cached()
    out = []
    for r in session.execute(q.limit(limit).offset(offset)).all():
        d = _entry(r, with_min_up=True, with_status=False)
        out.append(
            {
                "id": r[_I_ID],
                **d,
                "status": r[_I_STATUS],
                "first_seen": iso(r[_I_FIRST]),
                "last_seen": iso(r[_I_LAST]),
            }
        )
    return out, int(total)


def export_document(session: Session) -> dict[str, Any]:
    """The whole CMDB as a ``netcmdb/1`` document (CIs in creation order, relations sorted)."""
    with gc_paused():
        return _export_document(session)


def _export_document(session: Session) -> dict[str, Any]:
    rows = session.execute(_ci_select(with_times=False)).all()
    names = {r[_I_ID]: r[_I_NAME] for r in rows}
    rt = Relationship.__table__
    links, deps = [], []
    members: dict[int, list[str]] = defaultdict(list)
    q = select(
        type_coerce(rt.c.kind, String),
        rt.c.source_ci_id,
        rt.c.source_port,
        rt.c.target_ci_id,
        rt.c.target_port,
    ).order_by(rt.c.id)
    get = names.get
    for kind, src, sport, dst, dport in session.execute(q).all():
        a, b = get(src), get(dst)
        if a is None or b is None:
            continue
        if kind == "connected_to":
            link = {"a": a, "a_port": sport, "b": b, "b_port": dport}
            if not sport:
                del link["a_port"]
            if not dport:
                del link["b_port"]
            links.append(link)
        elif kind == "depends_on":
            deps.append({"from": a, "to": b})
        elif kind == "member_of":
            members[dst].append(a)
    groups = []
    group_rows = [r for r in rows if r[_I_ID] in members or r[_I_CLASS] == "cluster"]
    for r in group_rows:
        g: dict[str, Any] = {"name": r[_I_NAME], "members": sorted(members.get(r[_I_ID], []))}
        if r[_I_MIN_UP] is not None:
            g["min_up"] = r[_I_MIN_UP]
        groups.append(g)
    in_group = {r[_I_ID] for r in group_rows}
    cis = [_entry(r, with_min_up=r[_I_ID] not in in_group) for r in rows]
    links.sort(key=lambda x: (x["a"], x.get("a_port", ""), x["b"], x.get("b_port", "")))
    deps.sort(key=lambda x: (x["from"], x["to"]))
    groups.sort(key=lambda x: x["name"])
    doc = {"format": FORMAT, "cis": cis, "links": links, "dependencies": deps, "groups": groups}
    notes = _notes(session, names)
    if notes:  # the journal (documents without notes stay as they were)
        doc["notes"] = notes
    return doc


def _notes(session: Session, names: dict[int, str]) -> list[dict[str, Any]]:
    """Every journal note as an import entry (``ci`` by its CI's name), oldest first."""
    from netcmdb.cmdb.models import Note

    nt = Note.__table__
    out = []
    iso = _iso_cached()
    for ci_id, _ci_name, kind, text, author, at in session.execute(
        select(
            nt.c.ci_id,
            nt.c.ci_name,
            type_coerce(nt.c.kind, String),
            nt.c.text,
            nt.c.author,
            nt.c.at,
        ).order_by(nt.c.at, nt.c.id)
    ):
        name = names.get(ci_id) if ci_id is not None else None
        if name is None:
            continue  # the CI is gone: its notes stay in the CMDB, not in the document
        entry = {"ci": name, "kind": kind, "text": text, "at": iso(at)}
        if author:
            entry["author"] = author
        out.append(entry)
    return out


# ------------------------------------------------------------------------------------ JSON
_ENTRY_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def _entry_encoder() -> Callable[[Any], str]:
    """``_ENTRY_ENCODER.encode``, minus its per-call set-up when CPython's C encoder exists
    (the same encoder ``encode`` builds for every call; no circular check: entries are flat)."""
    c_make = getattr(json.encoder, "c_make_encoder", None)
    c_str = getattr(json.encoder, "c_encode_basestring", None)
    if c_make is None or c_str is None:
        return _ENTRY_ENCODER.encode
    e = _ENTRY_ENCODER
    chunks = c_make(
        None,
        e.default,
        c_str,
        None,
        e.key_separator,
        e.item_separator,
        e.sort_keys,
        e.skipkeys,
        e.allow_nan,
    )
    return lambda o: "".join(chunks(o, 0))


def document_json(doc: dict[str, Any]) -> str:
    """The document as JSON text, as ``netcmdb export json`` writes it.

    One top-level key per line and one ``cis``/``links``/... entry per line::

        {
          "format": "netcmdb/1",
          "cis": [
            {"name": "sw-core-1", "class": "switch", "ip": "10.0.0.1"},
            {"name": "pc-1", "class": "pc"}
          ],
          ...
        }

    Why not ``json.dumps(indent=2)``: with ``indent`` CPython falls back to its pure-Python
    encoder (~4x slower: seconds at 100,000 CIs), while each entry here is encoded by the C
    encoder. One entry per line also keeps the file readable and diff-friendly. ``json.loads``
    of the text gives ``doc`` back exactly (same keys, order and values).
    """
    enc = _entry_encoder()
    parts = ["{"]
    last = len(doc) - 1
    for n, (key, value) in enumerate(doc.items()):
        comma = "," if n < last else ""
        if isinstance(value, list) and value:
            parts.append(f"  {enc(key)}: [")
            parts.append(",\n".join(["    " + enc(x) for x in value]))
            parts.append(f"  ]{comma}")
        else:
            parts.append(f"  {enc(key)}: {enc(value)}{comma}")
    parts.append("}\n")
    return "\n".join(parts)


# ------------------------------------------------------------------------------------- CSV
CSV_TABLES = ("cis", "links", "dependencies", "groups", "interfaces", "changes", "runs")


#: A cell that ``neutralize_cell`` may change starts right after a separator of the joined row.
_MAYBE_FORMULA = re.compile("\x1f" + FORMULA.pattern)


def _safe_row(r: Sequence[Any]) -> Sequence[Any]:
    """``r`` with every cell passed through ``neutralize_cell``.

    Checks the whole row in one C-level pass first (join + one regex search): almost no row has
    a formula-like cell, so the per-cell Python work is only done for the few that may. A false
    alarm (a cell containing ``\\x1f=``, a negative number) only costs the exact per-cell pass.
    """
    if _MAYBE_FORMULA.search("\x1f" + "\x1f".join(map(str, r))) is None:
        return r
    return [neutralize_cell(v) for v in r]


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    # csv.writer writes None as an empty cell.
    w.writerows(map(_safe_row, rows))
    return buf.getvalue()


def export_csv(session: Session, table: str = "cis", filters: dict[str, Any] | None = None) -> str:
    """CSV text of the flat asset list (``cis``, re-importable) or of one other table.

    ``filters`` (the ``cis`` table only) select CIs as :func:`ci_records` does.

    Raises:
        ExportError: unknown table name, or filters for another table.
    """
    if filters and table != "cis":
        raise ExportError("--table {table}: a CI selection is for the cis table only", table=table)
    if table == "cis":
        header = ("id", *CSV_COLUMNS, "first_seen", "last_seen", *CSV_EXTRA)
        iso = _iso_cached()
        n = 1 + len(CSV_COLUMNS)  # id + CSV_COLUMNS: the select's order (see _COLS)
        extra = tuple(_I[k] for k in CSV_EXTRA)
        with gc_paused():
            return _csv_text(
                header,
                (
                    (*r[:n], iso(r[_I_FIRST]), iso(r[_I_LAST]), *(r[i] for i in extra))
                    for r in session.execute(_ci_select(filters)).all()
                ),
            )
    doc = export_document(session) if table in ("links", "dependencies", "groups") else None
    if table == "links":
        assert doc is not None
        return _csv_text(
            ("a", "a_port", "b", "b_port"),
            ([x["a"], x.get("a_port"), x["b"], x.get("b_port")] for x in doc["links"]),
        )
    if table == "dependencies":
        assert doc is not None
        return _csv_text(("from", "to"), ([x["from"], x["to"]] for x in doc["dependencies"]))
    if table == "groups":
        assert doc is not None
        return _csv_text(
            ("name", "members", "min_up"),
            ([x["name"], ";".join(x["members"]), x.get("min_up")] for x in doc["groups"]),
        )
    if table == "interfaces":
        t, ct = Interface.__table__, CI.__table__
        q = (
            select(
                ct.c.name.label("ci"),
                t.c.name,
                t.c.ifindex,
                t.c.mac,
                t.c.speed_mbps,
                t.c.oper_status,
                t.c.descr,
                t.c.alias,
            )
            .join(ct, ct.c.id == t.c.ci_id)
            .order_by(ct.c.id, t.c.id)
        )
        return _csv_text(
            ("ci", "name", "ifindex", "mac", "speed_mbps", "oper_status", "descr", "alias"),
            session.execute(q),
        )
    if table == "changes":
        t, ct = Change.__table__, CI.__table__
        q = (
            select(t.c.at, ct.c.name, t.c.attribute, t.c.old, t.c.new, t.c.source, t.c.run_id)
            .join(ct, ct.c.id == t.c.ci_id)
            .order_by(t.c.id)
        )
        return _csv_text(
            ("at", "ci", "attribute", "old", "new", "source", "run"),
            ([_iso(r[0]), *r[1:]] for r in session.execute(q)),
        )
    if table == "runs":
        t = ScanRun.__table__
        q = select(
            t.c.id,
            t.c.started,
            t.c.finished,
            t.c.status,
            t.c.methods,
            t.c.targets,
            t.c.n_seen,
            t.c.n_new,
            t.c.n_changed,
            t.c.n_missing,
            t.c.n_failed,
        ).order_by(t.c.id)
        return _csv_text(
            (
                "id",
                "started",
                "finished",
                "status",
                "methods",
                "targets",
                "seen",
                "new",
                "changed",
                "missing",
                "failed",
            ),
            (
                [
                    r[0],
                    _iso(r[1]),
                    _iso(r[2]),
                    _v(r[3]),
                    " ".join(r[4] or []),
                    " ".join(r[5] or []),
                    *r[6:],
                ]
                for r in session.execute(q)
            ),
        )
    raise ExportError(
        "unknown table {table!r} (known: {csv_tables})",
        table=table,
        csv_tables=", ".join(CSV_TABLES),
    )
