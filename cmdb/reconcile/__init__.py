"""The reconciliation engine: discovery facts in, CIs out, in one transaction.

What it does for each run (:func:`ingest`):

1. records a :class:`~netcmdb.cmdb.models.ScanRun` (its INSERT is the first statement, so on SQLite
   the write lock is taken before anything is read: two writers serialise instead of failing);
2. bulk-loads every CI (as a plain row tuple, made a dict only when the run touches it),
   identifier and location (no ORM objects: 100k facts must reconcile in seconds, see
   ``benchmarks/ingest.py``);
3. identifies each fact through an ordered, configurable chain of rules (serial, then chassis /
   interface MAC, then hostname, then IP), skipping junk serials and virtual MACs and refusing a
   weak match (hostname/IP) when a stronger identifier of the same kind disagrees;
4. merges attributes with per-attribute source priority (manual > import > ssh > snmp > nmap >
   tcp/icmp > arp; a manual value is never overwritten by discovery) and the name rule (own
   name, domain stripped > reverse DNS > IP; manual wins);
5. turns LLDP/CDP neighbours into ``connected_to`` relationships (one row per cable, whichever
   side saw it), FDB rows into :class:`~netcmdb.cmdb.models.PortSighting` and ARP rows into
   MAC/IP joins;
5b. makes every end host the switches' tables place (:mod:`netcmdb.discovery.endhosts`) a CI,
   identified like any fact (MAC, then IP), cabled (``connected_to``, ``asserted_by='fdb'``) to
   its switch port or to a placeholder CI on a crowded port; a host found on another port is
   *moved* (its link moves, a ``connected_to`` change is recorded), a host its switch no longer
   reports counts a miss and, once missing, loses its link; links a person made are never
   touched. A device that routes and whose ARP table resolves the hosts gets role ``gateway``
   (unless a person set one);
6. counts misses for CIs whose address the run covered and marks them ``missing`` after N runs;
7. writes everything with bulk statements (run events as ranges of CI ids) and returns a
   :class:`RunSummary`.

Where each step lives (one module per responsibility; this package's ``__init__`` is the public
Run API: :func:`ingest`, :func:`begin_run` / :func:`finish_run`, :class:`Run`):
:mod:`.config` (settings, constants, :class:`RunSummary`), :mod:`.identify` (step 3),
:mod:`.merge` (the merge rule of step 4, written once), :mod:`.run` (a run's state; steps 2-4),
:mod:`.store` (how a run holds CIs: row layout, shared ``attr_sources``),
:mod:`.links` (LLDP/CDP and ARP, step 5), :mod:`.endhosts` (step 5b), :mod:`.missing` (step 6),
:mod:`.write` and :mod:`.bulk` (step 7; every SQLAlchemy/DBAPI trick is in ``bulk``),
:mod:`.precheck` (the optional forked rescan helper). The submodules import each other by full
module path, never this package (no import circles: tests/test_architecture.py).

Must not import scanners (``netcmdb.discovery.sweep/snmp/ssh``) or anything above ``cmdb``.
"""

from __future__ import annotations

import gc
import ipaddress
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from netcmdb.cmdb.models import CI, CIStatus, RunEvent, RunStatus, ScanRun, utcnow
from netcmdb.cmdb.reconcile.bulk import lock_for_writing
from netcmdb.cmdb.reconcile.config import (
    ATTRIBUTES,
    DEFAULT_CFG,
    DEFAULT_JUNK_HOSTNAMES,
    DEFAULT_JUNK_SERIALS,
    DEFAULT_RULES,
    DEFAULT_SOURCE_PRIORITY,
    FDB_LINK,
    NAME_BASES,
    LocationParser,
    ReconcileConfig,
    RunSummary,
)
from netcmdb.cmdb.reconcile.endhosts import collect_fdb_all, plan_host_links, routes
from netcmdb.cmdb.reconcile.identify import (
    IdentityIndex,
    as_text,
    canon_ip,
    canon_mac,
    clean_hostname,
    clean_serial,
    fact_identifiers,
    is_identifying_mac,
)
from netcmdb.cmdb.reconcile.links import arp_joins, collect_neighbors
from netcmdb.cmdb.reconcile.merge import (
    KEEP,
    RETAG,
    TAKE,
    given_name_action,
    merge_action,
    name_action,
    outranks,
)
from netcmdb.cmdb.reconcile.missing import count_missing, mark_seen
from netcmdb.cmdb.reconcile.run import Run
from netcmdb.cmdb.reconcile.store import R_NAME
from netcmdb.cmdb.reconcile.write import write, write_class_reasons, write_events
from netcmdb.discovery.facts import DeviceFact, ScanResult
from netcmdb.discovery.vendors import port_key

