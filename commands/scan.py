"""`netcmdb scan TARGET...`: one command, every discovery method.

The options are declared once, here (and in ``netcmdb.options``); an option that means two things
has two names (``--timeout`` is the wait for a sweep or SNMP reply, ``--command-timeout`` the wait
for one SSH command's output). The callback picks the method -- ``--snmp`` (with ``--ssh`` too:
SNMP first, SSH fills the gaps), ``--ssh``, else the sweep (ARP/ICMP/TCP) -- and each method's
function below collects, ingests (unless ``--dry-run``) and renders.

Every decision about which addresses a scan may contact (target expansion, excludes, crawl
scopes, limits) is made in the "scope" section of this module and nowhere else in the CLI.
"""

from __future__ import annotations

import sys

import click

from netcmdb.commands.common import (
    cmdb_of,
    config_of,
    console,
    print_json,
    print_run_summary,
    summary_line,
)
from netcmdb.options import dry_run_option, json_option
from netcmdb.services import ingest
from netcmdb.services.runs import summary_dict

# ---- scope: which addresses each method may contact ----


def sweep_scope(cfg: dict, targets: tuple[str, ...], profile: str | None,  # type: ignore[type-arg]
                exclude: tuple[str, ...], max_hosts: int | None, allow_public: bool):  # type: ignore[no-untyped-def]
    """The sweep's profile, target specs, excludes and resolved Scope (addresses, covered)."""
    from netcmdb.discovery.profiles import (
        ScanProfile,
        default_scopes,
        global_excludes,
        profile_from_config,
    )
    from netcmdb.discovery.targets import DEFAULT_MAX_HOSTS, resolve_scope
    from netcmdb.errors import ScopeError

    if profile:
        prof, excludes = profile_from_config(cfg, profile)
    else:
        prof, excludes = ScanProfile("cli"), global_excludes(cfg)
    specs = list(targets) or prof.targets or default_scopes(cfg)
    if not specs:
        raise ScopeError("no targets: give TARGET..., a --profile with targets, or [scan] "
                         "scopes in the config file")
    excludes = [*excludes, *prof.exclude, *exclude]
    scope = resolve_scope(specs, excludes,
                          max_hosts=max_hosts or prof.max_hosts or DEFAULT_MAX_HOSTS,
                          allow_public=allow_public or prof.allow_public)
    return prof, specs, excludes, scope


def configured_excludes(cfg: dict, exclude: tuple[str, ...] | None) -> list[str]:  # type: ignore[type-arg]
    """``--exclude`` plus the config's ``[scan] excludes`` (SNMP and SSH)."""
    scan_cfg = cfg.get("scan", {}) if isinstance(cfg.get("scan"), dict) else {}
    return list(exclude or ()) + list(scan_cfg.get("excludes", []))


def configured_scopes(cfg: dict) -> list[str]:  # type: ignore[type-arg]
    """The config's ``[scan] scopes`` (where a crawl may go when ``--scope`` is not given)."""
    scan_cfg = cfg.get("scan", {}) if isinstance(cfg.get("scan"), dict) else {}
    return list(scan_cfg.get("scopes", []))


_SSH_MAX_EXPANDED = 4096


def ssh_targets(targets: tuple[str, ...]) -> list[str]:
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


def ssh_not_excluded(targets: list[str], excludes: list[str]) -> list[str]:
    """The SSH targets no exclude covers."""
    from netcmdb.discovery.ssh import is_excluded

    return [t for t in targets if not is_excluded(t, excludes)]


def ssh_crawl_scope(targets: list[str], given: tuple[str, ...] | None,
                    configured: list[str]) -> list[str]:
    """Where an SSH crawl may go: ``--scope``, else ``[scan] scopes``, else each seed's /24."""
    import ipaddress

    if given:
        return list(given)
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


def snmp_targets(targets: tuple[str, ...]) -> list[str]:
    """Addresses, CIDRs (their hosts, at most 65,536) and host names for SNMP."""
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


def snmp_not_excluded(hosts: list[str], excludes: list[str]) -> list[str]:
    """The SNMP hosts no exclude covers."""
    from netcmdb.discovery.crawl import _in, _parse_scope

    ex = _parse_scope(excludes)
    return [t for t in hosts if not _in(t, ex)]


def snmp_crawl_scope(given: tuple[str, ...] | None, configured: list[str]) -> list[str] | None:
    """Where an SNMP crawl may go: ``--scope``, else ``[scan] scopes``, else anywhere (None)."""
    return list(given or ()) or configured or None


