"""`netcmdb init`: create or upgrade the CMDB schema."""

from __future__ import annotations

import click

from netcmdb.commands.common import cmdb_of, print_json
from netcmdb.i18n import _
from netcmdb.options import json_option
from netcmdb.services.context import upgrade_schema


@click.command("init")
@json_option("Print {before, after, url} as JSON.")
@click.pass_context
def command(ctx: click.Context, as_json: bool) -> None:
    """Create or upgrade the CMDB schema (other commands also do this on first use)."""
    res = upgrade_schema(cmdb_of(ctx))
    if as_json:
        print_json(res)
        return
    before, after, shown = res["before"], res["after"], res["url"]
    if before is None:
        click.echo(
            _("created the CMDB schema (revision {after}) in {url}").format(after=after, url=shown)
        )
    elif before == after:
        click.echo(
            _("the CMDB schema is up to date (revision {after}) in {url}").format(
                after=after, url=shown
            )
        )
    else:
        click.echo(
            _("upgraded the CMDB schema {before} -> {after} in {url}").format(
                before=before, after=after, url=shown
            )
        )
