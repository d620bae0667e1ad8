"""Pictures of the topology: Graphviz (dot/svg/png), GraphML, and a self-contained HTML page.

End hosts (PCs, printers, phones) hanging off one switch are drawn as one node per switch and
room ("38 pc in D0102") so a switch with 300 PCs stays readable; they cannot change anyone's
redundancy (they are leaves of the block-cut tree), so grouping them loses nothing.

The HTML page embeds its data as JSON inside ``<script type="application/json">`` with ``<``, ``>``,
``&`` and U+2028/2029 escaped, and its JavaScript only ever sets ``textContent`` or draws on a
canvas: a device called ``<script>alert(1)</script>`` is shown, never run. No CDN, no network.
Impact per clickable node is precomputed with the real engine (dependencies included).

Must not import: ``cmdb``, ``cli``. Never prints.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import graphviz
import networkx as nx

from netcmdb.errors import TopologyError
from netcmdb.safety import xml_text
from netcmdb.topology.graph import END_HOST_CLASSES
from netcmdb.topology.impact import ImpactEngine, ImpactResult

#: impact lists embedded per node are cut at this many drawn nodes (counts stay exact)
MAX_IDS_PER_NODE = 2000


@dataclass
class Drawing:
    """The drawn graph: CIs and end-host groups as nodes, cables (parallel counted) as edges."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    deps: list[tuple[int, int, str]] = field(default_factory=list)
    node_of: dict[int, int] = field(default_factory=dict)  # CI index -> drawn node id


def _adjacency(engine: ImpactEngine) -> dict[int, list[int]]:
    adj: dict[int, list[int]] = defaultdict(list)
    t = engine.topo
    for a, b in zip(t.link_a, t.link_b):
        adj[a].append(b)
        adj[b].append(a)
    return adj


def build_drawing(
    engine: ImpactEngine, cis: Iterable[int] | None = None, states: dict[int, str] | None = None
) -> Drawing:
    """Group end hosts, keep the rest, lay everything out in layers from the roots.

    Args:
        engine: the precomputed engine (its topology is drawn).
        cis: only these CIs (default: all).
        states: CI index -> "failed" | "down" | "at_risk" for colouring.
    """
    t = engine.topo
    states = states or {}
    adj = _adjacency(engine)
    keep = set(range(len(t))) if cis is None else set(cis)
    d = Drawing()
    groups: dict[tuple[int, str, str], int] = {}
    for i in sorted(keep):
        nb = adj.get(i, [])
        if (
            t.ci_class[i] in END_HOST_CLASSES
            and len(set(nb)) == 1
            and nb[0] in keep
            and i not in engine.root_set
        ):
            key = (nb[0], t.room(i) or "", t.ci_class[i])
            gid = groups.get(key)
            if gid is None:
                gid = groups[key] = len(d.nodes)
                d.nodes.append(
                    {
                        "id": gid,
                        "group": True,
                        "class": t.ci_class[i],
                        "location": t.room(i),
                        "members": [],
                        "count": 0,
                        "states": defaultdict(int),
                        "up": nb[0],
                    }
                )
            g = d.nodes[gid]
            g["count"] += 1
            if len(g["members"]) < 500:
                g["members"].append(t.name[i])
            g["states"][states.get(i, "up")] += 1
            d.node_of[i] = gid
        else:
            nid = len(d.nodes)
            d.nodes.append(
                {
                    "id": nid,
                    "group": False,
                    "ci": i,
                    "name": t.name[i],
                    "label": t.label[i],
                    "class": t.ci_class[i],
                    "role": t.role[i],
                    "location": t.room(i),
                    "ip": t.ip[i],
                    "count": 1,
                    "state": states.get(i, "up"),
                }
            )
            d.node_of[i] = nid
    for node in d.nodes:
        if node["group"]:
            node["name"] = f"{node['count']} {node['class']} in {node['location'] or '?'}"
            st = node.pop("states")
            node["state"] = max(st, key=lambda s: (s != "up", st[s])) if st else "up"
            node["state_counts"] = dict(st)
            node["label"] = None
    ecount: dict[tuple[int, int], list[str]] = defaultdict(list)
    for a, b, pa, pb in zip(t.link_a, t.link_b, t.port_a, t.port_b):
        if a in keep and b in keep:
            x, y = d.node_of[a], d.node_of[b]
            if x == y:
                continue
            pair = (x, y) if x < y else (y, x)
            ecount[pair].append(f"{pa}~{pb}" if (pa or pb) else "")
    for (x, y), ports in ecount.items():
        d.edges.append({"a": x, "b": y, "count": len(ports), "ports": [p for p in ports if p][:8]})
    for s, dst in zip(t.dep_src, t.dep_dst):
        if s in keep and dst in keep:
            d.deps.append((d.node_of[s], d.node_of[dst], "depends_on"))
    for m, g in zip(t.mem_src, t.mem_grp):
        if m in keep and g in keep:
            d.deps.append((d.node_of[m], d.node_of[g], "member_of"))
    _layout(d, engine)
    return d


