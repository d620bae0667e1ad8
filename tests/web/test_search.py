"""The search box's service: every kind of key the issue lists finds its CI or room."""

from __future__ import annotations

import pytest

from netcmdb.cmdb.db import make_engine, session_scope
from netcmdb.web.service import search


@pytest.fixture
def sess(web_db):  # type: ignore[no-untyped-def]
    eng = make_engine(web_db.url)
    with session_scope(eng) as s:
        yield s
    eng.dispose()


def names(hits):  # type: ignore[no-untyped-def]
    return [h.get("name") for h in hits if h["kind"] == "ci"]


@pytest.mark.parametrize(
    "q",
    [
        "sw-core-1",
        "D010101-001",
        "10.0.0.1",
        "00:e0:fc:00:00:01",
        "00E0.FC00.0001",
        "00-E0-FC-00-00-01",
        "00e0fc000001",
        "2102357810HA0001",
        "core-1",
    ],
)
def test_finds_sw_core_1_by_every_key(sess, q):
    assert "sw-core-1" in names(search(sess, q)), q


def test_rooms_by_code_and_chinese_name(sess):
    by_code = search(sess, "D010101")
    assert by_code[0]["kind"] == "room" and by_code[0]["code"] == "D010101"
    assert "sw-core-1" in names(by_code)
    by_name = search(sess, "网络中心")
    assert any(h["kind"] == "room" and h["name"] == "网络中心机房" for h in by_name)
    two = search(sess, "机房")  # a two-character Chinese word
    assert any(h["kind"] == "room" for h in two)


def test_owner_and_too_short(web_db):
    from sqlalchemy import select

    from netcmdb.cmdb.models import CI
    from netcmdb.cmdb.query import set_manual

    eng = make_engine(web_db.url)
    with session_scope(eng) as s:  # as ci set / the web's edit form do (a Change row)
        set_manual(
            s, s.scalars(select(CI).where(CI.name == "sw-core-2")).one(), {"owner": "信息科 王五"}
        )
    with session_scope(eng) as s:
        assert "sw-core-2" in names(search(s, "王五"))
        assert search(s, "x") == []
    eng.dispose()
