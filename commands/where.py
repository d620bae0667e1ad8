"""`netcmdb where MAC|IP|NAME`: the switch port a host sits on, now and before."""

from __future__ import annotations

import click

from netcmdb.commands.common import cmdb_of, console, echo, print_json
from netcmdb.i18n import _
from netcmdb.services.where import where


@click.command("where")
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def command(ctx: click.Context, query: str, as_json: bool) -> None:
    """Which switch port MAC|IP|NAME sits on now, and where it was seen before."""
    ans = where(cmdb_of(ctx), query)
    if as_json:
        print_json(ans)
        return
    host = ans["host"]
    who = (
        f"{host['name']} ({host['ip'] or '-'}, {host['mac'] or '-'})"
        if host
        else ", ".join(ans["macs"])
    )
    for h in ans["now"]:
        echo(
            f"{who}: {h['switch']} {h['port']}"
            + (f" vlan {h['vlan']}" if h["vlan"] else "")
            + " "
            + _("(last seen {when})").format(when=h["last_seen"])
        )
    if len(ans["history"]) > len(ans["now"]):
        from rich.table import Table

        t = Table(
            "mac",
            _("switch"),
            _("port"),
            "vlan",
            _("first seen"),
            _("last seen"),
            title=_("history"),
        )
        for h in ans["history"]:
            t.add_row(
                h["mac"],
                h["switch"],
                h["port"],
                str(h["vlan"] or ""),
                h["first_seen"],
                h["last_seen"],
            )
        console().print(t)