def _layout(d: Drawing, engine: ImpactEngine) -> None:
    """Layers by hop distance from the roots; children placed in discovery order."""
    adj: dict[int, list[int]] = defaultdict(list)
    for e in d.edges:
        adj[e["a"]].append(e["b"])
        adj[e["b"]].append(e["a"])
    level: dict[int, int] = {}
    q: deque[int] = deque()
    for r in engine.topo.roots:
        nid = d.node_of.get(r)
        if nid is not None and nid not in level:
            level[nid] = 0
            q.append(nid)
    if not q and d.nodes:
        q.append(0)
        level[0] = 0
    order: list[int] = []
    while True:
        while q:
            u = q.popleft()
            order.append(u)
            for w in adj[u]:
                if w not in level:
                    level[w] = level[u] + 1
                    q.append(w)
        rest = [n["id"] for n in d.nodes if n["id"] not in level]
        if not rest:
            break
        top = max(level.values(), default=-1) + 2
        level[rest[0]] = top  # islands and logical CIs go below
        q.append(rest[0])
    rows: dict[int, list[int]] = defaultdict(list)
    for u in order:
        rows[level[u]].append(u)
    widest = max((len(r) for r in rows.values()), default=1)
    for lv, ids in rows.items():
        off = (widest - len(ids)) * 70 / 2
        for k, u in enumerate(ids):
            d.nodes[u]["x"] = round(off + k * 70, 1)
            d.nodes[u]["y"] = lv * 120


def _colour(state: str, cls: str) -> str:
    return {"failed": "#444444", "down": "#e53935", "at_risk": "#fb8c00"}.get(state) or {
        "switch": "#1e88e5",
        "router": "#3949ab",
        "firewall": "#6d4c41",
        "server": "#43a047",
        "service": "#8e24aa",
        "cluster": "#8e24aa",
    }.get(cls, "#90a4ae")


def to_dot(d: Drawing, title: str = "netcmdb topology") -> graphviz.Graph:
    """A Graphviz graph; every label is escaped (device strings are untrusted)."""
    g = graphviz.Graph(
        "netcmdb",
        graph_attr={
            "label": graphviz.escape(xml_text(title)),
            "rankdir": "TB",
            "overlap": "false",
            "fontname": "Noto Sans CJK SC",
        },
        node_attr={
            "fontname": "Noto Sans CJK SC",
            "fontsize": "10",
            "style": "filled",
            "fontcolor": "white",
        },
    )
    for n in d.nodes:
        text = (
            n["name"]
            if n["group"]
            else "\n".join(
                x for x in (n["name"], n.get("label") or "", n.get("location") or "") if x
            )
        )
        g.node(
            str(n["id"]),
            graphviz.escape(xml_text(text)),
            shape="folder" if n["group"] else ("box" if n["class"] == "switch" else "ellipse"),
            fillcolor=_colour(n["state"], n["class"]),
        )
    for e in d.edges:
        attrs = {"penwidth": str(min(1 + e["count"], 5))}
        if e["count"] > 1:
            attrs["label"] = f"x{e['count']}"
        g.edge(str(e["a"]), str(e["b"]), **attrs)
    for s, t, kind in d.deps:
        g.edge(
            str(s),
            str(t),
            style="dashed",
            color="#8e24aa",
            dir="forward",
            label=kind if kind == "member_of" else "",
        )
    return g


def to_graphml(engine: ImpactEngine, cis: Iterable[int] | None = None) -> bytes:
    """GraphML of the (ungrouped) CIs and cables, for yEd/Gephi; text made XML-safe."""
    t = engine.topo
    keep = set(range(len(t))) if cis is None else set(cis)
    g = nx.MultiGraph()
    for i in sorted(keep):
        attrs = {
            "name": t.name[i],
            "label": t.label[i],
            "class": t.ci_class[i],
            "role": t.role[i],
            "ip": t.ip[i],
            "location": t.room(i),
            "root": i in engine.root_set,
        }
        g.add_node(
            str(t.ci_id[i]),
            **{
                k: (xml_text(v) if isinstance(v, str) else v)
                for k, v in attrs.items()
                if v is not None
            },
        )
    for a, b, pa, pb in zip(t.link_a, t.link_b, t.port_a, t.port_b):
        if a in keep and b in keep:
            g.add_edge(
                str(t.ci_id[a]),
                str(t.ci_id[b]),
                kind="connected_to",
                port_a=xml_text(pa),
                port_b=xml_text(pb),
            )
    buf = io.BytesIO()
    nx.write_graphml(g, buf)
    return buf.getvalue()


