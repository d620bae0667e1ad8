"""`netcmdb config path|show`: the TOML config file."""

from __future__ import annotations

import click

from netcmdb.commands.common import config_of, print_json
from netcmdb.options import json_option


@click.group("config")
def group() -> None:
    """The TOML config file (defaults, scopes, credentials references, label rule)."""


@group.command("path")
@json_option('Print {"path", "exists"} as JSON.')
def config_path_cmd(as_json: bool) -> None:
    """Print where the config file is (it may not exist yet)."""
    from netcmdb.config import config_path

    p = config_path()
    if as_json:
        print_json({"path": str(p), "exists": p.exists()})
        return
    click.echo(str(p))


@group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--example", is_flag=True, help="Print a commented example config instead.")
@click.pass_context
def config_show_cmd(ctx: click.Context, as_json: bool, example: bool) -> None:
    """Print the effective config (secrets masked)."""
    from netcmdb.config import EXAMPLE, config_path, redacted

    if example:
        click.echo(EXAMPLE, nl=False)
        return
    data = redacted(config_of(ctx))
    if as_json:
        print_json(data)
        return
    p = config_path()
    if not data:
        click.echo(
            f"# {p} does not exist or is empty: all defaults (netcmdb config show --example)"
        )
        return
    click.echo(f"# {p}")
    for sect, table in data.items():
        _echo_toml_table(sect, table)


def _echo_toml_table(prefix: str, table: dict) -> None:  # type: ignore[type-arg]
    import json

    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    subs = {k: v for k, v in table.items() if isinstance(v, dict)}
    if scalars or not subs:
        click.echo(f"[{prefix}]")
        for k, v in scalars.items():
            click.echo(f"{k} = {json.dumps(v, ensure_ascii=False)}")
    for k, v in subs.items():
        _echo_toml_table(f"{prefix}.{k}", v)