# ---- sweep: ARP / ICMP / TCP ----


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



def run_sweep(ctx: click.Context, targets: tuple[str, ...], *, arp: bool, icmp: bool,
              tcp_ports: str | None, rate: int | None, timeout: float | None,
              retries: int | None, exclude: tuple[str, ...], max_hosts: int | None,
              allow_public: bool, no_dns: bool, netbios: bool, as_json: bool, dry_run: bool,
              profile: str | None) -> None:
    """`scan [--arp] [--icmp] [--tcp PORTS]`: sweep, ingest (unless --dry-run), render."""
    import json
    import os
    from dataclasses import asdict

    from netcmdb.config import config_path
    from netcmdb.discovery.base import ScanOptions
    from netcmdb.discovery.sweep import parse_ports
    from netcmdb.errors import ConfigError

    # Validating a config file imports the reconciler (SQLAlchemy, ~0.5 s); without a file
    # there is nothing to validate, which keeps a --dry-run sweep fast.
    cfg = config_of(ctx) if config_path().exists() else {}
    prof, specs, excludes, scope = sweep_scope(cfg, targets, profile, exclude, max_hosts,
                                               allow_public)
    methods = [m for m, on in (("arp", arp), ("icmp", icmp), ("tcp", tcp_ports)) if on]
    methods = methods or list(prof.methods) or (["arp", "icmp"] if os.geteuid() == 0
                                                 else ["icmp"])
    ports = tcp_ports or prof.tcp_ports
    if "tcp" in methods:
        try:
            ports = ",".join(map(str, parse_ports(ports or "22,23,80,443,445,3389,8080,9100")))
        except ValueError as exc:
            raise ConfigError(f"--tcp: {exc}") from None
    options = ScanOptions(
        timeout_s=timeout or prof.timeout or 1.0,
        retries=retries if retries is not None else (prof.retries if prof.retries is not None
                                                     else 1),
        rate_pps=rate or prof.rate or 1000, excludes=excludes,
        extra={"ports": ports, "resolve": not no_dns and prof.resolve is not False,
               "netbios": netbios or bool(prof.netbios)})

    bar, factory = _sweep_progress(sys.stderr.isatty() and not as_json)
    with bar:
        results, notes = _sweep_scan(scope.addresses, methods, options, factory)
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

        con = Console(width=None if sys.stdout.isatty() else 160)

        table = Table(title=f"{len(hosts)} live of {len(scope.addresses)} probed "
                            f"({', '.join(methods)}; dry run, CMDB unchanged)")
        for col in ("IP", "MAC", "Vendor", "Name", "Open TCP", "Seen by"):
            table.add_column(col)
        for h in hosts:
            table.add_row(h["ip"], h["mac"] or "", h["mac_vendor"] or "",
                          h["dns_name"] or h["netbios_name"] or "",
                          ",".join(map(str, h["open_ports"])), ",".join(h["methods"]))
        con.print(table)
        for e in errors[:20]:
            click.echo(f"failed {e['target']}: {e['error']}", err=True)
        return

    summary = ingest.ingest_results(cmdb_of(ctx), results, source="sweep", targets=specs,
                                    methods=methods, covered=scope.covered)
    print_run_summary(summary, as_json, "scan")


# ---- exit status ----

#: Exit status of an SNMP/SSH scan in which no target answered at all (every target failed);
#: each target still has its line. Usage and configuration errors keep exit status 2.
EXIT_NONE_ANSWERED = 1


def exit_if_none_answered(results: list) -> None:  # type: ignore[type-arg]
    """Exit with :data:`EXIT_NONE_ANSWERED` when there were targets and none gave a device."""
    if results and all(r.device is None for r in results):
        raise click.exceptions.Exit(EXIT_NONE_ANSWERED)


# ---- SSH: netmiko + TextFSM ----


def _ssh_platform_choices() -> list[str]:
    from netcmdb.discovery.platforms import CLI_COMMANDS

    return sorted(CLI_COMMANDS)


