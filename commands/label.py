"""`netcmdb label parse|check|assign|walk|sheet|print`: asset labels.

The rule comes from --rule (a preset name or a TOML file), else the [label] table of the config
file, else the house rule DZZXXXX-YYY (``services.labels.rule_of``).
"""

from __future__ import annotations

import sys

import click

from netcmdb.commands.common import cmdb_of, console, label_rule, print_json
from netcmdb.i18n import _, localize
from netcmdb.options import (
    building_filter,
    class_filter,
    dry_run_option,
    json_option,
    nonempty,
    out_option,
    room_filter,
    rule_option,
)
from netcmdb.services import labels


@click.group("label")
def group() -> None:
    """Asset labels: parse, check, assign, walk, print."""


def _labels_progress(label: str):  # type: ignore[no-untyped-def]
    """A (done, total) callback drawing a rich bar on stderr when it is a terminal."""
    con = console(err=True)
    if not con.is_terminal:
        return None, None
    from rich.progress import Progress

    prog = Progress(console=con, transient=True)
    task = prog.add_task(label, total=None)

    def cb(done: int, total: int) -> None:
        prog.update(task, completed=done, total=total)

    return prog, cb


@group.command("parse")
@click.argument("label")
@rule_option
@json_option()
@click.pass_context
def label_parse(ctx: click.Context, label: str, rule_spec: str | None, as_json: bool) -> None:
    """Split LABEL into its fields, or say what is wrong with it."""
    data = labels.parse_label(label_rule(ctx, rule_spec), label)
    if as_json:
        print_json(data)
        return
    for k, v in data.items():
        if v is not None:
            click.echo(f"{k:10} {v}")


def _kind(kind: str) -> str:
    """A label problem's kind in the user's language (the JSON keeps the English word)."""
    return {
        "malformed": _("malformed"),
        "duplicate": _("duplicate"),
        "location": _("location"),
        "seat": _("seat"),
    }.get(kind, kind)


@group.command("check")
@rule_option
@json_option()
@click.pass_context
def label_check(ctx: click.Context, rule_spec: str | None, as_json: bool) -> None:
    """Check every label: malformed, duplicate seats, disagreeing with the location.

    Exit status 1 when there is a problem (0 when all labels are fine).
    """
    from rich.table import Table

    report = labels.check(cmdb_of(ctx), label_rule(ctx, rule_spec))
    if as_json:
        print_json(report)
    else:
        con = console()
        if report["problems"]:
            table = Table(_("kind"), "ci", _("name"), _("label"), _("problem"))
            for p in report["problems"]:
                table.add_row(
                    _kind(p["kind"]), str(p["ci_id"]), p["name"], p["label"], localize(p["message"])
                )
            con.print(table)
        summary = ", ".join(
            _("{n} {kind}").format(n=n, kind=_kind(k)) for k, n in report["counts"].items()
        ) or _("no problems")
        con.print(_("{n} labels checked, {summary}").format(n=report["checked"], summary=summary))
    if report["problems"]:
        sys.exit(1)  # SystemExit: main() runs click with standalone_mode=False


@group.command("assign")
@building_filter()
@room_filter()
@dry_run_option("Show what would be assigned; write nothing.")
@click.option(
    "--renumber",
    is_flag=True,
    help="Also renumber labelled CIs (seats 1..n per room; recorded in CI history).",
)
@rule_option
@json_option()
@click.pass_context
def label_assign(
    ctx: click.Context,
    building: str | None,
    room: str | None,
    dry_run: bool,
    renumber: bool,
    rule_spec: str | None,
    as_json: bool,
) -> None:
    """Give unlabelled CIs the next free seat of their room."""
    from rich.table import Table

    rule = label_rule(ctx, rule_spec)
    prog, cb = _labels_progress("assigning")
    if prog:
        prog.start()
    try:
        res = labels.assign(
            cmdb_of(ctx),
            rule,
            building=building,
            room=room,
            dry_run=dry_run,
            renumber=renumber,
            progress=cb,
        )
    finally:
        if prog:
            prog.stop()
    if as_json:
        print_json(res)
        return
    con = console()
    if res["assigned"]:
        table = Table("ci", _("name"), _("old"), _("new"))
        for a in res["assigned"]:
            table.add_row(str(a["ci_id"]), a["name"], a["old"] or "", a["new"] or "")
        con.print(table)
    for s in res["skipped"]:
        con.print(
            _("skipped {name} (ci {id}): {reason}").format(
                name=s["name"], id=s["ci_id"], reason=localize(s["reason"])
            )
        )
    con.print(
        (
            _("would assign {n} label(s), skipped {skipped}")
            if dry_run
            else _("assigned {n} label(s), skipped {skipped}")
        ).format(n=len(res["assigned"]), skipped=len(res["skipped"]))
    )
    if "asset_codes" in res:
        for a in res["asset_codes"]:
            con.print(
                _("asset code {code} -> {name} (ci {id})").format(
                    code=a["new"], name=a["name"], id=a["ci_id"]
                ),
                markup=False,
                highlight=False,
            )
        con.print(
            (
                _("would assign {n} asset code(s), skipped {skipped}")
                if dry_run
                else _("assigned {n} asset code(s), skipped {skipped}")
            ).format(n=len(res["asset_codes"]), skipped=len(res["asset_codes_skipped"]))
        )


