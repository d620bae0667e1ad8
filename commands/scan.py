"""`netcmdb scan TARGET...`: one command, every discovery method.

The options are declared once, here (and in ``netcmdb.options``); an option that means two things
has two names (``--timeout`` is the wait for a sweep or SNMP reply, ``--command-timeout`` the wait
for one SSH command's output). The callback picks the method -- ``--snmp`` (with ``--ssh`` too:
SNMP first, SSH fills the gaps), ``--ssh``, else the sweep (ARP/ICMP/TCP) -- and each method's
function below calls :mod:`netcmdb.services.scan` to plan and collect, stores the run (unless
``--no-store``) through :mod:`netcmdb.services.ingest`, and renders; ``--dry-run`` sends nothing.

Which addresses a scan may contact (target expansion, excludes, crawl scopes, limits) is planned
by ``services.scan`` (``sweep_scope``, ``device_scope``) with :mod:`netcmdb.net.scope`'s rules,
before credentials are read or anything is sent; nothing here decides it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from netcmdb.commands.common import (
    cmdb_of,
    config_of,
    console,
    echo,
    echo_summary,
    plain,
    print_json,
    print_run_summary,
)
from netcmdb.i18n import _, localize
from netcmdb.options import dry_run_option, json_option
from netcmdb.services import ingest
from netcmdb.services import scan as scans
from netcmdb.services.runs import summary_dict

if TYPE_CHECKING:
    from netcmdb.discovery.facts import ScanResult

# ---- --dry-run: the plan (services.scan.dry_run_plan), nothing sent ----


def render_dry_run(
    methods: list[str],
    specs: list[str],
    rules,
    plan,
    crawl,
    as_json: bool,
    max_depth: int | None = None,
) -> None:
    """``--dry-run``: what would be contacted, and nothing sent (nor written)."""
    doc = scans.dry_run_plan(methods, specs, rules, plan, crawl, max_depth)
    if as_json:
        print_json(doc)
        return
    n = len(plan.addresses) + len(plan.unresolved)
    echo(
        _(
            "dry run ({methods}): would contact {n} address(es); nothing sent, CMDB unchanged"
        ).format(methods=", ".join(methods), n=n)
    )
    if len(plan.covered) <= 16:
        for c in plan.covered:
            echo(f"  {c}")
    else:
        echo(
            "  "
            + _("in {specs} ({n} blocks; --json lists every address)").format(
                specs=", ".join(specs), n=len(plan.covered)
            )
        )
    for name in plan.unresolved:
        echo("  " + _("{name} (host name, resolved when the scan runs)").format(name=name))
    if plan.excluded:
        echo(_("excluded: {excluded}").format(excluded=", ".join(plan.excluded[:20])))
    if crawl is not None:
        cs = crawl[0]
        echo(
            _("crawl: may follow neighbours in {cidrs} ({origin}), depth {depth}").format(
                cidrs=", ".join(cs.cidrs),
                origin=localize(cs.stated_origin),
                depth=3 if max_depth is None else max_depth,
            )
        )


# ---- sweep: ARP / ICMP / TCP ----


def _sweep_progress(enabled: bool):
    """A rich progress bar on stderr (only on a terminal) and a callback factory for it."""
    import contextlib

    if not enabled:
        return contextlib.nullcontext(), (lambda label: None)
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )

    def factory(label: str):
        task = bar.add_task(label, total=None)

        def cb(done: int, total: int, _msg: str) -> None:
            bar.update(task, completed=done, total=total)

        return cb

    return bar, factory


def run_sweep(
    ctx: click.Context,
    targets: tuple[str, ...],
    *,
    arp: bool,
    icmp: bool,
    tcp_ports: str | None,
    rate: int | None,
    timeout: float | None,
    retries: int | None,
    exclude: tuple[str, ...],
    max_hosts: int | None,
    allow_public: bool,
    no_dns: bool,
    netbios: bool,
    as_json: bool,
    dry_run: bool,
    no_store: bool,
    profile: str | None,
) -> None:
    """`scan [--arp] [--icmp] [--tcp PORTS]`: sweep, ingest (unless --no-store), render;
    --dry-run: only the plan."""
    import json

    from netcmdb.config import config_path

    # Validating a config file imports the reconciler (SQLAlchemy, ~0.5 s); without a file
    # there is nothing to validate, which keeps a --no-store sweep fast.
    cfg = config_of(ctx) if config_path().exists() else {}
    prof, specs, rules, scope = scans.sweep_scope(
        cfg, targets, profile, exclude, max_hosts, allow_public
    )
    methods, ports = scans.sweep_methods(prof, arp, icmp, tcp_ports)
    if dry_run:
        render_dry_run(methods, specs, rules, scope, None, as_json)
        return
    options = scans.sweep_options(
        prof,
        rules,
        ports,
        timeout=timeout,
        retries=retries,
        rate=rate,
        no_dns=no_dns,
        netbios=netbios,
    )

    bar, factory = _sweep_progress(sys.stderr.isatty() and not as_json)
    with bar:
        results, notes = scans.sweep(scope.addresses, methods, options, factory)
    for n in notes:
        echo(_("note: {note}").format(note=localize(n)), err=True)

    if no_store:
        doc = scans.sweep_facts(specs, rules, methods, len(scope.addresses), results)
        hosts, errors = doc["hosts"], doc["errors"]
        if as_json:
            click.echo(json.dumps(doc, indent=2, default=str))
            return
        from rich.table import Table

        con = console(width=None if sys.stdout.isatty() else 160)

        table = Table(
            title=_(
                "{live} live of {probed} probed ({methods}; not stored, CMDB unchanged)"
            ).format(live=len(hosts), probed=len(scope.addresses), methods=", ".join(methods))
        )
        for col in ("IP", "MAC", _("Vendor"), _("Name"), _("Open TCP"), _("Seen by")):
            table.add_column(col)
        for h in hosts:
            table.add_row(
                h["ip"],
                h["mac"] or "",
                h["mac_vendor"] or "",
                h["dns_name"] or h["netbios_name"] or "",
                ",".join(map(str, h["open_ports"])),
                ",".join(h["methods"]),
            )
        con.print(table)
        for e in errors[:20]:
            echo(
                _("failed {target}: {error}").format(
                    target=e["target"], error=localize(e["error"])
                ),
                err=True,
            )
        return

    summary = _store(
        ctx, results, source="sweep", targets=specs, methods=methods, covered=scope.covered
    )
    print_run_summary(summary, as_json, "scan")


# ---- exit status ----

#: Exit status of an SNMP/SSH scan in which no target answered at all (every target failed);
#: each target still has its line. Usage and configuration errors keep exit status 2.
EXIT_NONE_ANSWERED = 1


def exit_if_none_answered(results: Sequence[ScanResult]) -> None:
    """Exit with :data:`EXIT_NONE_ANSWERED` when there were targets and none gave a device."""
    if results and all(r.device is None for r in results):
        raise click.exceptions.Exit(EXIT_NONE_ANSWERED)


# ---- SSH: netmiko + TextFSM ----


def _ssh_platform_choices() -> list[str]:
    from netcmdb.discovery.vendors import CLI_COMMANDS

    return sorted(CLI_COMMANDS)


def _ssh_result_json(r) -> dict:
    import dataclasses

    return dataclasses.asdict(r)


def _ssh_render(results: list, summary) -> None:
    from rich.table import Table

    table = Table(title=_("SSH collection"))
    for col in (
        _("target"),
        _("hostname"),
        _("platform"),
        _("model"),
        _("serial"),
        _("nbrs"),
        "fdb",
        "arp",
        _("status"),
    ):
        table.add_column(col)
    for r in sorted(results, key=lambda x: x.target):
        d = r.device
        if r.error:
            status = plain(f"{r.error_kind}: {localize(r.error)}", style="red")
        elif d is not None and d.warnings:
            status = plain(_("ok, {n} warning(s)").format(n=len(d.warnings)), style="yellow")
        else:
            status = plain(_("ok"), style="green")
        cells = [
            r.target,
            d.hostname if d else "",
            d.platform if d else "",
            d.model if d else "",
            d.serial if d else "",
            str(len(d.neighbors)) if d else "",
            str(len(d.fdb)) if d else "",
            str(len(d.arp)) if d else "",
        ]
        table.add_row(*(plain(c or "") for c in cells), status)
    console().print(table)
    if summary is not None:
        echo_summary("ssh", summary)


def run_ssh(ctx: click.Context, targets: tuple[str, ...], kw: dict) -> None:
    """`scan ... --ssh`: collect, store (unless --no-store), render; --dry-run: the plan."""
    from netcmdb.net.scope import flatten

    as_json = bool(kw.get("as_json"))
    rules, plan, crawl = scans.device_scope(config_of(ctx), targets, kw, "--ssh")
    if kw.get("dry_run"):
        render_dry_run(["ssh"], list(targets), rules, plan, crawl, as_json, kw.get("max_depth"))
        return
    specs = flatten(targets)
    progress = None
    bar = None
    if sys.stderr.isatty() and not as_json:
        from rich.progress import Progress

        bar = Progress(console=console(err=True), transient=True)
        task = bar.add_task("ssh", total=len(plan.addresses))

        def progress(done: int, total: int, target: str) -> None:
            bar.update(task, completed=done, total=max(total, done), description=target)

        bar.start()
    try:
        results, cr = scans.collect_ssh(config_of(ctx), specs, kw, rules, crawl, progress)
    finally:
        if bar is not None:
            bar.stop()
    summary = None
    if not kw.get("no_store"):
        # SSH sees only managed devices: absence from an SSH run proves nothing, so nothing
        # is counted missing (covered=[]).
        summary = _store(
            ctx, results, source="ssh", targets=list(targets), methods=["ssh"], covered=[]
        )
    if as_json:
        doc: dict = {"results": [_ssh_result_json(r) for r in results]}
        if cr is not None:
            doc["scope"] = cr.scope
            doc["skipped"] = [{"what": w, "why": y} for w, y in cr.skipped]
        doc["run"] = None if summary is None else summary_dict(summary)
        print_json(doc)
    else:
        _ssh_render(results, summary)
        _render_skipped(cr)
    exit_if_none_answered(results)


def _render_skipped(cr) -> None:
    """A crawl's stated scope and what it did not follow (device text escaped by rich.Text)."""
    if cr is None:
        return

    scope = cr.scope
    con = console()
    con.print(
        plain(
            _("crawl scope: {cidrs} ({origin})").format(
                cidrs=", ".join(scope.get("cidrs", [])), origin=scope.get("origin")
            )
        )
    )
    if cr.skipped:
        reasons = "; ".join(f"{w}: {localize(y)}" for w, y in cr.skipped[:5])
        con.print(
            plain(
                _("not followed: {n} ({reasons})").format(
                    n=len(cr.skipped), reasons=reasons + ("; ..." if len(cr.skipped) > 5 else "")
                )
            )
        )


