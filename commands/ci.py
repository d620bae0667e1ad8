"""`netcmdb ci list|show|set`: the configuration items."""

from __future__ import annotations

from typing import Any, cast

import click

from netcmdb.commands.common import cmdb_of, console, echo, label_rule, plain, print_json
from netcmdb.i18n import _
from netcmdb.options import (
    building_filter,
    bulk_selection,
    class_filter,
    dry_run_option,
    json_option,
    nonempty,
    room_filter,
)
from netcmdb.services import cis


@click.group("ci")
def group() -> None:
    """List, show and edit configuration items."""


@group.command("list")
@class_filter()
@building_filter()
@click.option("--floor", metavar="F", callback=nonempty, help="Only CIs on this floor.")
@room_filter()
@click.option("--status", type=click.Choice(["active", "missing", "retired"]))
@click.option("--role", callback=nonempty, help="Only this role (core, distribution, access...).")
@json_option("Print JSON (import-format entries).")
@click.pass_context
def ci_list_cmd(
    ctx: click.Context,
    ci_class: str | None,
    building: str | None,
    floor: str | None,
    room: str | None,
    status: str | None,
    role: str | None,
    as_json: bool,
) -> None:
    """List configuration items."""
    from rich.table import Table

    recs = cis.list_cis(
        cmdb_of(ctx),
        {
            "class": ci_class,
            "building": building,
            "floor": floor,
            "room": room,
            "status": status,
            "role": role,
        },
    )
    if as_json:
        print_json(recs)
        return
    rule = label_rule(ctx, None)
    table = Table(
        _("id"),
        _("name"),
        _("class"),
        _("role"),
        "ip",
        "mac",
        _("location"),
        _("label"),
        _("status"),
        title=_("{n} CIs").format(n=len(recs)),
        title_justify="left",
    )
    for r in recs:
        loc = r.get("location") or {}
        where = (
            rule.room_text(loc["building"], loc["floor"], loc["room"], loc.get("name"))
            if "room" in loc
            else ""
        )
        if "seat" in loc:
            where += f" #{loc['seat']}"
        table.add_row(
            str(r["id"]),
            r["name"],
            r["class"],
            r.get("role") or "",
            r.get("ip") or "",
            r.get("mac") or "",
            where,
            r.get("label") or "",
            r["status"],
        )
    console().print(table)


@group.command("show")
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def ci_show_cmd(ctx: click.Context, query: str, as_json: bool) -> None:
    """Show one CI by NAME, LABEL, IP, MAC or #ID: attributes, interfaces, links, history,
    journal."""
    from rich.table import Table

    d = cis.show_ci(cmdb_of(ctx), query)
    if as_json:
        print_json(d)
        return
    con = console()
    attrs = Table(
        _("attribute"),
        _("value"),
        _("source"),
        title=f"CI #{d['id']} {d['name']}",
        title_justify="left",
    )
    src = d["sources"]
    for k in (
        "name",
        "class",
        "class_reason",
        "role",
        "vendor",
        "model",
        "platform",
        "os",
        "os_version",
        "serial",
        "ip",
        "mac",
        "description",
        "owner",
        "contact",
        "department",
        "seat",
        "label",
        "asset_code",
        "lifecycle",
        "lifecycle_date",
        "purchase_date",
        "min_up",
        "status",
        "missed_runs",
        "first_seen",
        "last_seen",
    ):
        if d.get(k) is not None:
            attrs.add_row(k, plain(str(d[k])), src.get("class" if k == "class_reason" else k, ""))
    resp = d["responsible"]
    for k in ("department", "contact"):  # inherited from the room or building
        if resp[k] and resp[f"{k}_from"] != "ci":
            attrs.add_row(k, plain(resp[k]), f"from {resp[f'{k}_from']}")
    if d["location"]:
        loc = d["location"]
        text = label_rule(ctx, None).room_text(
            loc["building"], loc["floor"], loc["room"], loc.get("name")
        )
        attrs.add_row("location", plain(text), src.get("location_id", ""))
    if d.get("location_text"):  # the device's own words (sysLocation), room or not
        attrs.add_row("location text", plain(str(d["location_text"])), src.get("location_text", ""))
    con.print(attrs)
    if d["interfaces"]:
        t = Table(
            _("interface"),
            "ifindex",
            "mac",
            "ips",
            _("speed"),
            _("oper"),
            _("alias"),
            title=_("interfaces"),
            title_justify="left",
        )
        for i in d["interfaces"]:
            t.add_row(
                i["name"],
                str(i["ifindex"] or ""),
                i["mac"] or "",
                " ".join(i["ips"] or []),
                str(i["speed_mbps"] or ""),
                i["oper_status"] or "",
                i["alias"] or "",
            )
        con.print(t)
    if d["relationships"]:
        t = Table(
            _("relation"),
            _("port"),
            _("peer"),
            _("peer port"),
            _("by"),
            title=_("relationships"),
            title_justify="left",
        )
        for r in d["relationships"]:
            t.add_row(
                r["kind"],
                r.get("port") or "",
                r["peer"] or "",
                r.get("peer_port") or "",
                r.get("asserted_by") or "",
            )
        con.print(t)
    if d["history"]:
        t = Table(
            _("at"),
            _("attribute"),
            _("old"),
            _("new"),
            _("source"),
            _("run"),
            title=_("history"),
            title_justify="left",
        )
        for h in d["history"]:
            t.add_row(
                h["at"] or "",
                h["attribute"],
                h["old"] or "",
                h["new"] or "",
                h["source"],
                str(h["run"] or ""),
            )
        con.print(t)
    if d["notes"]:
        t = Table("at", "kind", "by", "note", title="journal", title_justify="left")
        for n in d["notes"]:
            t.add_row(*(plain(str(v or "")) for v in (n["at"], n["kind"], n["author"], n["text"])))
        con.print(t)


