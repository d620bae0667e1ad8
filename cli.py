"""The ``netcmdb`` command. Thin: parse options, call library functions, render with rich/JSON.

The only module that knows every package. Library errors (``NetcmdbError``) become one line on
stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import sys

import click

from netcmdb import __version__
from netcmdb.errors import NetcmdbError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="netcmdb")
@click.option("--db", "db_url", envvar="NETCMDB_DB", default=None, metavar="URL",
              help="SQLAlchemy URL of the CMDB (default: SQLite in the user data dir).")
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, verbose: int) -> None:
    """Find every device on the network, keep it in a CMDB, label it, and know what breaks."""
    ctx.ensure_object(dict)
    ctx.obj["db_url"] = db_url
    ctx.obj["verbose"] = verbose


def engine_of(ctx: click.Context):  # type: ignore[no-untyped-def]
    """The CMDB engine for this invocation (created once, schema ensured by the foundation)."""
    from netcmdb.cmdb.db import make_engine

    root = ctx.find_root()
    if "engine" not in root.obj:
        root.obj["engine"] = make_engine(root.obj.get("db_url"))
    return root.obj["engine"]


def main() -> None:
    """Console-script entry point: library errors are one line and exit status 2."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except NetcmdbError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)


# Command groups, defined here once so every area can add its commands to them.
@cli.group("ci")
def ci_cmd() -> None:
    """List, show and edit configuration items."""


@cli.group("runs")
def runs_cmd() -> None:
    """Scan history: what each run found new, changed or missing."""


@cli.group("import")
def import_cmd() -> None:
    """Import CIs from a file (one transaction: all or nothing)."""


@cli.group("export")
def export_cmd() -> None:
    """Export the CMDB and its graph."""


@cli.group("config")
def config_cmd() -> None:
    """The TOML config file (defaults, scopes, credentials references, label rule)."""


@cli.group("label")
def label_cmd() -> None:
    """Asset labels: parse, check, assign, walk, print."""


@cli.group("topology")
def topology_cmd() -> None:
    """The relationship graph: single points of failure, paths, pictures."""


