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


if "scan" not in cli.commands:

    @cli.command("scan")
    @click.argument("targets", nargs=-1, required=True)
    @click.option("--snmp", "use_snmp", is_flag=True, help="Collect over SNMP.")
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
    @click.option("--exclude", "excludes", multiple=True, metavar="CIDR",
                  help="Never touch these (repeatable; config [scan] excludes).")
    @click.option("--crawl-leaves", is_flag=True, help="Also crawl phones and APs.")
    @click.option("--timeout", type=float, default=1.0, show_default=True, help="Seconds per try.")
    @click.option("--retries", type=click.IntRange(min=0), default=1, show_default=True)
    @click.option("--concurrency", type=click.IntRange(min=1), default=64, show_default=True)
    @click.option("--no-ingest", is_flag=True, help="Only print what was found.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @click.pass_context
    def scan_cmd(ctx: click.Context, targets: tuple[str, ...], use_snmp: bool, crawl: bool,
                 no_ingest: bool, as_json: bool, **opts: object) -> None:
        """Discover TARGETS (IPs, CIDRs, names) and reconcile them into the CMDB."""
        from netcmdb.errors import ConfigError

        if not use_snmp and not crawl:
            raise ConfigError("say how to scan: --snmp (with --crawl to follow LLDP/CDP)")
        hosts = _expand_targets(targets)
        results = _snmp_scan(ctx, hosts, crawl=crawl, **opts)
        _finish_snmp_scan(ctx, list(targets), results, crawl, no_ingest, as_json)


def _finish_snmp_scan(ctx: click.Context, targets: list[str], results: list, crawl: bool,
                      no_ingest: bool, as_json: bool) -> None:  # type: ignore[type-arg]
    from netcmdb.discovery.factsjson import result_to_dict

    summary = None
    if not no_ingest:
        from netcmdb.cmdb.db import session_scope
        from netcmdb.cmdb.reconcile import ingest

        with session_scope(engine_of(ctx)) as s:
            summary = ingest(s, results, source="snmp", targets=targets, methods=["snmp"],
                             covered=[] if crawl else None, config=_reconcile_config(ctx))
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
