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

        cfg = config_of(ctx)  # validated even when --db is given
        url = root.obj.get("db_url") or database_url(cfg)
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
        rv = cli.main(standalone_mode=False)
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
    # standalone_mode=False returns ctx.exit(N)'s code instead of exiting: keep it.
    if isinstance(rv, int) and rv:
        sys.exit(rv)


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

    from contextlib import nullcontext

    cfg = _reconcile_config(ctx)
    func = importer.import_json_file if kind == "json" else importer.import_csv_file
    err = _console(err=True)
    # one transaction, no meaningful steps to count: a spinner on a terminal, silence otherwise
    busy = (err.status(f"importing {path} ...") if err.is_terminal and not as_json
            else nullcontext())
    with busy, session_scope(engine_of(ctx)) as s:
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


# `import nmap` is defined by the discovery sweep block (netcmdb.discovery.nmapxml + ingest).


@export_cmd.command("json")
@click.option("-o", "--output", metavar="FILE", help="Write here instead of stdout.")
@click.pass_context
def export_json_cmd(ctx: click.Context, output: str | None) -> None:
    """Export the whole CMDB as netcmdb/1 JSON (re-importable)."""
    from netcmdb.cmdb.db import session_scope
    from netcmdb.exporters.netcmdb_json import document_json, export_document

    with session_scope(engine_of(ctx)) as s:
        doc = export_document(s)
    _write_out(document_json(doc), output)


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


# ---- exporters commands ----
_EXPORT_FORMATS = {
    # name: (help, writes a directory)
    "xlsx": ("Asset register workbook: one sheet per building (Excel / WPS / LibreOffice).", False),
    "yaml": ("The netcmdb/1 document as YAML.", False),
    "graphml": ("Graph for yEd / Gephi / networkx (GraphML).", False),
    "gexf": ("Graph for Gephi (GEXF 1.2).", False),
    "dot": ("Graphviz DOT source of the graph.", False),
    "svg": ("Graph drawn by Graphviz as SVG (up to 3,000 CIs: select a part).", False),
    "drawio": ("diagrams.net / draw.io diagram.", False),
    "netbox": ("NetBox bulk-import CSV files (a directory, with a README.txt).", True),
    "report": ("Self-contained HTML asset report with charts.", False),
}


def _export_selected_document(ctx: click.Context, buildings: tuple[str, ...],
                              classes: tuple[str, ...]) -> tuple[dict, object]:
    """Read the CMDB once (one transaction) as a netcmdb/1 document, plus the last run."""
    from netcmdb.cmdb.db import session_scope
    from netcmdb.exporters.document import select
    from netcmdb.exporters.netcmdb_json import export_document
    from netcmdb.exporters.report import last_run

    with session_scope(engine_of(ctx)) as session:
        doc = export_document(session)
        run = last_run(session)
    part = select(doc, buildings=buildings or None, classes=classes or None)
    if run is not None and (buildings or classes):  # the report shows the selection only
        names = {ci["name"] for ci in part["cis"]}
        run.new = [n for n in run.new if n in names]
        run.missing = [n for n in run.missing if n in names]
    return part, run


def _write_export(fmt: str, doc: dict, run: object, out: str, selection: str) -> str:
    import importlib

    from netcmdb.exporters.output import atomic_dir, atomic_file

    if fmt == "netbox":
        from netcmdb.exporters import netbox

        with atomic_dir(out) as tmp:
            result = netbox.write_netbox(doc, tmp)
        n_dev = len(result.rows["07_devices.csv"])
        return f"{n_dev} devices, {len(result.skipped)} items not exportable (see README.txt)"
    # (module, function): imported on demand, so `export yaml` does not load openpyxl.
    writers = {"xlsx": ("xlsx", "write_xlsx"), "yaml": ("yaml_fmt", "write_yaml"),
               "graphml": ("graph", "write_graphml"), "gexf": ("graph", "write_gexf"),
               "dot": ("graph", "write_dot"), "svg": ("graph", "write_svg"),
               "drawio": ("graph", "write_drawio"), "report": ("report", "write_report")}
    module, func = writers[fmt]
    writer = getattr(importlib.import_module(f"netcmdb.exporters.{module}"), func)
    with atomic_file(out) as tmp:
        if fmt == "report":
            writer(doc, tmp, run=run, selection=selection)
        else:
            writer(doc, tmp)
    return f"{len(doc['cis'])} CIs"


def _make_export_command(fmt: str, help_text: str, is_dir: bool) -> None:
    @export_cmd.command(fmt, help=help_text)
    @click.option("--building", "buildings", multiple=True, metavar="B",
                  help="Only CIs in this building (repeatable).")
    @click.option("--class", "classes", multiple=True, metavar="CLASS",
                  help="Only CIs of this class (repeatable).")
    @click.option("--out", "-o", "--output", "out", required=True,
                  type=click.Path(dir_okay=is_dir, file_okay=not is_dir, writable=True),
                  help="Output directory." if is_dir else "Output file.")
    @click.pass_context
    def _cmd(ctx: click.Context, buildings: tuple[str, ...], classes: tuple[str, ...],
             out: str) -> None:
        doc, run = _export_selected_document(ctx, buildings, classes)
        selection = " ".join([f"building={b}" for b in buildings] +
                             [f"class={c}" for c in classes])
        summary = _write_export(fmt, doc, run, out, selection)
        click.echo(f"wrote {out} ({summary})", err=True)


for _fmt, (_help, _is_dir) in _EXPORT_FORMATS.items():
    _make_export_command(_fmt, _help, _is_dir)


# ---- discovery sweep commands ----
# `scan` builds one list of ScanResults from every enabled method, then ingests it once. Other
# areas add their methods (--snmp/--crawl, --ssh) as more `_xxx_scan(...)` calls in `scan_cmd`.

def _sweep_progress(enabled: bool):  # type: ignore[no-untyped-def]
    """A rich progress bar on stderr (only on a terminal) and a callback factory for it."""
    import contextlib

    if not enabled:
        return contextlib.nullcontext(), (lambda label: None)
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description:<12}"), BarColumn(),
                   TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=True)

    def factory(label: str):  # type: ignore[no-untyped-def]
        task = bar.add_task(label, total=None)

        def cb(done: int, total: int, _msg: str) -> None:
            bar.update(task, completed=done, total=total)

        return cb

    return bar, factory


