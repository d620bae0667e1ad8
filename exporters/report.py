"""A self-contained HTML asset report for the monthly operations report.

Counts by building, class, vendor and OS; what the last scan run found new or missing; label
coverage; single points of failure. Charts are inline SVG styled by inline CSS: the page loads
nothing from anywhere (a Content-Security-Policy of ``default-src 'none'`` says so to the browser),
runs no script, and can be mailed or archived as one file.

Every device string is HTML-escaped (after ``xml_text``, so invalid characters from devices become
U+FFFD instead of breaking the page). The document is the only CMDB content read, plus the last
run's new/missing CIs (:func:`last_run`), the one function here that touches the database.

SPOF ranking is :func:`simple_spof` (articulation points of the ``connected_to`` graph, ranked by
how many CIs lose every path to a core/gateway CI). ``render_report(spof=...)`` takes any function
with the same shape, so the topology package's richer ranking can replace it.

Must not import ``cli`` or ``discovery``.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx

from netcmdb.errors import ExportError
from netcmdb.exporters.document import building_of, check_document, location_of, physical_graph
from netcmdb.safety import xml_text

ROOT_ROLES = frozenset({"core", "gateway"})
MAX_ROWS = 300  # per table; the rest is counted, not listed
TOP_N = 15  # bars per chart; the rest is "other"


@dataclass
class RunInfo:
    """What the last finished scan run did (names of new and missing CIs)."""

    run_id: int
    started: datetime | None
    finished: datetime | None
    status: str
    new: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    n_changed: int = 0
    n_failed: int = 0


@dataclass(frozen=True)
class Spof:
    """A CI whose failure cuts ``cut_off`` other CIs off every root."""

    name: str
    cut_off: int


SpofFn = Callable[[Mapping[str, Any]], Sequence[Spof]]


def last_run(session: Any) -> RunInfo | None:
    """The latest finished scan run and its new / missing CIs, or ``None`` if there is none."""
    from sqlalchemy import select

    from netcmdb.cmdb.models import CI, RunEvent, RunEventKind, RunStatus, ScanRun, event_cis

    run = session.scalars(
        select(ScanRun)
        .where(ScanRun.status != RunStatus.RUNNING)
        .order_by(ScanRun.id.desc())
        .limit(1)
    ).first()
    if run is None:
        return None
    info = RunInfo(
        run_id=run.id,
        started=run.started,
        finished=run.finished,
        status=str(getattr(run.status, "value", run.status)),
        n_changed=run.n_changed or 0,
        n_failed=run.n_failed or 0,
    )
    rows = session.execute(
        select(CI.name, RunEvent.event)
        .join(CI, event_cis(RunEventKind.NEW, RunEventKind.MISSING))
        .where(RunEvent.run_id == run.id)
        .order_by(CI.name)
    ).all()
    for name, event in rows:
        (info.new if event == RunEventKind.NEW else info.missing).append(name)
    return info


def cut_off_counts(g: nx.Graph, roots: Sequence[Any]) -> dict[Any, int]:
    """For every node, how many other nodes lose all paths to ``roots`` if it fails.

    One iterative DFS (Tarjan lowpoints with subtree sizes) from a virtual super-root joined to
    every root, so dual cores count as redundancy: O(V + E). Components without a root are
    rooted at their best-connected node.
    """
    adj: dict[Any, list[Any]] = {n: list(g[n]) for n in g}
    super_root = object()
    tops = [r for r in roots if r in adj]
    seen: set[Any] = set()
    for r in tops:
        if r not in seen:
            seen |= nx.node_connected_component(g, r)
    for comp in nx.connected_components(g):
        if not comp & seen:
            tops.append(max(comp, key=lambda n: (len(adj[n]), str(n))))
    adj[super_root] = tops
    for r in tops:
        adj[r] = adj[r] + [super_root]
    disc = {super_root: 0}
    low = {super_root: 0}
    size = {super_root: 1}
    cut: dict[Any, int] = defaultdict(int)
    t = 1
    stack: list[tuple[Any, Any, Any]] = [(super_root, None, iter(adj[super_root]))]
    while stack:
        v, parent, it = stack[-1]
        for w in it:
            if w is parent:
                continue
            if w in disc:
                if disc[w] < low[v]:
                    low[v] = disc[w]
            else:
                disc[w] = low[w] = t
                size[w] = 1
                t += 1
                stack.append((w, v, iter(adj[w])))
                break
        else:
            stack.pop()
            if parent is not None:
                if low[v] < low[parent]:
                    low[parent] = low[v]
                size[parent] += size[v]
                if parent is not super_root and low[v] >= disc[parent]:
                    cut[parent] += size[v]
    return {n: cut.get(n, 0) for n in g}


def simple_spof(doc: Mapping[str, Any]) -> list[Spof]:
    """Single points of failure of the physical (``connected_to``) graph, worst first.

    Roots are CIs with role core or gateway. Only CIs whose failure cuts someone off are listed;
    every one of them that is not a root is a networkx articulation point.
    """
    g = physical_graph(doc)
    roots = [
        ci["name"] for ci in doc.get("cis") or () if str(ci.get("role") or "").lower() in ROOT_ROLES
    ]
    counts = cut_off_counts(g, roots)
    return sorted(
        (Spof(n, c) for n, c in counts.items() if c > 0), key=lambda s: (-s.cut_off, str(s.name))
    )


# ---------------------------------------------------------------- rendering


def _e(value: object) -> str:
    return html.escape(xml_text("" if value is None else value), quote=True)


_PALETTE = (
    "#2f6db5",
    "#e07b39",
    "#3a9d5d",
    "#c94f4f",
    "#8a63b8",
    "#8c6d46",
    "#d16fa5",
    "#6f6f6f",
    "#a8a83a",
    "#2fa3b5",
)


def _top(counter: Counter[str], n: int = TOP_N) -> list[tuple[str, int]]:
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(items) <= n:
        return items
    rest = sum(c for _, c in items[n - 1 :])
    return items[: n - 1] + [(f"other ({len(items) - n + 1})", rest)]


def bar_chart(title: str, items: list[tuple[str, int]], key: str) -> str:
    """A horizontal bar chart as inline SVG plus a data table fallback (screen readers)."""
    if not items:
        return f'<section class="chart"><h3>{_e(title)}</h3><p class="muted">no data</p></section>'
    row_h, label_w, bar_w = 22, 150, 300
    height = row_h * len(items) + 6
    peak = max(c for _, c in items) or 1
    parts = [
        f'<svg role="img" aria-label="{_e(title)}" width="{label_w + bar_w + 70}" '
        f'height="{height}" viewBox="0 0 {label_w + bar_w + 70} {height}">'
    ]
    for i, (label, count) in enumerate(items):
        y = i * row_h + 3
        w = max(1, round(bar_w * count / peak))
        short = label if len(label) <= 26 else label[:25] + "\u2026"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" class="lbl">{_e(short)}'
            f"<title>{_e(label)}</title></text>"
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{row_h - 6}" rx="2" '
            f'fill="{_PALETTE[i % len(_PALETTE)]}"/>'
            f'<text x="{label_w + w + 6}" y="{y + 15}" class="num">{count}</text>'
        )
    parts.append("</svg>")
    rows = "".join(
        f'<tr><td>{_e(k)}</td><td class="n" data-count="{_e(key)}:{_e(k)}">{c}</td></tr>'
        for k, c in items
    )
    return (
        f'<section class="chart" id="chart-{_e(key)}"><h3>{_e(title)}</h3>{"".join(parts)}'
        f'<details><summary>table</summary><table class="data"><tr><th>{_e(key)}</th>'
        f"<th>CIs</th></tr>{rows}</table></details></section>"
    )


def donut(fraction: float, caption: str) -> str:
    """A coverage ring as inline SVG."""
    r = 42
    circ = 2 * 3.141592653589793 * r
    on = max(0.0, min(1.0, fraction)) * circ
    return (
        f'<svg role="img" aria-label="{_e(caption)}" width="120" height="120" '
        f'viewBox="0 0 120 120"><circle cx="60" cy="60" r="{r}" fill="none" stroke="#e3e3e3" '
        f'stroke-width="14"/><circle cx="60" cy="60" r="{r}" fill="none" stroke="#3a9d5d" '
        f'stroke-width="14" stroke-dasharray="{on:.1f} {circ:.1f}" '
        f'transform="rotate(-90 60 60)"/><text x="60" y="66" text-anchor="middle" '
        f'class="big">{fraction * 100:.0f}%</text></svg>'
    )


_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans",Arial,sans-serif;margin:24px;color:#222;
background:#fff}h1{margin:0 0 4px}h2{border-bottom:2px solid #2f6db5;padding-bottom:4px;
margin-top:32px}.muted{color:#777}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:10px 16px;min-width:120px;background:#f7f9fc}
.card .v{font-size:28px;font-weight:bold}.card .k{color:#555;font-size:13px}
.charts{display:flex;flex-wrap:wrap;gap:24px}.chart{flex:0 0 auto}
.lbl{font-size:12px;fill:#333}.num{font-size:12px;fill:#333}.big{font-size:22px;font-weight:bold}
table.data{border-collapse:collapse;font-size:13px;margin:8px 0}
table.data th,table.data td{border:1px solid #ddd;padding:3px 8px;text-align:left}
table.data th{background:#eef2f8}td.n{text-align:right}.warn{color:#b00020}
@media print{.chart details{display:none}}
"""


