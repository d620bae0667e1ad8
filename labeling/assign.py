"""Seat assignment: next free seat per room, renumbering, and the technician's U-order walk.

Atomicity comes from the schema, not from locks: ``ci.label`` has the unique constraint
``uq_ci_label`` and a label is a function of (room, seat), so two assigners that pick the same seat
cannot both commit. Each CI is labelled in its own short transaction; on a unique violation (or
SQLite's "database is locked" when a write lost the race) the transaction is rolled back and the
seat recomputed. ``UPDATE ... WHERE label IS NULL`` makes sure a CI labelled by a concurrent
assigner is left alone.

Seat policy (``[label] seats``): ``lowest-free`` (the default) gives the lowest seat of the room
that no in-service CI's label carries, because the seat is the machine's place in the U; a
retired CI (lifecycle or status ``retired``) frees its seat, and its label is taken off it in the
same transaction (the old label stays in its history). ``never-reuse`` gives one above the
highest seat any label of the room ever carried, so an old sticker on a removed machine cannot
collide with a new one. A seat a person gave an unlabelled CI (``ci set --seat``, pinned
``manual``) is its place in the room and is kept: its label carries that seat (such CIs are
labelled first; when another label already holds the seat the CI is skipped with the reason).
``--renumber`` closes gaps and is recorded in the Change table (CI
history), as is every assignment. Labels, seats and
walked locations are pinned in ``attr_sources`` like manual edits: discovery never undoes them.

Imports cmdb and discovery.normalize; must not import exporters or the CLI; never prints.
"""

from __future__ import annotations

import csv
import io
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Engine, func, or_, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from netcmdb.cmdb.db import session_scope
from netcmdb.cmdb.models import CI, Change, CIStatus, Identifier, IdKind, Location
from netcmdb.discovery.normalize import mac_or_none
from netcmdb.errors import N_, DatabaseLocked, ImportFormatError, LabelError, message_of
from netcmdb.labeling.rule import Label, Rule

MAX_ATTEMPTS = 200
SOURCE = "label"
#: the ``[label] seats`` policies; the first is the default
SEAT_POLICIES = ("lowest-free", "never-reuse")
#: attr_sources value pinning an attribute against discovery (as ``cmdb.query.set_manual`` does):
#: a label, seat or walked location is a human decision a later scan must not undo.
PIN = "manual"


def _pinned(sources: dict[str, str] | None, *attrs: str) -> dict[str, str]:
    return {**(sources or {}), **{a: PIN for a in attrs}}


@dataclass
class Assignment:
    """One label written (or planned, with ``--dry-run``)."""

    ci_id: int
    name: str
    old: str | None
    new: str | None
    seat: int | None

    def as_dict(self) -> dict[str, object]:
        return {
            "ci_id": self.ci_id,
            "name": self.name,
            "old": self.old,
            "new": self.new,
            "seat": self.seat,
        }


@dataclass
class AssignResult:
    assigned: list[Assignment] = field(default_factory=list)
    #: CIs that could not be labelled: (ci_id, name, reason)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)
    #: labels taken away because a walk gave their seat to another CI
    cleared: list[Assignment] = field(default_factory=list)
    retries: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "assigned": [a.as_dict() for a in self.assigned],
            "cleared": [a.as_dict() for a in self.cleared],
            "skipped": [{"ci_id": i, "name": n, "reason": r} for i, n, r in self.skipped],
            "retries": self.retries,
        }


def _is_race(exc: Exception) -> bool:
    """A lost race we may retry: unique violation, or SQLite busy/locked on upgrade to write."""
    if isinstance(exc, (sa_exc.IntegrityError, DatabaseLocked)):
        return True
    if isinstance(exc, sa_exc.OperationalError):
        msg = str(exc.orig).lower()
        return "locked" in msg or "busy" in msg
    return False


def _pause(attempt: int) -> None:
    time.sleep(random.uniform(0, min(0.05, 0.002 * (attempt + 1))))


def _room_filter(
    rule: Rule, building: str | None, room: str | None
) -> tuple[str | None, tuple[str, str, str] | None]:
    b = rule.normalize_room(building, "01", "01")[0] if building else None
    r = rule.parse_room(room, building=b) if room else None
    return b, r