def _ssh_collect(ctx: click.Context, targets: list[str], kw: dict, *, crawl: bool,  # type: ignore[type-arg]
                 progress=None) -> list:  # type: ignore[no-untyped-def,type-arg]
    """Run the SSH collector (or crawl) for expanded ``targets``; returns the ScanResults."""
    from pathlib import Path

    from netcmdb.discovery.credentials import load_credentials
    from netcmdb.discovery.ssh import SshSettings, collect_many, crawl_ssh, default_known_hosts

    cfg = config_of(ctx)
    ssh_cfg = cfg.get("ssh", {}) if isinstance(cfg.get("ssh"), dict) else {}
    creds = load_credentials(config=cfg, credential_set=kw.get("credential_set"))
    known_hosts = kw.get("known_hosts") or ssh_cfg.get("known_hosts")
    settings = SshSettings(
        credentials=creds,
        platform=kw.get("platform") or ssh_cfg.get("platform"),
        port=int(kw.get("ssh_port") or ssh_cfg.get("port") or 22),
        known_hosts=Path(known_hosts).expanduser() if known_hosts else default_known_hosts(),
        accept_new_host_keys=bool(kw.get("accept_new_host_keys")),
        command_timeout_s=float(kw.get("command_timeout") or ssh_cfg.get("command_timeout")
                                or 30),
        device_timeout_s=float(kw.get("device_timeout") or ssh_cfg.get("device_timeout") or 180),
        concurrency=int(kw.get("concurrency") or ssh_cfg.get("concurrency") or 32),
    )
    excludes = configured_excludes(cfg, kw.get("exclude"))
    if crawl:
        scope = ssh_crawl_scope(targets, kw.get("scope"), configured_scopes(cfg))
        depth = kw.get("max_depth")
        out = crawl_ssh(targets, settings, scope=scope, excludes=excludes,
                        max_depth=3 if depth is None else int(depth), progress=progress)
        return out.results  # type: ignore[no-any-return]
    return list(collect_many(ssh_not_excluded(targets, excludes), settings, progress=progress))


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
    console().print(table)
    if summary is not None:
        click.echo(summary_line("ssh", summary))



def run_ssh(ctx: click.Context, targets: tuple[str, ...], kw: dict) -> None:  # type: ignore[type-arg]
    """`scan ... --ssh`: collect, store (unless --dry-run), render."""
    from netcmdb.errors import ConfigError

    if not targets:
        raise ConfigError("scan --ssh needs at least one target (address, host name, CIDR)")
    as_json = bool(kw.get("as_json"))
    expanded = ssh_targets(targets)
    progress = None
    bar = None
    if sys.stderr.isatty() and not as_json:
        from rich.progress import Progress

        bar = Progress(console=console(err=True), transient=True)
        task = bar.add_task("ssh", total=len(expanded))

        def progress(done: int, total: int, target: str) -> None:
            bar.update(task, completed=done, total=max(total, done), description=target)

        bar.start()
    try:
        results = _ssh_collect(ctx, expanded, kw, crawl=bool(kw.get("crawl")), progress=progress)
    finally:
        if bar is not None:
            bar.stop()
    summary = None
    if not kw.get("dry_run"):
        # SSH sees only managed devices: absence from an SSH run proves nothing, so nothing
        # is counted missing (covered=[]).
        summary = ingest.ingest_results(cmdb_of(ctx), results, source="ssh",
                                        targets=list(targets), methods=["ssh"], covered=[])
    if as_json:
        print_json({
            "results": [_ssh_result_json(r) for r in results],
            "run": None if summary is None else summary_dict(summary),
        })
    else:
        _ssh_render(results, summary)
    exit_if_none_answered(results)


# ---- SNMP (and SNMP + SSH) ----


def _snmp_collect(ctx: click.Context, hosts: list[str], kw: dict, *, crawl: bool):  # type: ignore[no-untyped-def,type-arg]
    """Collect (and with ``crawl`` crawl from) ``hosts`` over SNMP -> (results, crawl or None).

    Credentials: command line, then NETCMDB_SNMP_COMMUNITY, then the config file's
    [credentials.*] tables; ``public`` only when nothing is given at all.
    """
    from netcmdb.discovery import snmp
    from netcmdb.discovery.crawl import default_follow

    conf = config_of(ctx)
    creds: list[snmp.SnmpCredential] = []
    if kw.get("v3_user"):
        creds.append(snmp.SnmpCredential(
            "3", user=kw["v3_user"], auth_proto=kw.get("v3_auth_proto"),
            auth_key=kw.get("v3_auth_key"), priv_proto=kw.get("v3_priv_proto"),
            priv_key=kw.get("v3_priv_key")))
    comms = list(kw.get("communities") or ())
    creds += [snmp.SnmpCredential("2c", community=c) for c in comms]
    if not comms:
        import os

        env = os.environ.get("NETCMDB_SNMP_COMMUNITY")
        creds += [snmp.SnmpCredential("2c", community=c) for c in (env or "").split(",") if c]
    creds += [c for c in snmp.credentials_from_config(conf) if c not in creds]
    if not creds:
        creds = [snmp.SnmpCredential("2c", community="public")]
    retries = kw.get("retries")
    cfg = snmp.SnmpConfig(credentials=creds, port=int(kw.get("snmp_port") or 161),
                          timeout_s=float(kw.get("timeout") or 1.0),
                          retries=int(retries if retries is not None else 1),
                          concurrency=int(kw.get("concurrency") or 64))
    excludes = configured_excludes(conf, kw.get("exclude"))
    if not crawl:
        import asyncio

        todo = snmp_not_excluded(hosts, excludes)
        return asyncio.run(snmp.collect_many(todo, cfg, None)), None
    follow = (lambda n: True) if kw.get("crawl_leaves") else default_follow
    depth = kw.get("max_depth")
    cr = snmp.crawl_snmp(hosts, cfg, scope=snmp_crawl_scope(kw.get("scope"),
                                                            configured_scopes(conf)),
                         excludes=excludes, max_depth=3 if depth is None else depth,
                         follow=follow, progress=None)
    return cr.results, cr