__all__ = [
    "ATTRIBUTES",
    "DEFAULT_CFG",
    "DEFAULT_JUNK_HOSTNAMES",
    "DEFAULT_JUNK_SERIALS",
    "DEFAULT_RULES",
    "DEFAULT_SOURCE_PRIORITY",
    "FDB_LINK",
    "KEEP",
    "NAME_BASES",
    "RETAG",
    "TAKE",
    "IdentityIndex",
    "LocationParser",
    "ReconcileConfig",
    "Run",
    "RunSummary",
    "begin_run",
    "canon_ip",
    "canon_mac",
    "clean_hostname",
    "clean_serial",
    "fact_identifiers",
    "finish_run",
    "given_name_action",
    "ingest",
    "is_identifying_mac",
    "merge_action",
    "name_action",
    "outranks",
    "paused_gc",
    "port_key",
    "retired_seen",
    "routes",
]


def _covered_from_targets(targets: Sequence[str]) -> list[str]:
    out = []
    for t in targets:
        try:
            out.append(str(ipaddress.ip_network(t.strip(), strict=False)))
        except ValueError:
            continue
    return out


def ingest(
    session: Session,
    results: Iterable[ScanResult] | Iterable[DeviceFact],
    *,
    source: str,
    targets: list[str],
    methods: list[str],
    covered: list[str] | None = None,
    location_parser: LocationParser | None = None,
    config: ReconcileConfig | None = None,
) -> RunSummary:
    """Reconcile one run's results into the CMDB (inside the caller's transaction).

    Args:
        session: an open session; the caller commits (``session_scope``), so a crash or
            an exception leaves the CMDB as it was.
        results: scanner results or bare device facts (e.g. from an nmap XML import).
        source: what produced the run (``arp``, ``snmp``, ``nmap``...); facts carry their own
            source for attribute priority.
        targets: what the user asked to scan (recorded on the run).
        methods: scanners used (recorded on the run).
        covered: CIDRs/IPs the run really covered; CIs there that were not seen count a miss.
            ``None`` means "the targets that parse as networks"; ``[]`` disables miss counting
            (an import covers nothing).
        location_parser: turns SNMP ``sysLocation`` text into a location (see
            :data:`LocationParser`); None leaves locations alone.
        config: reconciler knobs; defaults to :class:`ReconcileConfig()`.

    Returns:
        The run's id and the names of new, changed and newly missing CIs, plus per-host failures.
    """
    with paused_gc():
        return _ingest(
            session,
            results,
            source=source,
            targets=targets,
            methods=methods,
            covered=covered,
            location_parser=location_parser,
            config=config or DEFAULT_CFG,
        )


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector during a bulk reconcile.

    A run builds hundreds of thousands of small dicts/sets that are all alive until the end;
    the collector would re-traverse them again and again (measured: 2-3x slower at 100k facts).
    Nothing here creates reference cycles that need collecting before the run ends.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _ingest(
    session: Session,
    results: Iterable[ScanResult] | Iterable[DeviceFact],
    *,
    source: str,
    targets: list[str],
    methods: list[str],
    covered: list[str] | None,
    location_parser: LocationParser | None,
    config: ReconcileConfig,
) -> RunSummary:
    cfg = config
    run = begin_run(
        session,
        targets=targets,
        methods=list(methods or [source]),
        cfg=cfg,
        location_parser=location_parser,
    )
    failed: list[dict[str, str]] = []
    facts: list[DeviceFact] = []
    failed_ips: set[str] = set()
    n_results = 0
    for r in results:
        n_results += 1
        if isinstance(r, DeviceFact):
            facts.append(r)
            continue
        if r.error:
            failed.append({"target": r.target, "kind": r.error_kind or "other", "error": r.error})
            t_ip = canon_ip(r.target)
            if t_ip:
                failed_ips.add(t_ip)
        if r.device is not None:
            facts.append(r.device)
    fact_keys = list(zip(run.ingest_facts(facts), facts, strict=True))
    run.facts_by_key = {key: fact for key, fact in fact_keys}  # [snmp] far-end port resolution
    for key, fact in fact_keys:
        if fact.neighbors:
            collect_neighbors(run, key, fact, as_text(fact.source) or source)
        if fact.arp:
            run.arp.extend(fact.arp)
    collect_fdb_all(run, fact_keys)  # [snmp] end hosts placed across all switches of the run
    cov = _covered_from_targets(targets) if covered is None else covered
    all_failed = bool(failed) and len(failed) >= n_results and not facts
    # tables an agent made hard to read (non-increasing OIDs, loop guard, row limit) are kept
    # in the run too, not only on the device's result
    walk_warnings = [
        {"target": f.ip or f.hostname or "", "kind": "warning", "error": w}
        for f in facts
        if f.warnings
        for w in f.warnings
        if ": walk of " in w
    ]
    return finish_run(
        run,
        covered=cov,
        failed=failed,
        failed_ips=failed_ips,
        all_failed=all_failed,
        warnings=walk_warnings,
    )


