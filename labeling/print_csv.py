"""CSV for label software (Brother P-touch Editor, BarTender): one row per label.

UTF-8 with a BOM (so Excel and P-touch read Chinese room names), every cell passed through the
OWASP formula-injection guard: a hostname like ``=HYPERLINK(...)`` arrives as text.

``neutralize_cell`` comes from ``netcmdb.safety``, the layer-neutral module every writer uses.
Must not import cmdb or the CLI; never prints.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from netcmdb.errors import LabelError
from netcmdb.labeling.items import LabelItem
from netcmdb.labeling.print_pdf import atomic_output
from netcmdb.safety import neutralize_cell

COLUMNS = (
    "label",
    "name",
    "class",
    "qr",
    "room_name",
    "owner",
    "building",
    "floor",
    "room",
    "seat",
    "serial",
    "mac",
    "ip",
    "ci_id",
    "asset_code",
)


def render_csv(items: Sequence[LabelItem], out: str | Path) -> dict[str, int]:
    """Write the label CSV; returns {"labels"}."""
    if not items:
        raise LabelError("nothing to print: no labelled CI matches the selection")
    with atomic_output(out) as tmp:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(COLUMNS)
            for it in items:
                row = [
                    it.label,
                    it.name,
                    it.ci_class,
                    it.qr,
                    it.room_name,
                    it.owner,
                    it.building,
                    it.floor,
                    it.room,
                    it.seat if it.seat is not None else "",
                    it.serial,
                    it.mac,
                    it.ip,
                    it.ci_id if it.ci_id is not None else "",
                    it.asset_code,
                ]
                w.writerow([neutralize_cell(v) for v in row])
    return {"labels": len(items)}
