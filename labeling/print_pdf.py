"""PDF labels (reportlab) on the sheet templates of ``templates.toml``, and the room walk-sheet.

Each label: the label text large, the CI name, its class with the room name / owner, a Code128 of
the label and a QR code of the CI's URL or identifier. Latin text is set in Helvetica; text
that Helvetica cannot show (room names, owners in Chinese) in a subset of a CJK TrueType font
embedded in the PDF (``cjkfont.py``: which font, and why embedded), so every viewer and printer
shows the same.

Speed: symbols are inline 1-bit image masks from a table-driven encoder (``codes.py``); for
big jobs on idle CPUs they are computed in worker processes and the main process only places
them. 10,000 labels with QR + Code128 take a few seconds (benchmarks/labels.py).

Output is written to a temporary file beside the target and renamed: never half a PDF.
Imports labeling only; must not import cmdb, exporters or the CLI; never prints.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from netcmdb.atomic import atomic_path
from netcmdb.errors import LabelError
from netcmdb.labeling.cjkfont import (
    ensure_registered,
    needs_cjk,
    paragraph_markup,
    split_runs,
    string_width,
)
from netcmdb.labeling.codes import MM, code128_ops, qr_ops
from netcmdb.labeling.items import LabelItem, clean
from netcmdb.labeling.templates import Layout, Template

LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
PARALLEL_MIN = 400  # below this, worker start-up costs more than it saves


def fit(
    text: str, font: str, size: float, width: float, min_size: float = 4.0
) -> tuple[str, float]:
    """Shrink the font size (down to ``min_size``) then cut the text so it fits ``width`` pt.

    ``font`` is the Latin font; CJK runs are measured in the CJK font (:func:`string_width`).
    """
    w = string_width(text, font, size)
    if w <= width:
        return text, size
    size = max(min_size, size * width / w)
    while text and string_width(text, font, size) > width:
        text = text[:-2] + "…" if len(text) > 2 else text[:-1]
    return text, size


def draw_runs(c: Canvas, x: float, y: float, text: str, font: str, size: float) -> None:
    """Draw ``text`` at (x, y): Latin runs in ``font``, the others in the embedded CJK font."""
    if not needs_cjk(text):
        c.setFont(font, size)
        c.drawString(x, y, text)
        return
    ensure_registered()
    for run_font, run in split_runs(text, font):
        c.setFont(run_font, size)
        c.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, run_font, size)


def _codes_for(args: tuple[str, str, tuple[float, ...]]) -> str:
    qr, label, g = args
    qx, qy, qs, bx, by, bw, bh = g
    out = [qr_ops(qr, qx, qy, qs)] if qr else []
    try:
        out.append(code128_ops(label, bx, by, bw, bh))
    except LabelError:
        pass  # a malformed non-ASCII label still prints as text, just without a barcode
    return "\n".join(out)


def _geometry(layout: Layout) -> tuple[float, ...]:
    q, b = layout.qr, layout.barcode
    return (q.x * MM, q.y * MM, q.w * MM, b.x * MM, b.y * MM, b.w * MM, b.h * MM)


def idle_cpus() -> int:
    """CPUs not already busy (CPU count minus the 1-minute load average, at least 1): on a
    loaded machine worker processes only add start-up and pickling costs."""
    cpus = os.cpu_count() or 1
    try:
        busy = round(os.getloadavg()[0])
    except OSError:
        busy = 0
    return max(1, min(cpus, cpus - busy))


def iter_codes(
    items: Sequence[LabelItem], layout: Layout, workers: int | None = None
) -> Iterator[str]:
    """PDF operators of each item's QR + Code128 in label-local points, in item order."""
    g = _geometry(layout)
    jobs = ((it.qr, it.label, g) for it in items)
    n = workers if workers is not None else idle_cpus()
    if n <= 1 or len(items) < PARALLEL_MIN:
        yield from map(_codes_for, jobs)
        return
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
        yield from pool.map(_codes_for, jobs, chunksize=200)


def atomic_output(path: str | Path) -> AbstractContextManager[Path]:
    """A temporary path beside ``path``, renamed over it only when the block succeeds."""
    return atomic_path(path, LabelError)


@contextmanager
def _binary_streams() -> Iterator[None]:
    """Flate without ASCII85: reportlab's pure-Python A85 encoder was a third of the run time
    and binary streams are a quarter smaller. Restores the global setting afterwards."""
    old = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = old


def _draw_text(c: Canvas, item: LabelItem, x: float, y: float, layout: Layout) -> None:
    t = layout.text
    left = x + t.x * MM
    width = t.w * MM
    cur = y + (t.y + t.h) * MM
    text, size = fit(item.label, LATIN_BOLD, layout.label_pt, width)
    cur -= size * 0.9
    draw_runs(c, left, cur, text, LATIN_BOLD, size)
    small = layout.small_pt
    # the asset code is the second line, right under the label (when the CI has one)
    lines = [
        item.asset_code,
        item.name,
        "  ".join(v for v in (item.ci_class, item.room_name) if v),
        item.owner,
    ]
    floor = y + t.y * MM
    for i, line in enumerate(lines):
        if not line:
            continue
        sz = small + (1.0 if i <= 1 else 0.0)
        if cur - sz * 1.15 < floor:
            break
        font = LATIN_BOLD if i <= 1 else LATIN
        text, sz = fit(line, font, sz, width)
        cur -= sz * 1.2
        draw_runs(c, left, cur, text, font, sz)


