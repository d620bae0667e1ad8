"""`netcmdb import xlsx FILE`: the hospital's asset register (xlsx, or CSV in UTF-8 / GB18030)
with Chinese headers, validated whole, then applied in one transaction."""

from __future__ import annotations

import click

from netcmdb.commands.common import cmdb_of, console, echo, plain, print_json
from netcmdb.i18n import _
from netcmdb.options import dry_run_option, json_option
from netcmdb.services import register


@click.command("xlsx")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--sheet", metavar="NAME", help="The sheet to read (default: the first).")
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="HEADER=FIELD",
    help="Map a column to a field, e.g. '设备名称=name' (repeatable; beats the "
    "built-in Chinese headers and --profile).",
)
@click.option(
    "--profile", metavar="NAME", help="A saved map: [register.profiles.NAME] in the config file."
)
@click.option("--update-only", is_flag=True, help="Never create a CI; list unmatched rows.")
@dry_run_option("Print new / changed / unmatched rows; write nothing.")
@json_option()
@click.pass_context
def xlsx_command(
    ctx: click.Context,
    path: str,
    sheet: str | None,
    maps: tuple[str, ...],
    profile: str | None,
    update_only: bool,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Import an asset register (.xlsx, or .csv in UTF-8 or GB18030). Common Chinese headers
    (设备名称, 资产编号, 序列号, MAC地址, IP地址, 位置/房间, 使用科室, 责任人, 状态, 购置日期)
    need no map. Every row is checked first: one bad row (named by its row number) and
    nothing is written."""
    from rich.table import Table

    res = register.import_register(
        cmdb_of(ctx),
        path,
        sheet=sheet,
        maps=maps,
        profile_name=profile,
        update_only=update_only,
        dry_run=dry_run,
    )
    if as_json:
        print_json(res)
        return
    con = console()
    rows = [(str(e["row"]), _("new"), e["name"], "", "") for e in res["new"]]
    rows += [
        (
            str(e["row"]),
            _("changed"),
            e["ci"],
            c["attribute"],
            f"{c['old'] or '-'} → {c['new'] or '-'}",
        )
        for e in res["changed"]
        for c in e["changes"]
    ]
    rows += [
        (str(e["row"]), _("unmatched"), e.get("name") or e.get("asset_code") or "", "", "")
        for e in res["unmatched"]
    ]
    if rows:
        t = Table(
            _("row"),
            _("what"),
            "CI",
            _("attribute"),
            _("change"),
            title=res["source"],
            title_justify="left",
        )
        for r in sorted(rows, key=lambda r: int(r[0])):
            t.add_row(*(plain(x) for x in r))
        con.print(t)
    line = (
        _(
            "would import {source}: {new} new, {changed} changed, {unchanged} unchanged, "
            "{unmatched} unmatched"
        )
        if dry_run
        else _(
            "imported {source}: {new} new, {changed} changed, {unchanged} unchanged, "
            "{unmatched} unmatched"
        )
    )
    echo(
        line.format(
            source=res["source"],
            new=len(res["new"]),
            changed=len(res["changed"]),
            unchanged=res["unchanged"],
            unmatched=len(res["unmatched"]),
        )
    )
    if res["ignored_columns"]:
        echo(
            _("ignored columns: {columns}").format(columns=", ".join(res["ignored_columns"])),
            err=True,
        )
