"""`netcmdb label parse|check|assign|walk|sheet|print`: asset labels.

The rule comes from --rule (a preset name or a TOML file), else the [label] table of the config
file, else the house rule DZZXXXX-YYY.
"""

from __future__ import annotations

import sys

import click

from netcmdb.commands.common import config_of, console, engine_of, label_rule, print_json
from netcmdb.options import rule_option


@click.group("label")
def group() -> None:
    """Asset labels: parse, check, assign, walk, print."""


def _label_print_default(ctx: click.Context, key: str, given: object, fallback: object) -> object:
    if given is not None:
        return given
    return (config_of(ctx).get("label") or {}).get(key, fallback)



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
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def label_parse(ctx: click.Context, label: str, rule_spec: str | None, as_json: bool) -> None:
    """Split LABEL into its fields, or say what is wrong with it."""
    rule = label_rule(ctx, rule_spec)
    lab = rule.parse(label)
    data = {"label": rule.format(lab), **lab.as_dict(),
            "room_code": rule.format_room(*lab.room_key)}
    if as_json:
        print_json(data)
        return
    for k, v in data.items():
        if v is not None:
            click.echo(f"{k:10} {v}")


@group.command("check")
@rule_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def label_check(ctx: click.Context, rule_spec: str | None, as_json: bool) -> None:
    """Check every label: malformed, duplicate seats, disagreeing with the location.

    Exit status 1 when there is a problem (0 when all labels are fine).
    """
    from rich.table import Table

    from netcmdb.cmdb.db import session_scope
    from netcmdb.labeling.check import check_labels

    rule = label_rule(ctx, rule_spec)
    with session_scope(engine_of(ctx)) as s:
        report = check_labels(s, rule)
    if as_json:
        print_json(report.as_dict())
    else:
        con = console()
        if report.problems:
            table = Table("kind", "ci", "name", "label", "problem")
            for p in report.problems:
                table.add_row(p.kind, str(p.ci_id), p.name, p.label, p.message)
            con.print(table)
        counts: dict[str, int] = report.as_dict()["counts"]  # type: ignore[assignment]
        summary = ", ".join(f"{n} {k}" for k, n in counts.items()) or "no problems"
        con.print(f"{report.checked} labels checked, {summary}")
    if report.problems:
        sys.exit(1)  # SystemExit: main() runs click with standalone_mode=False


@group.command("assign")
@click.option("--building", metavar="B", help="Only rooms of this building (e.g. 01).")
@click.option("--room", metavar="ROOM", help="Only this room code (e.g. D010210).")
@click.option("--dry-run", is_flag=True, help="Show what would be assigned; write nothing.")
@click.option("--renumber", is_flag=True,
              help="Also renumber labelled CIs (seats 1..n per room; recorded in CI history).")
@rule_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def label_assign(ctx: click.Context, building: str | None, room: str | None, dry_run: bool,
                 renumber: bool, rule_spec: str | None, as_json: bool) -> None:
    """Give unlabelled CIs the next free seat of their room."""
    from rich.table import Table

    from netcmdb.labeling.assign import assign_labels

    rule = label_rule(ctx, rule_spec)
    prog, cb = _labels_progress("assigning")
    if prog:
        prog.start()
    try:
        res = assign_labels(engine_of(ctx), rule, building=building, room=room, dry_run=dry_run,
                            renumber=renumber, progress=cb,
                            seats=(config_of(ctx).get("labels") or {}).get("seats"))
    finally:
        if prog:
            prog.stop()
    if as_json:
        print_json({"dry_run": dry_run, **res.as_dict()})
        return
    con = console()
    if res.assigned:
        table = Table("ci", "name", "old", "new")
        for a in res.assigned:
            table.add_row(str(a.ci_id), a.name, a.old or "", a.new or "")
        con.print(table)
    for ci_id, name, why in res.skipped:
        con.print(f"skipped {name} (ci {ci_id}): {why}")
    verb = "would assign" if dry_run else "assigned"
    con.print(f"{verb} {len(res.assigned)} label(s), skipped {len(res.skipped)}")


@group.command("walk")
@click.argument("room")
@click.option("--in", "in_file", required=True, type=click.Path(dir_okay=False),
              help="CSV: order, MAC or serial or hostname (header optional).")
@click.option("--dry-run", is_flag=True, help="Show the result; write nothing.")
@rule_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def label_walk(ctx: click.Context, room: str, in_file: str, dry_run: bool,
               rule_spec: str | None, as_json: bool) -> None:
    """Assign seats in the U order a technician walked ROOM.

    The CSV has rows (order, MAC or serial or hostname); the seat is the order number.
    """
    from rich.table import Table

    from netcmdb.labeling.assign import read_walk_csv, walk

    rule = label_rule(ctx, rule_spec)
    rows = read_walk_csv(in_file)
    res = walk(engine_of(ctx), rule, room, rows, dry_run=dry_run)
    if as_json:
        print_json({"dry_run": dry_run, **res.as_dict()})
        return
    con = console()
    table = Table("seat", "ci", "name", "old", "new")
    for a in res.assigned:
        table.add_row(str(a.seat), str(a.ci_id), a.name, a.old or "", a.new or "")
    con.print(table)
    for a in res.cleared:
        con.print(f"cleared {a.old} from {a.name} (ci {a.ci_id}): its seat was walked by another")
    con.print(f"{'would set' if dry_run else 'set'} {len(res.assigned)} seat(s)")