def _sweep_scan(addresses: list[str], methods: list[str], options, progress=None):  # type: ignore[no-untyped-def]
    """Run the enabled sweep methods (arp/icmp/tcp) over ``addresses``.

    Returns ``(results, notes)``: the results worth ingesting -- every live host, plus real
    per-host failures (a silent address in a sweep is not a failure, it is how a CI goes
    missing) -- and the scanners' notes (e.g. "not root, using ping").
    """
    from dataclasses import replace

    from netcmdb.discovery.base import get_scanner

    # ARP first: on a directly connected segment an address that ignores ARP cannot answer
    # anything else, so later methods skip it (faster, and politer to the network).
    sweep_methods = [m for m in ("arp", "icmp", "tcp") if m in methods]
    results, notes = [], []
    ruled_out: set[str] = set()
    for m in sweep_methods:
        scanner = get_scanner(m)
        extra = dict(options.extra)
        if "arp" in sweep_methods:
            extra["arp_prefilter"] = False  # the ARP sweep above already did that job
        opts = replace(options, progress=progress(m) if progress else None, extra=extra)
        todo = [a for a in addresses if a not in ruled_out]
        for r in scanner.scan(todo, opts) if todo else ():
            if r.alive:
                results.append(r)
            elif r.error_kind in ("timeout", "excluded"):
                if m == "arp" and r.error_kind == "timeout":
                    ruled_out.add(r.target)
            elif r.error_kind == "unreachable" and len(sweep_methods) > 1:
                continue  # e.g. ARP cannot reach a routed subnet; the other methods did
            else:
                results.append(r)
        notes.extend(getattr(scanner, "notes", []))
    return results, notes


def _sweep_hosts(results) -> list[dict]:  # type: ignore[no-untyped-def]
    """One row per live address, merging what each method saw (for display only)."""
    hosts: dict[str, dict] = {}
    for r in results:
        d = r.device
        if d is None:
            continue
        h = hosts.setdefault(d.ip or r.target, {
            "ip": d.ip or r.target, "mac": None, "mac_vendor": None, "dns_name": None,
            "netbios_name": None, "open_ports": [], "methods": [], "rtt_ms": None})
        h["methods"].append(str(d.source))
        for k in ("mac", "mac_vendor", "dns_name", "netbios_name"):
            h[k] = h[k] or getattr(d, k)
        h["open_ports"] = sorted(set(h["open_ports"]) | set(d.open_ports))
        if d.rtt_ms is not None and (h["rtt_ms"] is None or d.rtt_ms < h["rtt_ms"]):
            h["rtt_ms"] = d.rtt_ms
    import ipaddress

    return sorted(hosts.values(), key=lambda h: ipaddress.ip_address(h["ip"]))


def _print_summary(summary, as_json: bool, what: str) -> None:  # type: ignore[no-untyped-def]
    import json
    from dataclasses import asdict

    if as_json:
        click.echo(json.dumps(asdict(summary), indent=2, default=str))
        return
    from rich.console import Console

    con = Console()
    con.print(f"{what}: run {summary.run_id}: {len(summary.new)} new, {len(summary.changed)} "
              f"changed, {len(summary.missing)} missing, {len(summary.failed)} failed")
    for label, names in (("new", summary.new), ("changed", summary.changed),
                         ("missing", summary.missing)):
        for n in names:
            con.print(f"  {label:<8} {n}", markup=False, highlight=False)
    for f in summary.failed[:20]:
        con.print(f"  failed   {f.get('target')}: {f.get('error')}", markup=False,
                  highlight=False)


@cli.command("scan")
@click.argument("targets", nargs=-1)
@click.option("--arp", is_flag=True, help="ARP sweep of the local segment (root).")
@click.option("--icmp", is_flag=True, help="ICMP echo sweep (unprivileged fallback if not root).")
@click.option("--tcp", "tcp_ports", metavar="PORTS", default=None,
              help="TCP connect probes of PORTS, e.g. 22,80,443,8000-8010.")
@click.option("--rate", type=click.IntRange(1, 1_000_000), default=None,
              help="Packets per second (default 1000).")
@click.option("--timeout", type=click.FloatRange(0.01, 60), default=None,
              help="Longest wait for a reply, seconds (default 1.0; adaptive below it).")
@click.option("--retries", type=click.IntRange(0, 10), default=None,
              help="Extra tries for silent targets (default 1).")
@click.option("--exclude", multiple=True, metavar="X",
              help="CIDR/range/address/@file never probed (repeatable; adds to the config's).")
@click.option("--max-hosts", type=click.IntRange(1), default=None,
              help="Refuse larger scans (default 65536).")
@click.option("--allow-public", is_flag=True, help="Permit internet-routed addresses.")
@click.option("--no-dns", is_flag=True, help="Skip reverse DNS lookups.")
@click.option("--netbios", is_flag=True, help="Ask live hosts for their NetBIOS name (UDP 137).")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout, no progress bar.")
@click.option("--dry-run", is_flag=True, help="Print the facts; do not write the CMDB.")
@click.option("--profile", default=None, metavar="NAME",
              help="Saved profile [scan.profiles.NAME] from the config file.")
