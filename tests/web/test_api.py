"""REST API /api/v1 on the example campus: the CLI's JSON shapes, auth (401/403 as JSON, never a
trace), manual edits pinned like ``ci set``, impact identical to ``netcmdb impact --json``, the
OpenAPI document, security headers."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import quote

import pytest

API = "/api/v1"


def bearer(web_db, role: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {web_db.tokens[role]}"}


def test_openapi_document_lists_every_endpoint(client):
    doc = client.get(f"{API}/openapi.json").json()
    paths = set(doc["paths"])
    assert {
        f"{API}/cis",
        f"{API}/cis/{{ref}}",
        f"{API}/impact",
        f"{API}/where/{{query}}",
        f"{API}/runs",
        f"{API}/runs/{{run_id}}",
        f"{API}/rooms/{{room}}/labels.pdf",
        f"{API}/facts",
    } <= paths
    assert "patch" in doc["paths"][f"{API}/cis/{{ref}}"]


def test_list_filters_pages_and_counts(client):
    r = client.get(f"{API}/cis", params={"class": "switch", "limit": 5})
    body = r.json()
    assert r.status_code == 200 and body["total"] > 5 and len(body["cis"]) == 5
    assert all(c["class"] == "switch" for c in body["cis"])
    nxt = client.get(f"{API}/cis", params={"class": "switch", "limit": 5, "offset": 5}).json()
    assert {c["id"] for c in nxt["cis"]}.isdisjoint({c["id"] for c in body["cis"]})
    b01 = client.get(f"{API}/cis", params={"building": "01", "limit": 1000}).json()
    assert b01["total"] == len(b01["cis"]) > 0
    assert all(c["location"]["building"] == "01" for c in b01["cis"])


def test_list_records_are_ci_list_json(client, web_db):
    """The records are exactly ``netcmdb ci list --json`` records."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "netcmdb",
            "--db",
            web_db.url,
            "ci",
            "list",
            "--class",
            "router",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    cli = json.loads(out.stdout)
    api = client.get(f"{API}/cis", params={"class": "router", "limit": 1000}).json()
    assert api["cis"] == cli and api["total"] == len(cli)


def test_show_by_name_label_ip_mac_and_id(client):
    by_name = client.get(f"{API}/cis/sw-core-1").json()
    assert by_name["label"] == "D010101-001"
    for ref in (
        "D010101-001",
        "10.0.0.1",
        "00E0.FC00.0001",
        "00-e0-fc-00-00-01",
        f"#{by_name['id']}",
        str(by_name["id"]),
    ):
        got = client.get(f"{API}/cis/{quote(ref)}").json()
        assert got.get("id") == by_name["id"], (ref, got)
    miss = client.get(f"{API}/cis/nope-nothing")
    assert miss.status_code == 404 and "no CI matches" in miss.json()["error"]


def test_reads_need_auth_off_loopback(closed_client, web_db):
    r = closed_client.get(f"{API}/cis")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.json()["status"] == 401
    ok = closed_client.get(f"{API}/cis", headers=bearer(web_db, "reader"))
    assert ok.status_code == 200 and ok.json()["total"] > 400
    bad = closed_client.get(f"{API}/cis", headers={"Authorization": "Bearer ncm_wrong"})
    assert bad.status_code == 401 and "unknown or revoked" in bad.json()["error"]
    weird = closed_client.get(f"{API}/cis", headers={"Authorization": "Basic abc"})
    assert weird.status_code == 401 and weird.json()["error"]


def test_writes_need_an_editor(client, web_db):
    body = {"owner": "信息科 张三"}
    anon = client.patch(f"{API}/cis/sw-acc-0101-1", json=body)
    assert anon.status_code == 401 and "error" in anon.json()
    reader = client.patch(f"{API}/cis/sw-acc-0101-1", json=body, headers=bearer(web_db, "reader"))
    assert reader.status_code == 403 and "needs editor" in reader.json()["error"]
    assert client.get(f"{API}/cis/sw-acc-0101-1").json().get("owner") != "信息科 张三"