# ---- SNMP (and SNMP + SSH) ----


def run_snmp(ctx: click.Context, targets: tuple[str, ...], kw: dict) -> None:
    """`scan --snmp [--ssh] [--crawl]`: SNMP first; with --ssh, SSH fills the gaps per device.
    --dry-run: the plan only."""
    from netcmdb.errors import ConfigError
    from netcmdb.net.scope import flatten

    if kw.get("arp") or kw.get("icmp") or kw.get("tcp_ports"):
        raise ConfigError("run sweeps (--arp/--icmp/--tcp) and --snmp as separate scans")
    rules, plan, crawl = scans.device_scope(config_of(ctx), targets, kw, "--snmp")
    methods = ["snmp", "ssh"] if kw.get("use_ssh") else ["snmp"]
    if kw.get("dry_run"):
        render_dry_run(
            methods, list(targets), rules, plan, crawl, bool(kw.get("as_json")), kw.get("max_depth")
        )
        return
    cfg = config_of(ctx)
    results, cr = scans.collect_snmp(cfg, flatten(targets), kw, rules, crawl)
    if kw.get("use_ssh"):
        results = scans.fill_with_ssh(
            results, lambda hosts: scans.collect_ssh(cfg, hosts, kw, rules, None)[0]
        )
    _finish_snmp_scan(
        ctx,
        list(targets),
        results,
        cr,
        crawl is not None,
        bool(kw.get("no_store")),
        bool(kw.get("as_json")),
    )


