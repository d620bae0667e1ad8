"""Chinese and English: every user-visible string of the web (and the CLI's localised output)
has a Chinese translation; the language follows Accept-Language, then the cookie; JSON keys stay
English."""

from __future__ import annotations

from netcmdb import i18n


def test_every_user_visible_string_has_a_chinese_translation():
    from babel.messages.pofile import read_po

    with i18n.po_path("zh_CN").open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    found = i18n.extract()
    assert len(found) > 100  # the extractor really reads the templates and the code
    missing = {m: where[0] for m, where in found.items()
               if not (catalog.get(m) and catalog.get(m).string)}
    assert not missing, ("untranslated (python -m netcmdb.i18n extract, then translate): "
                         f"{missing}")
    for msg in catalog:  # placeholders survive translation
        if msg.id and "%(" in str(msg.id):
            import re

            assert set(re.findall(r"%\(\w+\)s", str(msg.id))) == set(
                re.findall(r"%\(\w+\)s", str(msg.string))), msg.id


def test_negotiation():
    assert i18n.negotiate("zh-CN,zh;q=0.9,en;q=0.8") == "zh_CN"
    assert i18n.negotiate("en-US,en;q=0.9,zh;q=0.5") == "en"
    assert i18n.negotiate("fr-FR, de;q=0.5") == "en"
    assert i18n.negotiate("") == "en"
    assert i18n.from_environment({"LANG": "zh_CN.UTF-8"}) == "zh_CN"
    assert i18n.from_environment({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}) == "en"


def test_pages_follow_accept_language_and_the_cookie(client):
    zh = client.get("/cis", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert 'lang="zh-CN"' in zh.text and "配置项" in zh.text and "下载 CSV" in zh.text
    en = client.get("/cis", headers={"Accept-Language": "en"})
    assert 'lang="en"' in en.text and "Download CSV" in en.text
    r = client.get("/lang", params={"to": "zh_CN", "next": "/runs"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/runs"
    assert "netcmdb_lang=zh_CN" in r.headers["set-cookie"]
    client.cookies.set("netcmdb_lang", "zh_CN")
    try:
        assert "扫描记录" in client.get("/runs", headers={"Accept-Language": "en"}).text
        api = client.get("/api/v1/cis", params={"limit": 1}).json()
        assert set(api) == {"cis", "total"} and "name" in api["cis"][0]  # JSON stays English
    finally:
        client.cookies.delete("netcmdb_lang")
    evil = client.get("/lang", params={"to": "zh_CN", "next": "//evil.example/x"},
                      follow_redirects=False)
    assert evil.headers["location"] == "/"  # no open redirect
