"""Discovery runs for every face: which addresses a scan may contact, the sweep, SNMP and SSH
collection (with crawls), and merging SNMP with SSH facts.

``netcmdb scan`` parses its options into these calls and renders what they return; nothing here
prints, draws a progress bar or imports click, rich or a web framework. Every decision about
which addresses may be contacted is :mod:`netcmdb.net.scope`'s; this module gathers the rules
from the options, the profile and the config (``cfg``: the parsed config file) and plans before
anything is sent (a refused target stops the scan before credentials are even read).

``opts`` below are the scan's options by their ``netcmdb scan`` names (``exclude``,
``max_hosts``, ``allow_public``, ``dry_run``, ``crawl``, ``scope``, ``max_depth``,
``crawl_leaves``, ``timeout``, ``retries``, ``concurrency``, ``communities``, ``snmp_port``,
``v3_*``, ``platform``, ``ssh_port``, ``known_hosts``, ``accept_new_host_keys``,
``command_timeout``, ``device_timeout``, ``credential_set``); absent or None means the default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netcmdb.discovery.facts import ScanResult

#: a crawl's depth when --max-depth is not given
DEFAULT_CRAWL_DEPTH = 3

# ---- scope: which addresses each method may contact ----


def scope_rules(
    cfg: dict, exclude: tuple[str, ...] | None, max_hosts: int | None, allow_public: bool, prof=None
):
    """``--exclude`` + profile + ``[scan] excludes``, ``--allow-public``, ``--max-hosts``."""
    from netcmdb.discovery.profiles import global_excludes
    from netcmdb.net.scope import DEFAULT_MAX_HOSTS, ScopeRules

    excludes = [*global_excludes(cfg), *(prof.exclude if prof else ()), *(exclude or ())]
    return ScopeRules(
        tuple(excludes),
        allow_public=bool(allow_public or (prof.allow_public if prof else False)),
        max_hosts=max_hosts or (prof.max_hosts if prof else None) or DEFAULT_MAX_HOSTS,
    )


def sweep_scope(
    cfg: dict,
    targets: tuple[str, ...],
    profile: str | None,
    exclude: tuple[str, ...],
    max_hosts: int | None,
    allow_public: bool,
):
    """The sweep's profile, target specs, rules and checked plan (addresses only)."""
    from netcmdb.discovery.profiles import ScanProfile, default_scopes, profile_from_config
    from netcmdb.errors import ScopeError

    prof = profile_from_config(cfg, profile)[0] if profile else ScanProfile("cli")
    specs = list(targets) or prof.targets or default_scopes(cfg)
    if not specs:
        raise ScopeError(
            "no targets: give TARGET..., a --profile with targets, or [scan] "
            "scopes in the config file"
        )
    rules = scope_rules(cfg, exclude, max_hosts, allow_public, prof)
    return prof, specs, rules, rules.plan(specs, names=False)


def device_scope(cfg: dict, targets: Sequence[str], kw: Mapping[str, Any], what: str):
    """SNMP/SSH: ``(rules, plan, crawl)`` checked before any packet, credential or thread.

    Targets take every net.scope form plus host names and ``host:port``. A dry run does not
    resolve names (a DNS query is a packet too). With ``--crawl``, ``crawl`` is the
    ``(CrawlScope, seeds, excluded seeds)`` of :func:`netcmdb.discovery.crawl.plan_crawl`.
    """
    from netcmdb.discovery.crawl import plan_crawl
    from netcmdb.discovery.profiles import default_scopes
    from netcmdb.errors import ConfigError
    from netcmdb.net.scope import flatten

    if not targets:
        raise ConfigError(
            "scan {what} needs at least one target (address, CIDR, range, host name, @file)",
            what=what,
        )
    rules = scope_rules(cfg, kw.get("exclude"), kw.get("max_hosts"), bool(kw.get("allow_public")))
    resolve = None if kw.get("dry_run") else _system_resolver()
    plan = rules.plan(flatten(targets), names=True, resolve=resolve)
    crawl = None
    if kw.get("crawl"):
        crawl = plan_crawl(
            flatten(targets),
            scope=flatten(kw.get("scope") or ()),
            rules=rules,
            configured=default_scopes(cfg),
            resolve=resolve,
        )
    elif kw.get("scope"):
        raise ConfigError("--scope bounds a crawl; add --crawl, or give the networks as targets")
    return rules, plan, crawl


def _system_resolver():
    from netcmdb.net.scope import system_resolver

    return system_resolver