@group.command("set")
@click.argument("query", required=False)
@bulk_selection
@dry_run_option("Bulk edit (no QUERY): show the diff, write nothing.")
@click.option(
    "--location",
    metavar="ROOM",
    help="Move it to this room: D010210 (or 01/02/10, building/floor/room).",
)
@click.option("--room-name", help="Room name (with --location), e.g. 网络机房.")
@click.option("--seat", type=click.IntRange(min=0), help="Seat number in the room.")
@click.option("--role", help="core, distribution, access, gateway...")
@click.option("--class", "ci_class", help="Set its CI class (switch, pc, printer...).")
@click.option("--owner", help="Who owns it.")
@click.option("--contact", help="Who to call.")
@click.option("--name", help="Rename (a given name beats discovered names).")
@click.option("--description", help="Free text.")
@click.option("--label", help="Asset label (must be unique).")
@click.option("--min-up", type=click.IntRange(min=0), help="Clusters: members needed up.")
@click.option(
    "--status", type=click.Choice(["active", "missing", "retired"]), help="Set its status."
)
@click.option("--department", help="Its own department (else the room's, else the building's).")
@click.option("--asset-code", help="Asset code (设备分类编码; must be unique).")
@click.option(
    "--lifecycle",
    type=click.Choice(["in_stock", "in_use", "repair", "retired"]),
    help="Lifecycle state (dated today, or --lifecycle-date; noted in the journal).",
)
@click.option("--lifecycle-date", metavar="DATE", help="With --lifecycle: the day (2026-11-30).")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@click.pass_context
def ci_set_cmd(
    ctx: click.Context,
    query: str | None,
    where_room: str | None,
    where_building: str | None,
    where_class: str | None,
    where_status: str | None,
    dry_run: bool,
    as_json: bool,
    **opts: object,
) -> None:
    """Set what discovery cannot know on the CI QUERY; discovery never overwrites these values.

    Without QUERY, a bulk edit: the CIs selected by --where-room / --where-building /
    --where-class / --where-status get the given --department, --contact, --owner, --role,
    --description or --lifecycle, in one transaction (--dry-run shows the diff).
    """
    values: dict[str, object] = {
        ("class" if k == "ci_class" else k): v for k, v in opts.items() if v is not None
    }
    if query is None:
        selection = {
            "room": where_room,
            "building": where_building,
            "class": where_class,
            "status": where_status,
        }
        _render_bulk(cis.bulk_set(cmdb_of(ctx), selection, values, dry_run=dry_run), as_json)
        return
    if where_room or where_building or where_class or where_status or dry_run:
        raise click.UsageError(
            "--where-room/--where-building/--where-class/--where-status and --dry-run select "
            "a bulk edit: leave out QUERY"
        )
    res = cis.set_ci(cmdb_of(ctx), query, values)
    if as_json:
        print_json(res)
        return
    name = res["ci"]
    if not res["changes"]:
        echo(f"{name}: nothing changed")
    for c in res["changes"]:
        echo(f"{name}: {c['attribute']}: {c['old'] or '-'} -> {c['new'] or '-'}")


def _render_bulk(res: dict[str, object], as_json: bool) -> None:
    """A bulk edit's result (``services.cis.bulk_set``): its JSON, or the diff table."""
    from rich.table import Table

    if as_json:
        print_json(res)
        return
    out = cast("list[dict[str, Any]]", res["changed"])
    verb = "would change" if res["dry_run"] else "changed"
    if out:
        t = Table("ci", "attribute", "old", "new", title=verb, title_justify="left")
        for e in out:
            for c in e["changes"]:
                t.add_row(
                    *(plain(str(v or "-")) for v in (e["name"], c["attribute"], c["old"], c["new"]))
                )
        console().print(t)
    echo(f"{res['selected']} CIs selected, {verb} {len(out)}")


@group.command("replace")
@click.argument("old")
@click.argument("new")
@click.option("--by", "author", metavar="NAME", help="Who did it (for the journal).")
@click.option("--date", "on", metavar="DATE", help="The day of the swap (default today).")
@click.option("--json", "as_json", is_flag=True, help="Print what changed as JSON.")
@click.pass_context
def ci_replace_cmd(
    ctx: click.Context, old: str, new: str, author: str | None, on: str | None, as_json: bool
) -> None:
    """NEW takes OLD's place: room, seat, label, asset code, department and contact; OLD is
    retired. One transaction; both histories and journals say so."""
    out = cis.replace_ci(cmdb_of(ctx), old, new, on=on, by=author)
    if as_json:
        print_json(out)
        return
    took = ", ".join(f"{k} {v}" for k, v in out["took"].items() if v is not None)
    echo(
        f"{out['new']['name']} replaces {out['old']['name']} (now retired)"
        + (f": took {took}" if took else "")
    )
