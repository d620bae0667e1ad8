"""`netcmdb impact TARGET...`: what breaks if these CIs and links fail together."""

from __future__ import annotations

import click

from netcmdb.commands.common import cmdb_of, label_rule, write_out_bytes
from netcmdb.i18n import _, localize
from netcmdb.options import json_option, out_option, root_option
from netcmdb.services import impact


def _impact_table(rep: dict, limit: int, room_text) -> str:  # type: ignore[type-arg,no-untyped-def]
    from io import StringIO

    from rich.table import Table

    from netcmdb.commands.common import console

    buf = StringIO()
    con = console(file=buf, width=140)
    s = rep["summary"]
    failed = ", ".join(rep["failed"])
    con.print(_("Change: fail {failed}").format(failed=failed), markup=False)
    con.print(_("Roots: {roots}").format(roots=", ".join(rep["roots"])), markup=False)
    con.print(
        _("Down: {down}   At risk: {at_risk}").format(down=s["down"], at_risk=s["at_risk"]),
        markup=False,
    )
    if s["by_building"]:
        con.print(
            _("By building: ") + ", ".join(f"{k} {v}" for k, v in s["by_building"].items()),
            markup=False,
        )
    if s["by_room"]:
        rooms = list(s["by_room"].items())
        con.print(
            _("By room: ")
            + ", ".join(f"{k} {v}" for k, v in rooms[:40])
            + (f", ... ({len(rooms) - 40} more)" if len(rooms) > 40 else ""),
            markup=False,
        )
    if s["by_class"]:
        con.print(
            _("By class: ") + ", ".join(f"{k} {v}" for k, v in s["by_class"].items()), markup=False
        )
    for title, rows in ((_("Down"), rep["down"]), (_("At risk"), rep["at_risk"])):
        if not rows:
            continue
        tab = Table(title=title, show_lines=False)
        for col in (_("name"), _("label"), _("class"), _("location"), _("reason")):
            tab.add_column(col, overflow="fold")
        for row in rows[:limit]:
            loc = row.get("location") or {}
            where = room_text(loc["building"], loc["floor"], loc["room"]) if loc else ""
            tab.add_row(
                str(row["name"]),
                str(row.get("label") or ""),
                str(row["class"]),
                where,
                localize(row.get("reason") or ""),
            )
        con.print(tab)
        if len(rows) > limit:
            con.print(
                _("... {n} more (use --json or --limit)").format(n=len(rows) - limit), markup=False
            )
    if s["notify"]:
        tab = Table(title=_("Notify"))
        for col in (_("department"), _("contact"), _("failed"), _("down"), _("at risk")):
            tab.add_column(col)
        for n in s["notify"]:
            tab.add_row(
                n["department"] or "",
                n["contact"] or "",
                str(n["failed"]),
                str(n["down"]),
                str(n["at_risk"]),
            )
        con.print(tab)
    return buf.getvalue()


@click.command("impact")
@click.argument("targets", nargs=-1, required=True)
@root_option
@json_option("Same as --format json.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "dot", "svg", "html"]),
    default=None,
    help="Output format (default table).",
)
@out_option()
@click.option(
    "--limit", type=int, default=200, show_default=True, help="Rows per table in table output."
)
@click.pass_context
def command(
    ctx: click.Context,
    targets: tuple[str, ...],
    roots: tuple[str, ...],
    as_json: bool,
    fmt: str | None,
    out: str | None,
    limit: int,
) -> None:
    """What breaks if TARGETs fail together (CI name, label, IP, MAC, #ID, or link A~B /
    A[port]~B)."""
    import json

    fmt = "json" if as_json else (fmt or "table")
    if fmt in ("json", "table"):
        rep = impact.impact(cmdb_of(ctx), targets, roots)
        text = (
            json.dumps(rep, ensure_ascii=False, indent=1) + "\n"
            if fmt == "json"
            else _impact_table(rep, limit, label_rule(ctx, None).room_text)
        )
        write_out_bytes(out, text)
    else:
        write_out_bytes(out, impact.impact_drawing(cmdb_of(ctx), targets, roots, fmt))
