"""Asset labels for every face: the configured rule, parse, check, assign, walk, sheets, printing.

Returns what ``netcmdb label ... --json`` prints. Must not import click, rich or a web framework.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netcmdb.errors import LabelError
from netcmdb.services.context import Cmdb

if TYPE_CHECKING:
    from netcmdb.labeling.rule import Rule

#: [label] keys that are print defaults, not part of the rule.
PRINT_KEYS = ("template", "qr", "dpi")

Progress = Callable[[int, int], None]


def rule_of(cmdb: Cmdb, spec: str | None = None) -> Rule:
    """The label rule: ``spec`` (a preset name or a TOML file with a ``[label]`` table), else the
    config file's ``[label]`` table, else the house rule DZZXXXX-YYY."""
    import tomllib

    from netcmdb.labeling.rule import PRESETS, get_rule

    if spec is None:
        table = {k: v for k, v in (cmdb.config.get("label") or {}).items() if k not in PRINT_KEYS}
        return get_rule(table) if table else get_rule(None)
    if spec in PRESETS:
        return get_rule(spec)
    try:
        exists = Path(spec).is_file()
    except OSError:  # a name too long to be a file
        exists = False
    if not exists:
        raise LabelError(
            "--rule {spec}: neither a preset ({presets}) nor a file",
            spec=spec,
            presets=", ".join(PRESETS),
        )
    from netcmdb.inputs import read_text

    try:
        data = tomllib.loads(read_text(spec, limit=1 << 20, error=LabelError))
    except tomllib.TOMLDecodeError as exc:
        raise LabelError("--rule {spec}: {exc}", spec=spec, exc=exc) from None
    return get_rule(data.get("label", data))


def print_default(cmdb: Cmdb, key: str, given: object, fallback: object) -> object:
    """A print setting: as given, else the config's ``[label] key``, else ``fallback``."""
    if given is not None:
        return given
    return (cmdb.config.get("label") or {}).get(key, fallback)


def parse_label(rule: Rule, label: str) -> dict[str, Any]:
    """LABEL split into its fields (raises LabelError saying what is wrong)."""
    lab = rule.parse(label)
    return {
        "label": rule.format(lab),
        **lab.as_dict(),
        "room_code": rule.format_room(*lab.room_key),
    }


def check(cmdb: Cmdb, rule: Rule) -> dict[str, Any]:
    """Every label checked: ``{"checked", "counts", "problems": [...]}``."""
    from netcmdb.labeling.check import check_labels

    with cmdb.session() as s:
        return check_labels(s, rule).as_dict()


def assign(
    cmdb: Cmdb,
    rule: Rule,
    *,
    building: str | None = None,
    room: str | None = None,
    dry_run: bool = False,
    renumber: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Give unlabelled CIs the next free seat of their room (``--dry-run``: plan only)."""
    from netcmdb.labeling.asset_codes import asset_code_rule, assign_asset_codes
    from netcmdb.labeling.assign import assign_labels

    codes = asset_code_rule(cmdb.config.get("asset_codes"))  # a bad table: before any write
    res = assign_labels(
        cmdb.engine,
        rule,
        building=building,
        room=room,
        dry_run=dry_run,
        renumber=renumber,
        progress=progress,
        seats=(cmdb.config.get("labels") or {}).get("seats"),
    )
    out = {"dry_run": dry_run, **res.as_dict()}
    if codes is not None:  # [asset_codes] configured: codes for located CIs without one
        done, skipped = assign_asset_codes(cmdb.engine, rule, codes, dry_run=dry_run)
        out["asset_codes"] = [{"ci_id": a.ci_id, "name": a.name, "new": a.new} for a in done]
        out["asset_codes_skipped"] = [{"ci_id": i, "name": n, "reason": r} for i, n, r in skipped]
    return out


def walk(
    cmdb: Cmdb, rule: Rule, room: str, csv_file: str | Path, *, dry_run: bool = False
) -> dict[str, Any]:
    """Seats in the U order a technician walked ROOM (rows: order, MAC/serial/hostname)."""
    from netcmdb.labeling.assign import read_walk_csv
    from netcmdb.labeling.assign import walk as walk_room

    rows = read_walk_csv(csv_file)
    res = walk_room(cmdb.engine, rule, room, rows, dry_run=dry_run)
    return {"dry_run": dry_run, **res.as_dict()}


def walk_sheet(
    cmdb: Cmdb, rule: Rule, room: str, out: str | Path, *, blank_rows: int = 10
) -> dict[str, Any]:
    """A walk-sheet PDF for ROOM listing its known CIs: ``{"rows", "pages", ...}``."""
    from netcmdb.labeling.assign import room_cis
    from netcmdb.labeling.print_pdf import render_walk_sheet

    code = rule.format_room(*rule.parse_room(room))
    with cmdb.session() as s:
        loc, cis = room_cis(s, rule, room)
        rows = [
            {
                "seat": c.seat,
                "label": c.label,
                "name": c.name,
                "class": c.ci_class.value if c.ci_class else "",
                "mac": c.mac,
                "serial": c.serial,
                "ip": c.ip,
            }
            for c in cis
        ]
        name = loc.name if loc is not None else None
    return render_walk_sheet(code, name, rows, out, blank_rows=blank_rows)  # type: ignore[no-any-return]


def print_labels(
    cmdb: Cmdb,
    rule: Rule,
    out: str | Path,
    *,
    fmt: str = "pdf",
    building: str | None = None,
    room: str | None = None,
    ci_class: str | None = None,
    name: str | None = None,
    template: str | None = None,
    templates_file: str | None = None,
    start_at: int = 1,
    dpi: str | None = None,
    qr: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Labels as PDF sheets, Zebra ZPL or CSV written to ``out``: ``{"labels", ...}``.

    Template, QR content and ZPL dpi default to the config's ``[label]`` print keys.
    """
    from netcmdb.labeling.items import DEFAULT_QR, check_qr_template, select_items
    from netcmdb.labeling.templates import get_template

    tpl = get_template(str(print_default(cmdb, "template", template, "L7160")), templates_file)
    qr = str(print_default(cmdb, "qr", qr, DEFAULT_QR))
    dpi = str(print_default(cmdb, "dpi", dpi, 203))
    if dpi not in ("203", "300"):
        raise LabelError("[label] dpi = {dpi}: use 203 or 300", dpi=dpi)
    check_qr_template(qr)
    if fmt == "pdf" and not 1 <= start_at <= tpl.per_page:
        raise LabelError(
            (
                "--start-at {start_at}: template {name} has {per_page} position(s) per sheet "
                "(1..{per_page})"
            ),
            start_at=start_at,
            name=tpl.name,
            per_page=tpl.per_page,
        )
    with cmdb.session() as s:
        items = select_items(
            s, rule, building=building, room=room, ci_class=ci_class, name=name, qr_template=qr
        )
    if fmt == "pdf":
        from netcmdb.labeling.print_pdf import render_labels

        res = render_labels(items, tpl, out, start_at=start_at, progress=progress)
    elif fmt == "zpl":
        from netcmdb.labeling.print_zpl import render_zpl

        res = render_zpl(items, tpl, out, dpi=int(dpi))
    else:
        from netcmdb.labeling.print_csv import render_csv

        res = render_csv(items, out)
    return {"format": fmt, "out": str(out), "dpi": int(dpi), **res}
