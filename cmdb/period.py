"""The period report (the manual's monthly work report and IT asset statistics): what happened
between two days — new, missing, moved and retired CIs, faults and repairs from the journal —
and the inventory counted by department, building and class.

Read from the CMDB's own records: ``ci.first_seen`` (new), the ``change`` history (missing,
moved, retired) and the journal. Used by ``export report --since`` and ``export xlsx --since``.
Returns plain data; must not import exporters or the CLI.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from netcmdb.cmdb.journal import list_notes
from netcmdb.cmdb.models import CI, Building, Change, Location
from netcmdb.cmdb.query import _iso, moved_change

_MISSING = and_(Change.attribute == "status", Change.new == "missing")
_RETIRED = or_(
    and_(Change.attribute == "lifecycle", Change.new == "retired"),
    and_(Change.attribute == "status", Change.new == "retired"),
)


def _event_cis(
    session: Session, cond: Any, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    rows = session.execute(
        select(CI.id, CI.name, type_coerce(CI.ci_class, String), func.min(Change.at))
        .join(Change, Change.ci_id == CI.id)
        .where(cond, Change.at >= since, Change.at <= until)
        .group_by(CI.id, CI.name, type_coerce(CI.ci_class, String))
        .order_by(CI.name)
    ).all()
    return [
        {"id": i, "name": n, "class": c, "at": _iso(at) if not isinstance(at, str) else at}
        for i, n, c, at in rows
    ]


def period_summary(session: Session, since: datetime, until: datetime) -> dict[str, Any]:
    """What happened from ``since`` to ``until`` (inclusive), and the inventory counts.

    Returns:
        ``{"since", "until", "new", "missing", "moved", "retired": [ {id, name, class, at} ],
        "faults", "repairs": [notes], "counts": {"by_department", "by_building", "by_class"},
        "totals": {...}}`` — counts cover the CIs not retired (lifecycle or status).
    """
    new = [
        {"id": i, "name": n, "class": c, "at": _iso(at)}
        for i, n, c, at in session.execute(
            select(CI.id, CI.name, type_coerce(CI.ci_class, String), CI.first_seen)
            .where(CI.first_seen >= since, CI.first_seen <= until)
            .order_by(CI.name)
        ).all()
    ]
    out: dict[str, Any] = {
        "since": _iso(since),
        "until": _iso(until),
        "new": new,
        "missing": _event_cis(session, _MISSING, since, until),
        "moved": _event_cis(session, moved_change(), since, until),
        "retired": _event_cis(session, _RETIRED, since, until),
        "faults": list_notes(session, since=since, until=until, kinds=["fault"]),
        "repairs": list_notes(session, since=since, until=until, kinds=["repair"]),
    }
    dept = func.coalesce(CI.department, Location.department, Building.department)
    rows = session.execute(
        select(dept, Location.building, type_coerce(CI.ci_class, String))
        .select_from(
            CI.__table__.outerjoin(Location.__table__, Location.id == CI.location_id).outerjoin(
                Building.__table__, Building.code == Location.building
            )
        )
        .where(
            func.coalesce(CI.lifecycle, "") != "retired",
            type_coerce(CI.status, String) != "retired",
        )
    ).all()
    by_dept: Counter[str] = Counter()
    by_building: Counter[str] = Counter()
    by_class: Counter[str] = Counter()
    for d, b, c in rows:
        by_dept[d or "(none)"] += 1
        by_building[b or "(none)"] += 1
        by_class[c or "other"] += 1
    out["counts"] = {
        "by_department": dict(by_dept.most_common()),
        "by_building": dict(sorted(by_building.items())),
        "by_class": dict(by_class.most_common()),
    }
    out["totals"] = {
        k: len(out[k]) for k in ("new", "missing", "moved", "retired", "faults", "repairs")
    }
    out["totals"]["in_service"] = len(rows)
    return out