def run_snmp(ctx: click.Context, targets: tuple[str, ...], kw: dict) -> None:  # type: ignore[type-arg]
    """`scan --snmp [--ssh] [--crawl]`: SNMP first; with --ssh, SSH fills the gaps per device."""
    from netcmdb.errors import ConfigError

    if not targets:
        raise ConfigError("scan --snmp needs at least one target (seed address, CIDR, name)")
    if kw.get("arp") or kw.get("icmp") or kw.get("tcp_ports"):
        raise ConfigError("run sweeps (--arp/--icmp/--tcp) and --snmp as separate scans")
    hosts = snmp_targets(targets)
    crawl = bool(kw.get("crawl"))
    results, cr = _snmp_collect(ctx, hosts, kw, crawl=crawl)
    if kw.get("use_ssh"):
        from netcmdb.discovery.merge import merge_facts

        # SSH every device SNMP reached or failed on (not the whole expanded range again).
        ssh_hosts = [r.device.ip or r.target if r.device else r.target for r in results]
        ssh = {r.target: r for r in _ssh_collect(ctx, ssh_hosts, kw, crawl=False)}
        merged = []
        for r, t in zip(results, ssh_hosts):
            other = ssh.get(t)
            if other is not None and other.device is not None:
                if r.device is not None:
                    r.device = merge_facts(r.device, other.device)
                else:  # SNMP off on this box: the SSH facts stand alone
                    r = other
            merged.append(r)
        results = merged
    _finish_snmp_scan(ctx, list(targets), results, cr, crawl, bool(kw.get("dry_run")),
                      bool(kw.get("as_json")))


def _finish_snmp_scan(ctx: click.Context, targets: list[str], results: list, cr,  # type: ignore[no-untyped-def,type-arg]
                      crawl: bool, no_ingest: bool, as_json: bool) -> None:
    from netcmdb.discovery.factsjson import result_to_dict

    summary = None
    if not no_ingest:
        summary = ingest.ingest_results(cmdb_of(ctx), results, source="snmp", targets=targets,
                                        methods=["snmp"], covered=[] if crawl else None)
    if as_json:
        out = {"results": [result_to_dict(r) for r in results]}
        if cr is not None:
            out["skipped"] = [{"what": w, "why": y} for w, y in cr.skipped]
        if summary is not None:
            out["run"] = summary_dict(summary)
        print_json(out)
        exit_if_none_answered(results)
        return
    from rich.table import Table

    con = console()
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
        click.echo(summary_line("snmp", summary))
    exit_if_none_answered(results)


# ---- the command ----


@click.command("scan")
@click.argument("targets", nargs=-1)
# methods
@click.option("--arp", is_flag=True, help="ARP sweep of the local segment (root).")
@click.option("--icmp", is_flag=True, help="ICMP echo sweep (unprivileged fallback if not root).")
@click.option("--tcp", "tcp_ports", metavar="PORTS", default=None,
              help="TCP connect probes of PORTS, e.g. 22,80,443,8000-8010.")
@click.option("--snmp", "use_snmp", is_flag=True,
              help="Collect over SNMP (with --ssh too: SNMP first, SSH fills gaps).")
@click.option("--ssh", "use_ssh", is_flag=True,
              help="Collect over SSH (netmiko + TextFSM): model, serial, LLDP/CDP, MAC, ARP.")
