"""Label stock (sheet templates) loaded from ``labeling/data/templates.toml``, and the geometry
of one label (where the text, QR code and Code128 go) shared by the PDF and ZPL printers.

Pure data and arithmetic; must not import cmdb, exporters or the CLI.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from netcmdb.errors import LabelError


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Layout:
    """Label-local boxes in millimetres, origin bottom left (PDF convention)."""

    text: Box  # label text, name, class, room name / owner, from the top down
    qr: Box  # square
    barcode: Box  # Code128 incl. quiet zones
    label_pt: float
    small_pt: float


@dataclass(frozen=True)
class Template:
    name: str
    description: str
    page: tuple[float, float]
    columns: int
    rows: int
    label: tuple[float, float]
    pitch: tuple[float, float]
    margin_left: float
    margin_top: float
    padding: float = 2.0
    layout: str = "standard"

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def position(self, index: int) -> tuple[float, float]:
        """Bottom-left corner (mm from the page's bottom left) of the label at ``index`` on a page,
        counting row by row from the top left."""
        row, col = divmod(index, self.columns)
        x = self.margin_left + col * self.pitch[0]
        y = self.page[1] - self.margin_top - row * self.pitch[1] - self.label[1]
        return x, y

    def layout_boxes(self) -> Layout:
        w, h = self.label
        p = self.padding
        if self.layout == "compact":
            bh = 0.25 * h
            bar = Box(p, p, w - 2 * p, bh)
            q = min(h - 2 * p - bh - 0.5, 0.45 * w)
            qr = Box(w - p - q, h - p - q, q, q)
            text = Box(p, p + bh + 0.5, w - 3 * p - q, h - 2 * p - bh - 0.5)
            return Layout(text, qr, bar, label_pt=9.0, small_pt=5.5)
        if self.layout != "standard":
            raise LabelError(
                "template {name}: unknown layout {layout!r}", name=self.name, layout=self.layout
            )
        # Code128 across the whole width at the bottom (wide modules scan best), QR top right,
        # text top left.
        bh = min(0.22 * h, 9.0)
        bar = Box(p, p, w - 2 * p, bh)
        q = min(h - 2 * p - bh - 1.0, 0.36 * w)
        qr = Box(w - p - q, h - p - q, q, q)
        tw = w - 3 * p - q
        text = Box(p, p + bh + 1.0, tw, h - 2 * p - bh - 1.0)
        return Layout(text, qr, bar, label_pt=16.0, small_pt=7.5)


_KEYS = {
    "description",
    "page",
    "columns",
    "rows",
    "label",
    "pitch",
    "margin_left",
    "margin_top",
    "padding",
    "layout",
}


def _from_table(name: str, t: dict[str, Any]) -> Template:
    unknown = set(t) - _KEYS
    if unknown:
        raise LabelError(
            "template {name}: unknown key {value!r}", name=name, value=sorted(unknown)[0]
        )
    if not isinstance(t, dict):
        raise LabelError("template {name}: must be a table, got {t!r:.40}", name=name, t=t)
    pitch = t["pitch"] if "pitch" in t else t.get("label", ())
    try:
        tpl = Template(
            name=name,
            description=str(t.get("description", "")),
            page=(float(t["page"][0]), float(t["page"][1])),
            columns=int(t["columns"]),
            rows=int(t["rows"]),
            label=(float(t["label"][0]), float(t["label"][1])),
            pitch=(float(pitch[0]), float(pitch[1])),
            margin_left=float(t.get("margin_left", 0)),
            margin_top=float(t.get("margin_top", 0)),
            padding=float(t.get("padding", 2.0)),
            layout=str(t.get("layout", "standard")),
        )
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise LabelError(
            "template {name}: missing or bad value ({exc})", name=name, exc=exc
        ) from None
    sizes = (*tpl.page, *tpl.label, *tpl.pitch, tpl.margin_left, tpl.margin_top, tpl.padding)
    if not all(math.isfinite(v) and 0 <= v <= 10_000 for v in sizes) or not (
        1 <= tpl.columns <= 1000 and 1 <= tpl.rows <= 1000
    ):
        raise LabelError(
            "template {name}: sizes must be 0..10000 mm and columns/rows 1..1000", name=name
        )
    right = tpl.margin_left + (tpl.columns - 1) * tpl.pitch[0] + tpl.label[0]
    bottom = tpl.margin_top + (tpl.rows - 1) * tpl.pitch[1] + tpl.label[1]
    if tpl.columns < 1 or tpl.rows < 1 or right > tpl.page[0] + 0.01 or bottom > tpl.page[1] + 0.01:
        raise LabelError("template {name}: the label grid does not fit on the page", name=name)
    tpl.layout_boxes()
    return tpl


@cache
def builtin_templates() -> dict[str, Template]:
    text = resources.files("netcmdb.labeling").joinpath("data/templates.toml").read_text("utf-8")
    return {n: _from_table(n, t) for n, t in tomllib.loads(text).items()}


def get_template(name: str, extra: str | Path | None = None) -> Template:
    """A built-in template, or one from an extra TOML file (same format as the built-in one)."""
    known = dict(builtin_templates())
    if extra is not None:
        from netcmdb.inputs import read_text

        text = read_text(extra, limit=1 << 20, error=LabelError)
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise LabelError(
                "{extra}: cannot read templates: {exc}", extra=extra, exc=exc
            ) from None
        known.update({n: _from_table(n, t) for n, t in data.items()})
    try:
        return known[name]
    except KeyError:
        raise LabelError(
            "unknown label template {name!r} (known: {known})",
            name=name,
            known=", ".join(sorted(known)),
        ) from None