def _rooms(
    session: Session, rule: Rule, building: str | None, room: tuple[str, str, str] | None
) -> dict[int, tuple[str, str, str] | str]:
    """location id -> canonical (b, f, r), or the reason it does not fit the rule."""
    out: dict[int, tuple[str, str, str] | str] = {}
    for loc in session.scalars(select(Location)):
        try:
            key = rule.normalize_room(loc.building, loc.floor, loc.room)
        except LabelError as exc:
            if building is None and room is None:
                out[loc.id] = message_of(exc)
            continue
        if building is not None and key[0] != building:
            continue
        if room is not None and key != room:
            continue
        out[loc.id] = key
    return out


def _in_room(code: str) -> ColumnElement[bool]:
    """Labels that may belong to room ``code`` (a pre-filter; callers parse to be sure).
    Upper-cased: a hand-typed ``d010210-007`` still holds seat 7 (PostgreSQL LIKE is
    case-sensitive)."""
    return func.upper(CI.label).like(f"%{code}%")


def seat_policy(value: str | None) -> str:
    """The seat policy called ``value`` (None: the default, ``lowest-free``).

    Raises:
        LabelError: not one of :data:`SEAT_POLICIES`.
    """
    if value is None:
        return SEAT_POLICIES[0]
    if value not in SEAT_POLICIES:
        raise LabelError(
            "[label] seats = {value!r}: use one of {seat_policies}",
            value=value,
            seat_policies=", ".join(SEAT_POLICIES),
        )
    return value


def retired() -> ColumnElement[bool]:
    """CIs out of service: a person retired them (lifecycle) or the status says so."""
    # coalesce: a NULL lifecycle must give FALSE, not NULL (``NOT retired()`` is used too)
    return or_(func.coalesce(CI.lifecycle, "") == "retired", CI.status == CIStatus.RETIRED)


def used_seats(
    session: Session,
    rule: Rule,
    key: tuple[str, str, str],
    exclude: set[int] | frozenset[int] = frozenset(),
    *,
    in_service_only: bool = False,
) -> set[int]:
    """Seats of ``key`` already carried by a label (on any CI, wherever it is recorded),
    leaving out the labels of the CIs in ``exclude`` (ids) and, with ``in_service_only``, of
    retired CIs."""
    code = rule.format_room(*key)
    seats: set[int] = set()
    q = select(CI.id, CI.label).where(_in_room(code))
    if in_service_only:
        q = q.where(~retired())
    for ci_id, text in session.execute(q):
        if ci_id in exclude:
            continue
        try:
            lab = rule.parse(text)
        except LabelError:
            continue
        if lab.room_key == key:
            seats.add(lab.seat)
    return seats


def next_seat(
    session: Session,
    rule: Rule,
    key: tuple[str, str, str],
    policy: str,
    taken: set[int] | frozenset[int] = frozenset(),
) -> int:
    """The seat the policy gives the next CI of room ``key`` (``taken``: seats planned already)."""
    if policy == "never-reuse":
        return max(used_seats(session, rule, key) | taken, default=0) + 1
    used = used_seats(session, rule, key, in_service_only=True) | taken
    seat = 1
    while seat in used:
        seat += 1
    return seat


def _wanted_seats(session: Session, ci_ids: list[int]) -> dict[int, int]:
    """The seats a person gave unlabelled CIs (``ci set --seat``, pinned ``manual``): the
    machine's place in the room, which its label must carry."""
    out: dict[int, int] = {}
    for i in range(0, len(ci_ids), 500):
        for ci_id, seat, srcs in session.execute(
            select(CI.id, CI.seat, CI.attr_sources).where(
                CI.id.in_(ci_ids[i : i + 500]), CI.seat.is_not(None)
            )
        ):
            if (srcs or {}).get("seat") == PIN and seat > 0:
                out[ci_id] = seat
    return out


def _seat_taken(
    session: Session,
    rule: Rule,
    key: tuple[str, str, str],
    seat: int,
    taken: set[int] | frozenset[int] = frozenset(),
) -> str | None:
    """Why ``seat`` of room ``key`` cannot be given (None: it can): an in-service CI's label
    carries it already, or it was planned for another CI of this run."""
    if seat in taken or seat in used_seats(session, rule, key, in_service_only=True):
        return (
            f"its seat {seat} is already on another label of room {rule.format_room(*key)}; "
            "give it another seat (ci set --seat) or relabel the other CI"
        )
    return None


