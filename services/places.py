"""Rooms and buildings for every face: names, departments and contacts by place (their CIs
inherit them unless they have their own).

Returns what ``netcmdb room set`` / ``building set --json`` print. Must not import click, rich
or a web framework.
"""

from __future__ import annotations

from typing import Any

from netcmdb.errors import ConfigError
from netcmdb.services.context import Cmdb


def _values(given: dict[str, str | None]) -> dict[str, str | None]:
    values: dict[str, str | None] = {k: v for k, v in given.items() if v is not None}
    if not values:
        raise ConfigError("nothing to set (--name, --department or --contact)")
    return values


def set_room(cmdb: Cmdb, room: str, values: dict[str, str | None]) -> dict[str, Any]:
    """Set ``room``'s (any room notation the label rule reads) ``name``, ``department`` and
    ``contact`` ('' clears one; None leaves it). Returns ``{"place": room code, "changes"}``.

    Raises:
        ConfigError: nothing to set. LabelError: not a room. CmdbError: a bad value.
    """
    from netcmdb.cmdb.ownership import set_room as apply
    from netcmdb.services.labels import rule_of

    vals = _values(values)
    rule = rule_of(cmdb)
    key = tuple(rule.parse_room(room))
    with cmdb.session() as s:
        changes = apply(s, key, vals, rule.normalize_room)  # type: ignore[arg-type]
    return {"place": rule.format_room(*key), "changes": changes}


def set_building(cmdb: Cmdb, code: str, values: dict[str, str | None]) -> dict[str, Any]:
    """Set building ``code``'s (the label rule's building code, e.g. ``01``) name, department
    and contact. Returns ``{"place": "building 01", "changes"}``."""
    from netcmdb.cmdb.ownership import set_building as apply
    from netcmdb.services.labels import rule_of

    vals = _values(values)
    code = rule_of(cmdb).normalize_room(code, "01", "01")[0]
    with cmdb.session() as s:
        changes = apply(s, code, vals)
    return {"place": f"building {code}", "changes": changes}
