"""`netcmdb room set|show` and `netcmdb building set`: names, departments and contacts by
place (CIs inherit them unless they have their own)."""

from __future__ import annotations

import click

from netcmdb.commands.common import echo, engine_of, label_rule, print_json
from netcmdb.options import json_option


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


def _echo_changes(what: str, changes: list[dict[str, object]], as_json: bool) -> None:
    if as_json:
        print_json({"place": what, "changes": changes})
        return
    if not changes:
        echo(f"{what}: nothing changed")
    for c in changes:
        echo(f"{what}: {c['attribute']}: {c['old'] or '-'} -> {c['new'] or '-'}")


def _values(**given: str | None) -> dict[str, str | None]:
    values: dict[str, str | None] = {k: v for k, v in given.items() if v is not None}
    if not values:
        raise click.UsageError("nothing to set (--name, --department or --contact)")
    return values


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
    from netcmdb.cmdb.db import session_scope
    from netcmdb.cmdb.ownership import set_room

    values = _values(name=name, department=department, contact=contact)
    rule = label_rule(ctx, None)
    key = tuple(rule.parse_room(room))
    with session_scope(engine_of(ctx)) as s:
        changes = set_room(s, key, values, rule.normalize_room)  # type: ignore[arg-type]
    _echo_changes(rule.format_room(*key), changes, as_json)


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
    from netcmdb.cmdb.db import session_scope
    from netcmdb.cmdb.ownership import set_building

    values = _values(name=name, department=department, contact=contact)
    code = label_rule(ctx, None).normalize_room(code, "01", "01")[0]
    with session_scope(engine_of(ctx)) as s:
        changes = set_building(s, code, values)
    _echo_changes(f"building {code}", changes, as_json)
