"""Import of the ``netcmdb/1`` JSON format and of the flat CSV asset list.

Both go through the reconciler (:mod:`netcmdb.cmdb.reconcile`) with source ``import``, so an
imported CI that discovery already knows (same serial, MAC, name or IP) is updated, never
duplicated, and every import is a recorded run (``runs list``). The whole file is validated
before anything is written, and everything is written in the caller's one transaction: a bad
file raises :class:`~netcmdb.errors.ImportFormatError` naming the row and the problem, and the
CMDB is left exactly as it was.

Must not import scanners, exporters or the CLI.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from netcmdb.cmdb import validate
from netcmdb.cmdb.docformat import (  # the format's field lists (also imported from here)
    CI_FIELDS,
    CSV_COLUMNS,
    CSV_EXTRA,
    CSV_IGNORED,
    FORMAT,
    PLAIN_FIELDS,
)
from netcmdb.cmdb.reconcile import ReconcileConfig, RunSummary, begin_run, finish_run, paused_gc
from netcmdb.cmdb.reconcile.identify import canon_ip, canon_mac
from netcmdb.discovery.facts import DeviceClass, DeviceFact, Source
from netcmdb.errors import N_, CmdbError, ImportFormatError, NetcmdbError
from netcmdb.inputs import lone_surrogate, maybe_surrogates, read_text
from netcmdb.safety import unneutralize_cell

#: free text of a ``cis`` entry: the plain fields but the IP and MAC (checked as addresses), and
#: the label (in the format's field order)
_TEXT_FIELDS = tuple(
    f for f in CI_FIELDS if f == "label" or (f in PLAIN_FIELDS and f not in ("ip", "mac"))
)
LOCATION_FIELDS = ("building", "floor", "room", "name", "seat")
#: The key :func:`csv_to_document` puts on each entry (its CSV line, for messages). A JSON
#: document holding it is refused like any unknown field.
ROW_KEY = "\x00row"


@dataclass(slots=True)
class _Entry:
    row: str
    fact: DeviceFact
    extra: dict[str, Any]
    ops: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Document:
    """A validated import document (names not yet resolved against the CMDB)."""

    cis: list[_Entry] = field(default_factory=list)
    links: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # row,a,ap,b,bp
    dependencies: list[tuple[str, str, str]] = field(default_factory=list)  # row, from, to
    groups: list[tuple[str, str, list[str], int | None]] = field(default_factory=list)
    #: journal notes: (row, ci name, kind, text, author, at ISO text or None)
    notes: list[tuple[str, str, str, str, str | None, str | None]] = field(default_factory=list)


def _fail(row: str, problem: str | NetcmdbError) -> ImportFormatError:
    """``row: problem``; ``problem`` is an ``N_(...)`` phrase or an error (both translated)."""
    return ImportFormatError("{row}: {problem}", row=row, problem=problem)


def _text(row: str, key: str, v: Any, limit_key: str | None = None) -> str | None:
    return validate.text(row, key, v, ImportFormatError, limit_key=limit_key)


def _int(row: str, key: str, v: Any, minimum: int = 0) -> int | None:
    return validate.whole(row, key, v, ImportFormatError, minimum=minimum)


def _canonical(row: str, value: Any, canon: Any, what: str) -> str | None:
    """``value`` in canonical text (None when empty); a bad one names the row."""
    if value in (None, ""):
        return None
    out = canon(str(value)) if isinstance(value, str) else None
    if out is None:
        raise _fail(row, N_("bad {what} {value!r}", what=what, value=value))
    return out  # type: ignore[no-any-return]


def _ci_entry(row: str, raw: Any, label_rule: Any = None) -> _Entry:
    if not isinstance(raw, Mapping):
        raise _fail(row, N_("must be an object"))
    name = _text(row, "name", raw.get("name"))
    if not name or not name.strip():
        raise _fail(row, N_("name is required"))
    row = f"{row} ({name})"
    unknown = sorted(set(raw) - set(CI_FIELDS))
    if unknown:
        raise _fail(
            row,
            N_(
                "unknown field {value!r} (known: {ci_fields})",
                value=unknown[0],
                ci_fields=", ".join(CI_FIELDS),
            ),
        )
    cls = validate.choice(row, "class", raw.get("class"), validate.CLASSES, ImportFormatError)
    if cls is None:
        raise _fail(row, N_("class is required"))
    vals: dict[str, Any] = {k: _text(row, k, raw.get(k)) for k in _TEXT_FIELDS}
    vals = {k: (v if v != "" else None) for k, v in vals.items()}
    vals["label"] = validate.label(row, vals["label"], label_rule, ImportFormatError)
    ip_ = _canonical(row, raw.get("ip"), canon_ip, "IP")
    mac_ = _canonical(row, raw.get("mac"), canon_mac, "MAC")
    status = validate.choice(row, "status", raw.get("status"), validate.STATUSES, ImportFormatError)
    extra: dict[str, Any] = {
        "name": name,
        "role": vals["role"],
        "owner": vals["owner"],
        "label": vals["label"],
        "min_up": _int(row, "min_up", raw.get("min_up")),
        "status": status or None,
    }
    loc = raw.get("location")
    if loc is not None:
        if not isinstance(loc, Mapping):
            raise _fail(row, N_("location must be an object"))
        bad = sorted(set(loc) - set(LOCATION_FIELDS))
        if bad:
            raise _fail(row, N_("unknown location field {value!r}", value=bad[0]))
        extra["seat"] = _int(row, "seat", loc.get("seat"))
        parts = validate.location(
            row, [loc.get(k) for k in ("building", "floor", "room")], ImportFormatError
        )
        if parts is not None:
            extra["location"] = (
                parts,
                _text(row, "location name", loc.get("name"), "location.name"),
            )
    fact = DeviceFact(
        source=Source.IMPORT,
        ip=ip_,
        mac=mac_,
        hostname=name,
        serial=vals["serial"],
        vendor=vals["vendor"],
        model=vals["model"],
        platform=vals["platform"],
        os=vals["os"],
        os_version=vals["os_version"],
        description=vals["description"],
        contact=vals["contact"],
        device_class=DeviceClass(cls),
        sys_location=vals["location_text"],
    )
    ops: dict[str, Any] = {}
    for k, limit in (("asset_code", 64), ("department", 200)):
        v = _text(row, k, raw.get(k))
        if v:
            if len(v) > limit:
                raise _fail(row, N_("{k} is longer than {limit} characters", k=k, limit=limit))
            ops[k] = v
    life = raw.get("lifecycle")
    if life not in (None, ""):
        from netcmdb.cmdb.models import Lifecycle

        if life not in {s_.value for s_ in Lifecycle}:
            raise _fail(
                row,
                N_(
                    "unknown lifecycle {life!r} (known: {lifecycle})",
                    life=life,
                    lifecycle=", ".join(s_.value for s_ in Lifecycle),
                ),
            )
        ops["lifecycle"] = life
    return _Entry(row, fact, extra, ops)


def _list(doc: Mapping[str, Any], key: str) -> list[Any]:
    v = doc.get(key, [])
    if v is None:
        return []
    if not isinstance(v, list):
        raise _fail(key, N_("must be a list"))
    return v


def parse_document(doc: Any, *, label_rule: Any = None) -> Document:
    """Validate a ``netcmdb/1`` document (already decoded from JSON).

    Raises:
        ImportFormatError: the first problem, naming its row (``cis[3] (sw-a-1): bad IP ...``).
    """
    if not isinstance(doc, Mapping):
        raise _fail("document", N_("must be a JSON object"))
    fmt = doc.get("format")
    if fmt != FORMAT:
        raise _fail("format", N_("expected {format!r}, got {fmt!r}", format=FORMAT, fmt=fmt))
    unknown = sorted(set(doc) - {"format", "cis", "links", "dependencies", "groups", "notes"})
    if unknown:
        raise _fail("document", N_("unknown key {value!r}", value=unknown[0]))
    out = Document()
    names: set[str] = set()
    labels: dict[str, str] = {}
    for i, raw in enumerate(_list(doc, "cis")):
        e = _ci_entry(f"cis[{i}]", raw, label_rule)
        name = e.extra["name"]
        if name in names:
            raise _fail(e.row, N_("duplicate name in this file"))
        names.add(name)
        lab = e.extra.get("label")
        if lab:
            if lab in labels:
                raise _fail(
                    e.row, N_("duplicate label {lab} (also {value})", lab=lab, value=labels[lab])
                )
            labels[lab] = e.row
        out.cis.append(e)
    for i, raw in enumerate(_list(doc, "links")):
        row = f"links[{i}]"
        if not isinstance(raw, Mapping):
            raise _fail(row, N_("must be an object"))
        bad = sorted(set(raw) - {"a", "a_port", "b", "b_port"})
        if bad:
            raise _fail(row, N_("unknown field {value!r}", value=bad[0]))
        a, b = _text(row, "a", raw.get("a"), "name"), _text(row, "b", raw.get("b"), "name")
        if not a or not b:
            raise _fail(row, N_("a and b are required"))
        if a == b:
            raise _fail(row, N_("a link from {a!r} to itself", a=a))
        ap = _text(row, "a_port", raw.get("a_port"), "port") or ""
        bp = _text(row, "b_port", raw.get("b_port"), "port") or ""
        out.links.append((row, a, ap, b, bp))
    for i, raw in enumerate(_list(doc, "dependencies")):
        row = f"dependencies[{i}]"
        if not isinstance(raw, Mapping):
            raise _fail(row, N_("must be an object"))
        bad = sorted(set(raw) - {"from", "to"})
        if bad:
            raise _fail(row, N_("unknown field {value!r}", value=bad[0]))
        f, t = _text(row, "from", raw.get("from"), "name"), _text(row, "to", raw.get("to"), "name")
        if not f or not t:
            raise _fail(row, N_("from and to are required"))
        if f == t:
            raise _fail(row, N_("{f!r} cannot depend on itself", f=f))
        out.dependencies.append((row, f, t))
    for i, raw in enumerate(_list(doc, "groups")):
        row = f"groups[{i}]"
        if not isinstance(raw, Mapping):
            raise _fail(row, N_("must be an object"))
        bad = sorted(set(raw) - {"name", "members", "min_up"})
        if bad:
            raise _fail(row, N_("unknown field {value!r}", value=bad[0]))
        name = _text(row, "name", raw.get("name"))
        if not name:
            raise _fail(row, N_("name is required"))
        members = raw.get("members", [])
        if not isinstance(members, list) or not all(isinstance(m, str) and m for m in members):
            raise _fail(f"{row} ({name})", N_("members must be a list of CI names"))
        for m in members:
            _text(f"{row} ({name})", "member", m, "name")
        if name in members:
            raise _fail(f"{row} ({name})", N_("a group cannot be its own member"))
        min_up = _int(row, "min_up", raw.get("min_up"))
        if min_up is not None and members and min_up > len(members):  # members elsewhere: ok
            raise _fail(
                f"{row} ({name})",
                N_(
                    "min_up {min_up} exceeds its {n_members} members",
                    min_up=min_up,
                    n_members=len(members),
                ),
            )
        out.groups.append((f"{row} ({name})", name, list(dict.fromkeys(members)), min_up))
    for i, raw in enumerate(_list(doc, "notes")):
        out.notes.append(_note_entry(f"notes[{i}]", raw))
    return out


def _note_entry(row: str, raw: Any) -> tuple[str, str, str, str, str | None, str | None]:
    """One journal note of the document, checked like ``note add`` checks it."""
    from netcmdb.cmdb.journal import MAX_NOTE_CHARS, clean_text, note_kind, parse_day

    if not isinstance(raw, Mapping):
        raise _fail(row, N_("must be an object"))
    bad = sorted(set(raw) - {"ci", "kind", "text", "author", "at"})
    if bad:
        raise _fail(row, N_("unknown field {value!r}", value=bad[0]))
    ci = _text(row, "ci", raw.get("ci"))
    if not ci:
        raise _fail(row, N_("ci is required"))
    try:
        kind = note_kind(raw.get("kind") if isinstance(raw.get("kind"), str) else None).value
        given = raw.get("text")
        text = clean_text(
            given if isinstance(given, str) else "", what="note", limit=MAX_NOTE_CHARS
        )
        at = raw.get("at")
        if at is not None and (not isinstance(at, str) or len(at) < 10):
            raise CmdbError("at must be an ISO date-time, got {at!r}", at=at)
        at_text = parse_day(at, what="at").isoformat() if at else None
    except CmdbError as exc:
        raise _fail(f"{row} ({ci})", exc) from None
    return (f"{row} ({ci})", ci, kind, text, _text(row, "author", raw.get("author")), at_text)


def _apply_ops(session: Session, entries: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Asset code, department and lifecycle of imported CIs (by name), as hand edits."""
    from sqlalchemy import select

    from netcmdb.cmdb.models import CI
    from netcmdb.cmdb.query import set_manual

    for row, name, values in entries:
        cis = list(session.scalars(select(CI).where(CI.name == name).limit(2)))
        if len(cis) != 1:
            raise _fail(
                row,
                (
                    N_("no CI is called {name!r}", name=name)
                    if not cis
                    else N_("more than one CI is called {name!r}", name=name)
                ),
            )
        try:
            set_manual(session, cis[0], values, source="import")
        except CmdbError as exc:
            raise _fail(row, exc) from None