def _ci_rows(
    names: Sequence[str],
    by_name: Mapping[str, Mapping[str, Any]],
    table_id: str,
    extra: Mapping[str, str] | None = None,
) -> str:
    head = (
        "<tr><th>Name</th><th>Class</th><th>IP</th><th>Building</th><th>Room</th>"
        "<th>Label</th>" + ("<th>Cut off</th>" if extra else "") + "</tr>"
    )
    body = []
    for name in names[:MAX_ROWS]:
        ci = by_name.get(name, {"name": name})
        loc = location_of(ci)
        fr = f"{loc.get('floor') or ''}{loc.get('room') or ''}"
        if not fr and ci.get("location_text"):
            fr = f"({ci['location_text']})"  # the device's own words, when no room matched
        body.append(
            f"<tr><td>{_e(name)}</td><td>{_e(ci.get('class'))}</td>"
            f"<td>{_e(ci.get('ip'))}</td><td>{_e(loc.get('building'))}</td>"
            f"<td>{_e(fr)}</td><td>{_e(ci.get('label'))}</td>"
            + (f'<td class="n">{_e(extra.get(name))}</td>' if extra else "")
            + "</tr>"
        )
    more = f'<p class="muted">and {len(names) - MAX_ROWS} more</p>' if len(names) > MAX_ROWS else ""
    return f'<table class="data" id="{table_id}">{head}{"".join(body)}</table>{more}'