# scope
@click.option("--exclude", multiple=True, metavar="X",
              help="CIDR/range/address/@file never probed (repeatable; adds to the config's).")
@click.option("--max-hosts", type=click.IntRange(1), default=None,
              help="Refuse larger scans (default 65536).")
@click.option("--allow-public", is_flag=True, help="Permit internet-routed addresses.")
@click.option("--crawl", is_flag=True,
              help="SNMP/SSH: follow LLDP/CDP neighbours (bounded by --scope).")
@click.option("--scope", multiple=True, metavar="CIDR",
              help="Networks a crawl may enter (repeatable; default: [scan] scopes, else for SSH "
                   "each seed's /24).")
@click.option("--max-depth", type=click.IntRange(0, 32), default=None,
              help="Crawl depth (0: only the seeds; default 3).")
@click.option("--crawl-leaves", is_flag=True, help="SNMP crawl: also crawl phones and APs.")
# timing
@click.option("--rate", type=click.IntRange(1, 1_000_000), default=None,
              help="Sweep: packets per second (default 1000).")
@click.option("--timeout", type=click.FloatRange(0.01, 60), default=None,
              help="Sweep/SNMP: longest wait for a reply, seconds (default 1.0; the sweep adapts "
                   "below it).")
@click.option("--retries", type=click.IntRange(0, 10), default=None,
              help="Sweep/SNMP: extra tries for silent targets (default 1).")
@click.option("--command-timeout", type=click.FloatRange(0.5, 3600), default=None,
              help="SSH: seconds to wait for one command's output (default 30).")
@click.option("--device-timeout", type=click.FloatRange(1, 36000), default=None,
              help="SSH: seconds one device may take in total (default 180).")
@click.option("--concurrency", type=click.IntRange(1, 512), default=None,
              help="SNMP/SSH: devices collected at once (default 64 for SNMP, 32 for SSH).")
# sweep
@click.option("--no-dns", is_flag=True, help="Sweep: skip reverse DNS lookups.")
@click.option("--netbios", is_flag=True,
              help="Sweep: ask live hosts for their NetBIOS name (UDP 137).")
@click.option("--profile", default=None, metavar="NAME",
              help="Sweep: saved profile [scan.profiles.NAME] from the config file.")
# SNMP
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
# SSH
@click.option("--platform", type=click.Choice(_ssh_platform_choices()), default=None,
              help="SSH: device platform; default: detect from show/display version.")
@click.option("--accept-new-host-keys", is_flag=True,
              help="SSH: trust and record host keys not yet in known_hosts.")
@click.option("--known-hosts", type=click.Path(dir_okay=False), default=None,
              help="SSH known_hosts (default: $NETCMDB_SSH_KNOWN_HOSTS or ~/.ssh/known_hosts).")
@click.option("--ssh-port", type=click.IntRange(1, 65535), default=None,
              help="SSH port (default 22; a target may say host:port).")
@click.option("--credentials", "credential_set", default=None, metavar="NAME",
              help="SSH: credential set [credentials.NAME] from the config file.")
# output
@json_option("JSON on stdout (facts with --dry-run, else the run summary), no progress bar.")
@dry_run_option("Collect and print the facts; do not write the CMDB.")
@click.option("--no-store", "--no-ingest", "no_store", is_flag=True, hidden=True,
              help="Deprecated: --dry-run.")
@click.pass_context
def command(ctx: click.Context, targets: tuple[str, ...], **kw: object) -> None:
    """Discover devices at TARGET... and record them in the CMDB.

    TARGET: CIDRs, ranges like 10.0.0.1-50, addresses, host names, @file.
    Without --snmp/--ssh: an ARP/ICMP/TCP sweep that prints what is new, changed and missing
    since the last run. --snmp and --ssh collect device facts (model, serial, interfaces,
    neighbours, MAC tables); with --crawl they follow LLDP/CDP neighbours.
    """
    kw["dry_run"] = bool(kw["dry_run"] or kw.pop("no_store"))
    if kw["use_snmp"]:
        run_snmp(ctx, targets, kw)
    elif kw["use_ssh"]:
        run_ssh(ctx, targets, kw)
    else:
        sweep = ("arp", "icmp", "tcp_ports", "rate", "timeout", "retries", "exclude",
                 "max_hosts", "allow_public", "no_dns", "netbios", "as_json", "dry_run",
                 "profile")
        run_sweep(ctx, targets, **{k: kw[k] for k in sweep})  # type: ignore[arg-type]
