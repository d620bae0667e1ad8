"""`netcmdb init`: create or upgrade the CMDB schema."""

from __future__ import annotations

import click

from netcmdb.commands.common import config_of


@click.command("init")
@click.pass_context
def command(ctx: click.Context) -> None:
    """Create or upgrade the CMDB schema (other commands also do this on first use)."""
    from netcmdb.cmdb.db import default_url, make_engine, upgrade
    from netcmdb.config import database_url

    url = ctx.obj.get("db_url") or database_url(config_of(ctx)) or default_url()
    engine = make_engine(url)
    before, after = upgrade(engine)
    shown = engine.url.render_as_string(hide_password=True)
    if before is None:
        click.echo(f"created the CMDB schema (revision {after}) in {shown}")
    elif before == after:
        click.echo(f"the CMDB schema is up to date (revision {after}) in {shown}")
    else:
        click.echo(f"upgraded the CMDB schema {before} -> {after} in {shown}")
