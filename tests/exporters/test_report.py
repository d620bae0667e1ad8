"""The HTML report: counts right, device strings escaped, no external resources, SPOF ranking
checked against brute force, rendered by headless Chromium (screenshot + DOM)."""

from __future__ import annotations

import re
import subprocess
from collections import deque
from html.parser import HTMLParser
from pathlib import Path

import exporter_samples as S
import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netcmdb.exporters import report

CHROMIUM = "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")


class Page(HTMLParser):
    """Collects tags, attributes, text and the data-count values of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.counts: dict[str, str] = {}
        self._count_key: str | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        self.tags.append((tag, a))
        self._count_key = a.get("data-count")

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)
        if self._count_key is not None:
            self.counts[self._count_key] = data.strip()
            self._count_key = None


def parse(html_text: str) -> Page:
    p = Page()
    p.feed(html_text)
    p.close()
    return p


def _run(doc):
    return report.RunInfo(
        run_id=7,
        started=None,
        finished=None,
        status="partial",
        new=["pc-0210-003", S.HOSTILE[0] + "#0"],
        missing=["prn-0210"],
        n_changed=3,
        n_failed=1,
    )


def test_counts_and_sections(doc):
    page = parse(report.render_report(doc, run=_run(doc)))
    assert page.counts["cis"] == "12"
    assert page.counts["links"] == "9"
    assert page.counts["buildings"] == "2"
    assert page.counts["labelled"] == "4"
    assert page.counts["class:switch"] == "4" and page.counts["class:pc"] == "2"
    assert page.counts["building:02"] == "5" and page.counts["building:(none)"] == "3"
    assert page.counts["vendor:Lenovo"] == "2" and page.counts["os:Windows"] == "2"
    assert page.counts["new"] == "2" and page.counts["missing"] == "1"
    text = " ".join(page.text)
    assert "Run 7 (partial)" in text and "3 changed, 1 hosts failed" in text


def test_spof_in_sample(doc):
    spofs = {s.name: s.cut_off for s in report.simple_spof(doc)}
    # dual cores: neither core alone cuts the distribution off; dist-2 and acc-2-1 do
    assert spofs["dist-2"] == 4 and spofs["acc-2-1"] == 3
    assert spofs["core-1"] == 1 and spofs["core-2"] == 1  # each is the only way to its db
    assert "pc-0210-002" not in spofs


def test_no_external_resources_no_script(hostile_doc):
    text = report.render_report(hostile_doc, run=_run(hostile_doc))
    page = parse(text)
    assert not [
        t for t, _ in page.tags if t in ("script", "link", "iframe", "object", "embed", "img")
    ]
    for _tag, attrs in page.tags:
        for k, v in attrs.items():
            assert not k.startswith("on"), (k, v)
            if k in ("src", "href"):
                raise AssertionError(f"external reference {k}={v}")
    assert "default-src 'none'" in text
    # the page itself references nothing (device text may mention URLs: it is only text)
    assert not re.search(r"url\(|@import|https?://", report.render_report(S.sample_document()))
    joined = "".join(page.text)
    assert S.HOSTILE[0] + "#0" in joined  # the hostile name is shown, as text


def spof_brute_force(g: nx.Graph, roots: list) -> dict:
    """Remove each node, BFS from the roots that remain, count who lost the roots."""
    comps = {}
    for comp in nx.connected_components(g):
        rs = [r for r in roots if r in comp] or [max(comp, key=lambda n: (g.degree(n), str(n)))]
        for n in comp:
            comps[n] = rs
    out = {}
    for v in g:
        rs = [r for r in comps[v] if r != v]
        reach = set(rs)
        q = deque(rs)
        while q:
            n = q.popleft()
            for m in g[n]:
                if m != v and m not in reach:
                    reach.add(m)
                    q.append(m)
        comp = nx.node_connected_component(g, v)
        out[v] = len(comp) - 1 - len(reach)
    return out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 14),
    edges=st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13)), max_size=30),
    roots=st.lists(st.integers(0, 13), max_size=3),
)
def test_property_spof_matches_brute_force(n, edges, roots):
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from((a, b) for a, b in edges if a < n and b < n and a != b)
    roots = sorted({r for r in roots if r < n})
    fast = report.cut_off_counts(g, roots)
    assert fast == spof_brute_force(g, roots)
    aps = set(nx.articulation_points(g))
    effective_roots = set(roots) | {
        max(comp, key=lambda v: (g.degree(v), str(v)))
        for comp in nx.connected_components(g)
        if not comp & set(roots)
    }
    assert {v for v, c in fast.items() if c > 0} - effective_roots <= aps


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d=S.documents())
def test_property_report_parses_and_escapes(d):
    names = [ci["name"] for ci in d["cis"]]
    text = report.render_report(d, run=report.RunInfo(1, None, None, "ok", new=names))
    page = parse(text)
    assert not [t for t, _ in page.tags if t == "script"]
    assert all(not k.startswith("on") for _, a in page.tags for k in a)
    assert page.counts["cis"] == str(len(d["cis"]))
    text.encode("utf-8")  # no lone surrogate survived


def chromium(args: list[str], tmp: Path) -> subprocess.CompletedProcess[bytes]:
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp / 'profile'}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, timeout=120, check=False)


@needs_chromium
def test_chromium_renders_and_does_not_run_hostile_names(hostile_doc, tmp_path):
    path = tmp_path / "report.html"
    report.write_report(hostile_doc, path, run=_run(hostile_doc))
    png = tmp_path / "shot.png"
    p = chromium([f"--screenshot={png}", "--window-size=1280,2400", path.as_uri()], tmp_path)
    assert png.exists(), p.stderr.decode(errors="replace")[-2000:]
    from PIL import Image

    img = Image.open(png).convert("RGB")
    assert img.size == (1280, 2400)
    colors = img.getcolors(maxcolors=1 << 20)
    assert colors is not None and len(colors) > 50  # text, bars, ring: not a blank page
    # the chart palette is really drawn (blue bar of the first series)
    assert any(
        abs(r - 0x2F) < 8 and abs(g - 0x6D) < 8 and abs(b - 0xB5) < 8 for _, (r, g, b) in colors
    )

    dom = chromium(["--dump-dom", path.as_uri()], tmp_path)
    assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
    page = parse(dom.stdout.decode("utf-8"))
    # the browser's DOM: no script element, nobody set data-pwned, no inline handlers
    assert not [t for t, _ in page.tags if t in ("script", "img")]
    for _tag, attrs in page.tags:
        assert "data-pwned" not in attrs
        assert not any(k.startswith("on") for k in attrs)
    assert page.counts["cis"] == str(len(hostile_doc["cis"]))
    assert page.counts["new"] == "2" and page.counts["missing"] == "1"
    assert S.HOSTILE[0] + "#0" in "".join(page.text)