@click.pass_context
def scan_cmd(ctx: click.Context, targets: tuple[str, ...], arp: bool, icmp: bool,
             tcp_ports: str | None, rate: int | None, timeout: float | None,
             retries: int | None, exclude: tuple[str, ...], max_hosts: int | None,
             allow_public: bool, no_dns: bool, netbios: bool, as_json: bool, dry_run: bool,
             profile: str | None) -> None:
    """Sweep TARGET... (CIDRs, ranges like 10.0.0.1-50, addresses, @file) and update the CMDB.

    Prints what is new, changed and missing since the last run.
    """
    import json
    import os
    from dataclasses import asdict

    from netcmdb.discovery.base import ScanOptions
    from netcmdb.discovery.profiles import (
        ScanProfile,
        default_scopes,
        global_excludes,
        profile_from_config,
    )
    from netcmdb.discovery.sweep import parse_ports
    from netcmdb.discovery.targets import DEFAULT_MAX_HOSTS, resolve_scope
    from netcmdb.errors import ConfigError, ScopeError

    from netcmdb.config import config_path

    # Validating a config file imports the reconciler (SQLAlchemy, ~0.5 s); without a file
    # there is nothing to validate, which keeps a --dry-run sweep fast.
    cfg = config_of(ctx) if config_path().exists() else {}
    if profile:
        prof, excludes = profile_from_config(cfg, profile)
    else:
        prof, excludes = ScanProfile("cli"), global_excludes(cfg)
    specs = list(targets) or prof.targets or default_scopes(cfg)
    if not specs:
        raise ScopeError("no targets: give TARGET..., a --profile with targets, or [scan] "
                         "scopes in the config file")
    methods = [m for m, on in (("arp", arp), ("icmp", icmp), ("tcp", tcp_ports)) if on]
    methods = methods or list(prof.methods) or (["arp", "icmp"] if os.geteuid() == 0
                                                 else ["icmp"])
    ports = tcp_ports or prof.tcp_ports
    if "tcp" in methods:
        try:
            ports = ",".join(map(str, parse_ports(ports or "22,23,80,443,445,3389,8080,9100")))
        except ValueError as exc:
            raise ConfigError(f"--tcp: {exc}") from None
    excludes = [*excludes, *prof.exclude, *exclude]
    scope = resolve_scope(specs, excludes,
                          max_hosts=max_hosts or prof.max_hosts or DEFAULT_MAX_HOSTS,
                          allow_public=allow_public or prof.allow_public)
    options = ScanOptions(
        timeout_s=timeout or prof.timeout or 1.0,
        retries=retries if retries is not None else (prof.retries if prof.retries is not None
                                                     else 1),
        rate_pps=rate or prof.rate or 1000, excludes=excludes,
        extra={"ports": ports, "resolve": not no_dns and prof.resolve is not False,
               "netbios": netbios or bool(prof.netbios)})

    bar, factory = _sweep_progress(sys.stderr.isatty() and not as_json)
    with bar:
        results: list = []
        sweep_results, notes = _sweep_scan(scope.addresses, methods, options, factory)
        results += sweep_results
        # (other areas: results += _snmp_scan(...); results += _ssh_scan(...))
    for n in notes:
        click.echo(f"note: {n}", err=True)

    if dry_run:
        hosts = _sweep_hosts(results)
        errors = [{"target": r.target, "kind": r.error_kind, "error": r.error}
                  for r in results if r.error]
        if as_json:
            click.echo(json.dumps({"targets": specs, "excludes": excludes, "methods": methods,
                                   "probed": len(scope.addresses), "hosts": hosts,
                                   "facts": [asdict(r.device) for r in results if r.device],
                                   "errors": errors}, indent=2, default=str))
            return
        from rich.console import Console
        from rich.table import Table

        console = Console(width=None if sys.stdout.isatty() else 160)

        table = Table(title=f"{len(hosts)} live of {len(scope.addresses)} probed "
                            f"({', '.join(methods)}; dry run, CMDB unchanged)")
        for col in ("IP", "MAC", "Vendor", "Name", "Open TCP", "Seen by"):
            table.add_column(col)
        for h in hosts:
            table.add_row(h["ip"], h["mac"] or "", h["mac_vendor"] or "",
                          h["dns_name"] or h["netbios_name"] or "",
                          ",".join(map(str, h["open_ports"])), ",".join(h["methods"]))
        console.print(table)
        for e in errors[:20]:
            click.echo(f"failed {e['target']}: {e['error']}", err=True)
        return

    from netcmdb.cmdb.db import session_scope
    from netcmdb.cmdb.reconcile import ingest

    engine = engine_of(ctx)
    with session_scope(engine) as session:
        summary = ingest(session, results, source="sweep", targets=specs, methods=methods,
                         covered=scope.covered, config=_reconcile_config(ctx),
                         location_parser=location_parser_of(ctx))
    _print_summary(summary, as_json, "scan")


@import_cmd.command("nmap")
@click.argument("xml_file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--json", "as_json", is_flag=True, help="JSON summary on stdout.")
@click.pass_context
def import_nmap_cmd(ctx: click.Context, xml_file: str, as_json: bool) -> None:
    """Import hosts, MACs, names, open ports and OS guesses from nmap -oX output."""
    from netcmdb.cmdb.db import session_scope
    from netcmdb.cmdb.reconcile import ingest
    from netcmdb.discovery.nmapxml import parse

    results = parse(xml_file)  # all parsing before the CMDB is touched: bad file, no change
    live = [r for r in results if r.alive]
    engine = engine_of(ctx)
    with session_scope(engine) as session:
        summary = ingest(session, live, source="nmap", targets=[xml_file], methods=["nmap"],
                         covered=[], config=_reconcile_config(ctx),
                         location_parser=location_parser_of(ctx))
    _print_summary(summary, as_json, f"import nmap ({len(live)} up of {len(results)} hosts)")


# ---- ssh commands ----
# `scan --ssh`: SSH CLI collection (discovery.ssh). The lead merges this `scan` with the sweep and
# snmp front-ends; the SSH part is `_ssh_scan(ctx, targets, **opts)` plus `_SSH_OPTIONS`.

_SSH_MAX_EXPANDED = 4096


def _ssh_expand(targets: tuple[str, ...]) -> list[str]:
    """IPs, hostnames, host:port and CIDRs -> target strings (CIDRs become their hosts)."""
    import ipaddress

    from netcmdb.errors import ScopeError

    out: list[str] = []
    for t in targets:
        if "/" in t:
            try:
                net = ipaddress.ip_network(t, strict=False)
            except ValueError:
                raise ScopeError(f"bad target {t!r}: not an address or CIDR") from None
            if net.num_addresses > _SSH_MAX_EXPANDED:
                raise ScopeError(f"{t} has {net.num_addresses} addresses; SSH scans are limited "
                                 f"to {_SSH_MAX_EXPANDED} (split the range)")
            out.extend(str(h) for h in (net.hosts() if net.num_addresses > 2 else net))
        else:
            out.append(t)
    return list(dict.fromkeys(out))


def _ssh_default_scope(targets: list[str], configured: list[str]) -> list[str]:
    """Where a crawl may go: ``[scan] scopes`` from the config, else each target's /24 (/64)."""
    import ipaddress

    if configured:
        return configured
    scope = []
    for t in targets:
        host = t.rsplit(":", 1)[0] if t.count(":") == 1 else t.strip("[]")
        try:
            addr = ipaddress.ip_address(host)
        except ValueError:
            continue
        scope.append(str(ipaddress.ip_network(f"{addr}/{24 if addr.version == 4 else 64}",
                                              strict=False)))
    return list(dict.fromkeys(scope))


def _ssh_scan(ctx: click.Context, targets: list[str], **opts) -> list:  # type: ignore[no-untyped-def,type-arg]
    """Run the SSH collector (or crawl) for ``targets``; returns the ScanResults.

    ``opts``: platform, crawl, accept_new_host_keys, known_hosts, ssh_port, credentials,
    scope, exclude, max_depth, timeout, device_timeout, concurrency, progress.
    """
    from pathlib import Path

    from netcmdb.discovery.credentials import load_credentials
    from netcmdb.discovery.ssh import SshSettings, collect_many, crawl_ssh, default_known_hosts

    cfg = config_of(ctx)
    ssh_cfg = cfg.get("ssh", {}) if isinstance(cfg.get("ssh"), dict) else {}
    creds = load_credentials(config=cfg, credential_set=opts.get("credentials"))
    known_hosts = opts.get("known_hosts") or ssh_cfg.get("known_hosts")
    settings = SshSettings(
        credentials=creds,
        platform=opts.get("platform") or ssh_cfg.get("platform"),
        port=int(opts.get("ssh_port") or ssh_cfg.get("port") or 22),
        known_hosts=Path(known_hosts).expanduser() if known_hosts else default_known_hosts(),
        accept_new_host_keys=bool(opts.get("accept_new_host_keys")),
        command_timeout_s=float(opts.get("timeout") or ssh_cfg.get("command_timeout") or 30),
        device_timeout_s=float(opts.get("device_timeout") or ssh_cfg.get("device_timeout") or 180),
        concurrency=int(opts.get("concurrency") or ssh_cfg.get("concurrency") or 32),
    )
    scan_cfg = cfg.get("scan", {}) if isinstance(cfg.get("scan"), dict) else {}
    excludes = list(opts.get("exclude") or ()) + list(scan_cfg.get("excludes", []))
    progress = opts.get("progress")
    if opts.get("crawl"):
        scope = list(opts.get("scope") or ()) or _ssh_default_scope(targets,
                                                                    scan_cfg.get("scopes", []))
        out = crawl_ssh(targets, settings, scope=scope, excludes=excludes,
                        max_depth=int(opts.get("max_depth", 3)), progress=progress)
        return out.results
    from netcmdb.discovery.ssh import is_excluded

    todo = [t for t in targets if not is_excluded(t, excludes)]
    return list(collect_many(todo, settings, progress=progress))


