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
    if verbose:
        import logging

        logging.basicConfig(level=logging.DEBUG if verbose > 1 else logging.INFO,
                            format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def engine_of(ctx: click.Context):  # type: ignore[no-untyped-def]
    """The CMDB engine for this invocation (created once, schema ensured by the foundation).

    URL: ``--db`` / ``NETCMDB_DB``, else ``[database] url`` of the config file, else SQLite in
    the user data dir. The schema is created or upgraded automatically on first use.
    """
    from netcmdb.cmdb.db import ensure_schema, make_engine

    root = ctx.find_root()
    if "engine" not in root.obj:
        from netcmdb.config import database_url

        url = root.obj.get("db_url") or database_url(config_of(ctx))
        engine = make_engine(url)
        ensure_schema(engine)
        root.obj["engine"] = engine
    return root.obj["engine"]


def config_of(ctx: click.Context) -> dict:  # type: ignore[type-arg]
    """The parsed config file (``{}`` when absent), loaded once per invocation."""
    from netcmdb.config import load_config

    root = ctx.find_root()
    root.obj = root.obj if root.obj is not None else {}
    if "config" not in root.obj:
        root.obj["config"] = load_config()
    return root.obj["config"]  # type: ignore[no-any-return]


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


# ---- foundation commands ----
# init, ci list/show/set, import json/csv(/nmap), export json/csv, runs list/show/diff,
# config path/show. Library calls only; rendering with rich or --json.


def _console(err: bool = False):  # type: ignore[no-untyped-def]
    from rich.console import Console

    con = Console(stderr=err, highlight=False, soft_wrap=False)
    if not con.is_terminal:  # pipes and files: do not squeeze tables into 80 columns
        con = Console(stderr=err, highlight=False, soft_wrap=False, width=200)
    return con


def _print_json(obj: object) -> None:
    import json

    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def _reconcile_config(ctx: click.Context):  # type: ignore[no-untyped-def]
    from netcmdb.config import reconcile_config

    return reconcile_config(config_of(ctx))


def _summary_line(kind: str, summary) -> str:  # type: ignore[no-untyped-def]
    return (f"{kind}: run {summary.run_id}: {len(summary.new)} new, {len(summary.changed)} "
            f"changed, {summary.seen} seen, {len(summary.missing)} missing, "
            f"{len(summary.failed)} failed")


def _write_out(text: str, output: str | None) -> None:
    from pathlib import Path

    from netcmdb.errors import ExportError

    if output in (None, "-"):
        click.echo(text, nl=False)
        return
    p = Path(output)  # type: ignore[arg-type]
    tmp = p.with_name(p.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(p)
    except OSError as exc:
        raise ExportError(f"{p}: cannot write: {exc.strerror or exc}") from None


@cli.command("init")
@click.pass_context
def init_cmd(ctx: click.Context) -> None:
    """Create or upgrade the CMDB schema (other commands also do this on first use)."""
    from netcmdb.cmdb.db import default_url, make_engine, upgrade
    from netcmdb.config import database_url

    url = ctx.obj.get("db_url") or database_url(config_of(ctx)) or default_url()
    engine = make_engine(url)
    before, after = upgrade(engine)
    shown = engine.url.render_as_string(hide_password=True)
    if before is None:
        click.echo(f"created the CMDB schema (revision {after}) in {shown}")
    elif before == after:
        click.echo(f"the CMDB schema is up to date (revision {after}) in {shown}")
    else:
        click.echo(f"upgraded the CMDB schema {before} -> {after} in {shown}")


@ci_cmd.command("list")
@click.option("--class", "ci_class", help="Only this class (switch, pc, printer...).")
@click.option("--building", help="Only CIs in this building.")
@click.option("--floor", help="Only CIs on this floor.")
@click.option("--room", help="Only CIs in this room.")
@click.option("--status", type=click.Choice(["active", "missing", "retired"]))
@click.option("--role", help="Only this role (core, distribution, access...).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (import-format entries).")
@click.pass_context
def ci_list_cmd(ctx: click.Context, ci_class: str | None, building: str | None,
                floor: str | None, room: str | None, status: str | None, role: str | None,
                as_json: bool) -> None:
    """List configuration items."""
    from rich.table import Table

    from netcmdb.cmdb.db import session_scope
    from netcmdb.exporters.netcmdb_json import ci_records

    with session_scope(engine_of(ctx)) as s:
        recs = ci_records(s, {"class": ci_class, "building": building, "floor": floor,
                              "room": room, "status": status, "role": role})
    if as_json:
        _print_json(recs)
        return
    table = Table("id", "name", "class", "role", "ip", "mac", "location", "label", "status",
                  title=f"{len(recs)} CIs", title_justify="left")
    for r in recs:
        loc = r.get("location") or {}
        where = "/".join(str(loc[k]) for k in ("building", "floor", "room") if k in loc)
        if "seat" in loc:
            where += f" #{loc['seat']}"
        table.add_row(str(r["id"]), r["name"], r["class"], r.get("role") or "",
                      r.get("ip") or "", r.get("mac") or "", where, r.get("label") or "",
                      r["status"])
    _console().print(table)


@ci_cmd.command("show")
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def ci_show_cmd(ctx: click.Context, query: str, as_json: bool) -> None:
    """Show one CI by NAME, LABEL, IP, MAC or #ID: attributes, interfaces, links, history."""
    from rich.table import Table

    from netcmdb.cmdb.db import session_scope
    from netcmdb.cmdb.query import ci_detail, find_ci

    with session_scope(engine_of(ctx)) as s:
        d = ci_detail(s, find_ci(s, query))
    if as_json:
        _print_json(d)
        return
    con = _console()
    attrs = Table("attribute", "value", "source", title=f"CI #{d['id']} {d['name']}",
                  title_justify="left")
    src = d["sources"]
    for k in ("name", "class", "role", "vendor", "model", "platform", "os", "os_version",
              "serial", "ip", "mac", "description", "owner", "contact", "seat", "label",
              "min_up", "status", "missed_runs", "first_seen", "last_seen"):
        if d.get(k) is not None:
            attrs.add_row(k, str(d[k]), src.get(k, ""))
    if d["location"]:
        loc = d["location"]
        text = f"{loc['building']}/{loc['floor']}/{loc['room']}"
        if loc.get("name"):
            text += f" {loc['name']}"
        attrs.add_row("location", text, src.get("location_id", ""))
    con.print(attrs)
    if d["interfaces"]:
        t = Table("interface", "ifindex", "mac", "ips", "speed", "oper", "alias",
                  title="interfaces", title_justify="left")
        for i in d["interfaces"]:
            t.add_row(i["name"], str(i["ifindex"] or ""), i["mac"] or "",
                      " ".join(i["ips"] or []), str(i["speed_mbps"] or ""),
                      i["oper_status"] or "", i["alias"] or "")
        con.print(t)
    if d["relationships"]:
        t = Table("relation", "port", "peer", "peer port", "by", title="relationships",
                  title_justify="left")
        for r in d["relationships"]:
            t.add_row(r["kind"], r.get("port") or "", r["peer"] or "",
                      r.get("peer_port") or "", r.get("asserted_by") or "")
        con.print(t)
    if d["history"]:
        t = Table("at", "attribute", "old", "new", "source", "run", title="history",
                  title_justify="left")
        for h in d["history"]:
            t.add_row(h["at"] or "", h["attribute"], h["old"] or "", h["new"] or "",
                      h["source"], str(h["run"] or ""))
        con.print(t)


@ci_cmd.command("set")
@click.argument("query")
@click.option("--location", metavar="B/F/R", help="Building/floor/room, e.g. 01/02/10.")
@click.option("--room-name", help="Room name (with --location), e.g. 网络机房.")
@click.option("--seat", type=click.IntRange(min=0), help="Seat number in the room.")
@click.option("--role", help="core, distribution, access, gateway...")
@click.option("--class", "ci_class", help="CI class (switch, pc, printer, service...).")
@click.option("--owner", help="Who owns it.")
@click.option("--contact", help="Who to call.")
@click.option("--name", help="Rename (a given name beats discovered names).")
@click.option("--description", help="Free text.")
@click.option("--label", help="Asset label (must be unique).")
@click.option("--min-up", type=click.IntRange(min=0), help="Clusters: members needed up.")
@click.option("--status", type=click.Choice(["active", "missing", "retired"]))
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@click.pass_context
def ci_set_cmd(ctx: click.Context, query: str, location: str | None, room_name: str | None,
               as_json: bool, **opts: object) -> None:
    """Set what discovery cannot know; discovery never overwrites these values."""
    from netcmdb.cmdb.db import session_scope
    from netcmdb.cmdb.query import find_ci, set_manual

    values: dict[str, object] = {("class" if k == "ci_class" else k): v
                                 for k, v in opts.items() if v is not None}
    if location is not None:
        parts = [p.strip() for p in location.replace("-", "/").split("/")]
        if len(parts) != 3 or not all(parts):
            raise click.BadParameter("expected BUILDING/FLOOR/ROOM, e.g. 01/02/10",
                                     param_hint="--location")
        values["location"] = (*parts, room_name) if room_name else tuple(parts)
    elif room_name is not None:
        raise click.BadParameter("--room-name needs --location", param_hint="--room-name")
    if not values:
        raise click.UsageError("nothing to set (see netcmdb ci set --help)")
    with session_scope(engine_of(ctx)) as s:
        ci = find_ci(s, query)
        name = ci.name
        changes = set_manual(s, ci, values)
    if as_json:
        _print_json({"ci": name, "changes": changes})
        return
    if not changes:
        click.echo(f"{name}: nothing changed")
    for c in changes:
        click.echo(f"{name}: {c['attribute']}: {c['old'] or '-'} -> {c['new'] or '-'}")


def _do_import(ctx: click.Context, kind: str, path: str, as_json: bool) -> None:
    from netcmdb.cmdb import importer
    from netcmdb.cmdb.db import session_scope

    cfg = _reconcile_config(ctx)
    func = importer.import_json_file if kind == "json" else importer.import_csv_file
    with session_scope(engine_of(ctx)) as s:
        summary = func(s, path, config=cfg)
    if as_json:
        _print_json({"run": summary.run_id, "new": summary.new, "changed": summary.changed,
                     "seen": summary.seen})
    else:
        click.echo(_summary_line(f"imported {path}", summary))


@import_cmd.command("json")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.pass_context
def import_json_cmd(ctx: click.Context, path: str, as_json: bool) -> None:
    """Import a netcmdb/1 JSON file (all or nothing)."""
    _do_import(ctx, "json", path, as_json)


@import_cmd.command("csv")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.pass_context
def import_csv_cmd(ctx: click.Context, path: str, as_json: bool) -> None:
    """Import the flat CSV asset list (columns as `export csv` writes them)."""
    _do_import(ctx, "csv", path, as_json)


def _nmap_available() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("netcmdb.discovery.nmapxml") is not None
    except ImportError:
        return False


if _nmap_available() and "nmap" not in import_cmd.commands:

    @import_cmd.command("nmap")
    @click.argument("path", type=click.Path(dir_okay=False))
    @click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
    @click.pass_context
    def import_nmap_cmd(ctx: click.Context, path: str, as_json: bool) -> None:
        """Import an nmap XML file (-oX): hosts, MACs, names, open ports, OS guess."""
        from netcmdb.cmdb.db import session_scope
        from netcmdb.cmdb.reconcile import ingest
        from netcmdb.discovery import nmapxml

        results = nmapxml.parse(path)
        covered = sorted({r.target for r in results if r.target})
        with session_scope(engine_of(ctx)) as s:
            summary = ingest(s, results, source="nmap", targets=[path], methods=["nmap"],
                             covered=covered, config=_reconcile_config(ctx))
        if as_json:
            _print_json({"run": summary.run_id, "new": summary.new,
                         "changed": summary.changed, "missing": summary.missing,
                         "failed": summary.failed})
        else:
            click.echo(_summary_line(f"imported {path}", summary))


@export_cmd.command("json")
@click.option("-o", "--output", metavar="FILE", help="Write here instead of stdout.")
@click.pass_context
def export_json_cmd(ctx: click.Context, output: str | None) -> None:
    """Export the whole CMDB as netcmdb/1 JSON (re-importable)."""
    import json

    from netcmdb.cmdb.db import session_scope
    from netcmdb.exporters.netcmdb_json import export_document

    with session_scope(engine_of(ctx)) as s:
        doc = export_document(s)
    _write_out(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", output)


@export_cmd.command("csv")
@click.option("--table", default="cis", show_default=True,
              type=click.Choice(["cis", "links", "dependencies", "groups", "interfaces",
                                 "changes", "runs"]),
              help="cis is the flat asset list (re-importable); others are one table each.")
@click.option("-o", "--output", metavar="FILE", help="Write here instead of stdout.")
@click.pass_context
def export_csv_cmd(ctx: click.Context, table: str, output: str | None) -> None:
    """Export the flat asset list (or another table) as CSV."""
    from netcmdb.cmdb.db import session_scope
    from netcmdb.exporters.netcmdb_json import export_csv

    with session_scope(engine_of(ctx)) as s:
        text = export_csv(s, table)
    _write_out(text, output)


@runs_cmd.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def runs_list_cmd(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Scan and import runs, newest first."""
    from rich.table import Table

    from netcmdb.cmdb.db import session_scope
    from netcmdb.cmdb.query import list_runs

    with session_scope(engine_of(ctx)) as s:
        runs = list_runs(s, limit)
    if as_json:
        _print_json(runs)
        return
    t = Table("run", "started", "status", "methods", "targets", "seen", "new", "changed",
              "missing", "failed", title=f"{len(runs)} runs", title_justify="left")
    for r in runs:
        targets = " ".join(r["targets"])
        t.add_row(str(r["id"]), (r["started"] or "")[:19], r["status"], ",".join(r["methods"]),
                  targets if len(targets) < 40 else targets[:37] + "...", str(r["seen"]),
                  str(r["new"]), str(r["changed"]), str(r["missing"]), str(r["failed"]))
    _console().print(t)


@runs_cmd.command("show")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def runs_show_cmd(ctx: click.Context, run_id: str, as_json: bool) -> None:
    """What one run found: new, changed and missing CIs, and failed hosts."""
    from rich.table import Table

    from netcmdb.cmdb.db import session_scope
    from netcmdb.cmdb.query import run_detail

    with session_scope(engine_of(ctx)) as s:
        d = run_detail(s, run_id)
    if as_json:
        _print_json(d)
        return
    con = _console()
    con.print(f"run {d['id']}  {d['status']}  {','.join(d['methods'])}  "
              f"{' '.join(d['targets'])}  started {d['started']}  finished {d['finished']}")
    for kind in ("new", "changed", "missing"):
        items = d[f"{kind}_cis"]
        if items:
            t = Table("id", "name", "ip", title=f"{kind} ({len(items)})", title_justify="left")
            for c in items:
                t.add_row(str(c["id"]), c["name"], c["ip"] or "")
            con.print(t)
    if d["changes"]:
        t = Table("ci", "attribute", "old", "new", "source", title="changes",
                  title_justify="left")
        for c in d["changes"]:
            t.add_row(c["ci"], c["attribute"], c["old"] or "", c["new"] or "", c["source"])
        con.print(t)
    if d["errors"]:
        t = Table("target", "kind", "error", title=f"failed ({len(d['errors'])})",
                  title_justify="left")
        for e in d["errors"]:
            t.add_row(e.get("target", ""), e.get("kind", ""), e.get("error", ""))
        con.print(t)


@runs_cmd.command("diff")
@click.argument("run_a")
@click.argument("run_b")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def runs_diff_cmd(ctx: click.Context, run_a: str, run_b: str, as_json: bool) -> None:
    """Compare two runs: CIs seen by only one of them, and changes in between."""
    from netcmdb.cmdb.db import session_scope
    from netcmdb.cmdb.query import run_diff

    with session_scope(engine_of(ctx)) as s:
        d = run_diff(s, run_a, run_b)
    if as_json:
        _print_json(d)
        return
    con = _console()
    con.print(f"runs {d['from']} -> {d['to']}: {d['in_both']} CIs in both")
    for name in d["only_in_from"]:
        con.print(f"- {name}  (seen in run {d['from']} only)")
    for name in d["only_in_to"]:
        con.print(f"+ {name}  (seen in run {d['to']} only)")
    for c in d["changes"]:
        con.print(f"~ {c['ci']}: {c['attribute']}: {c['old'] or '-'} -> {c['new'] or '-'}"
                  f"  (run {c['run']})")


@config_cmd.command("path")
def config_path_cmd() -> None:
    """Print where the config file is (it may not exist yet)."""
    from netcmdb.config import config_path

    click.echo(str(config_path()))


@config_cmd.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--example", is_flag=True, help="Print a commented example config instead.")
@click.pass_context
def config_show_cmd(ctx: click.Context, as_json: bool, example: bool) -> None:
    """Print the effective config (secrets masked)."""
    from netcmdb.config import EXAMPLE, config_path, redacted

    if example:
        click.echo(EXAMPLE, nl=False)
        return
    data = redacted(config_of(ctx))
    if as_json:
        _print_json(data)
        return
    p = config_path()
    if not data:
        click.echo(f"# {p} does not exist or is empty: all defaults "
                   "(netcmdb config show --example)")
        return
    click.echo(f"# {p}")
    for sect, table in data.items():
        _echo_toml_table(sect, table)


def _echo_toml_table(prefix: str, table: dict) -> None:  # type: ignore[type-arg]
    import json

    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    subs = {k: v for k, v in table.items() if isinstance(v, dict)}
    if scalars or not subs:
        click.echo(f"[{prefix}]")
        for k, v in scalars.items():
            click.echo(f"{k} = {json.dumps(v, ensure_ascii=False)}")
    for k, v in subs.items():
        _echo_toml_table(f"{prefix}.{k}", v)


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

    from netcmdb.config import database_url

    url = ctx.find_root().obj.get("db_url") or database_url(config_of(ctx))
    return cached_engine(url, roots, lambda: ImpactEngine(_load_topology(ctx, roots)))


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
    failed = ", ".join(rep["failed"])
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
            loc = row.get("location") or {}
            where = f"D{loc['building']}{loc['floor']} {loc['room']}" if loc else ""
            tab.add_row(str(row["name"]), str(row.get("label") or ""), str(row["class"]), where,
                        str(row.get("reason") or ""))
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
