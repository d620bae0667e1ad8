"""`netcmdb note add|list`: the journal of a CI (its problem library)."""

from __future__ import annotations

import click

from netcmdb.commands.common import cmdb_of, console, echo, plain, print_json
from netcmdb.i18n import _
from netcmdb.options import json_option
from netcmdb.services import journal
from netcmdb.services.journal import KINDS


@click.group("note")
def group() -> None:
    """Add and list journal notes (faults, repairs, changes) per CI."""


@group.command("add")
@click.argument("target")
@click.argument("text")
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default="info",
    show_default=True,
    help="What the note records.",
)
@click.option("--by", "author", metavar="NAME", help="Who writes it.")
@json_option()
@click.pass_context
def note_add_cmd(
    ctx: click.Context, target: str, text: str, kind: str, author: str | None, as_json: bool
) -> None:
    """Append TEXT to the journal of TARGET (NAME, LABEL, IP, MAC or #ID). Notes are never
    edited: a correction is a new note."""
    note = journal.add_note(cmdb_of(ctx), target, text, kind=kind, author=author)
    if as_json:
        print_json(note)
        return
    echo(
        _("note {id} added to {ci} ({kind})").format(
            id=note["id"], ci=note["ci"], kind=note["kind"]
        )
    )


@group.command("list")
@click.argument("target", required=False)
@click.option("--since", metavar="DATE", help="From this day on (2026-11-01).")
@click.option("--until", metavar="DATE", help="Up to this day (inclusive).")
@click.option(
    "--kind",
    "kinds",
    type=click.Choice(KINDS),
    multiple=True,
    help="Only these kinds (repeatable).",
)
@click.option("--limit", type=click.IntRange(min=1), help="At most this many (the newest).")
@json_option()
@click.pass_context
def note_list_cmd(
    ctx: click.Context,
    target: str | None,
    since: str | None,
    until: str | None,
    kinds: tuple[str, ...],
    limit: int | None,
    as_json: bool,
) -> None:
    """List the notes of TARGET, or of every CI, oldest first."""
    from rich.table import Table

    notes = journal.list_notes(
        cmdb_of(ctx), target, since=since, until=until, kinds=kinds, limit=limit
    )
    if as_json:
        print_json(notes)
        return
    table = Table(
        _("at"),
        "ci",
        _("kind"),
        _("by"),
        _("note"),
        title=_("{n} notes").format(n=len(notes)),
        title_justify="left",
    )
    for n in notes:
        table.add_row(
            *(plain(str(v or "")) for v in (n["at"], n["ci"], n["kind"], n["author"], n["text"]))
        )
    console().print(table)