def render_period(p: Mapping[str, Any]) -> str:
    """The period section (``export report --since``): totals, the events of the period and
    the inventory by department, building and class (all text escaped)."""
    t = p["totals"]
    out = [
        f'<h2 id="period">Period {_e(p["since"][:10])} – {_e(p["until"][:10])}</h2>',
        '<div class="cards">',
    ]
    for key, label in (
        ("new", "new"),
        ("missing", "went missing"),
        ("moved", "moved"),
        ("retired", "retired"),
        ("faults", "faults"),
        ("repairs", "repairs"),
        ("in_service", "in service"),
    ):
        out.append(
            f'<div class="card" id="period-{key}"><div class="v" data-count="period-'
            f'{key}">{_e(t[key])}</div><div class="k">{_e(label)}</div></div>'
        )
    out.append("</div>")
    for key, label in (
        ("new", "New"),
        ("missing", "Missing"),
        ("moved", "Moved"),
        ("retired", "Retired"),
    ):
        if p[key]:
            rows = "".join(
                f"<tr><td>{_e(e['name'])}</td><td>{_e(e['class'])}</td>"
                f"<td>{_e((e['at'] or '')[:10])}</td></tr>"
                for e in p[key]
            )
            out.append(
                f'<h3>{label}</h3><table class="data" id="period-{key}-cis"><tr>'
                f"<th>CI</th><th>class</th><th>date</th></tr>{rows}</table>"
            )
    for key, label in (("faults", "Faults"), ("repairs", "Repairs")):
        if p[key]:
            rows = "".join(
                f"<tr><td>{_e(n['at'][:10])}</td><td>{_e(n['ci'])}</td>"
                f"<td>{_e(n['text'])}</td><td>{_e(n['author'] or '')}</td></tr>"
                for n in p[key]
            )
            out.append(
                f'<h3>{label}</h3><table class="data" id="period-{key}"><tr><th>date'
                f"</th><th>CI</th><th>note</th><th>by</th></tr>{rows}</table>"
            )
    out.append('<div class="charts">')
    out.append(bar_chart("By department", list(p["counts"]["by_department"].items()), "department"))
    out.append(
        bar_chart("By building", list(p["counts"]["by_building"].items()), "period-building")
    )
    out.append(bar_chart("By class", list(p["counts"]["by_class"].items()), "period-class"))
    out.append("</div>")
    return "\n".join(out)


