"""Scan and import runs for every face: list, show, diff, and the one run-summary shape.

Must not import click, rich or a web framework.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from netcmdb.services.context import Cmdb

if TYPE_CHECKING:
    from netcmdb.cmdb.reconcile import RunSummary


def summary_dict(summary: RunSummary) -> dict[str, Any]:
    """The one JSON shape of a run summary, wherever one is printed or returned:
    ``{"run_id", "new", "changed", "missing", "failed", "seen"}``."""
    return asdict(summary)


def summary_from_dict(d: dict[str, Any]) -> RunSummary:
    """A run summary back from :func:`summary_dict` (e.g. a server's answer to pushed facts);
    keys it does not know are ignored."""
    from netcmdb.cmdb.reconcile import RunSummary

    known = set(RunSummary.__dataclass_fields__)
    return RunSummary(**{k: v for k, v in d.items() if k in known})


def list_runs(cmdb: Cmdb, limit: int | None = 50) -> list[dict[str, Any]]:
    """Runs, newest first: counters ``seen, new, changed, moved, missing, failed`` (``moved``
    counts the CIs :func:`summary_dict`'s ``moved`` names)."""
    from netcmdb.cmdb.query import list_runs as query_runs

    with cmdb.session() as s:
        return query_runs(s, limit)


def show_run(cmdb: Cmdb, run_id: int | str) -> dict[str, Any]:
    """What one run found: new, changed and missing CIs, changes, failed hosts."""
    from netcmdb.cmdb.query import run_detail

    with cmdb.session() as s:
        return run_detail(s, run_id)


def diff_runs(cmdb: Cmdb, run_a: int | str, run_b: int | str) -> dict[str, Any]:
    """CIs seen by only one of two runs, and the changes in between."""
    from netcmdb.cmdb.query import run_diff

    with cmdb.session() as s:
        return run_diff(s, run_a, run_b)
