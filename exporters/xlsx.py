"""The asset register as an Excel workbook: what managers ask for.

One sheet per building (CIs without a building on their own sheet), a summary sheet first; every
sheet has a frozen header row, an autofilter and column widths fitted to the data. Written with
openpyxl's write-only mode so 100,000 CIs fit in seconds and little memory.

Cells are untrusted device strings: each goes through ``xml_text`` (XLSX is XML; invalid characters
become U+FFFD) and ``neutralize_cell`` (OWASP formula injection), and is cut to Excel's 32,767
character cell limit.

Must not import ``cli``, ``discovery`` or the database layer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from netcmdb.errors import ExportError
from netcmdb.exporters.document import EXTRA_FIELDS, LOCATION_FIELDS, check_document, gc_paused
from netcmdb.safety import FORMULA, neutralize_cell, xml_text

#: (row key, header) of the register columns, in order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("label", "Label"),
    ("name", "Name"),
    ("class", "Class"),
    ("role", "Role"),
    ("vendor", "Vendor"),
    ("model", "Model"),
    ("serial", "Serial"),
    ("os", "OS"),
    ("os_version", "OS version"),
    ("ip", "IP"),
    ("mac", "MAC"),
    ("building", "Building"),
    ("floor", "Floor"),
    ("room", "Room"),
    ("seat", "Seat"),
)
_EXTRA_HEADERS = {
    "status": "Status",
    "owner": "Owner",
    "contact": "Contact",
    "description": "Description",
    "location_text": "Location text",
    "first_seen": "First seen",
    "last_seen": "Last seen",
    "asset_code": "Asset code",
    "department": "Department",
    "lifecycle": "Lifecycle",
}
NO_BUILDING = "No building"
EXCEL_CELL_MAX = 32767
_MAX_WIDTH = 60
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def cell(value: object) -> object:
    """One safe cell value: numbers stay numbers, text is XML-safe, neutralised and bounded."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    if (
        type(value) is str
        and value.isprintable()
        and len(value) < EXCEL_CELL_MAX
        and not FORMULA.match(value)
    ):
        return value  # fast path: nothing to clean (no control/unassigned/surrogate chars)
    text = xml_text(value)
    if len(text) > EXCEL_CELL_MAX - 1:
        text = text[: EXCEL_CELL_MAX - 1]
    return neutralize_cell(text)


def sheet_title(building: str | None, taken: set[str]) -> str:
    """A valid, unique Excel sheet title for a building (<= 31 chars, none of ``[]:*?/\\``)."""
    base = NO_BUILDING if building is None else f"Building {building}"
    base = _SHEET_BAD.sub("_", xml_text(base)).strip("'") or "Building"
    base = base[:31]
    if base.lower() == "history":  # reserved by Excel
        base = "History_"
    title, n = base, 1
    while title.lower() in taken:
        n += 1
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
    taken.add(title.lower())
    return title


def _loc(ci: Mapping[str, Any]) -> Mapping[str, Any]:
    """The CI's location mapping itself (``location_of`` without the copy), or ``{}``."""
    loc = ci.get("location")
    return loc if isinstance(loc, Mapping) else {}


def _columns_for(cis: list[Mapping[str, Any]]) -> list[tuple[str, str]]:
    cols = list(COLUMNS)
    if any(_loc(ci).get("name") for ci in cis):
        cols.append(("room_name", "Room name"))  # e.g. a Chinese room name: what people say
    present = {k for ci in cis for k in EXTRA_FIELDS if ci.get(k) is not None}
    cols += [(k, _EXTRA_HEADERS[k]) for k in EXTRA_FIELDS if k in present]
    return cols


def _width(value: object) -> int:
    if value is None:
        return 0
    text = value if isinstance(value, str) else str(value)
    if text.isascii():
        return len(text)
    # CJK characters are about two Latin characters wide.
    return len(text) + sum(1 for ch in text if ord(ch) >= 0x2E80)


_PLAIN_TYPES = frozenset({str, int, type(None)})
#: A text cell that ``cell`` would neutralise starts right after a separator of the joined row.
_MAYBE_FORMULA = re.compile("\x1f[=+\\-@\t\r]")


def _safe_row(values: list[object]) -> list[object]:
    """``[cell(v) for v in values]``, checked for the whole row at once first.

    At 100,000 CIs a Python call per cell costs seconds. Almost every row is plain text and
    integers that ``cell`` returns unchanged; that is checked with a few C-level passes over the
    row (types, one ``isprintable`` and one regex over the joined text). Anything unusual (other
    types, control characters, formula-like or very long text, a negative number) takes the
    exact per-cell path, so the result is always what ``cell`` gives.
    """
    if set(map(type, values)) <= _PLAIN_TYPES:
        texts = list(map(str, values))
        if (
            len(joined := "".join(texts)) < EXCEL_CELL_MAX
            and joined.isprintable()
            and _MAYBE_FORMULA.search("\x1f" + "\x1f".join(texts)) is None
        ):
            return values
    return [cell(v) for v in values]


def _column_widths(headers: list[str], rows: list[list[object]]) -> list[int]:
    """Per column: the widest of the header (+2) and the ``_width`` of every value."""
    widths = [len(h) + 2 for h in headers]
    for i, col in enumerate(zip(*rows)):
        texts = [v if type(v) is str else str(v) for v in col if v is not None]
        if not texts:
            continue
        # CJK room names repeat across a building: measure each distinct text once.
        w = max(map(len, texts)) if "".join(texts).isascii() else max(map(_width, set(texts)))
        if w > widths[i]:
            widths[i] = w
    return widths


