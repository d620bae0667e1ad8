"""`netcmdb room set|show` and `netcmdb building set`: names, departments and contacts by
place (CIs inherit them unless they have their own)."""

from __future__ import annotations

import click

from netcmdb.commands.common import cmdb_of, echo, print_json
from netcmdb.i18n import _
from netcmdb.options import json_option
from netcmdb.services import places


def _place_options(f):  # type: ignore[no-untyped-def]
    for opt in reversed(
        (
            click.option("--name", help="Its name (e.g. 计算机房); '' clears it."),
            click.option("--department", help="Its department (e.g. 信息科); '' clears it."),
            click.option("--contact", help="Whom to call (name, phone); '' clears it."),
        )
    ):
        f = opt(f)
    return f


def _echo_changes(res: dict[str, object], as_json: bool) -> None:
    if as_json:
        print_json(res)
        return
    what = res["place"]
    changes: list[dict[str, object]] = res["changes"]  # type: ignore[assignment]
    if not changes:
        echo(_("{place}: nothing changed").format(place=what))
    for c in changes:
        echo(f"{what}: {c['attribute']}: {c['old'] or '-'} -> {c['new'] or '-'}")


@click.group("room")
def group() -> None:
    """Rooms: name, department and contact."""


@group.command("set")
@click.argument("room")
@_place_options
@json_option("Print the changes as JSON.")
@click.pass_context
def room_set_cmd(
    ctx: click.Context,
    room: str,
    name: str | None,
    department: str | None,
    contact: str | None,
    as_json: bool,
) -> None:
    """Set ROOM's (a room code, e.g. D010210) name, department and contact."""
    values = {"name": name, "department": department, "contact": contact}
    _echo_changes(places.set_room(cmdb_of(ctx), room, values), as_json)


@click.group("building")
def building_group() -> None:
    """Buildings: name, department and contact."""


@building_group.command("set")
@click.argument("code")
@_place_options
@json_option("Print the changes as JSON.")
@click.pass_context
def building_set_cmd(
    ctx: click.Context,
    code: str,
    name: str | None,
    department: str | None,
    contact: str | None,
    as_json: bool,
) -> None:
    """Set building CODE's (the label rule's building code, e.g. 01) name, department and
    contact."""
    values = {"name": name, "department": department, "contact": contact}
    _echo_changes(places.set_building(cmdb_of(ctx), code, values), as_json)