def _import_notes(
    session: Session, notes: list[tuple[str, str, str, str, str | None, str | None]]
) -> int:
    """Add the document's notes to their CIs (by name), skipping ones already there (an export
    imported twice does not double the journal). Returns how many were added."""
    from datetime import datetime

    from sqlalchemy import select

    from netcmdb.cmdb.journal import add_note
    from netcmdb.cmdb.models import CI, Note

    added = 0
    for row, name, kind, text, author, at in notes:
        cis = list(session.scalars(select(CI).where(CI.name == name).limit(2)))
        if len(cis) != 1:
            raise _fail(
                row,
                (
                    N_("no CI is called {name!r}", name=name)
                    if not cis
                    else N_("more than one CI is called {name!r}", name=name)
                ),
            )
        when = datetime.fromisoformat(at) if at else None
        q = select(Note.id).where(Note.ci_id == cis[0].id, Note.kind == kind, Note.text == text)
        if when is not None and any(
            abs(
                (n.at.replace(tzinfo=when.tzinfo) if n.at.tzinfo is None else n.at) - when
            ).total_seconds()
            < 1
            for n in session.scalars(select(Note).where(Note.id.in_(q)))
        ):
            continue
        add_note(session, cis[0], text, kind=kind, author=author, at=when)
        added += 1
    return added