def test_patch_is_ci_set(client, web_db):
    name = client.get(f"{API}/cis", params={"class": "pc", "limit": 1}).json()["cis"][0]["name"]
    r = client.patch(
        f"{API}/cis/{name}",
        headers=bearer(web_db, "editor"),
        json={"owner": "信息科", "location": "02/03/04", "room_name": "办公室", "seat": 7},
    )
    assert r.status_code == 200, r.text
    changed = {c["attribute"] for c in r.json()["changes"]}
    assert changed == {"owner", "location", "seat"}
    d = client.get(f"{API}/cis/{name}").json()
    assert d["owner"] == "信息科" and d["seat"] == 7
    assert d["location"] == {"building": "02", "floor": "03", "room": "04", "name": "办公室"}
    assert d["sources"]["owner"] == "manual"  # pinned against discovery, as ci set pins
    # the edit's answer, the history and the CI page show the room as the label rule does
    moved = next(c for c in r.json()["changes"] if c["attribute"] == "location")
    assert moved["new"] == "D020304"
    assert [h["new"] for h in d["history"] if h["attribute"] == "location"] == ["D020304"]
    page = client.get(f"/ci/{name}").text
    assert "→ D020304" in page and "02/03/04" not in page
    assert any(
        h["attribute"] == "owner" and h["source"].startswith("web:tok-editor") for h in d["history"]
    )
    for bad in ({"class": "toaster"}, {"location": "nowhere"}, {"nosuch": 1}, {"seat": -1}):
        r = client.patch(f"{API}/cis/{name}", headers=bearer(web_db, "editor"), json=bad)
        assert r.status_code == 422 and r.json()["error"], bad
    dup = client.patch(
        f"{API}/cis/{name}", headers=bearer(web_db, "editor"), json={"label": "D010101-001"}
    )
    assert dup.status_code == 422 and "already belongs" in dup.json()["error"]


def test_impact_post_is_impact_json(client, web_db):
    out = subprocess.run(
        [sys.executable, "-m", "netcmdb", "--db", web_db.url, "impact", "sw-dist-01-1", "--json"],
        capture_output=True,
        text=True,
        check=True,
        env={**__import__("os").environ, "NETCMDB_CACHE_DIR": "/nonexistent"},
    )
    r = client.post(f"{API}/impact", json={"targets": ["sw-dist-01-1"]})
    assert r.status_code == 200
    assert r.json() == json.loads(out.stdout)
    assert r.json()["summary"]["down"] > 0
    bad = client.post(f"{API}/impact", json={"targets": ["no-such-ci"]})
    assert bad.status_code == 400 and bad.json()["error"]
    empty = client.post(f"{API}/impact", json={"targets": []})
    assert empty.status_code == 422