@group.command("walk")
@click.argument("room")
@click.option(
    "--in",
    "in_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="CSV: order, MAC or serial or hostname (header optional).",
)
@dry_run_option("Show the result; write nothing.")
@rule_option
@json_option()
@click.pass_context
def label_walk(
    ctx: click.Context, room: str, in_file: str, dry_run: bool, rule_spec: str | None, as_json: bool
) -> None:
    """Assign seats in the U order a technician walked ROOM.

    The CSV has rows (order, MAC or serial or hostname); the seat is the order number.
    """
    from rich.table import Table

    res = labels.walk(cmdb_of(ctx), label_rule(ctx, rule_spec), room, in_file, dry_run=dry_run)
    if as_json:
        print_json(res)
        return
    con = console()
    table = Table(_("seat"), "ci", _("name"), _("old"), _("new"))
    for a in res["assigned"]:
        table.add_row(str(a["seat"]), str(a["ci_id"]), a["name"], a["old"] or "", a["new"] or "")
    con.print(table)
    for a in res["cleared"]:
        con.print(
            _("cleared {old} from {name} (ci {id}): its seat was walked by another").format(
                old=a["old"], name=a["name"], id=a["ci_id"]
            )
        )
    con.print(
        (_("would set {n} seat(s)") if dry_run else _("set {n} seat(s)")).format(
            n=len(res["assigned"])
        )
    )


@group.command("sheet")
@click.argument("room")
@out_option(required=True, help="PDF file to write.")
@click.option("--blank-rows", default=10, show_default=True, type=click.IntRange(0, 200))
@rule_option
@json_option("Print what was written as JSON.")
@click.pass_context
def label_sheet(
    ctx: click.Context, room: str, out: str, blank_rows: int, rule_spec: str | None, as_json: bool
) -> None:
    """Print a walk-sheet PDF for ROOM listing its known CIs to tick off."""
    res = labels.walk_sheet(
        cmdb_of(ctx), label_rule(ctx, rule_spec), room, out, blank_rows=blank_rows
    )
    if as_json:
        print_json({"out": out, **res})
        return
    click.echo(
        _("wrote {out}: {rows} CIs, {pages} page(s)").format(
            out=out, rows=res["rows"], pages=res["pages"]
        ),
        err=True,
    )


@group.command("print")
@building_filter()
@room_filter()
@class_filter()
@click.option(
    "--name", metavar="GLOB", callback=nonempty, help="Only CIs whose name matches (e.g. 'lab-*')."
)
@click.option(
    "--format", "fmt", type=click.Choice(["pdf", "zpl", "csv"]), default="pdf", show_default=True
)
@click.option(
    "--template",
    "template_name",
    default=None,
    help="Label stock: L7160 (default), L7651, roll62, or one from --templates; "
    "default from [label] template.",
)
@click.option(
    "--templates",
    "templates_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Extra templates TOML (same format as the built-in one).",
)
@out_option(required=True, help="File to write.")
@click.option(
    "--start-at",
    default=1,
    show_default=True,
    type=int,
    help="PDF: first free position on a partly used sheet (1 = top left).",
)
@click.option(
    "--dpi",
    default=None,
    type=click.Choice(["203", "300"]),
    help="ZPL: printer resolution (default 203, or [label] dpi).",
)
@click.option(
    "--qr",
    "qr_template",
    default=None,
    metavar="TEMPLATE",
    help="QR content, e.g. 'https://cmdb.example.edu/ci/{id}' (fields: id, label, "
    "name, serial, mac, ip).",
)
@rule_option
@json_option("Print what was written as JSON.")
@click.pass_context
def label_print(
    ctx: click.Context,
    building: str | None,
    room: str | None,
    ci_class: str | None,
    name: str | None,
    fmt: str,
    template_name: str | None,
    templates_file: str | None,
    out: str,
    start_at: int,
    dpi: str | None,
    qr_template: str | None,
    rule_spec: str | None,
    as_json: bool,
) -> None:
    """Print labels as PDF sheets, Zebra ZPL or CSV."""
    rule = label_rule(ctx, rule_spec)
    prog, cb = _labels_progress("rendering") if fmt == "pdf" and not as_json else (None, None)
    if prog:
        prog.start()
    try:
        res = labels.print_labels(
            cmdb_of(ctx),
            rule,
            out,
            fmt=fmt,
            building=building,
            room=room,
            ci_class=ci_class,
            name=name,
            template=template_name,
            templates_file=templates_file,
            start_at=start_at,
            dpi=dpi,
            qr=qr_template,
            progress=cb,
        )
    finally:
        if prog:
            prog.stop()
    if as_json:
        print_json(res)
    elif fmt == "pdf":
        click.echo(
            _("wrote {out}: {n} labels on {pages} page(s)").format(
                out=out, n=res["labels"], pages=res["pages"]
            ),
            err=True,
        )
    elif fmt == "zpl":
        click.echo(
            _("wrote {out}: {n} labels (ZPL, {dpi} dpi)").format(
                out=out, n=res["labels"], dpi=res["dpi"]
            ),
            err=True,
        )
    else:
        click.echo(_("wrote {out}: {n} labels (CSV)").format(out=out, n=res["labels"]), err=True)
