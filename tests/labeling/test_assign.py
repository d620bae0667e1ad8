"""Seat assignment on a real SQLite CMDB: next free seat, dry-run, renumber with history, the
U-order walk, label check, and two concurrent assigner processes on one SQLite file."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from netcmdb.cmdb.db import session_scope
from netcmdb.cmdb.models import CI, Change, CIStatus, Identifier, IdKind
from netcmdb.errors import ImportFormatError, LabelError
from netcmdb.labeling.assign import assign_labels, read_walk_csv, room_cis, walk
from netcmdb.labeling.check import check_labels
from netcmdb.labeling.rule import DEFAULT_RULE, WIDE_RULE, get_rule


def _labels(engine: Any) -> dict[str, str | None]:
    with session_scope(engine) as s:
        return {c.name: c.label for c in s.scalars(select(CI))}


def test_never_reuse_assigns_after_the_highest_seat_per_room(
    engine: Any, add_room: Any, add_ci: Any
) -> None:
    """``[label] seats = "never-reuse"``: the behaviour before the lowest-free default."""
    r1 = add_room("01", "02", "10")
    r2 = add_room("1", "B1", "3")  # stored unpadded: still the same room code rules
    add_ci("old", r1, label="D010210-004", seat=4)
    for n in ("a", "b"):
        add_ci(n, r1)
    add_ci("c", r2)
    add_ci("nowhere")  # no location: not labelled
    add_ci("gone", r1, status=CIStatus.RETIRED)
    res = assign_labels(engine, DEFAULT_RULE, seats="never-reuse")
    got = _labels(engine)
    assert got["a"] == "D010210-005" and got["b"] == "D010210-006"  # after the highest seat
    assert got["c"] == "D01B103-001"
    assert got["nowhere"] is None and got["gone"] is None and got["old"] == "D010210-004"
    assert len(res.assigned) == 3
    with session_scope(engine) as s:
        hist = s.scalars(select(Change).where(Change.attribute == "label")).all()
        assert {(h.old, h.new) for h in hist} == {
            (None, "D010210-005"),
            (None, "D010210-006"),
            (None, "D01B103-001"),
        }
        seats = {c.name: c.seat for c in s.scalars(select(CI))}
        pins = {c.name: c.attr_sources for c in s.scalars(select(CI))}
    assert seats["a"] == 5
    assert pins["a"]["label"] == pins["a"]["seat"] == "manual"  # discovery will not undo it
    # running again is a no-op: existing labels are never changed
    assert assign_labels(engine, DEFAULT_RULE, seats="never-reuse").assigned == []


def test_lowest_free_seat_reuses_a_retired_cis_seat_and_keeps_its_label_in_history(
    engine: Any, add_room: Any, add_ci: Any
) -> None:
    r1 = add_room("01", "02", "10")
    add_ci("pc-1", r1, label="D010210-001", seat=1)
    add_ci("pc-2", r1, label="D010210-002", seat=2)
    old3 = add_ci("pc-3-old", r1, label="D010210-003", seat=3, lifecycle="retired")
    add_ci("pc-4", r1, label="D010210-004", seat=4)
    add_ci("pc-11", r1, label="D010210-011", seat=11)
    for n in ("new-a", "new-b", "new-c"):
        add_ci(n, r1)
    plan = assign_labels(engine, DEFAULT_RULE, dry_run=True)
    assert [(a.name, a.seat) for a in plan.assigned] == [("new-a", 3), ("new-b", 5), ("new-c", 6)]
    assert _labels(engine)["pc-3-old"] == "D010210-003"  # the dry run wrote nothing
    res = assign_labels(engine, DEFAULT_RULE)
    got = _labels(engine)
    assert [(a.name, a.new) for a in res.assigned] == [
        ("new-a", "D010210-003"),
        ("new-b", "D010210-005"),
        ("new-c", "D010210-006"),
    ]
    assert got["pc-3-old"] is None and got["pc-11"] == "D010210-011"
    with session_scope(engine) as s:
        hist = [
            (h.old, h.new)
            for h in s.scalars(
                select(Change).where(Change.ci_id == old3, Change.attribute == "label")
            )
        ]
        assert hist == [("D010210-003", None)]  # its label stays in its history
        assert s.get(CI, old3).seat is None


def test_unknown_seat_policy_is_refused(engine: Any) -> None:
    with pytest.raises(LabelError, match="never-reuse"):
        assign_labels(engine, DEFAULT_RULE, seats="random")


def test_dry_run_writes_nothing_and_filters(engine: Any, add_room: Any, add_ci: Any) -> None:
    r1 = add_room("01", "02", "10")
    r2 = add_room("02", "01", "01")
    add_ci("a", r1)
    add_ci("b", r1)
    add_ci("c", r2)
    plan = assign_labels(engine, DEFAULT_RULE, dry_run=True, room="D010210")
    assert [(a.name, a.new) for a in plan.assigned] == [("a", "D010210-001"), ("b", "D010210-002")]
    assert set(_labels(engine).values()) == {None}
    res = assign_labels(engine, DEFAULT_RULE, building="2")
    assert [a.new for a in res.assigned] == ["D020101-001"]
    with pytest.raises(LabelError, match="room 'D01'"):
        assign_labels(engine, DEFAULT_RULE, room="D01")


def test_room_that_does_not_fit_is_skipped_with_reason(
    engine: Any,
    add_room: Any,
    add_ci: Any,
) -> None:
    big = add_room("01", "02", "123")
    add_ci("x", big)
    res = assign_labels(engine, DEFAULT_RULE)
    assert res.assigned == []
    assert "does not fit the 2-character room field" in res.skipped[0][2]
    # the wide preset takes it
    res = assign_labels(engine, WIDE_RULE)
    assert [a.new for a in res.assigned] == ["D0102123-0001"]


def test_full_room_says_so(engine: Any, add_room: Any, add_ci: Any) -> None:
    r = add_room("01", "02", "10")
    add_ci("last", r, label="D010210-999")
    add_ci("new", r)
    res = assign_labels(engine, DEFAULT_RULE, seats="never-reuse")
    assert res.assigned == []
    assert "full (999 seats)" in res.skipped[0][2] and "wide" in res.skipped[0][2]


def test_prefix_values_from_rule(engine: Any, add_room: Any, add_ci: Any) -> None:
    r = add_room("01", "02", "10")
    add_ci("a", r, label="D010210-002")
    add_ci("b", r)
    rule = get_rule({"unit": "HQ", "category": "PC"})
    res = assign_labels(engine, rule, seats="never-reuse")
    assert [a.new for a in res.assigned] == ["HQ-PC-D010210-003"]  # seats count across prefixes


def test_renumber_closes_gaps_and_records_history(engine: Any, add_room: Any, add_ci: Any) -> None:
    r = add_room("01", "02", "10")
    other = add_room("01", "02", "11")
    add_ci("p7", r, label="D010210-007", seat=7)
    add_ci("p3", r, label="D010210-003", seat=3)
    add_ci("new", r)
    add_ci("misplaced", r, label="D010211-001")  # label of another room: gets this room's
    add_ci("elsewhere", other, label="D010210-002")  # recorded in 11 but holds seat 2 of 10
    res = assign_labels(engine, DEFAULT_RULE, renumber=True, room="D010210")
    got = _labels(engine)
    assert got["p3"] == "D010210-001"
    assert got["elsewhere"] == "D010210-002"  # untouched; its seat is skipped
    assert got["p7"] == "D010210-003"
    assert {got["new"], got["misplaced"]} == {"D010210-004", "D010210-005"}
    with session_scope(engine) as s:
        hist = {
            (h.old, h.new) for h in s.scalars(select(Change).where(Change.attribute == "label"))
        }
    assert ("D010210-007", "D010210-003") in hist and ("D010210-003", "D010210-001") in hist
    assert len(res.assigned) == 4
    # dry-run renumber changes nothing
    before = _labels(engine)
    assign_labels(engine, DEFAULT_RULE, renumber=True, dry_run=True)
    assert _labels(engine) == before


WORKER = textwrap.dedent("""
    import os, sys, time, json
    from netcmdb.cmdb.db import make_engine
    from netcmdb.labeling.assign import assign_labels
    from netcmdb.labeling.rule import DEFAULT_RULE
    url, barrier, parity = sys.argv[1], sys.argv[2], int(sys.argv[3])
    eng = make_engine(url)
    with eng.connect():
        pass
    ids = [int(x) for x in sys.argv[4].split(",")]
    open(f"{barrier}.ready{parity}.{os.getpid()}", "w").close()
    while not os.path.exists(barrier + ".go"):  # start together: both imported and connected
        time.sleep(0.001)
    res = assign_labels(eng, DEFAULT_RULE, ci_ids=[i for i in ids if i % 2 == parity or parity < 0])
    print(json.dumps({"assigned": [a.new for a in res.assigned], "retries": res.retries,
                      "skipped": len(res.skipped)}))