def free_label(session: Session, label: str, *, source: str = SOURCE) -> None:
    """Take ``label`` off the retired CI that still carries it (recorded in its history)."""
    for ci_id, srcs in session.execute(
        select(CI.id, CI.attr_sources).where(CI.label == label, retired())
    ):
        session.execute(
            update(CI)
            .where(CI.id == ci_id)
            .values(label=None, seat=None, attr_sources=_pinned(srcs, "label", "seat"))
        )
        session.add(Change(ci_id=ci_id, attribute="label", old=label, new=None, source=source))
    session.flush()


def _label_for(rule: Rule, key: tuple[str, str, str], seat: int) -> str:
    if seat > rule.max_seat:
        raise LabelError(
            (
                "room {room} is full ({max_seat} seats); use a rule with a wider seat "
                "field (e.g. the 'wide' preset)"
            ),
            room=rule.format_room(*key),
            max_seat=rule.max_seat,
        )
    return rule.format(Label(*key, seat, rule.unit, rule.category))


def _candidates(
    session: Session,
    rooms: dict[int, tuple[str, str, str] | str],
    ci_ids: Iterable[int] | None,
    all_in_room: bool,
) -> list[tuple[int, str, int]]:
    q = (
        select(CI.id, CI.name, CI.location_id)
        .where(CI.location_id.in_(list(rooms)), ~retired())
        .order_by(CI.location_id, CI.id)
    )
    if not all_in_room:
        q = q.where(CI.label.is_(None))
    if ci_ids is not None:
        q = q.where(CI.id.in_(list(ci_ids)))
    return [(i, n, loc) for i, n, loc in session.execute(q)]  # type: ignore[misc]


