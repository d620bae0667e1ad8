"""Configuration items for every face: list, show, set.

Returns what ``netcmdb ci list|show|set --json`` prints. Must not import click, rich or a web
framework.
"""

from __future__ import annotations

from typing import Any

from netcmdb.errors import ConfigError
from netcmdb.services.context import Cmdb

#: the ``ci list`` filters (``--class`` is ``class``); None or absent means "any".
FILTERS = ("class", "building", "floor", "room", "status", "role")


def list_cis(cmdb: Cmdb, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """CIs as import-format records, filtered by ``FILTERS`` keys (:func:`selection`)."""
    from netcmdb.exporters.netcmdb_json import ci_records

    wanted = selection(cmdb, {k: (filters or {}).get(k) for k in FILTERS})
    with cmdb.session() as s:
        return ci_records(s, wanted)


def selection(cmdb: Cmdb, filters: dict[str, Any]) -> dict[str, Any]:
    """``ci list`` filters as the exporters' CI query reads them (the CLI's list, the web's list
    page, its downloads and ``GET /api/v1/cis`` alike).

    Keys: ``FILTERS``, ``vendor``, ``ids``; None or absent means "any". ``room`` takes any room
    notation the label rule reads (``D010210``, ``D0102 10``, ``01/02/10``, and ``0210`` with
    ``building``) and becomes its building, floor and room; an empty filter is an error, never
    "all".

    Raises:
        ConfigError: an empty filter, or a room outside the given building / floor.
        LabelError: a room the rule cannot read.
    """
    wanted = dict(filters)
    for k, v in wanted.items():
        if k != "ids" and v is not None and not str(v).strip():
            raise ConfigError("--{k}: empty; leave the option out to select everything", k=k)
    if wanted.get("room") is not None:
        from netcmdb.services.labels import rule_of

        ref = rule_of(cmdb).parse_room(str(wanted["room"]), building=wanted.get("building"))
        if wanted.get("building") is not None and wanted["building"] != ref.building:
            raise ConfigError(
                "--room {room} is in building {building}, not --building {building2}",
                room=wanted["room"],
                building=ref.building,
                building2=wanted["building"],
            )
        if wanted.get("floor") is not None and wanted["floor"] != ref.floor:
            raise ConfigError(
                "--room {room} is on floor {floor}, not --floor {floor2}",
                room=wanted["room"],
                floor=ref.floor,
                floor2=wanted["floor"],
            )
        wanted.update(building=ref.building, floor=ref.floor, room=ref.room)
    return wanted


def counts(cmdb: Cmdb) -> dict[str, Any]:
    """The CMDB at a glance (the web dashboard): ``{"total", "by_class", "by_status",
    "by_building"}``, each ``by_`` a list of ``[value, count]``."""
    from netcmdb.cmdb.query import ci_counts

    with cmdb.session() as s:
        return ci_counts(s)


def filter_choices(cmdb: Cmdb) -> dict[str, list[str]]:
    """What a CI list's filters can choose from: ``classes``, ``buildings``, ``vendors``."""
    from netcmdb.cmdb.query import filter_choices as choices

    with cmdb.session() as s:
        return choices(s)


#: history attributes whose values are rooms: ``location`` (a hand edit stores
#: ``building/floor/room``) and ``location_id`` (discovery stores the location's row id)
ROOM_ATTRS = ("location", "location_id")


def rooms_shown(cmdb: Cmdb, changes: list[dict[str, Any]], session: Any) -> list[dict[str, Any]]:
    """``changes`` (history rows or ``set_ci``'s changes) with every room in the house display
    of ``cmdb``'s label rule (``D010210``, :meth:`Rule.room_text`) instead of the stored text
    (``01/02/10`` or a location id). The stored rows stay as they are; a value the rule cannot
    read is shown as stored."""
    from sqlalchemy import select

    from netcmdb.cmdb.models import Location
    from netcmdb.errors import LabelError
    from netcmdb.services.labels import rule_of

    rooms = [c for c in changes if c.get("attribute") in ROOM_ATTRS]
    if not rooms:
        return changes
    rule = rule_of(cmdb)
    ids = {
        int(v)
        for c in rooms
        if c["attribute"] == "location_id"
        for v in (c.get("old"), c.get("new"))
        if isinstance(v, str) and v.isdigit()
    }
    by_id = {
        i: (b, f, r)
        for i, b, f, r in session.execute(
            select(Location.id, Location.building, Location.floor, Location.room).where(
                Location.id.in_(ids)
            )
        ).all()
    }

    def shown(attr: str, value: Any) -> Any:
        if not isinstance(value, str) or not value:
            return value
        if attr == "location_id":
            bfr = by_id.get(int(value)) if value.isdigit() else None
            return rule.room_text(*bfr) if bfr else value
        try:
            return rule.room_text(*rule.parse_room(value))
        except LabelError:
            return value

    return [
        {
            **c,
            "old": shown(c["attribute"], c.get("old")),
            "new": shown(c["attribute"], c.get("new")),
        }
        if c.get("attribute") in ROOM_ATTRS
        else c
        for c in changes
    ]


def show_ci(cmdb: Cmdb, ref: str) -> dict[str, Any]:
    """One CI by name, label, IP, MAC or #id: attributes with sources, interfaces, links,
    history (rooms in the label rule's display, :func:`rooms_shown`)."""
    from netcmdb.cmdb.query import ci_detail, find_ci

    with cmdb.session() as s:
        d = ci_detail(s, find_ci(s, ref))
        d["history"] = rooms_shown(cmdb, d["history"], s)
        return d


def parse_location(
    location: str, room_name: str | None = None, *, cmdb: Cmdb | None = None
) -> tuple[str, ...]:
    """The ``location`` value of :func:`set_ci` from any room notation (``D010210``,
    ``01/02/10``...; ``B/F/R`` outside the label rule is kept as given), plus a room name.

    The room notation is ``cmdb``'s configured label rule (default: the house rule).
    """
    from netcmdb.errors import LabelError
    from netcmdb.labeling.rule import get_rule
    from netcmdb.services.labels import rule_of

    rule = rule_of(cmdb) if cmdb is not None else get_rule(None)
    try:
        parts: tuple[str, ...] = tuple(rule.parse_room(location))
    except LabelError:
        raw = [p.strip() for p in location.replace("-", "/").split("/")]
        if len(raw) != 3 or not all(raw):
            raise ConfigError(
                (
                    "--location {location}: expected a room code (D010210) or BUILDING/FLOOR/ROOM "
                    "(01/02/10)"
                ),
                location=location,
            ) from None
        parts = tuple(raw)
    return (*parts, room_name) if room_name else parts


def set_ci(
    cmdb: Cmdb,
    ref: str,
    values: dict[str, Any],
    *,
    lifecycle: str | None = None,
    lifecycle_date: str | None = None,
    source: str = "manual",
) -> dict[str, Any]:
    """Set what discovery cannot know (pinned: discovery never overwrites it).

    ``values``: attribute -> value (``class``, ``owner``, ``label``, ``seat``...). ``location``
    is a room in any notation :func:`parse_location` reads (or its tuple; None clears it), with
    ``room_name`` beside it. ``lifecycle`` (dated ``lifecycle_date``, else today; as keys of
    ``values`` or keywords) is noted in the journal. ``source`` is recorded with each change
    (the web: ``web:<user>``). Returns ``{"ci": name, "changes": [{attribute, old, new}...]}``,
    rooms as the label rule shows them (:func:`rooms_shown`; history stores ``01/02/10``).

    Raises:
        ConfigError: nothing to set, a room name without a location, a lifecycle date without
            a state, a location that is no room. NotFoundError / CmdbError: as ``find_ci`` and
            ``set_manual``.
    """
    from netcmdb.cmdb.journal import parse_day
    from netcmdb.cmdb.lifecycle import set_lifecycle
    from netcmdb.cmdb.query import find_ci, set_manual
    from netcmdb.services.labels import rule_of

    values = {("class" if k == "ci_class" else k): v for k, v in values.items()}
    lifecycle = values.pop("lifecycle", None) or lifecycle
    given_date = values.pop("lifecycle_date", None)
    lifecycle_date = given_date if given_date is not None else lifecycle_date
    room_name = values.pop("room_name", None)
    if isinstance(values.get("location"), str):
        values["location"] = parse_location(values["location"], room_name, cmdb=cmdb)
    elif room_name is not None:
        raise ConfigError("--room-name needs --location")
    if lifecycle_date is not None and lifecycle is None:
        raise ConfigError("--lifecycle-date needs --lifecycle")
    if not values and lifecycle is None:
        raise ConfigError("nothing to set (see netcmdb ci set --help)")
    on = (
        parse_day(lifecycle_date, what="--lifecycle-date").date()
        if lifecycle_date is not None
        else None
    )
    with cmdb.session() as s:
        ci = find_ci(s, ref)
        name = ci.name
        changes = (
            set_manual(
                s,
                ci,
                values,
                source=source,
                label_rule=rule_of(cmdb) if "label" in values else None,
            )
            if values
            else []
        )
        if lifecycle is not None:
            changes += set_lifecycle(s, ci, lifecycle, on=on)
        changes = rooms_shown(cmdb, changes, s)
    return {"ci": name, "changes": changes}


#: the selection of a bulk edit (``ci set --where-room ... ``): option suffix -> meaning
SELECTION = ("room", "building", "class", "status")


def bulk_set(
    cmdb: Cmdb,
    selection: dict[str, Any],
    values: dict[str, Any],
    *,
    dry_run: bool = False,
    source: str = "manual",
) -> dict[str, Any]:
    """One value for every selected CI, in one transaction (``ci set`` without a CI).

    ``selection``: ``room`` (any room notation the label rule reads; ``0210`` with
    ``building``), ``building``, ``class``, ``status`` — at least one; None or absent means
    any. ``values``: attribute -> value, attributes from
    :data:`netcmdb.cmdb.ownership.BULK_ATTRS` (``department``, ``contact``, ``owner``,
    ``role``, ``description``, ``lifecycle``). ``dry_run``: compute the diff, write nothing.

    Returns ``{"dry_run", "selected", "changed": [{"id", "name", "changes": [...]}...]}``
    (what ``ci set --where-... --json`` prints).

    Raises:
        ConfigError: an unknown selection key, an empty selection value, nothing to set, or
            an attribute a bulk edit may not set. CmdbError: no selection at all.
    """
    from netcmdb.cmdb.ownership import BULK_ATTRS, room_locations, select_cis
    from netcmdb.cmdb.ownership import bulk_set as apply
    from netcmdb.services.labels import rule_of

    sel = {k: v for k, v in selection.items() if v is not None}
    unknown = sorted(set(sel) - set(SELECTION))
    if unknown:
        raise ConfigError(
            "a bulk edit selects by {selection}, not {value!r}",
            selection=", ".join(SELECTION),
            value=unknown[0],
        )
    for k, v in sel.items():
        if not str(v).strip():
            raise ConfigError("--where-{k}: empty; a bulk edit needs a real selection", k=k)
    vals = {k: v for k, v in values.items() if v is not None}
    bad = sorted(set(vals) - set(BULK_ATTRS))
    if bad:
        shown = ", ".join("--" + a for a in BULK_ATTRS)
        if bad[0] in SELECTION:
            raise ConfigError(
                "a bulk edit cannot set --{attr} (only: {attrs}); to select by {attr} use "
                "--where-{attr}",
                attr=bad[0],
                attrs=shown,
            )
        raise ConfigError(
            "a bulk edit cannot set --{attr} (only: {attrs})",
            attr=bad[0].replace("_", "-"),
            attrs=shown,
        )
    if not vals:
        raise ConfigError(
            "nothing to set: give {attrs}", attrs=", ".join("--" + a for a in BULK_ATTRS)
        )
    rule = rule_of(cmdb)
    building = sel.get("building")
    with cmdb.session() as s:
        loc_ids = None
        if "room" in sel:
            key = tuple(rule.parse_room(str(sel["room"]), building=building))
            loc_ids = [loc.id for loc in room_locations(s, key, rule.normalize_room)]  # type: ignore[arg-type]
        b = rule.normalize_room(building, "01", "01")[0] if building else None
        cis = select_cis(
            s, location_ids=loc_ids, building=b, ci_class=sel.get("class"), status=sel.get("status")
        )
        out = apply(s, cis, vals, dry_run=dry_run, source=source)
        if dry_run:
            s.rollback()
    return {"dry_run": dry_run, "selected": len(cis), "changed": out}


def replace_ci(
    cmdb: Cmdb, old: str, new: str, *, on: str | None = None, by: str | None = None
) -> dict[str, Any]:
    """NEW takes OLD's place (room, seat, label, asset code, department, contact); OLD is
    retired. One transaction; both histories and journals say so."""
    from netcmdb.cmdb.journal import parse_day
    from netcmdb.cmdb.lifecycle import replace_ci as replace
    from netcmdb.cmdb.query import find_ci

    day = parse_day(on, what="--date").date() if on is not None else None
    with cmdb.session() as s:
        return replace(s, find_ci(s, old), find_ci(s, new), on=day, by=by)  # type: ignore[no-any-return]
