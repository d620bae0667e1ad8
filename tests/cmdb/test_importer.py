"""netcmdb/1 JSON and CSV import/export: exact round trip, matching discovered CIs, and bad
files that change nothing (SQLite and real PostgreSQL)."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from netcmdb.cmdb.db import session_scope
from netcmdb.cmdb.importer import ROW_KEY, csv_to_document, import_document
from netcmdb.cmdb.models import CI, Relationship, ScanRun
from netcmdb.cmdb.reconcile import ingest
from netcmdb.discovery.facts import DeviceFact, Source
from netcmdb.errors import ImportFormatError
from netcmdb.exporters.netcmdb_json import ci_records, export_csv, export_document

DOC = {
    "format": "netcmdb/1",
    "cis": [
        {
            "name": "sw-core-1",
            "class": "switch",
            "role": "core",
            "ip": "10.0.0.1",
            "mac": "00:11:22:33:44:55",
            "serial": "FOC1234X",
            "vendor": "Cisco",
            "model": "C9300-48P",
            "os": "IOS-XE",
            "os_version": "17.9.4",
            "location": {
                "building": "01",
                "floor": "02",
                "room": "10",
                "name": "网络中心机房",
                "seat": 9,
            },
            "label": "D010210-009",
        },
        {"name": "sw-a-1", "class": "switch", "role": "access", "ip": "10.0.0.2"},
        {"name": "db-1", "class": "server", "ip": "10.0.10.1"},
        {"name": "db-2", "class": "server", "ip": "10.0.10.2"},
        {"name": "his-app", "class": "service", "owner": "信息中心"},
        {"name": "his-db", "class": "cluster"},
        {"name": "=cmd|' /C calc'!A0", "class": "other", "description": "+evil"},
    ],
    "links": [{"a": "sw-core-1", "a_port": "Gi1/0/1", "b": "sw-a-1", "b_port": "Gi1/0/48"}],
    "dependencies": [{"from": "his-app", "to": "his-db"}],
    "groups": [{"name": "his-db", "members": ["db-1", "db-2"], "min_up": 1}],
}


def do_import(engine, doc):
    with session_scope(engine) as s:
        return import_document(s, copy.deepcopy(doc))


def export(engine):
    with session_scope(engine) as s:
        return export_document(s)


def snapshot(engine):
    with session_scope(engine) as s:
        return (export_document(s), s.scalar(select(func.count()).select_from(ScanRun)))


def test_import_then_export_is_exact(engine):
    do_import(engine, DOC)
    assert export(engine) == DOC


def test_reimport_is_idempotent(engine):
    do_import(engine, DOC)
    again = do_import(engine, DOC)
    assert again.new == [] and again.changed == []
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(CI)) == len(DOC["cis"])
        assert s.scalar(select(func.count()).select_from(Relationship)) == 4


def test_import_updates_the_discovered_ci_instead_of_duplicating(engine):
    with session_scope(engine) as s:
        ingest(
            s,
            [
                DeviceFact(
                    source=Source.SNMP,
                    ip="10.0.0.1",
                    serial="FOC1234X",
                    hostname="core-sw",
                    vendor="cisco",
                )
            ],
            source="snmp",
            targets=["10.0.0.1"],
            methods=["snmp"],
        )
    do_import(engine, DOC)
    with session_scope(engine) as s:
        rows = s.execute(select(CI.name, CI.vendor, CI.label).where(CI.serial == "FOC1234X")).all()
    assert rows == [("sw-core-1", "Cisco", "D010210-009")]


def test_ci_list_records_are_import_entries_plus_bookkeeping(engine):
    do_import(engine, DOC)
    with session_scope(engine) as s:
        recs = ci_records(s, {"class": "switch"})
        by_building = ci_records(s, {"building": "01"})
    assert [r["name"] for r in recs] == ["sw-core-1", "sw-a-1"]
    assert {"id", "status", "first_seen", "last_seen"} <= set(recs[0])
    entry = {
        k: v for k, v in recs[0].items() if k not in ("id", "status", "first_seen", "last_seen")
    }
    assert entry == DOC["cis"][0]
    assert [r["name"] for r in by_building] == ["sw-core-1"]


def test_csv_round_trip_and_formula_neutralising(engine):
    do_import(engine, DOC)
    with session_scope(engine) as s:
        text = export_csv(s)
    assert "'=cmd|" in text and ",'+evil," in text  # neutralised for spreadsheets
    other_doc = csv_to_document(text)
    names = [c["name"] for c in other_doc["cis"]]
    assert "=cmd|' /C calc'!A0" in names  # and restored on import
    for c in other_doc["cis"]:
        c.pop(ROW_KEY)
    want = copy.deepcopy(DOC["cis"])
    for c in want:
        if c["class"] == "cluster":
            c["min_up"] = 1  # the flat list carries a cluster's min_up itself
    assert _norm(other_doc["cis"]) == _norm(want)


def _norm(cis):
    out = []
    for c in cis:
        c = dict(c)
        if c.get("status") == "active":
            del c["status"]  # the CSV always has a status column
        if "location" in c:
            c["location"] = {k: str(v) for k, v in c["location"].items()}
        if "min_up" in c:
            c["min_up"] = str(c["min_up"])
        out.append(c)
    return out


BAD = [
    ("not-an-object", [1, 2], "document: must be a JSON object"),
    ("wrong-format", {"format": "netcmdb/2"}, "format: expected 'netcmdb/1'"),
    (
        "unknown-class",
        {"cis": [{"name": "x", "class": "toaster"}]},
        "cis[0] (x): unknown class 'toaster'",
    ),
    (
        "bad-ip",
        {"cis": [{"name": "x", "class": "pc", "ip": "10.0.0.256"}]},
        "cis[0] (x): bad IP '10.0.0.256'",
    ),
    (
        "bad-mac",
        {"cis": [{"name": "x", "class": "pc", "mac": "00:11:22:33:44"}]},
        "cis[0] (x): bad MAC '00:11:22:33:44'",
    ),
    (
        "dup-label",
        {
            "cis": [
                {"name": "x", "class": "pc", "label": "D010210-001"},
                {"name": "y", "class": "pc", "label": "D010210-001"},
            ]
        },
        "cis[1] (y): duplicate label D010210-001",
    ),
    (
        "label-taken",
        {"cis": [{"name": "new-pc", "class": "pc", "label": "D010210-009"}]},
        "cis[0] (new-pc): label D010210-009 already belongs to CI 'sw-core-1'",
    ),
    (
        "unknown-link-end",
        {"cis": [{"name": "x", "class": "pc"}], "links": [{"a": "x", "b": "ghost"}]},
        "links[0]: unknown CI 'ghost'",
    ),
    (
        "unknown-dep",
        {"dependencies": [{"from": "his-app", "to": "nothing"}]},
        "dependencies[0]: unknown CI 'nothing'",
    ),
    ("no-name", {"cis": [{"class": "pc"}]}, "cis[0]: name is required"),
    (
        "unknown-field",
        {"cis": [{"name": "x", "class": "pc", "colour": "red"}]},
        "cis[0] (x): unknown field 'colour'",
    ),
    (
        "min-up-too-big",
        {"groups": [{"name": "g", "members": ["db-1"], "min_up": 2}]},
        "groups[0] (g): min_up 2 exceeds its 1 members",
    ),
    (
        "bad-seat",
        {"cis": [{"name": "x", "class": "pc", "location": {"seat": "nine"}}]},
        "cis[0] (x): seat must be a whole number",
    ),
]


@pytest.mark.parametrize(("case", "doc", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_documents_name_the_row_and_change_nothing(engine, case, doc, message):
    do_import(engine, DOC)
    before = snapshot(engine)
    if isinstance(doc, dict):
        doc = {"format": "netcmdb/1", **doc}
        # valid rows first, so a half-applied import would show
        doc.setdefault("cis", [])
        doc["cis"] = [{"name": "would-be-new", "class": "pc", "ip": "10.9.9.9"}, *doc["cis"]]
        message = _shift(message)
    with pytest.raises(ImportFormatError) as info:
        do_import(engine, doc)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)
    assert snapshot(engine) == before


def _shift(message: str) -> str:
    if message.startswith("cis["):
        i = int(message[4 : message.index("]")])
        return f"cis[{i + 1}]" + message[message.index("]") + 1 :]
    return message


def test_csv_bad_row_is_named_by_line(engine):
    text = "name,class,ip\nok-1,pc,10.0.0.5\nbad-1,pc,10.0.0.999\n"
    with pytest.raises(ImportFormatError, match=r"^row 3 \(bad-1\): bad IP"):
        with session_scope(engine) as s:
            import_document(s, csv_to_document(text))
    with pytest.raises(ImportFormatError, match="unknown column 'colour'"):
        csv_to_document("name,class,colour\nx,pc,red\n")


def test_export_is_json_serialisable_and_stable(engine):
    do_import(engine, DOC)
    a = json.dumps(export(engine), ensure_ascii=False, sort_keys=False)
    b = json.dumps(export(engine), ensure_ascii=False, sort_keys=False)
    assert a == b


def test_csv_carries_location_text_and_what_people_record(engine):
    """The flat CSV keeps the sysLocation no pattern matched (verbatim) and the department /
    lifecycle a person set; importing it back reads them and changes nothing."""
    doc = copy.deepcopy(DOC)
    doc["cis"][1].update(location_text="楼道弱电井 =x", department="信息科", lifecycle="repair")
    do_import(engine, doc)
    with session_scope(engine) as s:
        text = export_csv(s)
    assert text.splitlines()[0].endswith(",last_seen,location_text,asset_code,department,lifecycle")
    back = {c["name"]: c for c in csv_to_document(text)["cis"]}[doc["cis"][1]["name"]]
    assert (back["location_text"], back["department"], back["lifecycle"]) == (
        "楼道弱电井 =x",
        "信息科",
        "repair",
    )
    again = csv_to_document(text)
    with session_scope(engine) as s:
        run = import_document(s, again)
    assert (run.new, run.changed) == ([], [])
