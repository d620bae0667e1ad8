"""`netcmdb serve`, `netcmdb user ...`, `netcmdb token ...`: the web UI / REST API and who may
use it. Thin: parse, call ``netcmdb.web.server`` / ``netcmdb.services.access``, print."""

from __future__ import annotations

import sys

import click

from netcmdb.commands.common import cmdb_of, config_of, db_url_of, engine_of, print_json
from netcmdb.i18n import _
from netcmdb.options import json_option
from netcmdb.services import access

ROLE = click.Choice(["reader", "editor", "admin"])


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; anything but loopback requires a login for reading too.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes (use PostgreSQL for more than one writer at a time).",
)
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, workers: int) -> None:
    """Serve the web UI and the REST API (/api/v1) on the same CMDB."""
    from netcmdb.config import database_url
    from netcmdb.web.server import is_loopback, serve

    url = db_url_of(ctx) or database_url(config_of(ctx))
    engine_of(ctx)  # schema created/upgraded, the URL checked, before anything binds
    where = f"http://{host if ':' not in host else f'[{host}]'}:{port}/"
    if is_loopback(host):
        line = _("serving netcmdb on {url}; Ctrl-C stops")
    else:
        line = _(
            "serving netcmdb on {url} (login or API token required: not a loopback bind); "
            "Ctrl-C stops"
        )
    click.echo(line.format(url=where), err=True)
    serve(url, host=host, port=port, workers=workers)


@click.group("user")
def user_group() -> None:
    """Web users (argon2-hashed passwords) for the browser."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=ROLE, required=True, help="reader, editor or admin.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of stdin (scripts).",
)
@json_option('Print {"user", "role"} as JSON.')
@click.pass_context
def user_add(ctx: click.Context, name: str, role: str, password_stdin: bool, as_json: bool) -> None:
    """Add user NAME (or reset their role and password); asks for the password."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise click.UsageError(
                "no terminal to ask the password on; pipe it in with --password-stdin"
            )
        try:
            password = click.prompt("password", hide_input=True, confirmation_prompt=True)
        except click.Abort:
            raise click.UsageError("no password given; nothing changed") from None
    res = access.add_user(cmdb_of(ctx), name, role, password)
    if as_json:
        print_json(res)
        return
    click.echo(_("user {name}: {role}").format(name=name, role=role))


@user_group.command("list")
@json_option()
@click.pass_context
def user_list(ctx: click.Context, as_json: bool) -> None:
    """List web users and their roles (never their password hashes)."""
    users = access.list_users(cmdb_of(ctx))
    if as_json:
        print_json(users)
        return
    for u in users:
        click.echo(f"{u['name']}\t{u['role']}")


@click.group("token")
def token_group() -> None:
    """API tokens (Authorization: Bearer) for scripts and remote collectors."""


@token_group.command("create")
@click.argument("name")
@click.option("--role", type=ROLE, required=True, help="reader, editor or admin.")
@json_option('Print {"name", "role", "token"} as JSON (the token is shown once).')
@click.pass_context
def token_create(ctx: click.Context, name: str, role: str, as_json: bool) -> None:
    """Create API token NAME; prints the secret once (only its hash is stored)."""
    res = access.create_token(cmdb_of(ctx), name, role)
    if as_json:
        print_json(res)
        return
    click.echo(res["token"])
    click.echo(
        _("token {name} ({role}): shown once, store it now").format(name=name, role=role),
        err=True,
    )


@token_group.command("revoke")
@click.argument("name")
@json_option('Print {"token", "revoked"} as JSON.')
@click.pass_context
def token_revoke(ctx: click.Context, name: str, as_json: bool) -> None:
    """Revoke API token NAME."""
    res = access.revoke_token(cmdb_of(ctx), name)
    if as_json:
        print_json(res)
        return
    click.echo(_("token {name} revoked").format(name=name))