def write_xlsx(
    doc: Mapping[str, Any], path: str | Path, period: Mapping[str, Any] | None = None
) -> dict[str, int]:
    """Write the asset register of ``doc`` to ``path`` (with ``period``, a
    :func:`netcmdb.cmdb.period.period_summary`, also a "Period" sheet).

    Returns:
        Rows written per sheet title (without header rows).

    Raises:
        ExportError: the file cannot be written.
    """
    check_document(doc)
    cis = list(doc.get("cis") or ())
    cols = _columns_for(cis)
    # The row of a CI is flat_ci(ci) plus the room name; read straight from the CI and its
    # location (no intermediate dict per CI).
    spec = [
        (k in LOCATION_FIELDS or k == "room_name", "name" if k == "room_name" else k)
        for k, _ in cols
    ]
    by_building: dict[str | None, list[list[object]]] = {}
    with gc_paused():
        for ci in cis:
            loc = _loc(ci)
            b = loc.get("building")
            building = None if b is None or b == "" else str(b)
            row = [loc.get(k) if in_loc else ci.get(k) for in_loc, k in spec]
            rows = by_building.get(building)
            if rows is None:
                rows = by_building[building] = []
            rows.append(_safe_row(row))

    wb = Workbook(write_only=True)
    taken: set[str] = {"summary"}
    summary = wb.create_sheet("Summary")
    counts: dict[str, int] = {}
    sheets = sorted(by_building.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    titles = []
    for building, rows in sheets:
        title = sheet_title(building, taken)
        titles.append((title, building, rows))
    _write_summary(summary, cis, titles)
    if period is not None:
        _write_period(wb.create_sheet(PERIOD_SHEET), period)
    headers = [h for _, h in cols]
    for title, _building, rows in titles:
        ws = wb.create_sheet(title)
        for i, w in enumerate(_column_widths(headers, rows), start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(w + 2, _MAX_WIDTH)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
        ws.append(headers)
        for row in rows:
            ws.append(row)
        counts[title] = len(rows)
    try:
        wb.save(str(path))
    except OSError as exc:
        raise ExportError(
            "cannot write {path}: {strerror}", path=path, strerror=exc.strerror
        ) from exc
    return counts


def _write_summary(
    ws: Any, cis: list[Mapping[str, Any]], titles: list[tuple[str, str | None, list[list[object]]]]
) -> None:
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 12
    ws.freeze_panes = "A2"
    ws.append(["Asset register", len(cis)])
    ws.append([])
    ws.append(["Sheet", "CIs"])
    for title, _b, rows in titles:
        ws.append([cell(title), len(rows)])
    ws.append([])
    ws.append(["Class", "CIs"])
    for cls, n in sorted(Counter(str(ci.get("class") or "other") for ci in cis).items()):
        ws.append([cell(cls), n])


PERIOD_SHEET = "Period"


def _write_period(ws: Any, p: Mapping[str, Any]) -> None:
    """The period sheet: the totals, the events (new / missing / moved / retired CIs, faults and
    repairs from the journal) and the inventory by department, building and class."""
    for col, w in zip("ABCDE", (22, 30, 12, 24, 60), strict=True):
        ws.column_dimensions[col].width = w
    ws.append(["Period", cell(p["since"]), cell(p["until"])])
    ws.append([])
    ws.append(["Totals", "count"])
    for k, n in p["totals"].items():
        ws.append([k, n])
    ws.append([])
    ws.append(["Event", "CI", "class", "at", "note"])
    for event in ("new", "missing", "moved", "retired"):
        for e in p[event]:
            ws.append(_safe_row([event, e["name"], e["class"], e["at"], None]))
    for event in ("faults", "repairs"):
        for n in p[event]:
            ws.append(
                _safe_row(
                    [
                        event[:-1],
                        n["ci"],
                        n["kind"],
                        n["at"],
                        f"{n['text']}" + (f" ({n['author']})" if n["author"] else ""),
                    ]
                )
            )
    for title, counts in (
        ("Department", p["counts"]["by_department"]),
        ("Building", p["counts"]["by_building"]),
        ("Class", p["counts"]["by_class"]),
    ):
        ws.append([])
        ws.append([title, "CIs in service"])
        for k, n in counts.items():
            ws.append(_safe_row([k, n]))


def read_xlsx(path: str | Path) -> list[dict[str, Any]]:
    """The register rows of a workbook written by :func:`write_xlsx` (all building sheets), as
    dicts keyed like :func:`netcmdb.exporters.document.flat_ci`. Used to check round trips."""
    header_to_key = (
        {h: k for k, h in COLUMNS}
        | {h: k for k, h in _EXTRA_HEADERS.items()}
        | {"Room name": "room_name"}
    )
    wb = load_workbook(str(path), read_only=True)
    out: list[dict[str, Any]] = []
    try:
        for ws in wb.worksheets:
            if ws.title in ("Summary", PERIOD_SHEET):
                continue
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if not header:
                continue
            keys = [header_to_key.get(str(h), str(h)) for h in header]
            for row in rows:
                # read-only mode drops trailing empty cells
                out.append({k: (row[i] if i < len(row) else None) for i, k in enumerate(keys)})
    finally:
        wb.close()
    return out
