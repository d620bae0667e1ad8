"""The journal (notes per CI) and ``search`` over CIs, notes and rooms, on SQLite (FTS5 trigram)
and real PostgreSQL (pg_trgm)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from netcmdb.cmdb.db import schema_diff, session_scope
from netcmdb.cmdb.journal import add_note, list_notes, parse_day
from netcmdb.cmdb.models import CI, CIClass, Location
from netcmdb.cmdb.query import ci_detail, find_ci, set_manual
from netcmdb.cmdb.reconcile import ingest
from netcmdb.cmdb.search import search
from netcmdb.discovery.facts import DeviceClass, DeviceFact, Source
from netcmdb.errors import CmdbError


def _pc(name: str, serial: str, ip: str) -> DeviceFact:
    return DeviceFact(
        source=Source.SNMP, ip=ip, hostname=name, serial=serial, device_class=DeviceClass.PC
    )


def _scan(engine, facts) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        ingest(s, list(facts), source="snmp", targets=["10.0.0.0/24"], methods=["snmp"])


def _day(d: str) -> datetime:
    return datetime.fromisoformat(d).replace(tzinfo=UTC)


@pytest.fixture
def journal(engine):  # type: ignore[no-untyped-def]
    _scan(
        engine,
        [
            _pc("pc-reg-01", "SN001", "10.0.0.11"),
            _pc("pc-reg-02", "SN002", "10.0.0.12"),
            _pc("Nurse-Station-PC", "SN003", "10.0.0.13"),
        ],
    )
    with session_scope(engine) as s:
        a, b = find_ci(s, "pc-reg-01"), find_ci(s, "pc-reg-02")
        add_note(
            s,
            a,
            "开机蓝屏，内存条松动，已重新插紧",
            kind="fault",
            author="张三",
            at=_day("2026-11-03T09:00:00"),
        )
        add_note(
            s, a, "硬盘坏了，更换硬盘", kind="repair", author="李四", at=_day("2026-11-05T10:00:00")
        )
        add_note(s, b, "系统盘更换为固态硬盘", kind="change", at=_day("2026-11-20T08:00:00"))
        add_note(s, b, "打印机驱动重装", at=_day("2026-10-28T08:00:00"))
        s.add(
            Location(
                building="D01",
                floor="02",
                room="10",
                name="计算机房",
                department="信息科",
                contact="王五 8001",
            )
        )
    return engine


def test_notes_are_listed_by_ci_period_and_kind_and_in_ci_show(journal):
    with session_scope(journal) as s:
        a = find_ci(s, "pc-reg-01")
        mine = list_notes(s, ci=a)
        assert [n["kind"] for n in mine] == ["fault", "repair"]
        assert mine[0]["author"] == "张三" and mine[0]["ci"] == "pc-reg-01"
        assert mine[0]["at"] == "2026-11-03T09:00:00Z"
        faults = list_notes(s, since=parse_day("2026-11-01"), kinds=["fault"])
        assert [n["text"][:4] for n in faults] == ["开机蓝屏"]
        november = list_notes(
            s, since=parse_day("2026-11-01"), until=parse_day("2026-11-10", end=True)
        )
        assert [n["kind"] for n in november] == ["fault", "repair"]
        assert [n["kind"] for n in ci_detail(s, a)["notes"]] == ["fault", "repair"]


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"text": "  \x1b\x07 "}, "empty"),
        ({"text": "x" * 4001}, "at most 4000"),
        ({"text": "ok", "kind": "rumour"}, "unknown note kind"),
    ],
)
def test_bad_notes_are_refused_and_nothing_is_written(journal, bad, message):
    with pytest.raises(CmdbError, match=message), session_scope(journal) as s:
        add_note(s, find_ci(s, "pc-reg-02"), **bad)
    with session_scope(journal) as s:
        assert len(list_notes(s)) == 4


def test_bad_dates_are_refused():
    with pytest.raises(CmdbError, match="2026-11-01"):
        parse_day("November")


def test_notes_follow_their_ci_through_a_rename_by_discovery_and_by_hand(journal):
    _scan(journal, [_pc("pc-reg-01-new", "SN001", "10.0.0.11")])  # same serial, new sysName
    with session_scope(journal) as s:
        ci = find_ci(s, "pc-reg-01-new")
        assert [n["ci"] for n in list_notes(s, ci=ci)] == ["pc-reg-01-new"] * 2
        set_manual(s, ci, {"name": "挂号-01"})
    with session_scope(journal) as s:
        hits = search(s, "硬盘坏")
        assert [(h.kind, h.title) for h in hits] == [("note", "挂号-01")]


def test_search_finds_two_character_chinese_words_with_ci_and_date(journal):
    with session_scope(journal) as s:
        disk = search(s, "硬盘")
        blue = search(s, "蓝屏")
        assert [(h.kind, h.title, h.at) for h in disk] == [
            ("note", "pc-reg-02", "2026-11-20T08:00:00Z"),  # newest first; "硬盘" at the end
            ("note", "pc-reg-01", "2026-11-05T10:00:00Z"),
        ]
        assert [(h.title, h.detail["kind"]) for h in blue] == [("pc-reg-01", "fault")]
        assert search(s, "硬件") == []
        assert search(s, "机房")[0].kind == "room"  # rooms: name, department, contact
        assert search(s, "信息科")[0].title == "D010210"


def test_search_cis_case_insensitively_and_catches_up_after_changes(journal):
    with session_scope(journal) as s:
        assert [h.title for h in search(s, "nurse-station")] == ["Nurse-Station-PC"]
        assert [h.title for h in search(s, "sn00", kinds=("ci",))] == [
            "pc-reg-01",
            "pc-reg-02",
            "Nurse-Station-PC",
        ]
        assert [h.title for h in search(s, "12", kinds=("ci",))] == ["pc-reg-02"]  # 10.0.0.12
    with session_scope(journal) as s:  # edits, new CIs and new notes after a first search
        set_manual(s, find_ci(s, "Nurse-Station-PC"), {"name": "护士站-1"})
        s.add(CI(name="printer-7", ci_class=CIClass.PRINTER, ip="10.0.0.77"))
        add_note(s, find_ci(s, "pc-reg-02"), "硒鼓更换")
    _scan(journal, [_pc("pc-reg-09", "SN009", "10.0.0.19")])
    with session_scope(journal) as s:
        assert search(s, "nurse-station") == []
        assert [h.title for h in search(s, "护士站")] == ["护士站-1"]
        assert [h.title for h in search(s, "printer")] == ["printer-7"]
        assert [h.title for h in search(s, "pc-reg-09")] == ["pc-reg-09"]
        assert [h.text for h in search(s, "硒鼓")] == ["硒鼓更换"]


@pytest.mark.parametrize("query", ["", " ", "x", "\x1b"])
def test_too_short_queries_are_refused(journal, query):
    with pytest.raises(CmdbError, match="at least 2 characters"), session_scope(journal) as s:
        search(s, query)


def test_search_uses_an_index_not_a_table_scan(journal):
    with session_scope(journal) as s:
        search(s, "硬盘")  # builds / catches up the SQLite indexes
        conn = s.connection()
        if conn.dialect.name == "sqlite":
            plan = " ".join(
                str(r[3])
                for r in conn.execute(
                    text(
                        "EXPLAIN QUERY PLAN SELECT rowid FROM search_note WHERE search_note MATCH "
                        "'\"硬盘坏\"'"
                    )
                )
            )
            assert "VIRTUAL TABLE INDEX" in plan
            vocab = " ".join(
                str(r[3])
                for r in conn.execute(
                    text(
                        "EXPLAIN QUERY PLAN SELECT term FROM search_note_vocab "
                        "WHERE term >= '硬盘' AND term < '硬盙'"
                    )
                )
            )
            assert "INDEX" in vocab
            assert schema_diff(conn) == []  # the search tables are not model drift
        else:
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            from netcmdb.cmdb.search import CI_DOCUMENT

            for sql in (
                "SELECT id FROM note WHERE text ILIKE '%硬盘坏%'",
                f"SELECT id FROM ci WHERE {CI_DOCUMENT} ILIKE '%station%'",
            ):
                plan = " ".join(r[0] for r in conn.execute(text(f"EXPLAIN {sql}")))
                assert "ix_trgm_" in plan, plan


def test_pg_ci_document_is_the_expression_the_newest_migration_indexes():
    import importlib

    from netcmdb.cmdb.search import CI_DOCUMENT

    m = importlib.import_module(
        "netcmdb.cmdb.migrations.versions.0006_purchase_date_and_owner_searchable"
    )
    assert m._PG_CI_DOCUMENT == CI_DOCUMENT


def test_owners_are_searchable_and_an_old_sqlite_index_is_rebuilt(journal):
    with session_scope(journal) as s:
        find_ci(s, "pc-reg-02").owner = "门诊收费处"
    with session_scope(journal) as s:
        search(s, "收费")
        if s.connection().dialect.name == "sqlite":  # an index built by the previous version
            s.connection().exec_driver_sql(
                "UPDATE search_state SET value = 1 WHERE name = 'ci_doc'"
            )
            s.connection().exec_driver_sql("DELETE FROM search_ci")
    with session_scope(journal) as s:
        assert [h.title for h in search(s, "收费处", kinds=("ci",))] == ["pc-reg-02"]
        assert [h.title for h in search(s, "nurse", kinds=("ci",))] == ["Nurse-Station-PC"]


def test_a_deleted_ci_keeps_its_notes_under_its_old_name(journal):
    with session_scope(journal) as s:
        s.delete(s.scalars(select(CI).where(CI.name == "pc-reg-02")).one())
    with session_scope(journal) as s:
        hits = search(s, "固态硬盘")
        assert [(h.ci_id, h.title) for h in hits] == [(None, "pc-reg-02")]
        assert search(s, "pc-reg-02", kinds=("ci",)) == []
