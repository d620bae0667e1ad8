"""`netcmdb export FORMAT`: the CMDB (or a selection of it) in every export format."""

from __future__ import annotations

import click

from netcmdb.commands.common import cmdb_of, write_out
from netcmdb.options import buildings_option, classes_option, out_option
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
@click.option("--table", default="cis", show_default=True, type=click.Choice(export.CSV_TABLES),
              help="cis is the flat asset list (re-importable); others are one table each.")
@out_option()
@click.pass_context
def export_csv_cmd(ctx: click.Context, table: str, out: str | None) -> None:
    """Export the flat asset list (or another table) as CSV."""
    write_out(export.csv_text(cmdb_of(ctx), table), out)


def _make_export_command(fmt: str, spec: export.Format) -> None:
    @group.command(fmt, help=spec.help)
    @buildings_option
    @classes_option
    @out_option(required=True, dir_okay=spec.is_dir,
                help="Output directory." if spec.is_dir else "Output file.")
    @click.pass_context
    def _cmd(ctx: click.Context, buildings: tuple[str, ...], classes: tuple[str, ...],
             out: str) -> None:
        res = export.write(cmdb_of(ctx), fmt, out, buildings=buildings, classes=classes)
        click.echo(f"wrote {out} ({res['summary']})", err=True)


for _fmt, _spec in export.FORMATS.items():
    _make_export_command(_fmt, _spec)
