"""Lifecycle states a person sets, ``ci replace`` and retired CIs seen again, on SQLite and real
PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from netcmdb.cmdb.db import session_scope
from netcmdb.cmdb.journal import list_notes
from netcmdb.cmdb.lifecycle import replace_ci, set_lifecycle
from netcmdb.cmdb.models import CI, Change, CIStatus, Location
from netcmdb.cmdb.query import ci_detail, find_ci, run_detail
from netcmdb.cmdb.reconcile import ingest
from netcmdb.discovery.facts import DeviceClass, DeviceFact, Source
from netcmdb.errors import CmdbError, IntegrityError


def _pc(name: str, serial: str, ip: str) -> DeviceFact:
    return DeviceFact(
        source=Source.SNMP, ip=ip, hostname=name, serial=serial, device_class=DeviceClass.PC
    )


def _scan(engine, facts):  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return ingest(s, list(facts), source="snmp", targets=["10.0.0.0/24"], methods=["snmp"])


@pytest.fixture
def desk(engine):  # type: ignore[no-untyped-def]
    _scan(engine, [_pc("pc-old", "SN-OLD", "10.0.0.21"), _pc("pc-new", "SN-NEW", "10.0.0.22")])
    with session_scope(engine) as s:
        loc = Location(building="01", floor="02", room="10", name="计算机房", department="信息科")
        s.add(loc)
        s.flush()
        old = find_ci(s, "pc-old")
        old.location_id, old.seat, old.label = loc.id, 3, "D010210-003"
        old.asset_code, old.contact = "HOSP-PC-D010210-001", "张三 8001"
    return engine


def test_lifecycle_is_set_by_a_person_dated_noted_and_never_changed_by_discovery(desk):
    with session_scope(desk) as s:
        ci = find_ci(s, "pc-new")
        ch = set_lifecycle(s, ci, "repair", on=date(2026, 11, 30), by="李四", why="主板送修")
        assert [(c["attribute"], c["new"]) for c in ch] == [
            ("lifecycle", "repair"),
            ("lifecycle_date", "2026-11-30"),
        ]
        assert set_lifecycle(s, ci, "repair", on=date(2026, 11, 30)) == []  # no-op, no note
        with pytest.raises(CmdbError, match="in_stock, in_use, repair, retired"):
            set_lifecycle(s, ci, "broken")
    summary = _scan(desk, [_pc("pc-new", "SN-NEW", "10.0.0.22")])
    assert summary.retired_seen == []
    with session_scope(desk) as s:
        d = ci_detail(s, find_ci(s, "pc-new"))
        assert (d["lifecycle"], d["lifecycle_date"], d["status"]) == (
            "repair",
            "2026-11-30",
            "active",
        )
        assert [(n["kind"], n["text"], n["author"]) for n in d["notes"]] == [
            ("change", "lifecycle: - → repair: 主板送修", "李四")
        ]


def test_a_retired_ci_seen_again_stays_retired_and_the_run_says_so(desk):
    with session_scope(desk) as s:
        set_lifecycle(s, find_ci(s, "pc-old"), "retired")
        legacy = find_ci(s, "pc-new")
        legacy.status = CIStatus.RETIRED  # retired the old way (ci set --status retired)
    summary = _scan(
        desk, [_pc("pc-old", "SN-OLD", "10.0.0.21"), _pc("pc-new", "SN-NEW", "10.0.0.22")]
    )
    assert summary.retired_seen == ["pc-new", "pc-old"]
    with session_scope(desk) as s:
        assert run_detail(s, summary.run_id)["retired_seen"] == ["pc-new", "pc-old"]
        assert find_ci(s, "pc-old").lifecycle.value == "retired"
        assert find_ci(s, "pc-new").status == CIStatus.RETIRED


def test_replace_hands_the_desk_over_in_one_transaction_with_history_and_journal(desk):
    with session_scope(desk) as s:
        out = replace_ci(
            s, find_ci(s, "pc-old"), find_ci(s, "pc-new"), on=date(2026, 12, 1), by="王五"
        )
        assert out["took"] == {
            "location": "01/02/10",
            "seat": 3,
            "label": "D010210-003",
            "asset_code": "HOSP-PC-D010210-001",
            "department": None,
            "contact": "张三 8001",
        }
    with session_scope(desk) as s:
        old, new = find_ci(s, "pc-old"), find_ci(s, "pc-new")
        assert (new.label, new.seat, new.asset_code, new.contact, new.location.room) == (
            "D010210-003",
            3,
            "HOSP-PC-D010210-001",
            "张三 8001",
            "10",
        )
        assert (new.lifecycle.value, new.lifecycle_date) == ("in_use", date(2026, 12, 1))
        assert (old.label, old.seat, old.asset_code) == (None, None, None)
        assert (old.lifecycle.value, old.lifecycle_date) == ("retired", date(2026, 12, 1))
        hist = {
            (c.attribute, c.old, c.new)
            for c in s.scalars(
                select(Change).where(Change.ci_id == old.id, Change.source == "replace")
            )
        }
        assert ("label", "D010210-003", None) in hist and ("lifecycle", None, "retired") in hist
        assert find_ci(s, "D010210-003").id == new.id  # the label finds the new machine
        notes = {n["ci"]: n["text"] for n in list_notes(s, kinds=["change"])}
        assert notes["pc-old"].startswith(f"replaced by pc-new (#{new.id})")
        assert notes["pc-new"] == f"replaces pc-old (#{old.id}) at D010210-003"
        assert find_ci(s, "pc-new").attr_sources["label"] == "manual"  # discovery keeps off


@pytest.mark.parametrize(
    "case, message",
    [("self", "by itself"), ("retired", "already retired"), ("labelled", "already has label")],
)
def test_replace_refusals_change_nothing(desk, case, message):
    with session_scope(desk) as s:
        if case == "retired":
            set_lifecycle(s, find_ci(s, "pc-old"), "retired")
        if case == "labelled":
            find_ci(s, "pc-new").label = "D010210-009"
    with pytest.raises(CmdbError, match=message), session_scope(desk) as s:
        old = find_ci(s, "pc-old")
        replace_ci(s, old, old if case == "self" else find_ci(s, "pc-new"))
    with session_scope(desk) as s:
        assert s.scalar(select(CI.label).where(CI.name == "pc-old")) in ("D010210-003", None)
        assert s.scalar(select(CI.asset_code).where(CI.name == "pc-old")) == ("HOSP-PC-D010210-001")


def test_asset_codes_are_unique_through_ci_set(desk):
    from netcmdb.cmdb.query import set_manual

    with (
        pytest.raises(IntegrityError, match="already belongs to CI 'pc-old'"),
        session_scope(desk) as s,
    ):
        set_manual(s, find_ci(s, "pc-new"), {"asset_code": "HOSP-PC-D010210-001"})