def render_labels(
    items: Sequence[LabelItem],
    template: Template,
    out: str | Path,
    *,
    start_at: int = 1,
    codes: bool = True,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write a PDF of ``items`` on ``template``; returns {"labels", "pages"}.

    Args:
        start_at: 1-based position on the first sheet to start at (skips used labels on a
            partly used sheet).
        codes: draw QR and Code128 (False is the benchmark baseline: text only).
        workers: processes computing symbols (default: the idle CPUs; 1 = in-process).
    """
    if not items:
        raise LabelError("nothing to print: no labelled CI matches the selection")
    per_page = template.per_page
    if not 1 <= start_at <= per_page and per_page == 1:
        raise LabelError(
            "--start-at {start_at}: template {name} has 1 label per sheet (1..1)",
            start_at=start_at,
            name=template.name,
        )
    if not 1 <= start_at <= per_page:
        raise LabelError(
            "--start-at {start_at}: template {name} has {per_page} labels per sheet "
            "(1..{per_page})",
            start_at=start_at,
            name=template.name,
            per_page=per_page,
        )
    layout = template.layout_boxes()
    w, h = template.page
    slots = [template.position(i) for i in range(per_page)]
    code_iter: Iterator[str] = iter_codes(items, layout, workers) if codes else iter(())
    pages = 0
    with atomic_output(out) as tmp, _binary_streams():
        c = Canvas(str(tmp), pagesize=(w * MM, h * MM), pageCompression=1, invariant=1)
        c.setTitle(f"netcmdb labels ({template.name})")
        c.setCreator("netcmdb")
        slot = start_at - 1
        pages = 1
        for n, item in enumerate(items):
            if slot == per_page:
                c.showPage()
                pages += 1
                slot = 0
            lx, ly = slots[slot]
            x, y = lx * MM, ly * MM
            if codes:
                ops = next(code_iter)
                c.addLiteral(f"q 1 0 0 1 {x:.2f} {y:.2f} cm\n{ops}\nQ")
            _draw_text(c, item, x, y, layout)
            slot += 1
            if progress and (n % 500 == 0 or n == len(items) - 1):
                progress(n + 1, len(items))
        c.showPage()
        c.save()
    return {"labels": len(items), "pages": pages}


# ---- walk sheet -------------------------------------------------------------------------
def render_walk_sheet(
    room_code: str,
    room_name: str | None,
    rows: Sequence[Mapping[str, object]],
    out: str | Path,
    *,
    blank_rows: int = 10,
    now: datetime | None = None,
) -> dict[str, int]:
    """A4 sheet listing the known CIs of a room with an empty "order" column to fill in.

    ``rows`` are dicts with label, name, class, mac, serial, ip. The technician walks the room
    in U order from the door (first machine right of the door, then right to left), writes the
    position next to each CI (adding unknown machines on the blank rows), and the sheet becomes
    the CSV for ``netcmdb label walk``.
    """
    body = ParagraphStyle("b", fontName=LATIN, fontSize=8, leading=10)
    title = ParagraphStyle("t", fontName=LATIN, fontSize=15, leading=19)
    note = ParagraphStyle("n", fontName=LATIN, fontSize=8.5, leading=11)

    def p(v: object, style: ParagraphStyle = body, limit: int = 60) -> Paragraph:
        text = clean(v, limit)
        if needs_cjk(text):
            ensure_registered()
        runs = [
            (font, run.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
            for font, run in split_runs(text, LATIN)
        ]
        return Paragraph(paragraph_markup(runs), style)

    head = ["Order", "Seat", "Label", "Name", "Class", "MAC", "Serial", "IP", "OK"]
    data: list[list[object]] = [[p(h) for h in head]]
    for r in rows:
        data.append(
            [
                p(""),
                p(r.get("seat") or ""),
                p(r.get("label") or "—"),
                p(r.get("name")),
                p(r.get("class")),
                p(r.get("mac")),
                p(r.get("serial")),
                p(r.get("ip")),
                p(""),
            ]
        )
    data.extend([[""] * len(head) for _ in range(blank_rows)])
    widths = [13, 10, 26, 34, 14, 28, 24, 23, 12]
    table = Table(
        data,
        colWidths=[x * MM for x in widths],
        repeatRows=1,
        rowHeights=[None] + [8 * MM] * (len(data) - 1),
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    stamp = (now or datetime.now()).strftime("%Y-%m-%d %H:%M")
    heading = f"Walk sheet — room {room_code}" + (f"  {room_name}" if room_name else "")
    story = [
        p(heading, title, 200),
        Spacer(1, 2 * MM),
        p(
            f"{len(rows)} known CIs, printed {stamp}.  Technician: ____________  date: ________",
            note,
            200,
        ),
        Spacer(1, 1.5 * MM),
        p(
            "Start at the door: the first machine to the right of the door is 1, then go right to "
            "left around the room in a U. Write the position in 'Order'; add machines that are "
            "not listed on the empty rows (MAC, serial or hostname). Then: netcmdb label walk "
            f"{room_code} --in walk.csv (columns: order, MAC or serial or hostname).",
            note,
            1000,
        ),
        Spacer(1, 3 * MM),
        table,
    ]
    with atomic_output(out) as tmp:
        doc = SimpleDocTemplate(
            str(tmp),
            pagesize=A4,
            leftMargin=8 * MM,
            rightMargin=8 * MM,
            topMargin=10 * MM,
            bottomMargin=10 * MM,
            title=f"Walk sheet {room_code}",
            creator="netcmdb",
        )
        doc.build(story)
        pages = doc.page
    return {"rows": len(rows), "pages": pages}