def render_report(
    doc: Mapping[str, Any],
    *,
    run: RunInfo | None = None,
    spof: SpofFn = simple_spof,
    title: str = "netcmdb asset report",
    generated: datetime | None = None,
    selection: str = "",
    period: Mapping[str, Any] | None = None,
) -> str:
    """The report as one HTML string (UTF-8, no external resources, no script); with
    ``period`` (:func:`netcmdb.cmdb.period.period_summary`) a period section first."""
    check_document(doc)
    cis = list(doc.get("cis") or ())
    by_name = {ci["name"]: ci for ci in cis}
    generated = generated or datetime.now(UTC)
    n = len(cis)
    buildings = Counter(building_of(ci) or "(none)" for ci in cis)
    classes = Counter(str(ci.get("class") or "other") for ci in cis)
    vendors = Counter(str(ci.get("vendor") or "(unknown)") for ci in cis)
    oses = Counter(str(ci.get("os") or "(unknown)") for ci in cis)
    labelled = sum(1 for ci in cis if ci.get("label"))
    coverage = labelled / n if n else 0.0
    per_building: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for ci in cis:
        pb = per_building[building_of(ci) or "(none)"]
        pb[0] += 1
        pb[1] += 1 if ci.get("label") else 0
    spofs = list(spof(doc))

    out = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted">Generated {_e(generated.strftime("%Y-%m-%d %H:%M UTC"))}'
        + (f" \u00b7 selection: {_e(selection)}" if selection else "")
        + "</p>",
    ]

    def card(key: str, value: object, label: str) -> str:
        return (
            f'<div class="card" id="card-{key}"><div class="v" data-count="{key}">'
            f'{_e(value)}</div><div class="k">{_e(label)}</div></div>'
        )

    out.append('<div class="cards">')
    out.append(card("cis", n, "CIs"))
    out.append(card("links", len(doc.get("links") or ()), "cables (connected_to)"))
    out.append(card("buildings", len([b for b in buildings if b != "(none)"]), "buildings"))
    out.append(card("labelled", f"{labelled}", f"labelled ({coverage * 100:.1f}%)"))
    out.append(card("spof", len(spofs), "single points of failure"))
    if run is not None:
        out.append(card("new", len(run.new), f"new in run {run.run_id}"))
        out.append(card("missing", len(run.missing), f"missing in run {run.run_id}"))
    out.append("</div>")

    if period is not None:
        out.append(render_period(period))
    out.append('<h2>Inventory</h2><div class="charts">')
    out.append(bar_chart("By building", sorted(buildings.items()), "building"))
    out.append(bar_chart("By class", _top(classes), "class"))
    out.append(bar_chart("By vendor", _top(vendors), "vendor"))
    out.append(bar_chart("By OS", _top(oses), "os"))
    out.append("</div>")

    out.append("<h2>Last scan run</h2>")
    if run is None:
        out.append('<p class="muted" id="run-none">No finished scan run in the CMDB.</p>')
    else:
        when = run.finished or run.started
        out.append(
            f'<p id="run-summary">Run {run.run_id} ({_e(run.status)}), '
            f"{_e(when.strftime('%Y-%m-%d %H:%M') if when else '?')}: "
            f"<b>{len(run.new)}</b> new, <b>{len(run.missing)}</b> missing, "
            f"{run.n_changed} changed, {run.n_failed} hosts failed.</p>"
        )
        out.append(
            "<h3>New devices</h3>"
            + (_ci_rows(run.new, by_name, "new-cis") if run.new else '<p class="muted">none</p>')
        )
        out.append(
            "<h3>Missing devices</h3>"
            + (
                _ci_rows(run.missing, by_name, "missing-cis")
                if run.missing
                else '<p class="muted">none</p>'
            )
        )

    out.append('<h2>Label coverage</h2><div class="charts"><div>')
    out.append(donut(coverage, "label coverage"))
    out.append(
        f'<p><span data-count="labelled">{labelled}</span> of {n} CIs carry a label.</p></div>'
    )
    rows = "".join(
        f'<tr><td>{_e(b)}</td><td class="n">{t}</td><td class="n">{lab}</td>'
        f'<td class="n">{(lab / t * 100) if t else 0:.0f}%</td></tr>'
        for b, (t, lab) in sorted(per_building.items())
    )
    out.append(
        '<table class="data" id="label-coverage"><tr><th>Building</th><th>CIs</th>'
        f"<th>labelled</th><th>coverage</th></tr>{rows}</table></div>"
    )

    out.append("<h2>Single points of failure</h2>")
    if not spofs:
        out.append('<p id="spof-none">No single point of failure in the cabling graph.</p>')
    else:
        has_root = any(str(ci.get("role") or "").lower() in ROOT_ROLES for ci in cis)
        out.append(
            '<p class="muted">CIs whose failure cuts other CIs off every '
            + (
                "core/gateway CI"
                if has_root
                else "best-connected CI (no CI has role core or gateway)"
            )
            + ", worst first.</p>"
        )
        out.append(
            _ci_rows(
                [s.name for s in spofs],
                by_name,
                "spof-cis",
                extra={s.name: str(s.cut_off) for s in spofs},
            )
        )
    out.append(
        '<p class="muted">netcmdb \u00b7 self-contained report: no external resources.'
        "</p></body></html>"
    )
    return "\n".join(out)


def write_report(doc: Mapping[str, Any], path: str | Path, **kwargs: Any) -> None:
    """Write :func:`render_report` to ``path`` as UTF-8."""
    text = render_report(doc, **kwargs)
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ExportError(
            "cannot write {path}: {strerror}", path=path, strerror=exc.strerror
        ) from exc
