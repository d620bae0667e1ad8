"""`netcmdb topology spof|path|draw`: the relationship graph."""

from __future__ import annotations

import json

import click

from netcmdb.commands.common import cmdb_of, console, echo, write_out_bytes
from netcmdb.i18n import _
from netcmdb.options import building_filter, json_option, out_option, root_option
from netcmdb.services import impact


@click.group("topology")
def group() -> None:
    """The relationship graph: single points of failure, paths, pictures."""


@group.command("spof")
@root_option
@json_option("JSON list instead of a table.")
@click.option("--limit", type=int, default=50, show_default=True, help="Show the top N (0 = all).")
@click.option(
    "--min-down",
    type=int,
    default=1,
    show_default=True,
    help="Only elements taking down at least this many CIs.",
)
@click.pass_context
def topology_spof_cmd(
    ctx: click.Context, roots: tuple[str, ...], as_json: bool, limit: int, min_down: int
) -> None:
    """Articulation CIs and bridge links, ranked by how many CIs each would take down."""

    found = impact.spof(cmdb_of(ctx), roots, min_down=min_down, limit=limit)
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=1))
        return
    from rich.table import Table

    tab = Table(
        title=_("Single points of failure (roots: {roots})").format(roots=", ".join(found["roots"]))
    )
    for col in ("#", _("kind"), _("element"), _("down")):
        tab.add_column(col)
    for k, s in enumerate(found["spofs"], 1):
        tab.add_row(str(k), s["kind"], s["name"], str(s["down"]))
    console().print(tab)


@group.command("path")
@click.argument("a")
@click.argument("b")
@json_option("JSON instead of text.")
@click.option("-k", "k", type=int, default=3, show_default=True, help="At most this many paths.")
@click.pass_context
def topology_path_cmd(ctx: click.Context, a: str, b: str, as_json: bool, k: int) -> None:
    """The physical path(s) between CIs A and B, hop by hop with ports."""

    found = impact.paths(cmdb_of(ctx), a, b, k=k)
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=1))
        return
    for n, hops in enumerate(found["paths"], 1):
        echo(f"path {n} ({len(hops)} hops):")
        for h in hops:
            ports = " | ".join(
                f"{lk['from_port'] or '?'} -> {lk['to_port'] or '?'}" for lk in h["links"]
            )
            echo(f"  {h['from']} -> {h['to']}  [{ports}]")


@group.command("draw")
@building_filter()
@root_option
@click.option(
    "--format", "fmt", type=click.Choice(["svg", "png", "dot", "graphml", "html"]), required=True
)
@out_option(required=True, help="Output file.")
@json_option("Print what was written as JSON.")
@click.pass_context
def topology_draw_cmd(
    ctx: click.Context,
    building: str | None,
    roots: tuple[str, ...],
    fmt: str,
    out: str,
    as_json: bool,
) -> None:
    """Draw the topology: Graphviz pictures, GraphML, or an interactive HTML page."""
    data = impact.drawing(cmdb_of(ctx), fmt, building=building, roots=roots)
    write_out_bytes(out, data)
    if as_json:
        size = len(data.encode("utf-8") if isinstance(data, str) else data)
        click.echo(json.dumps({"format": fmt, "out": out, "bytes": size}))