@group.command("sheet")
@click.argument("room")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="PDF file to write.")
@click.option("--blank-rows", default=10, show_default=True, type=click.IntRange(0, 200))
@rule_option
@click.pass_context
def label_sheet(ctx: click.Context, room: str, out: str, blank_rows: int,
                rule_spec: str | None) -> None:
    """Print a walk-sheet PDF for ROOM listing its known CIs to tick off."""
    from netcmdb.cmdb.db import session_scope
    from netcmdb.labeling.assign import room_cis
    from netcmdb.labeling.print_pdf import render_walk_sheet

    rule = label_rule(ctx, rule_spec)
    key = rule.parse_room(room)
    code = rule.format_room(*key)
    with session_scope(engine_of(ctx)) as s:
        loc, cis = room_cis(s, rule, room)
        rows = [{"seat": c.seat, "label": c.label, "name": c.name,
                 "class": c.ci_class.value if c.ci_class else "", "mac": c.mac,
                 "serial": c.serial, "ip": c.ip} for c in cis]
        name = loc.name if loc is not None else None
    res = render_walk_sheet(code, name, rows, out, blank_rows=blank_rows)
    click.echo(f"wrote {out}: {res['rows']} CIs, {res['pages']} page(s)", err=True)


@group.command("print")
@click.option("--building", metavar="B", help="Only labels of this building.")
@click.option("--room", metavar="ROOM", help="Only labels of this room code (e.g. D010210).")
@click.option("--class", "ci_class", metavar="CLASS",
              help="Only CIs of this class (pc, switch...).")
@click.option("--name", metavar="GLOB", help="Only CIs whose name matches (e.g. 'lab-*').")
@click.option("--format", "fmt", type=click.Choice(["pdf", "zpl", "csv"]), default="pdf",
              show_default=True)
@click.option("--template", "template_name", default=None,
              help="Label stock: L7160 (default), L7651, roll62, or one from --templates; "
                   "default from [label] template.")
@click.option("--templates", "templates_file", type=click.Path(dir_okay=False), default=None,
              help="Extra templates TOML (same format as the built-in one).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False))
@click.option("--start-at", default=1, show_default=True, type=int,
              help="PDF: first free position on a partly used sheet (1 = top left).")
@click.option("--dpi", default=None, type=click.Choice(["203", "300"]),
              help="ZPL: printer resolution (default 203, or [label] dpi).")
@click.option("--qr", "qr_template", default=None, metavar="TEMPLATE",
              help="QR content, e.g. 'https://cmdb.example.edu/ci/{id}' (fields: id, label, "
                   "name, serial, mac, ip).")
@rule_option
@click.pass_context
def label_print(ctx: click.Context, building: str | None, room: str | None,
                ci_class: str | None, name: str | None, fmt: str, template_name: str | None,
                templates_file: str | None, out: str, start_at: int, dpi: str | None,
                qr_template: str | None, rule_spec: str | None) -> None:
    """Print labels as PDF sheets, Zebra ZPL or CSV."""
    from netcmdb.cmdb.db import session_scope
    from netcmdb.labeling.items import DEFAULT_QR, check_qr_template, select_items
    from netcmdb.labeling.templates import get_template

    rule = label_rule(ctx, rule_spec)
    tpl = get_template(str(_label_print_default(ctx, "template", template_name, "L7160")),
                       templates_file)
    qr = str(_label_print_default(ctx, "qr", qr_template, DEFAULT_QR))
    dpi = str(_label_print_default(ctx, "dpi", dpi, 203))
    if dpi not in ("203", "300"):
        from netcmdb.errors import LabelError

        raise LabelError(f"[label] dpi = {dpi}: use 203 or 300")
    check_qr_template(qr)
    if fmt == "pdf" and not 1 <= start_at <= tpl.per_page:
        from netcmdb.errors import LabelError

        raise LabelError(f"--start-at {start_at}: template {tpl.name} has {tpl.per_page} "
                         f"position(s) per sheet (1..{tpl.per_page})")
    with session_scope(engine_of(ctx)) as s:
        items = select_items(s, rule, building=building, room=room, ci_class=ci_class, name=name,
                             qr_template=qr)
    if fmt == "pdf":
        from netcmdb.labeling.print_pdf import render_labels

        prog, cb = _labels_progress("rendering")
        if prog:
            prog.start()
        try:
            res = render_labels(items, tpl, out, start_at=start_at, progress=cb)
        finally:
            if prog:
                prog.stop()
        click.echo(f"wrote {out}: {res['labels']} labels on {res['pages']} page(s)", err=True)
    elif fmt == "zpl":
        from netcmdb.labeling.print_zpl import render_zpl

        res = render_zpl(items, tpl, out, dpi=int(dpi))
        click.echo(f"wrote {out}: {res['labels']} labels (ZPL, {dpi} dpi)", err=True)
    else:
        from netcmdb.labeling.print_csv import render_csv

        res = render_csv(items, out)
        click.echo(f"wrote {out}: {res['labels']} labels (CSV)", err=True)
