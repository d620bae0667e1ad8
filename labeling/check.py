"""``label check``: every label in the CMDB against the rule and the CI's recorded location.

Reports three kinds of problem: malformed labels (the parser's message), duplicates (two CIs with
the same room and seat — the unique constraint only catches identical strings, not
``HQ-SW-D010210-001`` vs ``D010210-001``) and labels whose room disagrees with the recorded
location (or whose seat disagrees with ``ci.seat``).

Imports cmdb; must not import exporters or the CLI; never prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from netcmdb.cmdb.models import CI, Location
from netcmdb.errors import N_, LabelError, message_of
from netcmdb.labeling.rule import Rule


@dataclass
class Problem:
    kind: str  # malformed | duplicate | location | seat
    ci_id: int
    name: str
    label: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "ci_id": self.ci_id,
            "name": self.name,
            "label": self.label,
            "message": self.message,
        }


@dataclass
class CheckReport:
    checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        counts: dict[str, int] = {}
        for p in self.problems:
            counts[p.kind] = counts.get(p.kind, 0) + 1
        return {
            "checked": self.checked,
            "counts": counts,
            "problems": [p.as_dict() for p in self.problems],
        }


def check_labels(session: Session, rule: Rule) -> CheckReport:
    """Check every labelled CI; problems are ordered malformed, duplicate, location, seat."""
    report = CheckReport()
    locs = {loc.id: loc for loc in session.scalars(select(Location))}
    by_seat: dict[tuple[str, str, str, int], list[CI]] = {}
    mismatches: list[Problem] = []
    rows = session.scalars(select(CI).where(CI.label.is_not(None)).order_by(CI.label, CI.id))
    for ci in rows:
        report.checked += 1
        text = ci.label or ""
        try:
            lab = rule.parse(text)
        except LabelError as exc:
            report.problems.append(Problem("malformed", ci.id, ci.name, text, message_of(exc)))
            continue
        by_seat.setdefault((*lab.room_key, lab.seat), []).append(ci)
        code = rule.format_room(*lab.room_key)
        loc = locs.get(ci.location_id) if ci.location_id is not None else None
        if loc is None:
            mismatches.append(
                Problem(
                    "location",
                    ci.id,
                    ci.name,
                    text,
                    N_("label says room {code}, no location recorded", code=code),
                )
            )
        else:
            try:
                key = rule.normalize_room(loc.building, loc.floor, loc.room)
                where = rule.format_room(*key)
            except LabelError:
                key = None
                where = f"{loc.building}/{loc.floor}/{loc.room}"
            if key != lab.room_key:
                mismatches.append(
                    Problem(
                        "location",
                        ci.id,
                        ci.name,
                        text,
                        N_(
                            "label says room {code}, recorded location is {where}",
                            code=code,
                            where=where,
                        ),
                    )
                )
        if ci.seat is not None and ci.seat != lab.seat:
            mismatches.append(
                Problem(
                    "seat",
                    ci.id,
                    ci.name,
                    text,
                    N_(
                        "label says seat {seat}, recorded seat is {recorded}",
                        seat=lab.seat,
                        recorded=ci.seat,
                    ),
                )
            )
    for (b, f, r, seat), cis in sorted(by_seat.items()):
        if len(cis) < 2:
            continue
        others = ", ".join(f"{c.name} ({c.label})" for c in cis)
        for ci in cis:
            report.problems.append(
                Problem(
                    "duplicate",
                    ci.id,
                    ci.name,
                    ci.label or "",
                    N_(
                        "room {room} seat {seat} is on {n} CIs: {others}",
                        room=rule.format_room(b, f, r),
                        seat=seat,
                        n=len(cis),
                        others=others,
                    ),
                )
            )
    report.problems.extend(mismatches)
    return report
