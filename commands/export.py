"""`netcmdb export FORMAT`: the CMDB (or a selection of it) in every export format."""

from __future__ import annotations

from typing import Any

import click

from netcmdb.commands.common import cmdb_of, print_json, write_out
from netcmdb.i18n import _
from netcmdb.options import buildings_option, classes_option, json_option, out_option
from netcmdb.services import export


@click.group("export")
def group() -> None:
    """Export the CMDB and its graph."""


@group.command("json")
@out_option()
@click.pass_context
def export_json_cmd(ctx: click.Context, out: str | None) -> None:
    """Export the whole CMDB as netcmdb/1 JSON (re-importable)."""
    write_out(export.json_text(cmdb_of(ctx)), out)


@group.command("csv")
@click.option(
    "--table",
    default="cis",
    show_default=True,
    type=click.Choice(export.CSV_TABLES),
    help="cis is the flat asset list (re-importable); others are one table each.",
)
@out_option()
@click.pass_context
def export_csv_cmd(ctx: click.Context, table: str, out: str | None) -> None:
    """Export the flat asset list (or another table) as CSV."""
    write_out(export.csv_text(cmdb_of(ctx), table), out)


def _make_export_command(fmt: str, spec: export.Format) -> None:
    def _cmd(
        ctx: click.Context,
        buildings: tuple[str, ...],
        classes: tuple[str, ...],
        out: str,
        as_json: bool,
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        res = export.write(
            cmdb_of(ctx), fmt, out, buildings=buildings, classes=classes, since=since, until=until
        )
        if as_json:
            print_json(res)
        else:
            click.echo(
                _("wrote {out} ({summary})").format(out=out, summary=res["summary"]), err=True
            )

    cmd: Any = _cmd  # decorated step by step below (each step changes its signature)
    if fmt in export.PERIOD_FORMATS:
        cmd = click.option(
            "--until", metavar="DATE", help="With --since: the period's last day (default: now)."
        )(cmd)
        cmd = click.option(
            "--since",
            metavar="DATE",
            help="Add the period from this day (2026-11-01): new, missing, "
            "moved, retired, faults and repairs, counts by department, "
            "building and class.",
        )(cmd)
    cmd = click.pass_context(cmd)
    cmd = json_option("Print what was written as JSON.")(cmd)
    cmd = out_option(
        required=True,
        dir_okay=spec.is_dir,
        help="Output directory." if spec.is_dir else "Output file.",
    )(cmd)
    cmd = buildings_option(classes_option(cmd))
    group.command(fmt, help=spec.help)(cmd)


for _fmt, _spec in export.FORMATS.items():
    _make_export_command(_fmt, _spec)