def _finish_snmp_scan(
    ctx: click.Context,
    targets: list[str],
    results: list,
    cr,
    crawl: bool,
    no_ingest: bool,
    as_json: bool,
) -> None:
    from netcmdb.discovery.factsjson import result_to_dict

    summary = None
    if not no_ingest:
        summary = _store(
            ctx,
            results,
            source="snmp",
            targets=targets,
            methods=["snmp"],
            covered=[] if crawl else None,
        )
    if as_json:
        out: dict[str, object] = {"results": [result_to_dict(r) for r in results]}
        if cr is not None:
            out["scope"] = cr.scope
            out["skipped"] = [{"what": w, "why": y} for w, y in cr.skipped]
        if summary is not None:
            out["run"] = summary_dict(summary)
        print_json(out)
        exit_if_none_answered(results)
        return
    from rich.table import Table

    con = console()
    t = Table(
        _("target"),
        _("name"),
        _("class"),
        _("vendor / model"),
        _("serial"),
        _("ifs"),
        _("nbrs"),
        "fdb",
        _("result"),
    )
    for r in results:
        d = r.device
        if d is None:
            t.add_row(r.target, "", "", "", "", "", "", "", f"{r.error_kind}: {localize(r.error)}")
            continue
        t.add_row(
            r.target,
            d.hostname or "",
            str(d.device_class or ""),
            " ".join(x for x in (d.vendor, d.model) if x),
            d.serial or "",
            str(len(d.interfaces)),
            str(len(d.neighbors)),
            str(len(d.fdb)),
            _("ok, {n} warning(s)").format(n=len(d.warnings)) if d.warnings else _("ok"),
        )
    con.print(t)
    _render_skipped(cr)
    if summary is not None:
        echo_summary("snmp", summary)
    exit_if_none_answered(results)