def assign_labels(
    engine: Engine,
    rule: Rule,
    *,
    building: str | None = None,
    room: str | None = None,
    dry_run: bool = False,
    renumber: bool = False,
    ci_ids: Iterable[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    seats: str | None = None,
) -> AssignResult:
    """Give every CI with a known location and no label the next free seat of its room.

    Args:
        engine: the CMDB; each CI is labelled in its own transaction (see module docstring).
        rule: the label rule (widths, prefix values written).
        building: only rooms of this building.
        room: only this room (a room code such as ``D010210``).
        dry_run: compute and return the plan, write nothing.
        renumber: also relabel already labelled CIs, seats 1..n per room in their current order
            (skipping seats held by CIs recorded elsewhere); every change goes to CI history.
        ci_ids: restrict to these CIs (used by tests and callers that select by other criteria).
        progress: called with (done, total).
        seats: the seat policy (:data:`SEAT_POLICIES`; None: ``lowest-free``).

    Raises:
        LabelError: a filter does not fit the rule, an unknown seat policy, or a room has no
            free seat left.
    """
    policy = seat_policy(seats)
    b, r = _room_filter(rule, building, room)
    result = AssignResult()
    with session_scope(engine) as s:
        rooms = _rooms(s, rule, b, r)
        todo = _candidates(s, rooms, ci_ids, renumber)
    bad = {lid: why for lid, why in rooms.items() if isinstance(why, str)}
    for ci_id, name, loc in todo:
        if loc in bad:
            result.skipped.append(
                (ci_id, name, N_("location does not fit the rule: {why}", why=bad[loc]))
            )
    todo = [t for t in todo if t[2] not in bad]
    if renumber:
        return _renumber(engine, rule, rooms, todo, dry_run, result, progress)
    with session_scope(engine) as s:
        wanted = _wanted_seats(s, [t[0] for t in todo])
    todo.sort(key=lambda t: t[0] not in wanted)  # a seat a person gave goes first (stable)
    if dry_run:
        with session_scope(engine) as s:
            planned: dict[tuple[str, str, str], set[int]] = {}
            for ci_id, name, loc in todo:
                key = rooms[loc]
                assert not isinstance(key, str)
                taken = planned.setdefault(key, set())
                if ci_id in wanted:
                    why = _seat_taken(s, rule, key, wanted[ci_id], taken)
                    if why:
                        result.skipped.append((ci_id, name, why))
                        continue
                    seat = wanted[ci_id]
                else:
                    seat = next_seat(s, rule, key, policy, taken)
                taken.add(seat)
                try:
                    label = _label_for(rule, key, seat)
                except LabelError as exc:
                    result.skipped.append((ci_id, name, message_of(exc)))
                    continue
                result.assigned.append(Assignment(ci_id, name, None, label, seat))
        return result
    for n, (ci_id, name, loc) in enumerate(todo, 1):
        key = rooms[loc]
        assert not isinstance(key, str)
        try:
            done = _assign_one(engine, rule, ci_id, name, key, result, policy, wanted.get(ci_id))
        except LabelError as exc:
            result.skipped.append((ci_id, name, message_of(exc)))
            done = None
        if done is not None:
            result.assigned.append(done)
        if progress:
            progress(n, len(todo))
    return result


def _assign_one(
    engine: Engine,
    rule: Rule,
    ci_id: int,
    name: str,
    key: tuple[str, str, str],
    result: AssignResult,
    policy: str = SEAT_POLICIES[0],
    want: int | None = None,
) -> Assignment | None:
    for attempt in range(MAX_ATTEMPTS):
        try:
            with session_scope(engine) as s:
                if want is not None:
                    why = _seat_taken(s, rule, key, want)
                    if why:
                        result.skipped.append((ci_id, name, why))
                        return None
                    seat = want
                else:
                    seat = next_seat(s, rule, key, policy)
                label = _label_for(rule, key, seat)
                free_label(s, label)
                srcs = s.scalar(select(CI.attr_sources).where(CI.id == ci_id))
                res = s.execute(
                    update(CI)
                    .where(CI.id == ci_id, CI.label.is_(None))
                    .values(label=label, seat=seat, attr_sources=_pinned(srcs, "label", "seat"))
                )
                # labelled meanwhile by someone else: leave it
                if cast("CursorResult[Any]", res).rowcount == 0:
                    result.skipped.append((ci_id, name, N_("labelled concurrently")))
                    return None
                s.add(Change(ci_id=ci_id, attribute="label", old=None, new=label, source=SOURCE))
            return Assignment(ci_id, name, None, label, seat)
        except (sa_exc.IntegrityError, sa_exc.OperationalError, DatabaseLocked) as exc:
            if not _is_race(exc):
                raise
            result.retries += 1
            _pause(attempt)
    raise LabelError(
        (
            "could not assign a label to {name!r} after {max_attempts} attempts (too many "
            "concurrent assigners?)"
        ),
        name=name,
        max_attempts=MAX_ATTEMPTS,
    )


def _renumber(
    engine: Engine,
    rule: Rule,
    rooms: dict[int, tuple[str, str, str] | str],
    todo: list[tuple[int, str, int]],
    dry_run: bool,
    result: AssignResult,
    progress: Callable[[int, int], None] | None,
) -> AssignResult:
    by_loc: dict[int, list[int]] = {}
    for ci_id, _name, loc in todo:
        by_loc.setdefault(loc, []).append(ci_id)
    for n, (loc, ids) in enumerate(by_loc.items(), 1):
        key = rooms[loc]
        assert not isinstance(key, str)
        for attempt in range(MAX_ATTEMPTS):
            try:
                with session_scope(engine) as s:
                    changes = _renumber_room(s, rule, key, ids)
                    if dry_run:
                        s.rollback()
                break
            except (sa_exc.IntegrityError, sa_exc.OperationalError, DatabaseLocked) as exc:
                if not _is_race(exc):
                    raise
                result.retries += 1
                _pause(attempt)
        else:
            raise LabelError("could not renumber room {room}", room=rule.format_room(*key))
        result.assigned.extend(changes)
        if progress:
            progress(n, len(by_loc))
    return result


def _renumber_room(
    s: Session, rule: Rule, key: tuple[str, str, str], ids: list[int]
) -> list[Assignment]:
    cis = list(s.scalars(select(CI).where(CI.id.in_(ids))))

    def order(ci: CI) -> tuple[int, int, int]:
        try:
            lab = rule.parse(ci.label) if ci.label else None
        except LabelError:
            lab = None
        if lab is not None and lab.room_key == key:
            return (0, lab.seat, ci.id)
        return (1, ci.seat or 0, ci.id)

    cis.sort(key=order)
    mine = {ci.id for ci in cis}
    held_elsewhere = used_seats(s, rule, key, exclude=mine)
    old = {ci.id: ci.label for ci in cis}
    for ci in cis:
        ci.label = None
    s.flush()
    out: list[Assignment] = []
    seat = 0
    for ci in cis:
        seat += 1
        while seat in held_elsewhere:
            seat += 1
        label = _label_for(rule, key, seat)
        ci.label = label
        ci.seat = seat
        ci.attr_sources = _pinned(ci.attr_sources, "label", "seat")
        if old[ci.id] != label:
            s.add(Change(ci_id=ci.id, attribute="label", old=old[ci.id], new=label, source=SOURCE))
            out.append(Assignment(ci.id, ci.name, old[ci.id], label, seat))
    s.flush()
    return out


# ---- the U-order walk -----------------------------------------------------------------------
def read_walk_csv(source: str | Path | io.TextIOBase) -> list[tuple[int, str]]:
    """Rows ``(order, MAC or serial or hostname)``; a header row is optional.

    Raises:
        ImportFormatError: naming the row: missing column, order not a positive whole number,
            duplicate order or identifier.
    """
    if isinstance(source, (str, Path)):
        try:
            text = Path(source).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ImportFormatError(
                "{source}: cannot read walk CSV: {exc}", source=source, exc=exc
            ) from None
        name = str(source)
    else:
        text = source.read()
        name = "walk CSV"
    rows: list[tuple[int, str]] = []
    seen_order: dict[int, int] = {}
    seen_id: dict[str, int] = {}
    for lineno, row in enumerate(csv.reader(io.StringIO(text)), 1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if len(cells) < 2 or not cells[1]:
            raise ImportFormatError(
                "{name} row {lineno}: need two columns: order, MAC or serial or hostname",
                name=name,
                lineno=lineno,
            )
        if not rows and not seen_order and not cells[0].lstrip("-").isdigit():
            continue  # header
        if not cells[0].isdigit() or int(cells[0]) < 1:
            raise ImportFormatError(
                "{name} row {lineno}: order {value!r} is not a positive whole number",
                name=name,
                lineno=lineno,
                value=cells[0],
            )
        order = int(cells[0])
        if order in seen_order:
            raise ImportFormatError(
                "{name} row {lineno}: order {order} already on row {value}",
                name=name,
                lineno=lineno,
                order=order,
                value=seen_order[order],
            )
        ident = cells[1]
        k = ident.lower()
        if k in seen_id:
            raise ImportFormatError(
                "{name} row {lineno}: {ident!r} already on row {value}",
                name=name,
                lineno=lineno,
                ident=ident,
                value=seen_id[k],
            )
        seen_order[order] = lineno
        seen_id[k] = lineno
        rows.append((order, ident))
    if not rows:
        raise ImportFormatError("{name}: no rows", name=name)
    return rows


def _like_literal(text: str) -> str:
    """``text`` for a LIKE pattern that matches exactly it (``%``, ``_`` and ``\\`` escaped)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_ci(session: Session, ident: str) -> list[CI]:
    """CIs matching a MAC, serial or hostname (case-insensitive, also the short hostname)."""
    ids: set[int] = set()
    mac = mac_or_none(ident)
    if mac:
        ids.update(session.scalars(select(CI.id).where(CI.mac == mac)))
        ids.update(
            session.scalars(
                select(Identifier.ci_id).where(
                    Identifier.kind == IdKind.MAC, Identifier.value == mac
                )
            )
        )
    low = ident.lower()
    ids.update(
        session.scalars(
            select(CI.id).where(
                or_(
                    CI.serial == ident,
                    func.lower(CI.name) == low,
                    func.lower(CI.name).like(_like_literal(low) + ".%", escape="\\"),
                )
            )
        )
    )
    ids.update(
        session.scalars(
            select(Identifier.ci_id).where(
                or_(
                    (Identifier.kind == IdKind.SERIAL) & (Identifier.value == ident),
                    (Identifier.kind == IdKind.HOSTNAME) & (func.lower(Identifier.value) == low),
                )
            )
        )
    )
    if not ids:
        return []
    return list(session.scalars(select(CI).where(CI.id.in_(ids)).order_by(CI.id)))


def walk(
    engine: Engine, rule: Rule, room: str, rows: list[tuple[int, str]], *, dry_run: bool = False
) -> AssignResult:
    """Give the walked CIs the seats in the technician's order: seat = the order number.

    The walk is authoritative for the room: a walked CI moves to this room if recorded
    elsewhere, and a CI that is not in the walk but holds one of the walked seats loses its
    label (reported in ``cleared``). One transaction: a bad row changes nothing.

    Raises:
        LabelError: unknown/ambiguous identifier, an order above the rule's seat width.
    """
    key = rule.parse_room(room)
    result = AssignResult()
    for order, ident in rows:
        if order > rule.max_seat:
            raise LabelError(
                "order {order} for {ident!r} does not fit the {width}-digit seat field",
                order=order,
                ident=ident,
                width=rule.fields["seat"].width,
            )
    with session_scope(engine) as s:
        loc = _get_location(s, rule, key)
        walked: list[tuple[int, CI]] = []
        seen: dict[int, str] = {}
        for order, ident in rows:
            found = find_ci(s, ident)
            if not found:
                raise LabelError("walk: no CI has MAC, serial or hostname {ident!r}", ident=ident)
            if len(found) > 1:
                names = ", ".join(f"{c.name} (id {c.id})" for c in found[:4])
                raise LabelError(
                    "walk: {ident!r} matches {n_found} CIs: {names}",
                    ident=ident,
                    n_found=len(found),
                    names=names,
                )
            ci = found[0]
            if ci.id in seen:
                raise LabelError(
                    "walk: {ident!r} and {value!r} are the same CI {name!r}",
                    ident=ident,
                    value=seen[ci.id],
                    name=ci.name,
                )
            seen[ci.id] = ident
            walked.append((order, ci))
        new_labels = {order: _label_for(rule, key, order) for order, _ in walked}
        walked_ids = {ci.id for _, ci in walked}
        seats = {order for order, _ in walked}
        # Others holding a walked seat of this room lose their label.
        code = rule.format_room(*key)
        for other in s.scalars(select(CI).where(_in_room(code))):
            if other.id in walked_ids or other.label is None:
                continue
            try:
                lab = rule.parse(other.label)
            except LabelError:
                continue
            if lab.room_key == key and lab.seat in seats:
                result.cleared.append(Assignment(other.id, other.name, other.label, None, None))
                s.add(
                    Change(
                        ci_id=other.id,
                        attribute="label",
                        old=other.label,
                        new=None,
                        source=SOURCE + "-walk",
                    )
                )
                other.label = None
                other.seat = None
                other.attr_sources = _pinned(other.attr_sources, "label", "seat")
        old = {ci.id: (ci.label, ci.location_id) for _, ci in walked}
        for _, ci in walked:
            ci.label = None
        s.flush()
        for order, ci in walked:
            label = new_labels[order]
            prev_label, prev_loc = old[ci.id]
            ci.label = label
            ci.seat = order
            ci.attr_sources = _pinned(ci.attr_sources, "label", "seat", "location_id")
            if prev_loc != loc.id:
                s.add(
                    Change(
                        ci_id=ci.id,
                        attribute="location",
                        old=_loc_text(s, prev_loc),
                        new=code,
                        source=SOURCE + "-walk",
                    )
                )
                ci.location_id = loc.id
            if prev_label != label:
                s.add(
                    Change(
                        ci_id=ci.id,
                        attribute="label",
                        old=prev_label,
                        new=label,
                        source=SOURCE + "-walk",
                    )
                )
            result.assigned.append(Assignment(ci.id, ci.name, prev_label, label, order))
        s.flush()
        if dry_run:
            s.rollback()
    return result


def _loc_text(s: Session, loc_id: int | None) -> str | None:
    if loc_id is None:
        return None
    loc = s.get(Location, loc_id)
    return f"{loc.building}/{loc.floor}/{loc.room}" if loc else None


def _get_location(s: Session, rule: Rule, key: tuple[str, str, str]) -> Location:
    for loc in s.scalars(select(Location)):
        try:
            if rule.normalize_room(loc.building, loc.floor, loc.room) == key:
                return loc
        except LabelError:
            continue
    loc = Location(building=key[0], floor=key[1], room=key[2])
    s.add(loc)
    s.flush()
    return loc


def room_cis(session: Session, rule: Rule, room: str) -> tuple[Location | None, list[CI]]:
    """The room's Location and its CIs (for the walk sheet), in seat order then name."""
    key = rule.parse_room(room)
    loc = None
    for cand in session.scalars(select(Location)):
        try:
            if rule.normalize_room(cand.building, cand.floor, cand.room) == key:
                loc = cand
                break
        except LabelError:
            continue
    if loc is None:
        return None, []
    cis = list(
        session.scalars(select(CI).where(CI.location_id == loc.id, CI.status != CIStatus.RETIRED))
    )
    cis.sort(key=lambda c: (c.seat is None, c.seat or 0, c.name.lower()))
    return loc, cis