def test_runs_where_and_room_labels(client):
    runs = client.get(f"{API}/runs").json()
    assert runs and runs[0]["id"] >= 1
    one = client.get(f"{API}/runs/{runs[-1]['id']}").json()
    assert one["new"] > 400 and len(one["new_cis"]) == one["new"]
    assert client.get(f"{API}/runs/999999").status_code == 404
    assert client.get(f"{API}/runs/abc").status_code == 404
    w = client.get(f"{API}/where/10.0.0.1")
    assert w.status_code in (200, 404) and isinstance(w.json(), dict)
    pdf = client.get(f"{API}/rooms/D010101/labels.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert client.get(f"{API}/rooms/D999999/labels.pdf").status_code == 404
    assert client.get(f"{API}/rooms/garbage!/labels.pdf").status_code == 400


def test_security_headers_and_no_traces(client):
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "SAMEORIGIN"
    assert "referrer-policy" in r.headers
    r = client.get(f"{API}/cis", params={"limit": "lots"})
    assert r.status_code == 422 and "limit" in r.json()["error"]
    assert "Traceback" not in r.text
    r = client.post(
        f"{API}/impact", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422 and "Traceback" not in r.text


@pytest.mark.parametrize("role,status", [("reader", 403), ("editor", 200)])
def test_facts_push_needs_editor(client, web_db, role, status):
    fact = {
        "target": "10.77.0.1",
        "device": {
            "source": "snmp",
            "ip": "10.77.0.1",
            "hostname": f"pushed-{role}",
            "mac": "02:77:00:00:00:01" if role == "editor" else "02:77:00:00:00:02",
            "serial": f"PUSH-{role}",
            "device_class": "switch",
        },
    }
    r = client.post(
        f"{API}/facts",
        json={"results": [fact], "targets": ["10.77.0.0/24"]},
        headers=bearer(web_db, role),
    )
    assert r.status_code == status, r.text
    if status == 200:
        assert r.json()["new"] == [f"pushed-{role}"]
        assert client.get(f"{API}/cis/pushed-editor").json()["serial"] == "PUSH-EDITOR"
    bad = client.post(
        f"{API}/facts",
        json={"results": [{"target": "x", "device": {"source": "snmp", "bogus": 1}}]},
        headers=bearer(web_db, "editor"),
    )
    assert bad.status_code == 400 and "entry 0" in bad.json()["error"]


def test_hostile_names_are_escaped_in_every_page(client, hostile):
    for i, s in enumerate(hostile):
        name = f"{s}-{i}"
        r = client.get("/ci/" + quote(name, safe=""))
        assert r.status_code == 200, name
        assert s not in r.text or "<" not in s  # the raw markup never reaches the page
    page = client.get("/cis", params={"building": "09"}).text
    assert '<script>alert("x")</script>' not in page and "&lt;script&gt;" in page
    assert "<img src=x onerror" not in page
    assert "<img" not in client.get("/room/D090101").text
    found = client.get("/api/v1/search", params={"q": "onerror"}).json()["hits"]
    assert any(h.get("name", "").startswith('"><img') for h in found)  # JSON keeps the text


def test_dashboard_runs_and_spof_pages(client):
    dash = client.get("/").text
    assert "CIs in the CMDB" in dash and "/cis?class=switch" in dash and 'id="runs"' in dash
    runs = client.get("/runs").text
    assert "/runs/1" in runs
    assert "<th>Changed</th><th>Moved</th><th>Missing</th>" in runs
    assert runs.count('<td class="num">') == 6 * runs.count('<a href="/runs/')
    one = client.get("/runs/1").text
    assert "New (44" in one  # the first run made every CI of the example campus (440+)
    spof = client.get("/spof").text
    assert 'id="spofs"' in spof and "/impact?t=" in spof
    topo = client.get("/topology/frame")
    assert topo.status_code == 200 and "sandbox" in topo.headers["content-security-policy"]
    csv = client.get("/cis.csv", params={"class": "router"})
    assert csv.status_code == 200 and csv.text.splitlines()[0].lstrip("\ufeff").startswith("id,")
    xlsx = client.get("/cis.xlsx", params={"class": "router"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_ci_list_downloads_are_the_export_service(client, web_db):
    """Every download of the CI list is written by services.export (the code `netcmdb export`
    runs): the same bytes for the same selection, formulas neutralised, the selection kept."""
    import csv
    import io

    import openpyxl

    from netcmdb.services import export
    from netcmdb.services.context import Cmdb

    cmdb = Cmdb(web_db.url, config={})
    sel = {"building": "09"}  # the hostile CIs
    got = client.get("/cis.csv", params=sel)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert got.content == export.download(cmdb, "csv", cis=sel).data
    assert got.content.decode("utf-8-sig") == export.csv_text(cmdb, "cis", cis=sel)
    rows = list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert len(rows) == 4 and {r["owner"] for r in rows} >= {'\'=HYPERLINK("http://evil")'}
    assert not any(v.startswith("=") for r in rows for v in r.values() if v)
    book = openpyxl.load_workbook(io.BytesIO(client.get("/cis.xlsx", params=sel).content))
    cells = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert any(isinstance(v, str) and "HYPERLINK" in v for v in cells)
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)
    doc = client.get("/cis.json", params=sel).json()
    from netcmdb.safety import unneutralize_cell

    assert sorted(c["name"] for c in doc["cis"]) == sorted(
        str(unneutralize_cell(r["name"])) for r in rows
    )
    q = client.get("/cis.csv", params={"q": "HOST2"}).content.decode("utf-8-sig")
    assert [r["serial"] for r in csv.DictReader(io.StringIO(q))] == ["HOST2"]  # the search box
    assert client.get("/cis.report", params=sel).text.lstrip().lower().startswith("<!doctype")
    assert client.get("/cis.exe").status_code == 404


def test_room_filter_takes_every_room_notation_like_ci_list(client, web_db):
    """GET /api/v1/cis, the list page and its downloads read a room as `ci list --room` does
    (services.cis.selection): D010210 used to select nothing on the web."""
    from netcmdb.services import cis
    from netcmdb.services.context import Cmdb

    want = [r["id"] for r in cis.list_cis(Cmdb(web_db.url, config={}), {"room": "D010210"})]
    assert want
    for room in ("D010210", "01/02/10", "D0102 10"):
        got = client.get("/api/v1/cis", params={"room": room, "limit": 1000}).json()
        assert [c["id"] for c in got["cis"]] == want and got["total"] == len(want), room
    page = client.get("/cis", params={"room": "D010210"}).text
    assert f"{len(want)} CIs" in page
    csv_ids = [
        line.split(",")[0]
        for line in client.get("/cis.csv", params={"room": "D010210"}).text.splitlines()[1:]
    ]
    assert csv_ids == [str(i) for i in want]
    bad = client.get("/api/v1/cis", params={"room": "10"})  # which building and floor?
    assert bad.status_code == 400 and "Traceback" not in bad.text


def test_bulk_edit_is_ci_set_where(client, web_db):
    """POST /api/v1/cis/bulk is `ci set --where-... --json` (services.cis.bulk_set): editor
    only, a dry run writes nothing, the edit is one transaction recorded as the web user."""
    body = {"where": {"building": "09", "class": "pc"}, "set": {"department": "信息科"}}
    assert client.post(f"{API}/cis/bulk", json=body).status_code == 401
    reader = client.post(f"{API}/cis/bulk", json=body, headers=bearer(web_db, "reader"))
    assert reader.status_code == 403
    editor = bearer(web_db, "editor")
    dry = client.post(f"{API}/cis/bulk", json={**body, "dry_run": True}, headers=editor).json()
    assert dry["dry_run"] and dry["selected"] == 4 and len(dry["changed"]) == 4
    listed = client.get(f"{API}/cis", params={"building": "09", "limit": 100}).json()["cis"]
    assert all(c.get("department") is None for c in listed)
    done = client.post(f"{API}/cis/bulk", json=body, headers=editor).json()
    assert not done["dry_run"] and [e["name"] for e in done["changed"]] == [
        e["name"] for e in dry["changed"]
    ]
    d = client.get(f"{API}/cis/{done['changed'][0]['id']}").json()
    assert d["department"] == "信息科"
    assert any(
        h["attribute"] == "department" and h["source"].startswith("web:tok-editor")
        for h in d["history"]
    )
    for bad in (
        {"where": {}, "set": {"department": "x"}},  # no selection: refused, not "everything"
        {"where": {"building": "09"}, "set": {}},  # nothing to set
        {"where": {"building": "09"}, "set": {"label": "X"}},  # not a bulk attribute
        {"where": {"room": "10"}, "set": {"owner": "x"}},  # which building?
    ):
        r = client.post(f"{API}/cis/bulk", json=bad, headers=editor)
        assert 400 <= r.status_code < 500 and r.json()["error"], (bad, r.text)