def _ssh_result_json(r) -> dict:  # type: ignore[no-untyped-def,type-arg]
    import dataclasses

    return dataclasses.asdict(r)


def _ssh_render(results: list, summary) -> None:  # type: ignore[no-untyped-def,type-arg]
    from rich.table import Table
    from rich.text import Text  # device strings are untrusted: never parsed as rich markup

    table = Table(title="SSH collection")
    for col in ("target", "hostname", "platform", "model", "serial", "nbrs", "fdb", "arp",
                "status"):
        table.add_column(col)
    for r in sorted(results, key=lambda x: x.target):
        d = r.device
        if r.error:
            status = Text(f"{r.error_kind}: {r.error}", style="red")
        elif d is not None and d.warnings:
            status = Text(f"ok, {len(d.warnings)} warning(s)", style="yellow")
        else:
            status = Text("ok", style="green")
        cells = [r.target, d.hostname if d else "", d.platform if d else "",
                 d.model if d else "", d.serial if d else "",
                 str(len(d.neighbors)) if d else "", str(len(d.fdb)) if d else "",
                 str(len(d.arp)) if d else ""]
        table.add_row(*(Text(c or "") for c in cells), status)
    _console().print(table)
    if summary is not None:
        click.echo(_summary_line("ssh", summary))


def _ssh_platform_choices() -> list[str]:
    from netcmdb.discovery.platforms import CLI_COMMANDS

    return sorted(CLI_COMMANDS)


def _ssh_options() -> list[click.Option]:
    """The SSH options of `scan` (shared by the stand-alone command and the attach path)."""
    return [
        click.Option(["--ssh", "use_ssh"], is_flag=True,
                     help="Collect over SSH (netmiko + TextFSM): model, serial, LLDP/CDP, MAC, ARP."),
        click.Option(["--platform"], type=click.Choice(_ssh_platform_choices()), default=None,
                     help="SSH: device platform; default: detect from show/display version."),
        click.Option(["--crawl"], is_flag=True,
                     help="Follow LLDP/CDP neighbours (bounded by --scope)."),
        click.Option(["--scope"], multiple=True, metavar="CIDR",
                     help="Networks a crawl may enter (default: [scan] scopes, else each seed's /24)."),
        click.Option(["--exclude"], multiple=True, metavar="CIDR", help="Never contact these."),
        click.Option(["--max-depth"], type=click.IntRange(0, 32), default=3, show_default=True,
                     help="Crawl depth (0: only the seeds)."),
        click.Option(["--accept-new-host-keys"], is_flag=True,
                     help="SSH: trust and record host keys not yet in known_hosts."),
        click.Option(["--known-hosts"], type=click.Path(dir_okay=False), default=None,
                     help="SSH known_hosts (default: $NETCMDB_SSH_KNOWN_HOSTS or ~/.ssh/known_hosts)."),
        click.Option(["--ssh-port"], type=click.IntRange(1, 65535), default=None,
                     help="SSH port (default 22; a target may say host:port)."),
        click.Option(["--credentials", "credential_set"], default=None, metavar="NAME",
                     help="Credential set [credentials.NAME] from the config file."),
        click.Option(["--timeout"], type=click.FloatRange(0.5, 3600), default=None,
                     help="SSH: seconds to wait for one command's output (default 30)."),
        click.Option(["--device-timeout"], type=click.FloatRange(1, 36000), default=None,
                     help="SSH: seconds one device may take in total (default 180)."),
        click.Option(["--concurrency"], type=click.IntRange(1, 512), default=None,
                     help="Devices collected at once (default 32)."),
        click.Option(["--no-store"], is_flag=True, help="Do not write the results into the CMDB."),
        click.Option(["--json", "as_json"], is_flag=True,
                     help="Print results and run summary as JSON."),
    ]


def _ssh_scan_command(ctx: click.Context, targets: tuple[str, ...], **kw) -> None:  # type: ignore[no-untyped-def]
    """`scan ... --ssh`: collect, store (unless --no-store/--dry-run), render."""
    import logging
    import sys as _sys

    from netcmdb.errors import ConfigError

    if not targets:
        raise ConfigError("scan --ssh needs at least one target (address, host name, CIDR)")
    verbose = ctx.find_root().obj.get("verbose", 0)
    if verbose:
        logging.basicConfig(level=logging.DEBUG if verbose > 1 else logging.INFO,
                            stream=_sys.stderr)
    as_json = bool(kw.get("as_json"))
    expanded = _ssh_expand(targets)
    progress = None
    bar = None
    if _sys.stderr.isatty() and not as_json:
        from rich.progress import Progress

        bar = Progress(console=_console(err=True), transient=True)
        task = bar.add_task("ssh", total=len(expanded))

        def progress(done: int, total: int, target: str) -> None:
            bar.update(task, completed=done, total=max(total, done), description=target)

        bar.start()
    try:
        results = _ssh_scan(ctx, expanded, platform=kw.get("platform"), crawl=kw.get("crawl"),
                            scope=kw.get("scope"), exclude=kw.get("exclude"),
                            max_depth=kw.get("max_depth", 3),
                            accept_new_host_keys=kw.get("accept_new_host_keys"),
                            known_hosts=kw.get("known_hosts"), ssh_port=kw.get("ssh_port"),
                            credentials=kw.get("credential_set"), timeout=kw.get("timeout"),
                            device_timeout=kw.get("device_timeout"),
                            concurrency=kw.get("concurrency"), progress=progress)
    finally:
        if bar is not None:
            bar.stop()
    summary = None
    if not (kw.get("no_store") or kw.get("dry_run")):
        from netcmdb.cmdb.db import session_scope
        from netcmdb.cmdb.reconcile import ingest

        with session_scope(engine_of(ctx)) as s:
            # SSH sees only managed devices: absence from an SSH run proves nothing, so nothing
            # is counted missing (covered=[]).
            summary = ingest(s, results, source="ssh", targets=list(targets), methods=["ssh"],
                             covered=[], config=_reconcile_config(ctx),
                             location_parser=location_parser_of(ctx))
    if as_json:
        _print_json({
            "results": [_ssh_result_json(r) for r in results],
            "run": None if summary is None else {
                "run_id": summary.run_id, "new": summary.new, "changed": summary.changed,
                "missing": summary.missing, "failed": summary.failed},
        })
    else:
        _ssh_render(results, summary)