def dry_run_plan(
    methods: list[str],
    specs: Sequence[str],
    rules,
    plan,
    crawl,
    max_depth: int | None = None,
) -> dict[str, Any]:
    """What ``scan --dry-run --json`` prints: what would be contacted (nothing is sent)."""
    doc: dict[str, Any] = {
        "dry_run": True,
        "methods": methods,
        "targets": list(specs),
        "excludes": list(rules.excludes),
        "allow_public": rules.allow_public,
        "max_hosts": rules.max_hosts,
        "contact": plan.targets(),
        **{k: v for k, v in plan.as_dict().items() if k not in ("addresses", "ports")},
    }
    if crawl is not None:
        cs, seeds, dropped = crawl
        doc["crawl"] = {
            "seeds": seeds,
            "excluded_seeds": dropped,
            "scope": cs.as_dict(),
            "max_depth": DEFAULT_CRAWL_DEPTH if max_depth is None else max_depth,
            "note": "neighbours are found only by contacting the seeds; each one is "
            "checked against this scope before it is contacted",
        }
    return doc


# ---- sweep: ARP / ICMP / TCP ----


def sweep_methods(prof, arp: bool, icmp: bool, tcp_ports: str | None) -> tuple[list[str], Any]:
    """The sweep's methods (the options, else the profile's, else ARP+ICMP as root and ICMP
    otherwise) and its TCP ports (checked; default 22,23,80,443,445,3389,8080,9100)."""
    import os

    from netcmdb.discovery.sweep import parse_ports
    from netcmdb.errors import ConfigError

    methods = [m for m, on in (("arp", arp), ("icmp", icmp), ("tcp", tcp_ports)) if on]
    methods = methods or list(prof.methods) or (["arp", "icmp"] if os.geteuid() == 0 else ["icmp"])
    ports = tcp_ports or prof.tcp_ports
    if "tcp" in methods:
        try:
            ports = ",".join(map(str, parse_ports(ports or "22,23,80,443,445,3389,8080,9100")))
        except ValueError as exc:
            raise ConfigError("--tcp: {exc}", exc=exc) from None
    return methods, ports


def sweep_options(
    prof,
    rules,
    ports,
    *,
    timeout: float | None,
    retries: int | None,
    rate: int | None,
    no_dns: bool,
    netbios: bool,
):
    """The sweep scanners' :class:`~netcmdb.discovery.base.ScanOptions`: the options, else the
    profile's, else the defaults (1 s, 1 retry, 1000 packets/s)."""
    from netcmdb.discovery.base import ScanOptions

    return ScanOptions(
        timeout_s=timeout or prof.timeout or 1.0,
        retries=retries
        if retries is not None
        else (prof.retries if prof.retries is not None else 1),
        rate_pps=rate or prof.rate or 1000,
        excludes=list(rules.excludes),
        allow_public=rules.allow_public,
        max_hosts=rules.max_hosts,
        extra={
            "ports": ports,
            "resolve": not no_dns and prof.resolve is not False,
            "netbios": netbios or bool(prof.netbios),
        },
    )


def sweep(addresses: list[str], methods: list[str], options, progress=None):
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
    results: list[ScanResult] = []
    notes: list[str] = []
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


def sweep_hosts(results) -> list[dict]:
    """One row per live address, merging what each method saw (for display only)."""
    hosts: dict[str, dict] = {}
    for r in results:
        d = r.device
        if d is None:
            continue
        h = hosts.setdefault(
            d.ip or r.target,
            {
                "ip": d.ip or r.target,
                "mac": None,
                "mac_vendor": None,
                "dns_name": None,
                "netbios_name": None,
                "open_ports": [],
                "methods": [],
                "rtt_ms": None,
            },
        )
        h["methods"].append(str(d.source))
        for k in ("mac", "mac_vendor", "dns_name", "netbios_name"):
            h[k] = h[k] or getattr(d, k)
        h["open_ports"] = sorted(set(h["open_ports"]) | set(d.open_ports))
        if d.rtt_ms is not None and (h["rtt_ms"] is None or d.rtt_ms < h["rtt_ms"]):
            h["rtt_ms"] = d.rtt_ms
    import ipaddress

    return sorted(hosts.values(), key=lambda h: ipaddress.ip_address(h["ip"]))


def sweep_facts(
    specs: Sequence[str], rules, methods: list[str], probed: int, results
) -> dict[str, Any]:
    """What ``scan --no-store --json`` prints for a sweep: the hosts (one row per live address),
    the facts (as ``POST /api/v1/facts`` reads them) and the failures."""
    from dataclasses import asdict

    return {
        "targets": list(specs),
        "excludes": list(rules.excludes),
        "methods": methods,
        "probed": probed,
        "hosts": sweep_hosts(results),
        "facts": [asdict(r.device) for r in results if r.device],
        "errors": [
            {"target": r.target, "kind": r.error_kind, "error": r.error} for r in results if r.error
        ],
    }


# ---- SSH: netmiko + TextFSM ----


