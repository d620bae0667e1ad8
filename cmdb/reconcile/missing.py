"""Miss counting: CIs a run covered but did not see count a miss and become ``missing``
after ``missing_after`` runs; a CI seen again is active again (unless a person set its status).
"""

from __future__ import annotations

import ipaddress

from netcmdb.cmdb.models import CIStatus
from netcmdb.cmdb.reconcile.run import Run
from netcmdb.cmdb.reconcile.store import R_IP, R_MISSED, R_STATUS


# -- missing -------------------------------------------------------------------------------
def count_missing(run: Run, covered: list[str], failed_ips: set[str]) -> list[int]:
    nets = []
    for c in covered:
        try:
            nets.append(ipaddress.ip_network(c, strict=False))
        except ValueError:
            continue
    if not nets:
        return []
    ranges = [(int(n.network_address), int(n.broadcast_address), n.version) for n in nets]
    newly_missing: list[int] = []
    cis, seen = run.cis, run.seen
    # in id order; a CI created by this run (key < 0) is seen, and never missing
    for key in sorted(cis.rows.keys() - seen - run.host_absent):
        if key < 0:
            continue
        ip_ = cis.peek(key, R_IP)
        if not ip_ or ip_ in failed_ips:
            continue
        if cis.peek(key, R_STATUS) == CIStatus.RETIRED.value:
            continue
        try:
            a = ipaddress.ip_address(ip_)
        except ValueError:
            continue
        ai, av = int(a), a.version
        if not any(lo <= ai <= hi and v == av for lo, hi, v in ranges):
            continue
        ci = cis[key]
        ci["missed_runs"] = (ci["missed_runs"] or 0) + 1
        run.dirty.add(key)
        if ci["status"] == CIStatus.ACTIVE.value and ci["missed_runs"] >= run.cfg.missing_after:
            ci["status"] = CIStatus.MISSING.value
            run.changes.append(
                {
                    "ci_id": key,
                    "attribute": "status",
                    "old": "active",
                    "new": "missing",
                    "source": "reconcile",
                }
            )
            newly_missing.append(key)
    return newly_missing


def mark_seen(run: Run) -> None:
    cis, missing = run.cis, CIStatus.MISSING.value
    rows = cis.rows
    # the common case, a row still as loaded that was active and seen last time too, is
    # left alone (a C-level filter over 100k seen keys instead of two peeks per key)
    suspects = [
        key
        for key in run.seen
        if key in cis or rows[key][R_MISSED] or rows[key][R_STATUS] == missing
    ]
    for key in suspects:
        ci = cis[key]
        if not ci["missed_runs"] and ci["status"] != missing:
            continue
        if key > 0 and ci["status"] == missing and (key not in run.explicit_status):
            ci["status"] = CIStatus.ACTIVE.value
            run.changes.append(
                {
                    "ci_id": key,
                    "attribute": "status",
                    "old": "missing",
                    "new": "active",
                    "source": "reconcile",
                }
            )
            run.changed_keys.add(key)
            run.dirty.add(key)
        if ci["missed_runs"]:
            ci["missed_runs"] = 0
            run.dirty.add(key)
