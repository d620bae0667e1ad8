"""The fast paths of the big-CMDB exports give exactly what the plain code would.

``export json`` writes one entry per line with the C encoder instead of ``json.dumps(indent=2)``;
CSV rows skip the per-cell ``neutralize_cell`` pass when one regex over the row finds nothing.
"""

from __future__ import annotations

import json

import exporter_samples as S
from hypothesis import given, settings
from hypothesis import strategies as st

from netcmdb.exporters.netcmdb_json import _safe_row, document_json
from netcmdb.safety import neutralize_cell

_cells = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(),
    st.sampled_from(["=1+2", "-3", "+x", "@SUM(A1)", "\tx", "\rx", "a\x1f=b", "'=x", " =x"]),
)


@given(st.lists(_cells, max_size=12))
@settings(max_examples=400, deadline=None)
def test_safe_row_is_neutralize_cell_per_cell(row):
    assert list(_safe_row(row)) == [neutralize_cell(v) for v in row]


def test_document_json_parses_back_exactly(doc, hostile_doc):
    for d in (doc, hostile_doc):
        text = document_json(d)
        back = json.loads(text)
        assert back == d
        assert list(back) == list(d)  # key order kept (the documented order)
        assert [list(c) for c in back["cis"]] == [list(c) for c in d["cis"]]
        assert text.endswith("}\n")


def test_document_json_layout_one_entry_per_line(doc):
    lines = document_json(doc).splitlines()
    assert lines[0] == "{" and lines[1] == '  "format": "netcmdb/1",'
    start = lines.index('  "cis": [')
    entries = lines[start + 1 : start + 1 + len(doc["cis"])]
    assert [json.loads(e.strip().rstrip(",")) for e in entries] == doc["cis"]


def test_document_json_empty_lists():
    d = {"format": "netcmdb/1", "cis": [], "links": [], "dependencies": [], "groups": []}
    assert json.loads(document_json(d)) == d
    assert '  "cis": [],' in document_json(d)


@given(S.documents())
@settings(max_examples=60, deadline=None)
def test_document_json_round_trips_generated_documents(d):
    assert json.loads(document_json(d)) == d


_xlsx_cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(),
    st.integers(32760, 32770).map(lambda n: "a" * n),
    st.sampled_from(["=1+2", "-3", "@x", "\tx", "a\x00b", "\ud800", "号楼", "a\x1f=b", "x\u2028"]),
)


@given(st.lists(_xlsx_cells, max_size=10))
@settings(max_examples=300, deadline=None)
def test_xlsx_safe_row_is_cell_per_cell(row):
    from netcmdb.exporters import xlsx

    got = xlsx._safe_row(list(row))
    assert got == [xlsx.cell(v) for v in row]
    assert [type(v) for v in got] == [type(xlsx.cell(v)) for v in row]


@given(st.lists(st.lists(_xlsx_cells, min_size=3, max_size=3), max_size=8))
@settings(max_examples=200, deadline=None)
def test_xlsx_column_widths_are_per_cell_widths(rows):
    from netcmdb.exporters import xlsx

    rows = [xlsx._safe_row(list(r)) for r in rows]
    headers = ["IP", "Name", "Room name"]
    expect = [len(h) + 2 for h in headers]
    for r in rows:
        for i, v in enumerate(r):
            expect[i] = max(expect[i], xlsx._width(v))
    assert xlsx._column_widths(headers, rows) == expect