""")


@pytest.mark.parametrize("mode", ["disjoint", "same"])
def test_two_concurrent_assigners_never_share_a_label(
    engine: Any,
    db_path: Any,
    add_room: Any,
    add_ci: Any,
    tmp_path: Any,
    mode: Any,
) -> None:
    import json

    r = add_room("01", "02", "10")
    ids = [add_ci(f"pc{i:02d}", r) for i in range(40)]
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    barrier = str(tmp_path / "barrier")
    env = {**os.environ}
    parities = (0, 1) if mode == "disjoint" else (-1, -1)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(script),
                f"sqlite:///{db_path}",
                barrier,
                str(p),
                ",".join(map(str, ids)),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for p in parities
    ]
    deadline = time.time() + 60
    while len(list(tmp_path.glob("barrier.ready*"))) < 2 and time.time() < deadline:
        assert all(p.poll() is None for p in procs), "a worker died before the start"
        time.sleep(0.01)
    Path(barrier + ".go").touch()
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        outs.append(json.loads(out))
    labels = [lab for o in outs for lab in o["assigned"]]
    # every CI exactly once, no label twice
    assert len(labels) == len(set(labels)) == 40, outs
    got = _labels(engine)
    assert sorted(got.values()) == [f"D010210-{i:03d}" for i in range(1, 41)], outs
    if mode == "disjoint":  # each process owns half the CIs: both competed for the seats
        assert all(len(o["assigned"]) == 20 for o in outs), outs


def test_walk_assigns_seats_in_u_order(
    engine: Any,
    add_room: Any,
    add_ci: Any,
    tmp_path: Any,
) -> None:
    r = add_room("01", "02", "10", name="计算机房")
    elsewhere = add_room("01", "03", "01")
    a = add_ci("pc-a.campus.edu", r, mac="00:11:22:33:44:01")
    b = add_ci("pc-b", r, serial="SN-B")
    c = add_ci("pc-c", elsewhere, label="D010301-001")
    d = add_ci("pc-d", r, label="D010210-002")  # holds seat 2 but is not in the walk
    with session_scope(engine) as s:
        s.add(Identifier(ci_id=c, kind=IdKind.HOSTNAME, value="desk-c"))
    csv_file = tmp_path / "walk.csv"
    csv_file.write_text(
        "order,id\n1,00-11-22-33-44-01\n2,SN-B\n3,DESK-C\n5,pc-a2-unused\n".replace(
            "5,pc-a2-unused\n", ""
        ),
        encoding="utf-8",
    )
    rows = read_walk_csv(csv_file)
    assert rows == [(1, "00-11-22-33-44-01"), (2, "SN-B"), (3, "DESK-C")]
    res = walk(engine, DEFAULT_RULE, "D010210", rows)
    got = _labels(engine)
    assert got["pc-a.campus.edu"] == "D010210-001"  # MAC, any notation
    assert got["pc-b"] == "D010210-002"  # serial
    assert got["pc-c"] == "D010210-003"  # hostname identifier, moved here
    assert got["pc-d"] is None and [x.ci_id for x in res.cleared] == [d]
    with session_scope(engine) as s:
        moved = s.get(CI, c)
        assert moved is not None and moved.location_id == r and moved.seat == 3
        assert moved.attr_sources["location_id"] == "manual"
        hist = {(h.ci_id, h.attribute) for h in s.scalars(select(Change))}
    assert {(a, "label"), (b, "label"), (c, "label"), (c, "location"), (d, "label")} <= hist


def test_walk_bad_input_changes_nothing(
    engine: Any,
    add_room: Any,
    add_ci: Any,
    tmp_path: Any,
) -> None:
    r = add_room("01", "02", "10")
    add_ci("pc-a", r, serial="S1")
    add_ci("twin1", r, serial="DUP")
    add_ci("twin2", r, serial="DUP")
    before = _labels(engine)
    with pytest.raises(LabelError, match="no CI has MAC, serial or hostname 'nope'"):
        walk(engine, DEFAULT_RULE, "D010210", [(1, "S1"), (2, "nope")])
    with pytest.raises(LabelError, match="'DUP' matches 2 CIs"):
        walk(engine, DEFAULT_RULE, "D010210", [(1, "DUP")])
    with pytest.raises(LabelError, match="order 1000"):
        walk(engine, DEFAULT_RULE, "D010210", [(1000, "S1")])
    assert _labels(engine) == before


@pytest.mark.parametrize(
    ("text", "msg"),
    [
        ("1,aa\n1,bb\n", "row 2: order 1 already on row 1"),
        ("1,aa\n2,AA\n", "row 2: 'AA' already on row 1"),
        ("1,aa\nx,bb\n", "row 2: order 'x' is not a positive whole number"),
        ("1,aa\n0,bb\n", "row 2: order '0'"),
        ("1\n", "row 1: need two columns"),
        ("order,id\n", "no rows"),
    ],
)
def test_walk_csv_errors_name_the_row(text: str, msg: str) -> None:
    with pytest.raises(ImportFormatError, match=msg.replace("(", r"\(").replace(")", r"\)")):
        read_walk_csv(io.StringIO(text))


def test_room_cis_for_walk_sheet(engine: Any, add_room: Any, add_ci: Any) -> None:
    r = add_room("01", "02", "10", name="机房")
    add_ci("z", r, seat=2, label="D010210-002")
    add_ci("y", r, seat=1, label="D010210-001")
    add_ci("x", r)
    with session_scope(engine) as s:
        loc, cis = room_cis(s, DEFAULT_RULE, "D010210")
        assert loc is not None and loc.name == "机房"
        assert [c.name for c in cis] == ["y", "z", "x"]
        assert room_cis(s, DEFAULT_RULE, "D090909") == (None, [])


def test_check_reports_duplicates_mismatches_and_malformed(
    engine: Any,
    add_room: Any,
    add_ci: Any,
) -> None:
    r = add_room("01", "02", "10")
    r2 = add_room("01", "02", "11")
    add_ci("ok", r, label="D010210-001", seat=1)
    add_ci("dup1", r, label="D010210-002")
    add_ci("dup2", r, label="HQ-PC-D010210-002")
    add_ci("wrongroom", r2, label="D010210-003")
    add_ci("noloc", None, label="D010210-004")
    add_ci("wrongseat", r, label="D010210-005", seat=6)
    add_ci("bad", r, label="D01021O-007")
    with session_scope(engine) as s:
        rep = check_labels(s, DEFAULT_RULE)
    kinds = {(p.kind, p.name) for p in rep.problems}
    assert kinds == {
        ("duplicate", "dup1"),
        ("duplicate", "dup2"),
        ("location", "wrongroom"),
        ("location", "noloc"),
        ("seat", "wrongseat"),
        ("malformed", "bad"),
    }
    assert rep.checked == 7
    msgs = {p.name: p.message for p in rep.problems}
    assert "recorded location is D010211" in msgs["wrongroom"]
    assert "letters where digits belong" in msgs["bad"]
    assert rep.as_dict()["counts"] == {"malformed": 1, "duplicate": 2, "location": 2, "seat": 1}


def test_lost_race_is_retried_with_the_next_seat(
    engine: Any, db_path: str, add_room: Any, add_ci: Any
) -> None:
    """A competitor commits the same label between our read and our write: the unique constraint
    refuses ours, the assigner rolls back and takes the next seat."""
    from sqlalchemy import event

    from netcmdb.cmdb.db import make_engine

    r = add_room("01", "02", "10")
    a = add_ci("a", r)
    other = make_engine(f"sqlite:///{db_path}")
    fired: list[bool] = []

    def compete(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE CI SET") and not fired:
            fired.append(True)
            with session_scope(other) as s:
                s.add(CI(name="competitor", location_id=r, label="D010210-001", seat=1))

    event.listen(engine, "before_cursor_execute", compete)
    try:
        res = assign_labels(engine, DEFAULT_RULE, ci_ids=[a])
    finally:
        event.remove(engine, "before_cursor_execute", compete)
        other.dispose()
    assert fired and res.retries >= 1
    assert [(x.name, x.new) for x in res.assigned] == [("a", "D010210-002")]
    assert _labels(engine) == {"a": "D010210-002", "competitor": "D010210-001"}


def test_reconciler_places_ci_by_syslocation_then_assign_labels_it(engine: Any) -> None:
    """parse_location as the reconciler's location_parser: sysLocation 'HQ D01B203 机房' puts the
    switch in building 01, basement 2, room 03, and `assign` labels it there."""
    from netcmdb.cmdb.reconcile import ingest
    from netcmdb.discovery.facts import DeviceFact, Source
    from netcmdb.labeling.rule import parse_location

    fact = DeviceFact(
        source=Source.SNMP,
        ip="10.0.0.5",
        mac="00:11:22:33:44:55",
        hostname="sw-b2",
        serial="FOC123",
        sys_location="HQ D01B203 机房",
    )
    with session_scope(engine) as s:
        ingest(
            s,
            [fact],
            source=Source.SNMP.value,
            targets=["10.0.0.5"],
            methods=["snmp"],
            location_parser=parse_location,
        )
    with session_scope(engine) as s:
        ci = s.scalars(select(CI).where(CI.name == "sw-b2")).one()
        assert ci.location is not None
        assert (ci.location.building, ci.location.floor, ci.location.room) == ("01", "B2", "03")
    res = assign_labels(engine, DEFAULT_RULE)
    assert [a.new for a in res.assigned] == ["D01B203-001"]


def test_lower_case_labels_count_as_used_seats(engine: Any, add_room: Any, add_ci: Any) -> None:
    r = add_room("01", "02", "10")
    add_ci("typed-by-hand", r, label="d010210-007")
    add_ci("new", r)
    res = assign_labels(engine, DEFAULT_RULE, seats="never-reuse")
    assert [a.new for a in res.assigned] == ["D010210-008"]
    for seat in range(1, 7):
        add_ci(f"pc-{seat}", r, label=f"D010210-{seat:03d}")
    add_ci("newer", r)
    res = assign_labels(engine, DEFAULT_RULE)  # lowest free: 7 is held, by lower case
    assert [a.new for a in res.assigned] == ["D010210-009"]


def test_two_concurrent_assigners_on_postgresql(
    pg_server: str, tmp_path: Path, request: Any
) -> None:
    """The same race on a real PostgreSQL (READ COMMITTED): here the unique constraint
    ``uq_ci_label`` is what stops the second assigner, and it retries with the next seat."""
    import json

    from sqlalchemy import create_engine, text

    from netcmdb.cmdb.db import make_engine, upgrade
    from netcmdb.cmdb.models import Location

    name = f"lab{os.getpid()}"
    admin = create_engine(f"{pg_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{pg_server}/{name}"
    eng = make_engine(url)

    def drop() -> None:
        eng.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    request.addfinalizer(drop)
    upgrade(eng)
    with session_scope(eng) as s:
        loc = Location(building="01", floor="02", room="10")
        s.add(loc)
        s.flush()
        cis = [CI(name=f"pc{i:02d}", location_id=loc.id) for i in range(30)]
        s.add_all(cis)
        s.flush()
        ids = [c.id for c in cis]
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    barrier = str(tmp_path / "barrier")
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), url, barrier, str(p), ",".join(map(str, ids))],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ},
        )
        for p in (0, 1)
    ]
    deadline = time.time() + 60
    while len(list(tmp_path.glob("barrier.ready*"))) < 2 and time.time() < deadline:
        assert all(p.poll() is None for p in procs), "a worker died before the start"
        time.sleep(0.01)
    Path(barrier + ".go").touch()
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        outs.append(json.loads(out))
    labels = [lab for o in outs for lab in o["assigned"]]
    assert len(labels) == len(set(labels)) == 30, outs
    assert all(len(o["assigned"]) == 15 for o in outs), outs
    assert sorted(_labels(eng).values()) == [f"D010210-{i:03d}" for i in range(1, 31)]


def test_a_seat_a_person_gave_is_the_seat_the_label_carries(
    engine: Any, add_room: Any, add_ci: Any
) -> None:
    """``ci set --seat 5`` then ``label assign``: the label says seat 5 (not the lowest free
    seat), the other CIs fill the free seats around it, and a seat another label holds is a
    skip with the reason, never a silent renumbering."""
    r1 = add_room("01", "02", "10")
    add_ci("held", r1, label="D010210-002", seat=2)
    add_ci("auto-1", r1)
    add_ci("at-5", r1, seat=5, attr_sources={"seat": "manual"})
    add_ci("auto-2", r1)
    clash = add_ci("at-2", r1, seat=2, attr_sources={"seat": "manual"})
    add_ci("found-3", r1, seat=3, attr_sources={"seat": "snmp"})  # not a person's seat
    plan = assign_labels(engine, DEFAULT_RULE, dry_run=True)
    res = assign_labels(engine, DEFAULT_RULE)
    for r in (plan, res):
        assert sorted((a.name, a.seat) for a in r.assigned) == [
            ("at-5", 5),
            ("auto-1", 1),
            ("auto-2", 3),
            ("found-3", 4),
        ]
        assert [(i, why.split(";")[0]) for i, _, why in r.skipped] == [
            (clash, "its seat 2 is already on another label of room D010210")
        ]
    got = _labels(engine)
    assert got["at-5"] == "D010210-005" and got["at-2"] is None