def load_json(path: str | Path) -> Any:
    """Decode a JSON file; malformed JSON becomes one :class:`ImportFormatError` line.

    The file is read up to :func:`netcmdb.inputs.input_limit` bytes; nesting too deep for the
    decoder and lone surrogates (``"\\ud800"``, which no database stores) are refused here.
    """
    p = Path(path)
    text = read_text(p)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(
            "{p}: not valid JSON: {msg} at line {lineno} column {colno}",
            p=p,
            msg=exc.msg,
            lineno=exc.lineno,
            colno=exc.colno,
        ) from None
    except RecursionError:
        raise ImportFormatError("{p}: nested too deeply to be a netcmdb/1 document", p=p) from None
    if maybe_surrogates(text):
        where = lone_surrogate(doc)
        if where is not None:
            raise ImportFormatError(
                (
                    "{p}: {where} holds a lone surrogate (\\ud800-\\udfff without its pair): not "
                    "valid "
                    "Unicode text"
                ),
                p=p,
                where=where,
            )
    return doc


def _uncsv(v: str) -> str:
    # undo safety.neutralize_cell so a CSV export round-trips exactly
    return unneutralize_cell(v)


def csv_to_document(text: str, *, source_name: str = "csv") -> dict[str, Any]:
    """Turn the flat CSV asset list into a ``netcmdb/1`` document (rows are ``row N``).

    Raises:
        ImportFormatError: unknown columns, missing ``name``/``class`` header.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    if not header:
        raise ImportFormatError(
            "{source_name}: empty CSV (a header row is required)", source_name=source_name
        )
    header = [h.strip() for h in header]
    reader.fieldnames = header
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise ImportFormatError(
            "{source_name}: column {value!r} appears {count} times in the header",
            source_name=source_name,
            value=dup[0],
            count=header.count(dup[0]),
        )
    missing = [c for c in ("name", "class") if c not in header]
    if missing:
        raise ImportFormatError(
            "{source_name}: header lacks column {value!r}",
            source_name=source_name,
            value=missing[0],
        )
    bad = [h for h in header if h not in CSV_COLUMNS + CSV_EXTRA and h not in CSV_IGNORED]
    if bad:
        raise ImportFormatError(
            "{source_name}: unknown column {value!r} (known: {csv_columns})",
            source_name=source_name,
            value=bad[0],
            csv_columns=", ".join(CSV_COLUMNS + CSV_EXTRA),
        )
    cis = []
    for n, rec in enumerate(reader, start=2):
        if None in rec:
            raise ImportFormatError("row {n}: more cells than header columns", n=n)
        rec = {k: _uncsv(v.strip()) if isinstance(v, str) else v for k, v in rec.items()}
        if not any(rec.values()):
            continue
        entry: dict[str, Any] = {}
        for k in CI_FIELDS:
            if k in ("location",):
                continue
            v = rec.get(k)
            if v not in (None, ""):
                entry[k] = v
        loc = {
            k: rec[c]
            for k, c in (
                ("building", "building"),
                ("floor", "floor"),
                ("room", "room"),
                ("name", "room_name"),
                ("seat", "seat"),
            )
            if rec.get(c) not in (None, "")
        }
        if loc:
            entry["location"] = loc
        entry[ROW_KEY] = n
        cis.append(entry)
    return {"format": FORMAT, "cis": cis}


def import_document(
    session: Session,
    doc: Any,
    *,
    origin: str = "import",
    config: ReconcileConfig | None = None,
    label_rule: Any = None,
) -> RunSummary:
    """Validate and apply a ``netcmdb/1`` document in the caller's transaction.

    Args:
        session: open session; the caller's ``session_scope`` commits or rolls back.
        doc: the decoded document.
        origin: recorded as the run's target (usually the file name).
        config: reconciler knobs.
        label_rule: the site's label rule (:class:`netcmdb.labeling.rule.Rule`, given by the
            caller: cmdb does not import labeling); labels that do not follow it are refused.
            None: labels are only checked as text.

    Raises:
        ImportFormatError: the file is bad; nothing has been written that will be committed.
    """
    rows: list[str] | None = None
    cis = doc.get("cis") if isinstance(doc, Mapping) else None
    if (
        isinstance(cis, list)
        and cis
        and all(isinstance(c, Mapping) and isinstance(c.get(ROW_KEY), int) for c in cis)
    ):  # made by csv_to_document: name CSV rows
        rows = [f"row {c.pop(ROW_KEY)}" for c in cis]
    try:
        parsed = parse_document(doc, label_rule=label_rule)
    except ImportFormatError as exc:
        if rows is not None and str(exc).startswith("cis["):
            idx = int(str(exc)[4 : str(exc).index("]")])
            head = f"cis[{idx}]"
            params = {
                k: rows[idx] + v[len(head) :] if isinstance(v, str) and v.startswith(head) else v
                for k, v in exc.params.items()
            }
            if params != exc.params:  # the row named by a parameter: keep the template
                raise ImportFormatError(exc.template, **params) from None
            raise ImportFormatError(rows[idx] + str(exc)[len(head) :]) from None
        raise
    if rows is not None:
        for e, r in zip(parsed.cis, rows, strict=True):
            e.row = r + e.row[e.row.index("]") + 1 :]
    run = begin_run(session, targets=[origin], methods=["import"], cfg=config)
    keys: dict[str, int] = {}
    for e in parsed.cis:
        try:
            keys[e.extra["name"]] = run.ingest_fact(e.fact, extra=e.extra, by_name=True)
        except CmdbError as exc:
            raise _fail(e.row, exc) from None

    def resolve(row: str, name: str) -> int:
        key = keys.get(name)
        if key is None:
            key = run.find_by_name(name)
        if key is None:
            raise _fail(row, N_("unknown CI {name!r}", name=name))
        return key

    for row, name, members, min_up in parsed.groups:
        key = keys.get(name) or run.find_by_name(name)
        if key is None:
            fact = DeviceFact(source=Source.IMPORT, hostname=name, device_class=DeviceClass.CLUSTER)
            key = run.ingest_fact(fact, extra={"name": name, "min_up": min_up}, by_name=True)
            keys[name] = key
        elif min_up is not None:
            run.give(key, {"min_up": min_up}, Source.IMPORT.value)
        for m in members:
            run.relate("member_of", resolve(row, m), key, Source.IMPORT.value)
    for row, a, ap, b, bp in parsed.links:
        ka, kb = resolve(row, a), resolve(row, b)
        if ka == kb:
            raise _fail(row, N_("{a!r} and {b!r} are the same CI", a=a, b=b))
        run.link(ka, ap, kb, bp, Source.IMPORT.value)
    for row, f, t in parsed.dependencies:
        kf, kt = resolve(row, f), resolve(row, t)
        if kf == kt:
            raise _fail(row, N_("{f!r} and {t!r} are the same CI", f=f, t=t))
        run.relate("depends_on", kf, kt, Source.IMPORT.value)
    summary = finish_run(run, covered=[])
    _apply_ops(session, [(e.row, e.extra["name"], e.ops) for e in parsed.cis if e.ops])
    if parsed.notes:
        _import_notes(session, parsed.notes)
    return summary


def import_json_file(
    session: Session,
    path: str | Path,
    config: ReconcileConfig | None = None,
    label_rule: Any = None,
) -> RunSummary:
    """``netcmdb import json FILE``: decode, validate, apply (one transaction by the caller)."""
    with paused_gc():
        return import_document(
            session, load_json(path), origin=str(path), config=config, label_rule=label_rule
        )


def import_csv_file(
    session: Session,
    path: str | Path,
    config: ReconcileConfig | None = None,
    label_rule: Any = None,
) -> RunSummary:
    """``netcmdb import csv FILE``: the flat asset list (one CI per row)."""
    p = Path(path)
    text = read_text(p)
    try:
        doc = csv_to_document(text, source_name=str(p))
    except csv.Error as exc:
        raise ImportFormatError("{p}: bad CSV: {exc}", p=p, exc=exc) from None
    with paused_gc():
        return import_document(session, doc, origin=str(p), config=config, label_rule=label_rule)