# ---- the command ----


def _store(
    ctx: click.Context,
    results: Sequence[Any],
    *,
    source: str,
    targets: list[str],
    methods: list[str],
    covered: list[str] | None = None,
) -> Any:
    """Reconcile the run into the CMDB, or with ``--push URL`` send it to a netcmdb server (a
    remote collector: the server reconciles it as one run; this CMDB is not touched)."""
    push = ctx.meta.get("netcmdb.push")
    if not push:
        return ingest.ingest_results(
            cmdb_of(ctx), results, source=source, targets=targets, methods=methods, covered=covered
        )
    from netcmdb.services.runs import summary_from_dict
    from netcmdb.web.push import push_facts

    url, token = push
    doc = ingest.facts_document(results, targets=targets, methods=methods)
    return summary_from_dict(push_facts(url, token, doc))


@click.command("scan")
@click.argument("targets", nargs=-1)
# methods
@click.option("--arp", is_flag=True, help="ARP sweep of the local segment (root).")
@click.option("--icmp", is_flag=True, help="ICMP echo sweep (unprivileged fallback if not root).")
@click.option(
    "--tcp",
    "tcp_ports",
    metavar="PORTS",
    default=None,
    help="TCP connect probes of PORTS, e.g. 22,80,443,8000-8010.",
)
@click.option(
    "--snmp",
    "use_snmp",
    is_flag=True,
    help="Collect over SNMP (with --ssh too: SNMP first, SSH fills gaps).",
)
@click.option(
    "--ssh",
    "use_ssh",
    is_flag=True,
    help="Collect over SSH (netmiko + TextFSM): model, serial, LLDP/CDP, MAC, ARP.",
)
# scope
@click.option(
    "--exclude",
    multiple=True,
    metavar="X",
    help="Address/CIDR/range/@file never contacted by any method or crawl "
    "(repeatable; adds to the config's [scan] excludes).",
)
@click.option(
    "--max-hosts",
    type=click.IntRange(1),
    default=None,
    help="Refuse to contact more addresses than this, after excludes (default 65536).",
)
@click.option(
    "--allow-public",
    is_flag=True,
    help="Permit internet-routed addresses (multicast/broadcast never).",
)
@click.option(
    "--crawl", is_flag=True, help="SNMP/SSH: follow LLDP/CDP neighbours (bounded by --scope)."
)
@click.option(
    "--scope",
    multiple=True,
    metavar="X",
    help="Where a crawl may go: address/CIDR/range/@file (repeatable; default: "
    "[scan] scopes, else the private blocks the seeds sit in, e.g. 10.0.0.0/8).",
)
@click.option(
    "--max-depth",
    type=click.IntRange(0, 32),
    default=None,
    help="Crawl depth (0: only the seeds; default 3).",
)
@click.option("--crawl-leaves", is_flag=True, help="SNMP crawl: also crawl phones and APs.")
# timing
@click.option(
    "--rate",
    type=click.IntRange(1, 1_000_000),
    default=None,
    help="Sweep: packets per second (default 1000).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.01, 60),
    default=None,
    help="Sweep/SNMP: longest wait for a reply, seconds (default 1.0; the sweep adapts below it).",
)
@click.option(
    "--retries",
    type=click.IntRange(0, 10),
    default=None,
    help="Sweep/SNMP: extra tries for silent targets (default 1).",
)
@click.option(
    "--command-timeout",
    type=click.FloatRange(0.5, 3600),
    default=None,
    help="SSH: seconds to wait for one command's output (default 30).",
)
@click.option(
    "--device-timeout",
    type=click.FloatRange(1, 36000),
    default=None,
    help="SSH: seconds one device may take in total (default 180).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 512),
    default=None,
    help="SNMP/SSH: devices collected at once (default 64 for SNMP, 32 for SSH).",
)
# sweep
@click.option("--no-dns", is_flag=True, help="Sweep: skip reverse DNS lookups.")
@click.option(
    "--netbios", is_flag=True, help="Sweep: ask live hosts for their NetBIOS name (UDP 137)."
)
@click.option(
    "--profile",
    default=None,
    metavar="NAME",
    help="Sweep: saved profile [scan.profiles.NAME] from the config file.",
)
# SNMP
@click.option(
    "--community",
    "communities",
    multiple=True,
    metavar="C",
    help="SNMPv2c community (repeatable; also NETCMDB_SNMP_COMMUNITY, config).",
)
@click.option("--snmp-port", type=click.IntRange(1, 65535), default=161, show_default=True)
@click.option("--v3-user", metavar="U", help="SNMPv3 user (tried before communities).")
@click.option(
    "--v3-auth-proto",
    type=click.Choice(["md5", "sha", "sha224", "sha256", "sha384", "sha512"]),
    default="sha256",
    show_default=True,
)
@click.option(
    "--v3-auth-key",
    envvar="NETCMDB_SNMP_V3_AUTH_KEY",
    metavar="KEY",
    help="Or NETCMDB_SNMP_V3_AUTH_KEY (keeps it out of shell history).",
)
@click.option(
    "--v3-priv-proto",
    type=click.Choice(["des", "3des", "aes", "aes192", "aes256", "aes192c", "aes256c"]),
    default="aes",
    show_default=True,
)
@click.option(
    "--v3-priv-key",
    envvar="NETCMDB_SNMP_V3_PRIV_KEY",
    metavar="KEY",
    help="Or NETCMDB_SNMP_V3_PRIV_KEY.",
)
# SSH
@click.option(
    "--platform",
    type=click.Choice(_ssh_platform_choices()),
    default=None,
    help="SSH: device platform; default: detect from show/display version.",
)
@click.option(
    "--accept-new-host-keys",
    is_flag=True,
    help="SSH: trust and record host keys not yet in known_hosts.",
)
@click.option(
    "--known-hosts",
    type=click.Path(dir_okay=False),
    default=None,
    help="SSH known_hosts (default: $NETCMDB_SSH_KNOWN_HOSTS or ~/.ssh/known_hosts).",
)
@click.option(
    "--ssh-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="SSH port (default 22; a target may say host:port).",
)
@click.option(
    "--credentials",
    "credential_set",
    default=None,
    metavar="NAME",
    help="SSH: credential set [credentials.NAME] from the config file.",
)
# output
@json_option(
    "JSON on stdout (the plan with --dry-run, the facts with --no-store, else the run "
    "summary), no progress bar."
)
@dry_run_option("Send nothing: print what would be contacted (--json: the list); write nothing.")
@click.option(
    "--no-store",
    "no_store",
    is_flag=True,
    help="Collect and print the facts; do not write the CMDB.",
)
@click.option("--no-ingest", "no_ingest", is_flag=True, hidden=True, help="Deprecated: --no-store.")
@click.option(
    "--push",
    "push_url",
    metavar="URL",
    default=None,
    help="Send the facts to a netcmdb server (serve) instead of this CMDB: a remote "
    "collector. Needs --token.",
)
@click.option(
    "--token",
    "push_token",
    envvar="NETCMDB_TOKEN",
    metavar="TOKEN",
    default=None,
    help="API token for --push (netcmdb token create NAME --role editor); or NETCMDB_TOKEN.",
)
@click.pass_context
def command(ctx: click.Context, targets: tuple[str, ...], **kw: object) -> None:
    """Discover devices at TARGET... and record them in the CMDB.

    TARGET: CIDRs, ranges like 10.0.0.1-50, addresses, host names, @file.
    Without --snmp/--ssh: an ARP/ICMP/TCP sweep that prints what is new, changed and missing
    since the last run. --snmp and --ssh collect device facts (model, serial, interfaces,
    neighbours, MAC tables); with --crawl they follow LLDP/CDP neighbours.
    """
    kw["no_store"] = bool(kw["no_store"] or kw.pop("no_ingest") or kw["dry_run"])
    push_url, push_token = kw.pop("push_url"), kw.pop("push_token")
    if push_url:
        from netcmdb.web.push import facts_url

        if kw["no_store"]:
            raise click.UsageError(
                "--push sends the facts; it cannot go with --no-store or --dry-run"
            )
        if not push_token:
            raise click.UsageError("--push needs --token (or NETCMDB_TOKEN)")
        facts_url(str(push_url))  # a malformed URL is refused before any packet
        ctx.meta["netcmdb.push"] = (str(push_url), str(push_token))
    if (kw["crawl"] or kw["scope"]) and not (kw["use_snmp"] or kw["use_ssh"]):
        from netcmdb.errors import ConfigError

        raise ConfigError(
            "--crawl and --scope follow LLDP/CDP neighbours: add --snmp or --ssh "
            "(a sweep probes its targets only)"
        )
    if kw["use_snmp"]:
        run_snmp(ctx, targets, kw)
    elif kw["use_ssh"]:
        run_ssh(ctx, targets, kw)
    else:
        sweep = (
            "arp",
            "icmp",
            "tcp_ports",
            "rate",
            "timeout",
            "retries",
            "exclude",
            "max_hosts",
            "allow_public",
            "no_dns",
            "netbios",
            "as_json",
            "dry_run",
            "no_store",
            "profile",
        )
        run_sweep(ctx, targets, **{k: kw[k] for k in sweep})  # type: ignore[arg-type]
