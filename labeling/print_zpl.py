"""ZPL II for Zebra printers (203 or 300 dpi): one label per ``^XA ... ^XZ``.

Each label: the label text (^A0), name, class / room name, a Code128 of the label (``^BC``) and a
QR code (``^BQN``, model 2, error correction M) of the CI URL/identifier, laid out with the same
geometry as the PDF (templates.toml), converted to dots.

Device strings are untrusted: a ``^`` or ``~`` in a hostname would start a new ZPL command, so
every field uses ``^FH`` hex escapes for ``^``, ``~`` and ``_``, and control characters are
dropped. ``^CI28`` selects UTF-8; Chinese text needs a CJK font on the printer
(``E:SIMSUN.TTF`` by default, see docs/labeling.md).

Pure text output; must not import cmdb, exporters or the CLI; never prints.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from netcmdb.errors import LabelError
from netcmdb.labeling.codes import QUIET, code128_widths, qr_modules
from netcmdb.labeling.items import LabelItem, clean
from netcmdb.labeling.print_pdf import atomic_output
from netcmdb.labeling.templates import Template

DPIS = (203, 300)
CJK_FONT = "E:SIMSUN.TTF"


def escape(text: str) -> str:
    """Field data safe inside ``^FH^FD...^FS``: ``^ ~ _`` as ``_5E _7E _5F``, no control chars."""
    text = clean(text, 200)
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def _font(text: str, h: int) -> str:
    if all(ord(c) < 128 for c in text):
        return f"^A0N,{h},{h}"
    return f"^A@N,{h},{h},{CJK_FONT}"


def label_zpl(item: LabelItem, template: Template, dpi: int) -> str:
    """The ZPL of one label."""
    if dpi not in DPIS:
        raise LabelError("ZPL resolution {dpi} dpi is not supported (use 203 or 300)", dpi=dpi)
    dots = dpi / 25.4
    w, h = template.label
    lay = template.layout_boxes()

    def d(mm: float) -> int:
        return max(0, round(mm * dots))

    out = ["^XA", "^CI28", f"^PW{d(w)}", f"^LL{d(h)}", "^LH0,0"]
    # ZPL's origin is the top left: y_top = h - (y + height).
    t = lay.text
    x = d(t.x)
    y = d(h - (t.y + t.h))
    big = max(12, d(lay.label_pt * 0.3528 * 0.95))
    small = max(10, d(lay.small_pt * 0.3528))
    out.append(f"^FO{x},{y}{_font(item.label, big)}^FH^FD{escape(item.label)}^FS")
    y += big + max(2, big // 6)
    lines = [
        item.asset_code,
        item.name,
        "  ".join(v for v in (item.ci_class, item.room_name) if v),
        item.owner,
    ]
    bottom = d(h - t.y)
    for line in lines:
        if not line or y + small > bottom:
            continue
        out.append(f"^FO{x},{y}^FB{d(t.w)},1,0,L{_font(line, small)}^FH^FD{escape(line)}^FS")
        y += small + max(2, small // 5)
    b = lay.barcode
    try:
        modules = sum(code128_widths(item.label)) + 2 * QUIET
    except LabelError:
        modules = 0
    if modules:
        module = max(1, d(b.w) // modules)
        out.append(
            f"^FO{d(b.x) + QUIET * module},{d(h - b.y - b.h)}^BY{module},3,{d(b.h)}"
            f"^BCN,{d(b.h)},N,N,N^FH^FD{escape(item.label)}^FS"
        )
    if item.qr:
        q = lay.qr
        mag = max(1, min(10, d(q.w) // (qr_modules(item.qr) + 4)))
        # ^BQ adds no quiet zone of its own but its field origin sits ~10 dots above the symbol.
        out.append(
            f"^FO{d(q.x) + 2 * mag},{max(0, d(h - q.y - q.h) + 2 * mag - 10)}"
            f"^BQN,2,{mag}^FH^FDMA,{escape(item.qr)}^FS"
        )
    out.append("^PQ1")
    out.append("^XZ")
    return "\n".join(out)


def iter_zpl(items: Sequence[LabelItem], template: Template, dpi: int) -> Iterator[str]:
    for item in items:
        yield label_zpl(item, template, dpi)


def render_zpl(
    items: Sequence[LabelItem], template: Template, out: str | Path, *, dpi: int = 203
) -> dict[str, int]:
    """Write one ``^XA...^XZ`` block per label; returns {"labels"}."""
    if not items:
        raise LabelError("nothing to print: no labelled CI matches the selection")
    if dpi not in DPIS:
        raise LabelError("ZPL resolution {dpi} dpi is not supported (use 203 or 300)", dpi=dpi)
    with atomic_output(out) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            for block in iter_zpl(items, template, dpi):
                fh.write(block)
                fh.write("\n")
    return {"labels": len(items)}