def _ssh_install() -> None:
    """Give `scan` its SSH options.

    No `scan` yet: a minimal one (SSH only). A `scan` from another area (sweep/SNMP): append the
    SSH options it lacks and route `--ssh` here, everything else to the original callback.
    """
    import functools

    from netcmdb.errors import ConfigError

    existing = cli.commands.get("scan")
    if existing is None:

        @cli.command("scan")
        @click.argument("targets", nargs=-1, required=True)
        @click.pass_context
        def scan_cmd(ctx: click.Context, targets: tuple[str, ...], **kw) -> None:  # type: ignore[no-untyped-def]
            """Discover TARGETS (IPs, host names, host:port, CIDRs) and record them in the CMDB."""
            if not kw.get("use_ssh"):
                raise ConfigError("choose a scan method (this build's `scan` knows --ssh)")
            _ssh_scan_command(ctx, targets, **kw)

        scan_cmd.params.extend(_ssh_options())
        return
    have = {p.name for p in existing.params}
    added = [o for o in _ssh_options() if o.name not in have]
    existing.params.extend(added)
    original = existing.callback
    assert original is not None

    @functools.wraps(original)
    def callback(*args, **kw):  # type: ignore[no-untyped-def]
        if kw.get("use_ssh"):
            return _ssh_scan_command(click.get_current_context(), kw.pop("targets", ()), **kw)
        for o in added:
            kw.pop(o.name, None)
        return original(*args, **kw)

    existing.callback = callback


_ssh_install()


# ---- labeling commands ----
# label parse/check/assign/walk/sheet/print. The rule comes from --rule (a preset name or a TOML
# file), else the [label] table of the config file, else the house rule DZZXXXX-YYY.


#: [label] keys that are print defaults, not part of the rule.
_LABEL_PRINT_KEYS = ("template", "qr", "dpi")


def _label_print_default(ctx: click.Context, key: str, given: object, fallback: object) -> object:
    if given is not None:
        return given
    return (config_of(ctx).get("label") or {}).get(key, fallback)


def _label_rule(ctx: click.Context, spec: str | None):  # type: ignore[no-untyped-def]
    import tomllib
    from pathlib import Path

    from netcmdb.errors import LabelError
    from netcmdb.labeling.rule import PRESETS, get_rule

    if spec is None:
        table = {k: v for k, v in (config_of(ctx).get("label") or {}).items()
                 if k not in _LABEL_PRINT_KEYS}
        return get_rule(table) if table else get_rule(None)
    if spec in PRESETS:
        return get_rule(spec)
    p = Path(spec)
    try:
        data = tomllib.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise LabelError(f"--rule {spec}: neither a preset ({', '.join(PRESETS)}) nor a "
                         "file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LabelError(f"--rule {spec}: {exc}") from None
    return get_rule(data.get("label", data))


_rule_option = click.option("--rule", "rule_spec", metavar="PRESET|FILE", default=None,
                            help="Label rule: 'default', 'wide' or a TOML file ([label] table); "
                                 "default: the config file's [label] table.")


def _labels_progress(label: str):  # type: ignore[no-untyped-def]
    """A (done, total) callback drawing a rich bar on stderr when it is a terminal."""
    con = _console(err=True)
    if not con.is_terminal:
        return None, None
    from rich.progress import Progress

    prog = Progress(console=con, transient=True)
    task = prog.add_task(label, total=None)

    def cb(done: int, total: int) -> None:
        prog.update(task, completed=done, total=total)

    return prog, cb


@label_cmd.command("parse")
@click.argument("label")
@_rule_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def label_parse(ctx: click.Context, label: str, rule_spec: str | None, as_json: bool) -> None:
    """Split LABEL into its fields, or say what is wrong with it."""
    rule = _label_rule(ctx, rule_spec)
    lab = rule.parse(label)
    data = {"label": rule.format(lab), **lab.as_dict(),
            "room_code": rule.format_room(*lab.room_key)}
    if as_json:
        _print_json(data)
        return
    for k, v in data.items():
        if v is not None:
            click.echo(f"{k:10} {v}")


@label_cmd.command("check")
@_rule_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def label_check(ctx: click.Context, rule_spec: str | None, as_json: bool) -> None:
    """Check every label: malformed, duplicate seats, disagreeing with the location.

    Exit status 1 when there is a problem (0 when all labels are fine).
    """
    from rich.table import Table

    from netcmdb.cmdb.db import session_scope
    from netcmdb.labeling.check import check_labels

    rule = _label_rule(ctx, rule_spec)
    with session_scope(engine_of(ctx)) as s:
        report = check_labels(s, rule)
    if as_json:
        _print_json(report.as_dict())
    else:
        con = _console()
        if report.problems:
            table = Table("kind", "ci", "name", "label", "problem")
            for p in report.problems:
                table.add_row(p.kind, str(p.ci_id), p.name, p.label, p.message)
            con.print(table)
        counts: dict[str, int] = report.as_dict()["counts"]  # type: ignore[assignment]
        summary = ", ".join(f"{n} {k}" for k, n in counts.items()) or "no problems"
        con.print(f"{report.checked} labels checked, {summary}")
    if report.problems:
        sys.exit(1)  # SystemExit: main() runs click with standalone_mode=False


@label_cmd.command("assign")
@click.option("--building", metavar="B", help="Only rooms of this building (e.g. 01).")
@click.option("--room", metavar="ROOM", help="Only this room code (e.g. D010210).")
@click.option("--dry-run", is_flag=True, help="Show what would be assigned; write nothing.")
@click.option("--renumber", is_flag=True,
              help="Also renumber labelled CIs (seats 1..n per room; recorded in CI history).")
@_rule_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def label_assign(ctx: click.Context, building: str | None, room: str | None, dry_run: bool,
                 renumber: bool, rule_spec: str | None, as_json: bool) -> None:
    """Give unlabelled CIs the next free seat of their room."""
    from rich.table import Table

    from netcmdb.labeling.assign import assign_labels

    rule = _label_rule(ctx, rule_spec)
    prog, cb = _labels_progress("assigning")
    if prog:
        prog.start()
    try:
        res = assign_labels(engine_of(ctx), rule, building=building, room=room, dry_run=dry_run,
                            renumber=renumber, progress=cb)
    finally:
        if prog:
            prog.stop()
    if as_json:
        _print_json({"dry_run": dry_run, **res.as_dict()})
        return
    con = _console()
    if res.assigned:
        table = Table("ci", "name", "old", "new")
        for a in res.assigned:
            table.add_row(str(a.ci_id), a.name, a.old or "", a.new or "")
        con.print(table)
    for ci_id, name, why in res.skipped:
        con.print(f"skipped {name} (ci {ci_id}): {why}")
    verb = "would assign" if dry_run else "assigned"
    con.print(f"{verb} {len(res.assigned)} label(s), skipped {len(res.skipped)}")


@label_cmd.command("walk")
@click.argument("room")
@click.option("--in", "in_file", required=True, type=click.Path(dir_okay=False),
              help="CSV: order, MAC or serial or hostname (header optional).")
@click.option("--dry-run", is_flag=True, help="Show the result; write nothing.")
@_rule_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def label_walk(ctx: click.Context, room: str, in_file: str, dry_run: bool,
               rule_spec: str | None, as_json: bool) -> None:
    """Assign seats in the U order a technician walked ROOM.

    The CSV has rows (order, MAC or serial or hostname); the seat is the order number.
    """
    from rich.table import Table

    from netcmdb.labeling.assign import read_walk_csv, walk

    rule = _label_rule(ctx, rule_spec)
    rows = read_walk_csv(in_file)
    res = walk(engine_of(ctx), rule, room, rows, dry_run=dry_run)
    if as_json:
        _print_json({"dry_run": dry_run, **res.as_dict()})
        return
    con = _console()
    table = Table("seat", "ci", "name", "old", "new")
    for a in res.assigned:
        table.add_row(str(a.seat), str(a.ci_id), a.name, a.old or "", a.new or "")
    con.print(table)
    for a in res.cleared:
        con.print(f"cleared {a.old} from {a.name} (ci {a.ci_id}): its seat was walked by another")
    con.print(f"{'would set' if dry_run else 'set'} {len(res.assigned)} seat(s)")


@label_cmd.command("sheet")
@click.argument("room")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="PDF file to write.")
@click.option("--blank-rows", default=10, show_default=True, type=click.IntRange(0, 200))
@_rule_option
@click.pass_context
def label_sheet(ctx: click.Context, room: str, out: str, blank_rows: int,
                rule_spec: str | None) -> None:
    """Print a walk-sheet PDF for ROOM listing its known CIs to tick off."""
    from netcmdb.cmdb.db import session_scope
    from netcmdb.labeling.assign import room_cis
    from netcmdb.labeling.print_pdf import render_walk_sheet

    rule = _label_rule(ctx, rule_spec)
    key = rule.parse_room(room)
    code = rule.format_room(*key)
    with session_scope(engine_of(ctx)) as s:
        loc, cis = room_cis(s, rule, room)
        rows = [{"seat": c.seat, "label": c.label, "name": c.name,
                 "class": c.ci_class.value if c.ci_class else "", "mac": c.mac,
                 "serial": c.serial, "ip": c.ip} for c in cis]
        name = loc.name if loc is not None else None
    res = render_walk_sheet(code, name, rows, out, blank_rows=blank_rows)
    click.echo(f"wrote {out}: {res['rows']} CIs, {res['pages']} page(s)", err=True)


