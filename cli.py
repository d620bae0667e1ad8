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
        opts = replace(options, progress=progress(m) if progress else None)
        todo = [a for a in addresses if a not in ruled_out]
        for r in scanner.scan(todo, opts) if todo else ():
            if r.alive:
                results.append(r)
            elif r.error_kind == "timeout":
                if m == "arp":
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


def _ensure_schema(engine) -> None:  # type: ignore[no-untyped-def]
    """Create the CMDB tables if the database is new (foundation helper when available)."""
    from netcmdb.cmdb import db

    ensure = getattr(db, "ensure_schema", None)
    if ensure is not None:
        ensure(engine)
        return
    from netcmdb.cmdb.models import Base

    Base.metadata.create_all(engine)


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
              help="Saved profile [profiles.NAME] from the config file.")
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
    from netcmdb.discovery.profiles import ScanProfile, global_excludes, load_config, load_profile
    from netcmdb.discovery.sweep import parse_ports
    from netcmdb.discovery.targets import DEFAULT_MAX_HOSTS, resolve_scope
    from netcmdb.errors import ConfigError, ScopeError

    if profile:
        prof, excludes = load_profile(profile)
    else:
        prof, excludes = ScanProfile("cli"), global_excludes(load_config())
    specs = list(targets) or prof.targets
    if not specs:
        raise ScopeError("no targets: give TARGET... or a --profile with targets")
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
    _ensure_schema(engine)
    with session_scope(engine) as session:
        summary = ingest(session, results, source="sweep", targets=specs, methods=methods,
                         covered=scope.covered)
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
    _ensure_schema(engine)
    with session_scope(engine) as session:
        summary = ingest(session, live, source="nmap", targets=[xml_file], methods=["nmap"],
                         covered=[])
    _print_summary(summary, as_json, f"import nmap ({len(live)} up of {len(results)} hosts)")
