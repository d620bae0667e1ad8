"""`netcmdb search TEXT`: CIs, journal notes and rooms containing TEXT (the search service)."""

from __future__ import annotations

import click

from netcmdb.commands.common import cmdb_of, console, echo, plain, print_json
from netcmdb.i18n import _
from netcmdb.options import json_option
from netcmdb.services import journal


@click.command("search")
@click.argument("text")
@click.option(
    "--limit",
    type=click.IntRange(min=1, max=1000),
    default=50,
    show_default=True,
    help="At most this many hits of each kind.",
)
@json_option()
@click.pass_context
def command(ctx: click.Context, text: str, limit: int, as_json: bool) -> None:
    """Find CIs (name, label, asset code, serial, IP, MAC, description), journal notes and
    rooms containing TEXT (two characters at least, e.g. 硬盘)."""
    from rich.table import Table

    hits = journal.search(cmdb_of(ctx), text, limit=limit)
    if as_json:
        print_json(hits)
        return
    con = console()
    if not hits:
        echo(_("nothing contains {text!r}").format(text=text))
        return
    table = Table(
        _("kind"),
        _("ci / room"),
        _("when"),
        _("what"),
        title=_("{n} hits").format(n=len(hits)),
        title_justify="left",
    )
    for h in hits:
        what = h["text"] if h["kind"] != "note" else f"[{h['detail']['kind']}] {h['text']}"
        table.add_row(*(plain(v) for v in (h["kind"], h["title"], h["at"] or "", what)))
    con.print(table)