def begin_run(
    session: Session,
    *,
    targets: list[str],
    methods: list[str],
    cfg: ReconcileConfig | None = None,
    location_parser: LocationParser | None = None,
) -> Run:
    """Record a running ScanRun (first statement: takes the write lock) and load the CMDB.

    Low-level half of :func:`ingest` for the importer; most callers want :func:`ingest`.
    """
    cfg = cfg or DEFAULT_CFG
    now = utcnow()
    run_t = ScanRun.__table__
    run_id = session.execute(
        insert(run_t).returning(run_t.c.id),
        [
            {
                "targets": list(targets),
                "methods": list(methods),
                "started": now,
                "status": RunStatus.RUNNING.value,
                "n_seen": 0,
                "n_new": 0,
                "n_changed": 0,
                "n_missing": 0,
                "n_failed": 0,
                "errors": [],
            }
        ],
    ).scalar_one()
    lock_for_writing(session)
    run = Run(session, cfg, run_id, now, location_parser)
    run.load()
    return run


def finish_run(
    run: Run,
    *,
    covered: list[str],
    failed: list[dict[str, str]] | None = None,
    failed_ips: set[str] | None = None,
    all_failed: bool = False,
    warnings: list[dict[str, str]] | None = None,
) -> RunSummary:
    """Joins, miss counting, writes, run events and the run's final status (other half).

    ``warnings`` (kind ``warning``) are stored with the run's per-host errors but neither count
    as failures nor change the run's status.
    """
    failed = failed or []
    session, run_id = run.s, run.run_id
    mac_ip = arp_joins(run)
    mark_seen(run)
    host_missing = plan_host_links(run)
    newly_missing = count_missing(run, covered, failed_ips or set()) + host_missing
    real = write(run, mac_ip)
    write_class_reasons(run, real)

    conn = session.connection()
    changed_names = write_events(run, real, newly_missing)
    seen_n = len(run.seen)
    run_t = ScanRun.__table__
    if all_failed:
        status = RunStatus.FAILED.value
    elif failed:
        status = RunStatus.PARTIAL.value
    else:
        status = RunStatus.OK.value
    new_names = [run.cis.peek(k, R_NAME) for k in run.new_keys]
    missing_names = [run.cis[k]["name"] for k in newly_missing]
    conn.execute(
        update(run_t)
        .where(run_t.c.id == run_id)
        .values(
            finished=utcnow(),
            status=status,
            n_seen=seen_n,
            n_new=len(new_names),
            n_changed=len(changed_names),
            n_missing=len(newly_missing),
            n_failed=len(failed),
            errors=failed + (warnings or []),
        )
    )
    return RunSummary(
        run_id=run_id,
        new=new_names,
        changed=sorted(changed_names),
        missing=missing_names,
        failed=failed,
        seen=seen_n,
        moved=sorted(run.cis.peek(k, R_NAME) for k in run.moved),
        gateways=sorted(
            run.cis.peek(k, R_NAME) for k in run.gateways if k in run.cis or k in run.cis.rows
        ),
        retired_seen=retired_seen(conn, run_id),
    )


def retired_seen(conn: Any, run_id: int) -> list[str]:
    """Names of the CIs run ``run_id`` saw although a person retired them (lifecycle
    ``retired`` or status ``retired``): discovery leaves that state alone, the run reports it."""
    ct, et = CI.__table__, RunEvent.__table__
    q = (
        select(ct.c.name)
        .select_from(ct.join(et, ct.c.id.between(et.c.first_ci_id, et.c.last_ci_id)))
        .where(
            et.c.run_id == run_id,
            et.c.event.in_(("seen", "changed")),
            (func.coalesce(ct.c.lifecycle, "") == "retired")
            | (ct.c.status == CIStatus.RETIRED.value),
        )
        .order_by(ct.c.name)
    )
    return list(conn.execute(q).scalars())
