"""Chinese and English: every user-visible string of the web (and the CLI's localised output)
has a Chinese translation; the language follows Accept-Language, then the cookie; JSON keys stay
English."""

from __future__ import annotations

import os
import subprocess
import sys

from netcmdb import i18n


def test_every_user_visible_string_has_a_chinese_translation():
    from babel.messages.pofile import read_po

    with i18n.po_path("zh_CN").open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    found = i18n.extract()
    assert len(found) > 100  # the extractor really reads the templates and the code
    missing = {
        m: where[0] for m, where in found.items() if not (catalog.get(m) and catalog.get(m).string)
    }
    assert not missing, f"untranslated (python -m netcmdb.i18n extract, then translate): {missing}"
    import re

    for msg in catalog:  # placeholders (%(n)s in templates, {n} in the CLI) survive translation
        for pattern in (r"%\(\w+\)s", r"\{\w+\}"):
            assert set(re.findall(pattern, str(msg.id))) == set(
                re.findall(pattern, str(msg.string))
            ), msg.id


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
    evil = client.get(
        "/lang", params={"to": "zh_CN", "next": "//evil.example/x"}, follow_redirects=False
    )
    assert evil.headers["location"] == "/"  # no open redirect


def _cli(url: str, *args: str, lang: str) -> subprocess.CompletedProcess[str]:

    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANG")}
    env["LANG"] = lang
    return subprocess.run(
        [sys.executable, "-m", "netcmdb", "--db", url, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_cli_human_output_follows_lang(web_db):
    zh = _cli(web_db.url, "ci", "list", "--class", "router", lang="zh_CN.UTF-8")
    en = _cli(web_db.url, "ci", "list", "--class", "router", lang="C.UTF-8")
    assert zh.returncode == en.returncode == 0
    assert "个配置项" in zh.stdout and "名称" in zh.stdout and "name" not in zh.stdout
    assert "CIs" in en.stdout and "name" in en.stdout and "名称" not in en.stdout
    imp = _cli(web_db.url, "impact", "sw-dist-01-1", lang="zh_CN.UTF-8")
    assert "中断：" in imp.stdout and "有风险" in imp.stdout
    runs = _cli(web_db.url, "runs", "list", lang="zh_CN.UTF-8")
    assert "次扫描" in runs.stdout
    js_zh = _cli(web_db.url, "ci", "list", "--class", "router", "--json", lang="zh_CN.UTF-8")
    js_en = _cli(web_db.url, "ci", "list", "--class", "router", "--json", lang="C")
    assert js_zh.stdout == js_en.stdout  # JSON keys (and values) stay English
    err = _cli(web_db.url, "token", "revoke", "nobody", lang="zh_CN.UTF-8")
    assert err.returncode == 2 and err.stderr.startswith("错误：")
    assert "错误" not in _cli(web_db.url, "token", "revoke", "nobody", lang="en_US").stderr
