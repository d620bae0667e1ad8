"""The xlsx asset register: re-read with openpyxl and compared with the document; sheet layout
(one per building, frozen header, autofilter, widths); safe for any input."""

from __future__ import annotations

import exporter_samples as S
from hypothesis import HealthCheck, given, settings
from openpyxl import load_workbook

from netcmdb.exporters import xlsx
from netcmdb.exporters.document import flat_ci


def _expected_rows(doc, transform=lambda v: v):
    rows = []
    for ci in doc["cis"]:
        row = flat_ci(ci)
        rows.append({k: (transform(v) if isinstance(v, str) else v) for k, v in row.items()})
    return rows


def _by_name(rows):
    return sorted(rows, key=lambda r: (str(r["name"]), str(r.get("label"))))


def _strip_none(rows):
    return [{k: v for k, v in r.items() if v is not None} for r in rows]


def test_round_trip(doc, tmp_path):
    counts = xlsx.write_xlsx(doc, tmp_path / "r.xlsx")
    back = xlsx.read_xlsx(tmp_path / "r.xlsx")
    assert _strip_none(_by_name(back)) == _strip_none(_by_name(_expected_rows(doc)))
    assert counts == {"Building 01": 4, "Building 02": 5, "No building": 3}


def test_layout(doc, tmp_path):
    xlsx.write_xlsx(doc, tmp_path / "r.xlsx")
    wb = load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == ["Summary", "Building 01", "Building 02", "No building"]
    ws = wb["Building 02"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:O6"
    assert [c.value for c in ws[1]][:3] == ["Label", "Name", "Class"]
    # widths fitted to the data: the model column is wider than the seat column
    assert ws.column_dimensions["F"].width > ws.column_dimensions["O"].width >= 6
    assert {r[1] for r in ws.iter_rows(min_row=2, values_only=True)} == {
        "dist-2",
        "acc-2-1",
        "pc-0210-002",
        "pc-0210-003",
        "prn-0210",
    }
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Asset register"] == 12 and summary["Building 02"] == 5
    assert summary["pc"] == 2


def test_sheet_titles_valid_and_unique():
    taken = {"summary"}
    titles = [
        xlsx.sheet_title(b, taken)
        for b in ["01", "a/b:c*d?[e]\\", "x" * 40, "x" * 41, None, "History"[9:] or "01"]
    ]
    assert len({t.lower() for t in titles}) == len(titles)
    for t in titles:
        assert len(t) <= 31 and not set(t) & set("[]:*?/\\")


def test_hostile_cells(hostile_doc, tmp_path):
    xlsx.write_xlsx(hostile_doc, tmp_path / "h.xlsx")
    back = xlsx.read_xlsx(tmp_path / "h.xlsx")
    expected = _expected_rows(hostile_doc, lambda v: xlsx.cell(v))
    assert _strip_none(_by_name(back)) == _strip_none(_by_name(expected))
    for row in back:
        for v in row.values():
            if isinstance(v, str):
                assert not v.startswith(("=", "+", "-", "@", "\t", "\r"))
    wb = load_workbook(tmp_path / "h.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", c.value  # no formula cell, ever


def test_long_cell_is_cut_to_excel_limit():
    assert len(xlsx.cell("x" * 40000)) == xlsx.EXCEL_CELL_MAX - 1
    assert xlsx.cell(7) == 7 and xlsx.cell(None) is None


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(d=S.documents())
def test_property_xlsx_reparses(d, tmp_path_factory):
    path = tmp_path_factory.mktemp("x") / "p.xlsx"
    xlsx.write_xlsx(d, path)
    back = xlsx.read_xlsx(path)
    expected = _expected_rows(d, lambda v: xlsx.cell(v))
    assert _strip_none(_by_name(back)) == _strip_none(_by_name(expected))


def test_room_name_column_when_known(doc, tmp_path):
    doc["cis"][3]["location"]["name"] = "二号楼 210 机房"
    xlsx.write_xlsx(doc, tmp_path / "r.xlsx")
    rows = {r["name"]: r for r in xlsx.read_xlsx(tmp_path / "r.xlsx")}
    assert rows["acc-2-1"]["room_name"] == "二号楼 210 机房"
    assert rows["core-1"]["room_name"] is None


@settings(max_examples=300, deadline=None)
@given(s=S.any_text)
def test_property_cell_fast_path_equals_safety_functions(s):
    from netcmdb.safety import neutralize_cell, xml_text

    assert xlsx.cell(s) == neutralize_cell(xml_text(s)[: xlsx.EXCEL_CELL_MAX - 1])


def test_every_extra_field_has_a_column(doc, tmp_path):
    """Each optional CI field a document may carry (``location_text``: a sysLocation no room
    pattern matched, kept verbatim) gets its own column, read back as written."""
    from netcmdb.exporters.document import EXTRA_FIELDS

    ci = doc["cis"][3]
    for k in EXTRA_FIELDS:
        ci.setdefault(k, {"first_seen": "2026-12-01T00:00:00Z"}.get(k, f"{k} 楼道弱电井"))
    ci["status"], ci["lifecycle"] = "active", "in_use"
    xlsx.write_xlsx(doc, tmp_path / "r.xlsx")
    back = {r["name"]: r for r in xlsx.read_xlsx(tmp_path / "r.xlsx")}[ci["name"]]
    assert back["location_text"] == ci["location_text"]