def collect_ssh(
    cfg: dict, targets: list[str], kw: Mapping[str, Any], rules, crawl, progress=None
) -> tuple[list, Any]:
    """Run the SSH collector (or, with ``crawl`` planned, the crawl) for checked ``targets``;
    returns ``(results, CrawlResult or None)``. The library checks ``rules`` again."""
    from pathlib import Path

    from netcmdb.discovery.credentials import load_credentials
    from netcmdb.discovery.ssh import SshSettings, collect_many, crawl_ssh, default_known_hosts

    ssh_cfg = cfg.get("ssh", {}) if isinstance(cfg.get("ssh"), dict) else {}
    creds = load_credentials(config=cfg, credential_set=kw.get("credential_set"))
    known_hosts = kw.get("known_hosts") or ssh_cfg.get("known_hosts")
    settings = SshSettings(
        credentials=creds,
        platform=kw.get("platform") or ssh_cfg.get("platform"),
        port=int(kw.get("ssh_port") or ssh_cfg.get("port") or 22),
        known_hosts=Path(known_hosts).expanduser() if known_hosts else default_known_hosts(),
        accept_new_host_keys=bool(kw.get("accept_new_host_keys")),
        command_timeout_s=float(kw.get("command_timeout") or ssh_cfg.get("command_timeout") or 30),
        device_timeout_s=float(kw.get("device_timeout") or ssh_cfg.get("device_timeout") or 180),
        concurrency=int(kw.get("concurrency") or ssh_cfg.get("concurrency") or 32),
        scope=rules,
    )
    if crawl is not None:
        depth = kw.get("max_depth")
        out = crawl_ssh(
            targets,
            settings,
            scope=crawl[0],
            max_depth=DEFAULT_CRAWL_DEPTH if depth is None else int(depth),
            progress=progress,
        )
        return out.results, out
    results = collect_many(targets, settings, progress=progress)
    return [r for r in results if r.error_kind != "excluded"], None


# ---- SNMP (and SNMP + SSH) ----


def collect_snmp(cfg: dict, hosts: list[str], kw: Mapping[str, Any], rules, crawl):
    """Collect (and with ``crawl`` planned, crawl from) checked ``hosts`` over SNMP ->
    (results, CrawlResult or None). The library checks ``rules`` again.

    Credentials: command line, then NETCMDB_SNMP_COMMUNITY, then the config file's
    [credentials.*] tables; ``public`` only when nothing is given at all.
    """
    from netcmdb.discovery import snmp
    from netcmdb.discovery.crawl import default_follow

    conf = cfg
    creds: list[snmp.SnmpCredential] = []
    if kw.get("v3_user"):
        creds.append(
            snmp.SnmpCredential(
                "3",
                user=kw["v3_user"],
                auth_proto=kw.get("v3_auth_proto"),
                auth_key=kw.get("v3_auth_key"),
                priv_proto=kw.get("v3_priv_proto"),
                priv_key=kw.get("v3_priv_key"),
            )
        )
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
    snmp_cfg = snmp.SnmpConfig(
        credentials=creds,
        port=int(kw.get("snmp_port") or 161),
        timeout_s=float(kw.get("timeout") or 1.0),
        retries=int(retries if retries is not None else 1),
        concurrency=int(kw.get("concurrency") or 64),
        scope=rules,
    )
    if crawl is None:
        import asyncio

        results = asyncio.run(snmp.collect_many(hosts, snmp_cfg, None))
        return [r for r in results if r.error_kind != "excluded"], None
    follow = (lambda n: True) if kw.get("crawl_leaves") else default_follow
    depth = kw.get("max_depth")
    cr = snmp.crawl_snmp(
        hosts,
        snmp_cfg,
        scope=crawl[0],
        max_depth=DEFAULT_CRAWL_DEPTH if depth is None else depth,
        follow=follow,
        progress=None,
    )
    return cr.results, cr


def fill_with_ssh(
    results: list[ScanResult], collect: Callable[[list[str]], list[ScanResult]]
) -> list[ScanResult]:
    """SNMP first, SSH fills the gaps: SSH every device SNMP reached or failed on (not the whole
    expanded range again) through ``collect(hosts)``; a device's SSH facts merge into its SNMP
    facts (``discovery.merge.merge_facts``), or stand alone where SNMP is off."""
    from netcmdb.discovery.merge import merge_facts

    ssh_hosts = [r.device.ip or r.target if r.device else r.target for r in results]
    ssh = {r.target: r for r in collect(ssh_hosts)}
    merged = []
    for r, t in zip(results, ssh_hosts, strict=True):
        other = ssh.get(t)
        if other is not None and other.device is not None:
            if r.device is not None:
                r.device = merge_facts(r.device, other.device)
            else:  # SNMP off on this box: the SSH facts stand alone
                r = other
        merged.append(r)
    return merged