def _json_for_html(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _node_impacts(engine: ImpactEngine, d: Drawing) -> dict[str, Any]:
    """Per clickable node: drawn ids down / at risk and exact CI counts (real engine)."""
    out: dict[str, Any] = {}
    for n in d.nodes:
        if n["group"]:
            continue
        res = engine.impact([n["ci"]])
        down = res.down()
        dn = sorted({d.node_of[v] for v in down if v in d.node_of})
        rk = sorted({d.node_of[v] for v in res.at_risk if v in d.node_of})
        if not down and not rk:
            continue
        out[str(n["id"])] = {
            "nd": len(down),
            "nr": len(res.at_risk),
            "d": dn[:MAX_IDS_PER_NODE],
            "r": rk[:MAX_IDS_PER_NODE],
        }
    return out


def to_html(
    engine: ImpactEngine,
    d: Drawing,
    title: str,
    change: dict[str, Any] | None = None,
    impacts: bool = True,
) -> str:
    """The self-contained interactive page (pan, zoom, search, click for impact)."""
    data = {
        "title": title,
        "roots": engine.topo.root_names(),  # every answer names the roots it used
        "nodes": [
            {
                k: n.get(k)
                for k in (
                    "id",
                    "name",
                    "label",
                    "class",
                    "location",
                    "ip",
                    "count",
                    "state",
                    "x",
                    "y",
                    "group",
                    "members",
                    "role",
                )
            }
            for n in d.nodes
        ],
        "edges": [[e["a"], e["b"], e["count"], e["ports"]] for e in d.edges],
        "deps": [[s, t, k] for s, t, k in d.deps],
        "impact": _node_impacts(engine, d) if impacts else {},
        "change": change,
    }
    tpl = resources.files("netcmdb.topology").joinpath("data/page.html").read_text("utf-8")
    head, tail = tpl.split("__DATA__", 1)
    return head.replace("__TITLE__", _html_text(title)) + _json_for_html(data) + tail


def _html_text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _building_cis(engine: ImpactEngine, building: str) -> set[int]:
    t = engine.topo
    inside = {i for i in range(len(t)) if t.building(i) == building}
    if not inside:
        raise TopologyError("no CI in building {building!r}", building=building)
    # plus their uplinks: neighbours of the building's CIs and the roots
    adj = _adjacency(engine)
    extra = {w for i in inside for w in adj.get(i, ()) if t.ci_class[w] not in END_HOST_CLASSES}
    return inside | extra | set(engine.topo.roots)


def render(engine: ImpactEngine, fmt: str, building: str | None = None) -> str | bytes:
    """The whole topology (or one building) as svg | png | dot | graphml | html."""
    cis = _building_cis(engine, building) if building else None
    title = f"netcmdb topology{' - building ' + building if building else ''}"
    if fmt == "graphml":
        return to_graphml(engine, cis)
    d = build_drawing(engine, cis)
    if fmt == "html":
        return to_html(engine, d, title)
    return _graphviz_out(to_dot(d, title), fmt, len(d.nodes))


def _graphviz_out(g: graphviz.Graph, fmt: str, n: int) -> str | bytes:
    if fmt == "dot":
        return g.source
    g.engine = "dot" if n <= 1500 else "sfdp"
    try:
        return g.pipe(format=fmt)
    except (graphviz.ExecutableNotFound, graphviz.CalledProcessError) as exc:
        raise TopologyError("graphviz could not render {fmt}: {exc}", fmt=fmt, exc=exc) from exc


def render_impact(engine: ImpactEngine, res: ImpactResult, fmt: str) -> str | bytes:
    """A picture of one change: failed, down and at-risk CIs and their neighbours."""
    t = engine.topo
    states: dict[int, str] = {}
    for v in res.down():
        states[v] = "down"
    for v in res.at_risk:
        states[v] = "at_risk"
    for v in res.failed_cis:
        states[v] = "failed"
    for k in res.failed_links:
        states.setdefault(t.link_a[k], "up")
        states.setdefault(t.link_b[k], "up")
    adj = _adjacency(engine)
    cis = set(states)
    for v in list(states):
        cis.update(w for w in adj.get(v, ()))
    cis.update(t.roots)
    d = build_drawing(engine, cis, states)
    names = [t.name[v] for v in res.failed_cis] + [t.link_name(k) for k in res.failed_links]
    title = "impact of failing " + ", ".join(names)
    if fmt == "html":
        change = {"failed": [d.node_of[v] for v in res.failed_cis if v in d.node_of]}
        return to_html(engine, d, title, change=change, impacts=False)
    return _graphviz_out(to_dot(d, title), fmt, len(d.nodes))