@label_cmd.command("print")
@click.option("--building", metavar="B", help="Only labels of this building.")
@click.option("--room", metavar="ROOM", help="Only labels of this room code (e.g. D010210).")
@click.option("--class", "ci_class", metavar="CLASS",
              help="Only CIs of this class (pc, switch...).")
@click.option("--name", metavar="GLOB", help="Only CIs whose name matches (e.g. 'lab-*').")
@click.option("--format", "fmt", type=click.Choice(["pdf", "zpl", "csv"]), default="pdf",
              show_default=True)
@click.option("--template", "template_name", default=None,
              help="Label stock: L7160 (default), L7651, roll62, or one from --templates; "
                   "default from [label] template.")
@click.option("--templates", "templates_file", type=click.Path(dir_okay=False), default=None,
              help="Extra templates TOML (same format as the built-in one).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False))
@click.option("--start-at", default=1, show_default=True, type=int,
              help="PDF: first free position on a partly used sheet (1 = top left).")
@click.option("--dpi", default=None, type=click.Choice(["203", "300"]),
              help="ZPL: printer resolution (default 203, or [label] dpi).")
@click.option("--qr", "qr_template", default=None, metavar="TEMPLATE",
              help="QR content, e.g. 'https://cmdb.example.edu/ci/{id}' (fields: id, label, "
                   "name, serial, mac, ip).")
@_rule_option
@click.pass_context
def label_print(ctx: click.Context, building: str | None, room: str | None,
                ci_class: str | None, name: str | None, fmt: str, template_name: str | None,
                templates_file: str | None, out: str, start_at: int, dpi: str | None,
                qr_template: str | None, rule_spec: str | None) -> None:
    """Print labels as PDF sheets, Zebra ZPL or CSV."""
    from netcmdb.cmdb.db import session_scope
    from netcmdb.labeling.items import DEFAULT_QR, check_qr_template, select_items
    from netcmdb.labeling.templates import get_template

    rule = _label_rule(ctx, rule_spec)
    tpl = get_template(str(_label_print_default(ctx, "template", template_name, "L7160")),
                       templates_file)
    qr = str(_label_print_default(ctx, "qr", qr_template, DEFAULT_QR))
    dpi = str(_label_print_default(ctx, "dpi", dpi, 203))
    if dpi not in ("203", "300"):
        from netcmdb.errors import LabelError

        raise LabelError(f"[label] dpi = {dpi}: use 203 or 300")
    check_qr_template(qr)
    if fmt == "pdf" and not 1 <= start_at <= tpl.per_page:
        from netcmdb.errors import LabelError

        raise LabelError(f"--start-at {start_at}: template {tpl.name} has {tpl.per_page} "
                         f"position(s) per sheet (1..{tpl.per_page})")
    with session_scope(engine_of(ctx)) as s:
        items = select_items(s, rule, building=building, room=room, ci_class=ci_class, name=name,
                             qr_template=qr)
    if fmt == "pdf":
        from netcmdb.labeling.print_pdf import render_labels

        prog, cb = _labels_progress("rendering")
        if prog:
            prog.start()
        try:
            res = render_labels(items, tpl, out, start_at=start_at, progress=cb)
        finally:
            if prog:
                prog.stop()
        click.echo(f"wrote {out}: {res['labels']} labels on {res['pages']} page(s)", err=True)
    elif fmt == "zpl":
        from netcmdb.labeling.print_zpl import render_zpl

        res = render_zpl(items, tpl, out, dpi=int(dpi))
        click.echo(f"wrote {out}: {res['labels']} labels (ZPL, {dpi} dpi)", err=True)
    else:
        from netcmdb.labeling.print_csv import render_csv

        res = render_csv(items, out)
        click.echo(f"wrote {out}: {res['labels']} labels (CSV)", err=True)


def location_parser_of(ctx: click.Context):  # type: ignore[no-untyped-def]
    """The configured rule's sysLocation parser, for ``ingest(..., location_parser=...)`` in the
    scan/import commands: returns RoomRef(building, floor, room) or None."""
    return _label_rule(ctx, None).parse_location


# ---- snmp commands ----
# scan --snmp [--crawl] (minimal front-end; the lead merges sweep/snmp/ssh into one `scan`),
# where MAC|IP|NAME. Library calls only: discovery.snmp / discovery.crawl, cmdb.reconcile/where.


def _snmp_scan(ctx: click.Context, targets: list[str], **opts):  # type: ignore[no-untyped-def]
    """Collect (and with ``crawl=True`` crawl from) ``targets`` over SNMP -> list[ScanResult].

    Options: communities, snmp_port, v3_user, v3_auth_proto, v3_auth_key, v3_priv_proto,
    v3_priv_key, crawl, max_depth, scope, excludes, timeout, retries, concurrency,
    crawl_leaves, progress. Credentials: command line, then NETCMDB_SNMP_COMMUNITY, then the
    config file's [credentials.*] tables; ``public`` only when nothing is given at all.
    """
    from netcmdb.discovery import snmp
    from netcmdb.discovery.crawl import default_follow

    conf = config_of(ctx)
    creds: list[snmp.SnmpCredential] = []
    if opts.get("v3_user"):
        creds.append(snmp.SnmpCredential(
            "3", user=opts["v3_user"], auth_proto=opts.get("v3_auth_proto"),
            auth_key=opts.get("v3_auth_key"), priv_proto=opts.get("v3_priv_proto"),
            priv_key=opts.get("v3_priv_key")))
    comms = list(opts.get("communities") or ())
    creds += [snmp.SnmpCredential("2c", community=c) for c in comms]
    if not comms:
        import os

        env = os.environ.get("NETCMDB_SNMP_COMMUNITY")
        creds += [snmp.SnmpCredential("2c", community=c) for c in (env or "").split(",") if c]
    creds += [c for c in snmp.credentials_from_config(conf) if c not in creds]
    if not creds:
        creds = [snmp.SnmpCredential("2c", community="public")]
    scan_conf = conf.get("scan", {})
    cfg = snmp.SnmpConfig(credentials=creds, port=int(opts.get("snmp_port") or 161),
                          timeout_s=float(opts.get("timeout") or 1.0),
                          retries=int(opts.get("retries") if opts.get("retries") is not None
                                      else 1),
                          concurrency=int(opts.get("concurrency") or 64))
    excludes = list(opts.get("excludes") or ()) + list(scan_conf.get("excludes", []))
    if not opts.get("crawl"):
        from netcmdb.discovery.crawl import _in, _parse_scope

        ex = _parse_scope(excludes)
        hosts = [t for t in targets if not _in(t, ex)]
        import asyncio

        return asyncio.run(snmp.collect_many(hosts, cfg, opts.get("progress")))
    follow = (lambda n: True) if opts.get("crawl_leaves") else default_follow
    scope = list(opts.get("scope") or ()) or list(scan_conf.get("scopes", [])) or None
    cr = snmp.crawl_snmp(targets, cfg, scope=scope, excludes=excludes,
                         max_depth=opts.get("max_depth"), follow=follow,
                         progress=opts.get("progress"))
    ctx.meta["snmp_crawl"] = cr
    return cr.results


def _expand_targets(targets: tuple[str, ...]) -> list[str]:
    import ipaddress

    from netcmdb.errors import ScopeError

    out: list[str] = []
    for t in targets:
        try:
            net = ipaddress.ip_network(t, strict=False)
        except ValueError:
            out.append(t)  # a host name
            continue
        if net.num_addresses > 65536:
            raise ScopeError(f"{t}: more than 65536 addresses; split it up")
        out.extend(str(a) for a in (net.hosts() if net.num_addresses > 2 else net))
    return out


def _snmp_options() -> list[click.Parameter]:
    """The SNMP options of `scan` (those another area already gave `scan` are reused)."""

    @click.command()
    @click.option("--snmp", "use_snmp", is_flag=True,
                  help="Collect over SNMP (with --ssh too: SNMP first, SSH fills gaps).")
    @click.option("--crawl", is_flag=True, help="Follow LLDP/CDP neighbours (breadth first).")
    @click.option("--community", "communities", multiple=True, metavar="C",
                  help="SNMPv2c community (repeatable; also NETCMDB_SNMP_COMMUNITY, config).")
    @click.option("--snmp-port", type=click.IntRange(1, 65535), default=161, show_default=True)
    @click.option("--v3-user", metavar="U", help="SNMPv3 user (tried before communities).")
    @click.option("--v3-auth-proto", type=click.Choice(["md5", "sha", "sha224", "sha256",
                                                        "sha384", "sha512"]), default="sha256",
                  show_default=True)
    @click.option("--v3-auth-key", envvar="NETCMDB_SNMP_V3_AUTH_KEY", metavar="KEY",
                  help="Or NETCMDB_SNMP_V3_AUTH_KEY (keeps it out of shell history).")
    @click.option("--v3-priv-proto", type=click.Choice(["des", "3des", "aes", "aes192",
                                                        "aes256", "aes192c", "aes256c"]),
                  default="aes", show_default=True)
    @click.option("--v3-priv-key", envvar="NETCMDB_SNMP_V3_PRIV_KEY", metavar="KEY",
                  help="Or NETCMDB_SNMP_V3_PRIV_KEY.")
    @click.option("--max-depth", type=click.IntRange(min=0), default=None,
                  help="Crawl at most this many hops from the seeds.")
    @click.option("--scope", multiple=True, metavar="CIDR",
                  help="Only follow neighbours in these CIDRs (repeatable; config [scan] scopes).")
    @click.option("--crawl-leaves", is_flag=True, help="Also crawl phones and APs.")
    @click.option("--concurrency", type=click.IntRange(min=1), default=None)
    @click.option("--no-ingest", is_flag=True, help="Only print what was found.")
    def _options(**_kw: object) -> None:  # pragma: no cover - only its params are used
        pass

    return list(_options.params)


def _snmp_scan_command(ctx: click.Context, targets: tuple[str, ...], kw: dict) -> None:  # type: ignore[type-arg]
    """`scan --snmp [--ssh] [--crawl]`: SNMP first; with --ssh, SSH fills the gaps per device."""
    from netcmdb.errors import ConfigError

    if not targets:
        raise ConfigError("scan --snmp needs at least one target (seed address, CIDR, name)")
    if kw.get("arp") or kw.get("icmp") or kw.get("tcp_ports"):
        raise ConfigError("run sweeps (--arp/--icmp/--tcp) and --snmp as separate scans")
    hosts = _expand_targets(targets)
    crawl = bool(kw.get("crawl"))
    results = _snmp_scan(ctx, hosts, crawl=crawl, communities=kw.get("communities"),
                         snmp_port=kw.get("snmp_port"), v3_user=kw.get("v3_user"),
                         v3_auth_proto=kw.get("v3_auth_proto"), v3_auth_key=kw.get("v3_auth_key"),
                         v3_priv_proto=kw.get("v3_priv_proto"), v3_priv_key=kw.get("v3_priv_key"),
                         max_depth=kw.get("max_depth"), scope=kw.get("scope"),
                         excludes=kw.get("exclude"), crawl_leaves=kw.get("crawl_leaves"),
                         timeout=kw.get("timeout"), retries=kw.get("retries"),
                         concurrency=kw.get("concurrency"))
    if kw.get("use_ssh"):
        from netcmdb.discovery.merge import merge_facts

        # SSH every device SNMP reached or failed on (not the whole expanded range again).
        ssh_targets = [r.device.ip or r.target if r.device else r.target for r in results]
        ssh = {r.target: r for r in _ssh_scan(
            ctx, ssh_targets, platform=kw.get("platform"), crawl=False, scope=kw.get("scope"),
            exclude=kw.get("exclude"), max_depth=0,
            accept_new_host_keys=kw.get("accept_new_host_keys"),
            known_hosts=kw.get("known_hosts"), ssh_port=kw.get("ssh_port"),
            credentials=kw.get("credential_set"), timeout=kw.get("timeout"),
            device_timeout=kw.get("device_timeout"), concurrency=kw.get("concurrency"),
            progress=None)}
        merged = []
        for r, t in zip(results, ssh_targets):
            other = ssh.get(t)
            if other is not None and other.device is not None:
                if r.device is not None:
                    r.device = merge_facts(r.device, other.device)
                else:  # SNMP off on this box: the SSH facts stand alone
                    r = other
            merged.append(r)
        results = merged
    no_ingest = bool(kw.get("no_ingest") or kw.get("no_store") or kw.get("dry_run"))
    _finish_snmp_scan(ctx, list(targets), results, crawl, no_ingest, bool(kw.get("as_json")))


def _snmp_install() -> None:
    """Give the shared `scan` its SNMP options; `--snmp` routes here, the rest stays as it was."""
    import functools

    existing = cli.commands["scan"]
    have = {p.name for p in existing.params}
    added = [o for o in _snmp_options() if o.name not in have]
    existing.params.extend(added)
    original = existing.callback
    assert original is not None

    @functools.wraps(original)
    def callback(*args, **kw):  # type: ignore[no-untyped-def]
        if kw.get("use_snmp"):
            return _snmp_scan_command(click.get_current_context(), kw.get("targets", ()), kw)
        for o in added:
            kw.pop(o.name, None)
        return original(*args, **kw)

    existing.callback = callback


_snmp_install()


def _finish_snmp_scan(ctx: click.Context, targets: list[str], results: list, crawl: bool,
                      no_ingest: bool, as_json: bool) -> None:  # type: ignore[type-arg]
    from netcmdb.discovery.factsjson import result_to_dict

    summary = None
    if not no_ingest:
        from netcmdb.cmdb.db import session_scope
        from netcmdb.cmdb.reconcile import ingest

        with session_scope(engine_of(ctx)) as s:
            summary = ingest(s, results, source="snmp", targets=targets, methods=["snmp"],
                             covered=[] if crawl else None, config=_reconcile_config(ctx),
                             location_parser=location_parser_of(ctx))
    cr = ctx.meta.get("snmp_crawl")
    if as_json:
        out = {"results": [result_to_dict(r) for r in results]}
        if cr is not None:
            out["skipped"] = [{"what": w, "why": y} for w, y in cr.skipped]
        if summary is not None:
            out["run"] = {"id": summary.run_id, "new": summary.new, "changed": summary.changed,
                          "missing": summary.missing, "failed": summary.failed}
        _print_json(out)
        return
    from rich.table import Table

    con = _console()
    t = Table("target", "name", "class", "vendor / model", "serial", "ifs", "nbrs", "fdb",
              "result")
    for r in results:
        d = r.device
        if d is None:
            t.add_row(r.target, "", "", "", "", "", "", "", f"{r.error_kind}: {r.error}")
            continue
        t.add_row(r.target, d.hostname or "", str(d.device_class or ""),
                  " ".join(x for x in (d.vendor, d.model) if x), d.serial or "",
                  str(len(d.interfaces)), str(len(d.neighbors)), str(len(d.fdb)),
                  "ok" + (f" ({len(d.warnings)} warnings)" if d.warnings else ""))
    con.print(t)
    if cr is not None and cr.skipped:
        con.print(f"not followed: {len(cr.skipped)} ("
                  + "; ".join(f"{w}: {y}" for w, y in cr.skipped[:5])
                  + ("; ..." if len(cr.skipped) > 5 else "") + ")")
    if summary is not None:
        click.echo(_summary_line("snmp", summary))


@cli.command("where")
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def where_cmd(ctx: click.Context, query: str, as_json: bool) -> None:
    """Which switch port MAC|IP|NAME sits on now, and where it was seen before."""
    from netcmdb.cmdb.db import session_scope
    from netcmdb.cmdb.where import where

    with session_scope(engine_of(ctx)) as s:
        ans = where(s, query)
    if as_json:
        _print_json(ans)
        return
    host = ans["host"]
    who = (f"{host['name']} ({host['ip'] or '-'}, {host['mac'] or '-'})" if host
           else ", ".join(ans["macs"]))
    for h in ans["now"]:
        click.echo(f"{who}: {h['switch']} {h['port']}"
                   + (f" vlan {h['vlan']}" if h["vlan"] else "") + f" (last seen {h['last_seen']})")
    if len(ans["history"]) > len(ans["now"]):
        from rich.table import Table

        t = Table("mac", "switch", "port", "vlan", "first seen", "last seen", title="history")
        for h in ans["history"]:
            t.add_row(h["mac"], h["switch"], h["port"], str(h["vlan"] or ""), h["first_seen"],
                      h["last_seen"])
        _console().print(t)


# ---- topology commands ----
def _topo_load(ctx: click.Context, roots: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
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


def _topo_engine(ctx: click.Context, roots: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    """The precomputed impact engine, cached per SQLite file state (see topology/cache.py)."""
    from netcmdb.topology.cache import cached_engine
    from netcmdb.topology.impact import ImpactEngine

    from netcmdb.config import database_url

    url = ctx.find_root().obj.get("db_url") or database_url(config_of(ctx))
    return cached_engine(url, roots, lambda: ImpactEngine(_topo_load(ctx, roots)))


def _topo_write_out(out: str | None, data: str | bytes) -> None:
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


def _topo_impact_table(rep: dict, limit: int) -> str:  # type: ignore[type-arg]
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
    engine = _topo_engine(ctx, roots)
    cis, links = engine.topo.resolve_targets(targets)
    res = engine.impact(cis, links)
    rep = report(engine, res)
    if fmt == "json":
        _topo_write_out(out, json.dumps(rep, ensure_ascii=False, indent=1) + "\n")
    elif fmt == "table":
        _topo_write_out(out, _topo_impact_table(rep, limit))
    else:
        from netcmdb.topology import draw

        _topo_write_out(out, draw.render_impact(engine, res, fmt))


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

    spofs = find_spofs(_topo_engine(ctx, roots), min_down=min_down)
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

    topo = _topo_engine(ctx, ()).topo
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

    _topo_write_out(out, draw.render(_topo_engine(ctx, roots), fmt, building=building))
