"""The pages in real headless Chromium (Playwright driving the system browser), against one real
uvicorn server on 127.0.0.1: search as you type, CI page, room plan, impact page and its
shareable URL, language switch, login, CSRF, hostile device strings, pages with JavaScript off.
Waits are on conditions (Playwright's auto-waiting), never sleeps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.slow
TIMEOUT = 30_000  # ms: a busy 2-core machine, still a condition and not a sleep


@pytest.fixture
def page(browser, server, password) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(base_url=server, locale="en-US")
    ctx.set_default_timeout(TIMEOUT)
    pg = ctx.new_page()
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.console_errors = []  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.password = password  # type: ignore[attr-defined]
    yield pg
    ctx.close()


def login(page, role: str = "editor") -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("input[name=name]", f"{role}1")
    page.fill("input[name=password]", page.password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("form[action='/logout']")


def test_search_as_you_type_finds_a_chinese_room_and_a_ci(page):
    page.goto("/")
    page.fill("#q", "网络中心")
    page.wait_for_selector("#suggest:not([hidden]) li a[href^='/room/']")
    assert "D010101" in page.inner_text("#suggest")
    page.fill("#q", "")
    page.type("#q", "00e0.fc00.0001")  # a MAC in Cisco notation, typed key by key
    page.wait_for_selector("#suggest:not([hidden]) a:has-text('sw-core-1')")
    page.click("#suggest a:has-text('sw-core-1')")
    page.wait_for_url("**/ci/*")
    assert page.inner_text("#ci-name").startswith("sw-core-1")
    assert page.console_errors == []  # nothing blocked by the CSP, no script errors


def test_ci_page_and_what_if_it_fails(page):
    page.goto("/ci/sw-dist-01-1")
    attrs = page.inner_text("#attrs")
    assert "vendor" in attrs and "location" in attrs and "sw-dist-01-1" in attrs
    assert page.locator("#neighbours tbody tr").count() >= 2
    page.click("#what-if")
    page.wait_for_selector("#impact-summary")
    assert "sw-dist-01-1" in page.url
    assert page.locator("tr.down").count() > 0


def test_impact_page_url_reproduces_the_question(page):
    page.goto("/impact")
    page.fill("#targets input.target >> nth=0", "sw-acc-0101-1")
    page.click("#add-target")  # JavaScript adds a second field
    page.fill("#targets input.target >> nth=1", "sw-acc-0101-2")
    page.click("#impact-form button[type=submit]")
    page.wait_for_selector("#impact-summary")
    first = page.inner_text("#impact-summary")
    url = page.url
    assert "t=sw-acc-0101-1" in url and "t=sw-acc-0101-2" in url
    assert page.locator("section.building h2").count() >= 1  # grouped by building
    page.goto("about:blank")
    page.goto(url)
    assert page.inner_text("#impact-summary") == first
    assert page.locator("tr.down td:has-text('down')").count() > 0


def test_room_plan_seats_run_right_to_left_from_the_door(page):
    page.goto("/room/D010101")
    seats = page.locator("#uplan .seat")
    assert seats.count() >= 3
    door = page.locator("#door").bounding_box()
    one = page.locator("#uplan .seat[data-seat='1']").bounding_box()
    n = max(
        int(s)
        for s in page.locator("#uplan .seat").evaluate_all("els => els.map(e => e.dataset.seat)")
    )
    last = page.locator(f"#uplan .seat[data-seat='{n}']").bounding_box()
    centre = door["x"] + door["width"] / 2
    assert one["x"] > centre  # seat 1: right of the door
    assert last["x"] < centre  # the last seat: back round on the left
    assert "sw-core-1" in page.inner_text("#uplan .seat[data-seat='1']")
    with page.expect_download() as dl:
        page.evaluate(
            "() => { const a = document.getElementById('room-sheet');"
            " a.setAttribute('download', 'sheet.pdf'); a.click(); }"
        )
    assert dl.value.suggested_filename.endswith(".pdf")


def test_language_switch_is_remembered(page):
    page.goto("/cis")
    assert "Download CSV" in page.content()
    page.click("#lang a[hreflang='zh-CN']")
    page.wait_for_selector("html[lang='zh-CN']")
    assert "下载 CSV" in page.content()
    page.goto("/runs")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "扫描记录" in page.inner_text("h1")


def test_login_edit_and_logout(page):
    page.goto("/ci/sw-acc-0102-1")
    assert page.locator("#edit-form").count() == 0  # anonymous: no edit form
    login(page, "editor")
    page.goto("/ci/sw-acc-0102-1")
    page.fill("#edit-form input[name=owner]", "信息科 李四")
    page.click("#edit-form button[type=submit]")
    page.wait_for_selector("#attrs:has-text('信息科 李四')")
    assert "web:editor1" in page.inner_text("#history")
    page.click("form[action='/logout'] button")
    page.wait_for_selector("#login-link")


def test_wrong_password_and_reader_cannot_write(page):
    page.goto("/login")
    page.fill("input[name=name]", "editor1")
    page.fill("input[name=password]", "wrong password!")
    page.click("#login-form button[type=submit]")
    assert "wrong user name or password" in page.inner_text("#error")
    login(page, "reader")
    page.goto("/ci/sw-acc-0102-2")
    assert page.locator("#edit-form").count() == 0
    csrf = page.locator("form[action='/logout'] input[name=csrf]").get_attribute("value")
    r = page.request.post("/ci/sw-acc-0102-2/edit", form={"csrf": csrf, "owner": "x"})
    assert r.status == 403


def test_csrf_blocks_a_forged_form(page, server):
    login(page, "editor")
    # a post without the token (what another site's form would send with our cookie)
    r = page.request.post("/ci/sw-acc-0103-1/edit", form={"owner": "forged"})
    assert r.status == 403
    r = page.request.post("/ci/sw-acc-0103-1/edit", form={"owner": "forged", "csrf": "guess"})
    assert r.status == 403
    page.goto("/ci/sw-acc-0103-1")
    assert "forged" not in page.inner_text("#attrs")
    # a real cross-site page: a form auto-submitted from another origin (a data: URL)
    page.goto(
        "data:text/html,<form id=f method=post action='"
        + server
        + "/ci/sw-acc-0103-1/edit'><input name=owner value=forged2></form>"
    )
    with page.expect_navigation():
        page.evaluate("() => document.getElementById('f').submit()")
    assert "forged2" not in page.context.request.get(server + "/api/v1/cis/sw-acc-0103-1").text()


def test_hostile_device_strings_render_as_text(page, hostile):
    page.goto("/cis?building=09")
    assert hostile[0] in page.inner_text("#ci-list")
    for i, s in enumerate(hostile[:2]):
        page.goto("/cis?building=09")
        page.click(f"#ci-list a >> text={s}-{i}")
        page.wait_for_selector("#ci-name")
        assert s in page.inner_text("#ci-name")
        assert page.evaluate("() => document.querySelectorAll('script:not([src])').length") == 0
    got = page.request.get("/api/v1/cis/" + quote(f"{hostile[0]}-0", safe=""))
    assert got.status == 200 and got.json()["name"] == f"{hostile[0]}-0"
    page.goto("/search?q=" + quote("script"))
    page.goto("/room/D090101")
    assert page.locator("img").count() == 0  # no injected element
    assert page.evaluate("() => document.querySelectorAll('script:not([src])').length") == 0
    assert page.dialogs == []  # no alert() ever ran


def test_pages_readable_with_javascript_off(browser, server):
    ctx = browser.new_context(base_url=server, java_script_enabled=False)
    ctx.set_default_timeout(TIMEOUT)
    pg = ctx.new_page()
    pg.goto("/")
    pg.fill("#q", "sw-core-1")
    pg.press("#q", "Enter")
    pg.wait_for_selector("#hits a:has-text('sw-core-1')")
    pg.goto("/cis")
    pg.click("#next")
    pg.wait_for_url("**page=2**")
    assert pg.locator("#ci-list tbody tr").count() > 0
    ctx.close()


def test_impact_picture_and_label_assign_from_the_room_page(page, web_db):
    page.goto("/impact?t=sw-acc-0101-1")
    page.wait_for_function(
        "() => document.getElementById('impact-picture').complete && "
        "document.getElementById('impact-picture').naturalWidth > 0"
    )
    r = page.request.patch(
        "/api/v1/cis/fw-1",
        data={"label": None},
        headers={"Authorization": f"Bearer {web_db.tokens['editor']}"},
    )
    assert r.status == 200 and r.json()["changes"][0]["new"] is None
    page.goto("/room/D010101")
    assert page.locator("#assign-form").count() == 0  # anonymous: no write button
    login(page, "editor")
    page.goto("/room/D010101")
    page.click("#assign-form button")
    page.wait_for_selector("#assigned")
    assert "1" in page.inner_text("#assigned")
    assert page.request.get("/api/v1/cis/fw-1").json()["label"].startswith("D010101-")


def test_ci_list_download_in_the_browser_is_the_export_service(page, web_db):
    """Filter the list in Chromium, click "Download CSV": the file is services.export's CSV of
    exactly that selection (formulas neutralised)."""
    from pathlib import Path

    from netcmdb.services import export
    from netcmdb.services.context import Cmdb

    page.goto("/cis")
    page.fill("#filters input[name=role]", "core")
    page.click("#filters button[type=submit]")
    page.wait_for_url(lambda url: "role=core" in url)
    with page.expect_download() as dl:
        page.click("#csv")
    assert dl.value.suggested_filename == "netcmdb-cis.csv"
    data = Path(dl.value.path()).read_bytes()
    want = export.download(Cmdb(web_db.url, config={}), "csv", cis={"role": "core"}).data
    assert data == want and data.count(b"\n") >= 2  # a header and at least one core CI
    with page.expect_download() as dl:
        page.click("#xlsx")
    assert Path(dl.value.path()).read_bytes()[:2] == b"PK"


def test_errors_show_in_the_browsers_language(browser, server):  # type: ignore[no-untyped-def]
    """A Chinese browser (Accept-Language zh-CN) sees our errors in Chinese, device text escaped;
    an English one the same error in English."""
    for locale, words in (("zh-CN", "没有与"), ("en-US", "no CI matches")):
        ctx = browser.new_context(base_url=server, locale=locale)
        ctx.set_default_timeout(TIMEOUT)
        try:
            pg = ctx.new_page()
            pg.goto("/ci/" + quote("<b>no-such</b>"))
            text = pg.inner_text("#error")
            assert words in text and "<b>no-such</b>" in text, text
            assert pg.locator("#error b").count() == 0  # the device string stays text
            pg.goto("/impact?t=" + quote("no-such-ci"))
            assert pg.locator("#error").count() == 1
            impact = pg.inner_text("#error")
            assert "no-such-ci" in impact
            assert (locale == "zh-CN") == any("\u4e00" <= c <= "\u9fff" for c in impact), impact
        finally:
            ctx.close()