# ---- topology commands ----
def _load_topology(ctx: click.Context, roots: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    """The CMDB graph (one select per table); unreadable CMDB -> one line, exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from netcmdb.cmdb.db import session_scope
    from netcmdb.errors import TopologyError
    from netcmdb.topology.graph import load_topology

    try:
        with session_scope(engine_of(ctx)) as session:
            return load_topology(session, roots)
    except SQLAlchemyError as exc:
        raise TopologyError(f"cannot read the CMDB ({type(exc).__name__}); "
                            "is the database initialised?") from exc


def _impact_engine(ctx: click.Context, roots: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    """The precomputed impact engine, cached per SQLite file state (see topology/cache.py)."""
    from netcmdb.topology.cache import cached_engine
    from netcmdb.topology.impact import ImpactEngine

    return cached_engine(ctx.find_root().obj.get("db_url"), roots,
                         lambda: ImpactEngine(_load_topology(ctx, roots)))


def _write_out(out: str | None, data: str | bytes) -> None:
    """Write to --out atomically (never half-written), or to stdout."""
    import os
    import tempfile

    if out is None:
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            click.echo(data, nl=not data.endswith("\n"))
        return
    directory = os.path.dirname(os.path.abspath(out))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".netcmdb-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise


def _impact_table(rep: dict, limit: int) -> str:  # type: ignore[type-arg]
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    buf = StringIO()
    con = Console(file=buf, width=140, highlight=False)
    s = rep["summary"]
    failed = ", ".join(f.get("name") or f.get("link", "?") for f in rep["failed"])
    con.print(f"Change: fail {failed}", markup=False)
    con.print(f"Down: {s['down']}   At risk: {s['at_risk']}", markup=False)
    if s["by_building"]:
        con.print("By building: " + ", ".join(f"{k} {v}" for k, v in s["by_building"].items()),
                  markup=False)
    if s["by_room"]:
        rooms = list(s["by_room"].items())
        con.print("By room: " + ", ".join(f"{k} {v}" for k, v in rooms[:40])
                  + (f", ... ({len(rooms) - 40} more)" if len(rooms) > 40 else ""), markup=False)
    if s["by_class"]:
        con.print("By class: " + ", ".join(f"{k} {v}" for k, v in s["by_class"].items()),
                  markup=False)
    for title, rows in (("Down", rep["down"]), ("At risk", rep["at_risk"])):
        if not rows:
            continue
        tab = Table(title=title, show_lines=False)
        for col in ("name", "label", "class", "location", "reason"):
            tab.add_column(col, overflow="fold")
        for row in rows[:limit]:
            tab.add_row(*(str(row.get(c) or "") for c in ("name", "label", "class", "location",
                                                            "reason")))
        con.print(tab)
        if len(rows) > limit:
            con.print(f"... {len(rows) - limit} more (use --json or --limit)", markup=False)
    if s["notify"]:
        tab = Table(title="Notify")
        for col in ("owner", "contact", "down", "at risk"):
            tab.add_column(col)
        for n in s["notify"]:
            tab.add_row(n["owner"] or "", n["contact"] or "", str(n["down"]), str(n["at_risk"]))
        con.print(tab)
    return buf.getvalue()


@cli.command("impact")
@click.argument("targets", nargs=-1, required=True)
@click.option("--root", "roots", multiple=True, metavar="NAME",
              help="Upstream root CI (repeatable; default: CIs with role core or gateway).")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "dot", "svg", "html"]),
              default=None, help="Output format (default table).")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write to FILE.")
@click.option("--limit", type=int, default=200, show_default=True,
              help="Rows per table in table output.")
@click.pass_context
def impact_cmd(ctx: click.Context, targets: tuple[str, ...], roots: tuple[str, ...],
               as_json: bool, fmt: str | None, out: str | None, limit: int) -> None:
    """What breaks if TARGETs fail together (CI name, label, IP, or link A~B / A[port]~B)."""
    import json

    from netcmdb.topology.impact import report

    fmt = "json" if as_json else (fmt or "table")
    engine = _impact_engine(ctx, roots)
    cis, links = engine.topo.resolve_targets(targets)
    res = engine.impact(cis, links)
    rep = report(engine, res)
    if fmt == "json":
        _write_out(out, json.dumps(rep, ensure_ascii=False, indent=1) + "\n")
    elif fmt == "table":
        _write_out(out, _impact_table(rep, limit))
    else:
        from netcmdb.topology import draw

        _write_out(out, draw.render_impact(engine, res, fmt))


@topology_cmd.command("spof")
@click.option("--root", "roots", multiple=True, metavar="NAME", help="Upstream root CI.")
@click.option("--json", "as_json", is_flag=True, help="JSON list instead of a table.")
@click.option("--limit", type=int, default=50, show_default=True, help="Show the top N (0 = all).")
@click.option("--min-down", type=int, default=1, show_default=True,
              help="Only elements taking down at least this many CIs.")
@click.pass_context
def topology_spof_cmd(ctx: click.Context, roots: tuple[str, ...], as_json: bool, limit: int,
                      min_down: int) -> None:
    """Articulation CIs and bridge links, ranked by how many CIs each would take down."""
    import json

    from netcmdb.topology.spof import find_spofs

    spofs = find_spofs(_impact_engine(ctx, roots), min_down=min_down)
    if limit:
        spofs = spofs[:limit]
    if as_json:
        click.echo(json.dumps([s.as_dict() for s in spofs], ensure_ascii=False, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    tab = Table(title="Single points of failure")
    for col in ("#", "kind", "element", "down"):
        tab.add_column(col)
    for k, s in enumerate(spofs, 1):
        tab.add_row(str(k), s.kind, s.name, str(s.down))
    Console(highlight=False).print(tab)


@topology_cmd.command("path")
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of text.")
@click.option("-k", "k", type=int, default=3, show_default=True, help="At most this many paths.")
@click.pass_context
def topology_path_cmd(ctx: click.Context, a: str, b: str, as_json: bool, k: int) -> None:
    """The physical path(s) between CIs A and B, hop by hop with ports."""
    import json

    from netcmdb.topology.path import physical_paths

    topo = _impact_engine(ctx, ()).topo
    paths = physical_paths(topo, topo.resolve_ci(a), topo.resolve_ci(b), k=k)
    if as_json:
        click.echo(json.dumps({"from": a, "to": b, "paths": paths}, ensure_ascii=False,
                              indent=1))
        return
    for n, hops in enumerate(paths, 1):
        click.echo(f"path {n} ({len(hops)} hops):")
        for h in hops:
            ports = " | ".join(f"{lk['from_port'] or '?'} -> {lk['to_port'] or '?'}"
                               for lk in h["links"])
            click.echo(f"  {h['from']} -> {h['to']}  [{ports}]")


@topology_cmd.command("draw")
@click.option("--building", default=None, help="Only this building (and its uplinks).")
@click.option("--root", "roots", multiple=True, metavar="NAME", help="Upstream root CI.")
@click.option("--format", "fmt", type=click.Choice(["svg", "png", "dot", "graphml", "html"]),
              required=True)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Output file.")
@click.pass_context
def topology_draw_cmd(ctx: click.Context, building: str | None, roots: tuple[str, ...], fmt: str,
                      out: str) -> None:
    """Draw the topology: Graphviz pictures, GraphML, or an interactive HTML page."""
    from netcmdb.topology import draw

    _write_out(out, draw.render(_impact_engine(ctx, roots), fmt, building=building))
