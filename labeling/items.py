"""What goes on a printed label, selected from the CMDB: one :class:`LabelItem` per labelled CI.

The printers (PDF, ZPL, CSV) only see LabelItems, never the ORM, so they can be tested and
benchmarked without a database. Device strings are untrusted: :func:`clean` strips control
characters and caps the length before anything reaches a printer language.

Imports cmdb; must not import exporters or the CLI; never prints.
"""

from __future__ import annotations

import fnmatch
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from netcmdb.cmdb.models import CI, Location
from netcmdb.errors import LabelError
from netcmdb.labeling.rule import Rule, sort_key

DEFAULT_QR = "netcmdb:ci:{id}:{label}"
QR_FIELDS = ("id", "label", "name", "serial", "mac", "ip", "asset_code")


@dataclass(frozen=True)
class LabelItem:
    label: str
    name: str = ""
    ci_class: str = ""
    qr: str = ""
    room_name: str = ""
    owner: str = ""
    ci_id: int | None = None
    serial: str = ""
    mac: str = ""
    ip: str = ""
    building: str = ""
    floor: str = ""
    room: str = ""
    seat: int | None = None
    #: the asset code (设备分类编码), printed as the second line
    asset_code: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def clean(value: object, limit: int = 80) -> str:
    """Printable one-line text: control/format characters removed, length capped."""
    if value is None:
        return ""
    text = str(value)
    out = "".join(
        " " if ch in "\r\n\t" else ch
        for ch in text
        if ch in "\r\n\t" or unicodedata.category(ch)[0] != "C"
    )
    out = " ".join(out.split())
    return out if len(out) <= limit else out[: limit - 1] + "…"


def check_qr_template(template: str) -> None:
    """Raise LabelError unless ``template`` only uses the known ``{placeholders}``."""
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise LabelError("QR template {template!r}: {exc}", template=template, exc=exc) from None
    bad = [n for n in names if n not in QR_FIELDS]
    if bad:
        raise LabelError(
            "QR template {template!r}: unknown field {{{value}}} (use {qr_fields})",
            template=template,
            value=bad[0],
            qr_fields=", ".join("{" + f + "}" for f in QR_FIELDS),
        )


def qr_payload(template: str, **values: object) -> str:
    check_qr_template(template)
    return template.format_map({k: clean(values.get(k, ""), 200) for k in QR_FIELDS})


def select_items(
    session: Session,
    rule: Rule,
    *,
    building: str | None = None,
    room: str | None = None,
    ci_class: str | None = None,
    name: str | None = None,
    qr_template: str = DEFAULT_QR,
    ids: Iterable[int] | None = None,
) -> list[LabelItem]:
    """Labelled CIs matching the selection, in room/seat order.

    Args:
        building / room: compared with the room the *label* names (what gets printed).
        ci_class: a CI class value (``pc``, ``switch``...).
        name: a shell glob on the CI name, case-insensitive (``lab-*``).
        qr_template: what the QR code says, e.g. ``https://cmdb.example.edu/ci/{id}``.
    """
    check_qr_template(qr_template)
    b = rule.normalize_room(building, "01", "01")[0] if building else None
    r = rule.parse_room(room, building=b) if room else None
    q = (
        select(CI, Location)
        .outerjoin(Location, CI.location_id == Location.id)
        .where(CI.label.is_not(None))
    )
    if ci_class:
        q = q.where(CI.ci_class == ci_class.lower())
    items: list[tuple[tuple[Any, ...], LabelItem]] = []
    for ci, loc in session.execute(q):
        if name and not fnmatch.fnmatchcase(ci.name.lower(), name.lower()):
            continue
        try:
            lab = rule.parse(ci.label)
        except LabelError:
            lab = None
        if (b or r) and (lab is None or (b and lab.building != b) or (r and lab.room_key != r)):
            continue
        item = LabelItem(
            label=clean(ci.label, 64),
            name=clean(ci.name),
            ci_class=str(ci.ci_class.value if ci.ci_class else ""),
            qr=qr_payload(
                qr_template,
                id=ci.id,
                label=ci.label,
                name=ci.name,
                serial=ci.serial,
                mac=ci.mac,
                ip=ci.ip,
                asset_code=ci.asset_code,
            ),
            room_name=clean(loc.name if loc is not None else ""),
            owner=clean(ci.owner),
            ci_id=ci.id,
            serial=clean(ci.serial),
            mac=clean(ci.mac),
            ip=clean(ci.ip),
            building=lab.building if lab else "",
            floor=lab.floor if lab else "",
            room=lab.room if lab else "",
            seat=lab.seat if lab else None,
            asset_code=clean(ci.asset_code, 64),
        )
        key = (0, *sort_key(lab)) if lab else (1, ci.label)
        items.append((key, item))
    items.sort(key=lambda kv: kv[0])
    return [it for _, it in items]
