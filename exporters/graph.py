"""Graph exports: GraphML (yEd), GEXF (Gephi), DOT and SVG (Graphviz), draw.io (diagrams.net).

All of them start from :func:`netcmdb.exporters.document.build_graph`, so every picture shows the
same nodes and edges: CIs, ``connected_to`` links with ports, ``depends_on`` and ``member_of``.
Device strings are untrusted: every text goes through ``xml_value`` (XML-safe, CR normalised) and
nodes get synthetic ids (``n0``, ``n1``...), so a hostile hostname can neither break the XML nor
collide with an id. GraphML, GEXF and draw.io have readers here that turn a file back into a
netcmdb/1 document (used by the round-trip tests, and handy to re-import an edited drawing).

Must not import ``cli``, ``discovery`` or the database layer.
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import graphviz
import networkx as nx

from netcmdb.errors import ExportError
from netcmdb.exporters.document import (
    CI_FIELDS,
    EXTRA_FIELDS,
    LOCATION_FIELDS,
    build_graph,
    document_from_graph,
    empty_document,
    xml_value,
)

#: Above this many nodes Graphviz layout takes minutes; ask for a selection instead.
MAX_LAYOUT_NODES = 3000

#: Drawing order (top to bottom) when no physical path from a root is known.
_CLASS_RANK = {
    "router": 0,
    "firewall": 0,
    "switch": 1,
    "cluster": 2,
    "service": 2,
    "server": 3,
    "ap": 3,
    "ups": 3,
    "pc": 4,
    "printer": 4,
    "phone": 4,
    "other": 5,
}
_ROOT_ROLES = {"core", "gateway"}
_COLORS = {
    "router": "#f4b183",
    "firewall": "#ff8080",
    "switch": "#9dc3e6",
    "ap": "#c5e0b4",
    "server": "#ffd966",
    "pc": "#e2e2e2",
    "printer": "#d9d2e9",
    "phone": "#d9d2e9",
    "ups": "#f8cbad",
    "service": "#b4c7e7",
    "cluster": "#ffe699",
    "other": "#ffffff",
}


# ---------------------------------------------------------------- GraphML / GEXF


def write_graphml(doc: Mapping[str, Any], path: str | Path) -> None:
    """GraphML for yEd / Gephi / networkx. Node attributes are the CI fields (class as
    ``ci_class``); edges carry ``kind`` and, for links, ``a_port`` / ``b_port``."""
    g = build_graph(doc)
    try:
        nx.write_graphml(g, str(path), encoding="utf-8")
    except OSError as exc:
        raise ExportError(
            "cannot write {path}: {strerror}", path=path, strerror=exc.strerror
        ) from exc


def read_graphml(path: str | Path) -> dict[str, Any]:
    """A GraphML file written by :func:`write_graphml` back as a netcmdb/1 document."""
    g = nx.read_graphml(str(path), force_multigraph=True)
    return document_from_graph(g)


def write_gexf(doc: Mapping[str, Any], path: str | Path) -> None:
    """GEXF 1.2 for Gephi. GEXF's node ``label`` is what Gephi displays, so it holds the CI name
    and the asset label travels as the ``asset_label`` attribute."""
    g = build_graph(doc)
    for _node, data in g.nodes(data=True):
        if "label" in data:
            data["asset_label"] = data.pop("label")
        data["label"] = data.get("name", "")
    try:
        nx.write_gexf(g, str(path), encoding="utf-8")
    except OSError as exc:
        raise ExportError(
            "cannot write {path}: {strerror}", path=path, strerror=exc.strerror
        ) from exc


def read_gexf(path: str | Path) -> dict[str, Any]:
    """A GEXF file written by :func:`write_gexf` back as a netcmdb/1 document."""
    g = nx.read_gexf(str(path))
    if not g.is_multigraph():
        g = nx.MultiDiGraph(g)
    for _node, data in g.nodes(data=True):
        data.pop("label", None)
        if "asset_label" in data:
            data["label"] = data.pop("asset_label")
    return document_from_graph(g)


# ---------------------------------------------------------------- DOT / SVG


def _dot_line(value: object) -> str:
    """One line of label text: XML-safe, no line breaks, backslashes doubled (so ``\\N``,
    ``\\l``... from a device are shown, not interpreted by Graphviz)."""
    return xml_value(value).replace("\n", " ").replace("\\", "\\\\")


def _dot_text(value: object) -> str:
    """A whole Graphviz label from device text. ``nohtml`` stops a ``<...>`` name from being
    taken as an HTML-like label."""
    return graphviz.nohtml(_dot_line(value))


def _node_label(data: Mapping[str, Any]) -> str:
    lines = [_dot_line(data.get("name", ""))]
    sub = [str(data[k]) for k in ("label", "ip") if data.get(k)]
    if sub:
        lines.append(_dot_line(" ".join(sub)))
    return graphviz.nohtml("\\n".join(lines))


def to_dot(doc: Mapping[str, Any]) -> graphviz.Digraph:
    """The document as a Graphviz digraph: buildings as clusters, cables without arrowheads and
    port names at each end, dependencies dashed, group membership dotted."""
    g = build_graph(doc)
    dot = graphviz.Digraph(
        "netcmdb",
        graph_attr={"rankdir": "TB", "fontname": "Noto Sans CJK SC", "charset": "UTF-8"},
        node_attr={
            "shape": "box",
            "style": "rounded,filled",
            "fontname": "Noto Sans CJK SC",
            "fontsize": "10",
        },
        edge_attr={"fontname": "Noto Sans CJK SC", "fontsize": "8"},
    )
    by_building: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for node, data in g.nodes(data=True):
        by_building.setdefault(str(data.get("building", "")), []).append((node, data))
    for i, (building, nodes) in enumerate(sorted(by_building.items())):
        target = dot
        sub = None
        if building:
            sub = graphviz.Digraph(f"cluster_{i}")
            sub.attr(label=_dot_text(f"Building {building}"), style="dashed")
            target = sub
        for node, data in nodes:
            target.node(
                node,
                label=_node_label(data),
                fillcolor=_COLORS.get(str(data.get("ci_class")), "#ffffff"),
            )
        if sub is not None:
            dot.subgraph(sub)
    for u, v, data in g.edges(data=True):
        kind = data.get("kind")
        if kind == "connected_to":
            dot.edge(
                u,
                v,
                dir="none",
                taillabel=_dot_text(data.get("a_port", "")),
                headlabel=_dot_text(data.get("b_port", "")),
            )
        elif kind == "depends_on":
            dot.edge(u, v, style="dashed", color="#4472c4")
        else:
            dot.edge(u, v, style="dotted", color="#7f7f7f", arrowhead="empty")
    return dot


def write_dot(doc: Mapping[str, Any], path: str | Path) -> None:
    """The DOT source (see :func:`to_dot`); no layout is run, so any size works."""
    try:
        Path(path).write_text(to_dot(doc).source, encoding="utf-8")
    except OSError as exc:
        raise ExportError(
            "cannot write {path}: {strerror}", path=path, strerror=exc.strerror
        ) from exc


def render_svg(doc: Mapping[str, Any], *, timeout: float = 300.0) -> bytes:
    """Lay the graph out with Graphviz ``dot`` and return the SVG.

    Raises:
        ExportError: Graphviz is not installed, the selection is too large to lay out
            (more than :data:`MAX_LAYOUT_NODES` CIs: use --building/--class), or dot failed.
    """
    n = len(doc.get("cis") or ())
    if n > MAX_LAYOUT_NODES:
        raise ExportError(
            (
                "{n} CIs is too many to draw (limit {max_layout_nodes}); select a part with "
                "--building or --class, or export dot/graphml"
            ),
            n=n,
            max_layout_nodes=MAX_LAYOUT_NODES,
        )
    exe = shutil.which("dot")
    if exe is None:
        raise ExportError("Graphviz 'dot' is not installed (Debian: apt-get install graphviz)")
    try:
        proc = subprocess.run(
            [exe, "-Tsvg"],
            input=to_dot(doc).source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ExportError(
            "Graphviz took longer than {timeout:.0f} s; select fewer CIs", timeout=timeout
        ) from exc
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExportError("Graphviz failed: {value}", value=msg[-1] if msg else proc.returncode)
    return proc.stdout


def write_svg(doc: Mapping[str, Any], path: str | Path) -> None:
    """Write :func:`render_svg` output to ``path``."""
    svg = render_svg(doc)
    try:
        Path(path).write_bytes(svg)
    except OSError as exc:
        raise ExportError(
            "cannot write {path}: {strerror}", path=path, strerror=exc.strerror
        ) from exc


# ---------------------------------------------------------------- draw.io

_DRAWIO_NODE_ATTRS = (
    tuple(k for k in CI_FIELDS if k not in ("name", "label")) + LOCATION_FIELDS + EXTRA_FIELDS
)


def _layers(g: nx.MultiDiGraph) -> dict[str, int]:
    """Row of each node: BFS depth from the roots over cables; the rest by class."""
    phys = nx.Graph()
    phys.add_nodes_from(g.nodes)
    phys.add_edges_from((u, v) for u, v, d in g.edges(data=True) if d.get("kind") == "connected_to")
    roots = [n for n, d in g.nodes(data=True) if str(d.get("role", "")).lower() in _ROOT_ROLES]
    if not roots:
        roots = [n for n, d in g.nodes(data=True) if d.get("ci_class") in ("router", "firewall")]
    depth: dict[str, int] = {r: 0 for r in roots}
    queue = deque(roots)
    while queue:
        n = queue.popleft()
        for m in phys[n]:
            if m not in depth:
                depth[m] = depth[n] + 1
                queue.append(m)
    base = max(depth.values(), default=-1) + 1
    for n, d in g.nodes(data=True):
        if n not in depth:
            depth[n] = base + _CLASS_RANK.get(str(d.get("ci_class")), 5)
    return depth


def to_drawio(doc: Mapping[str, Any], *, per_row: int = 30) -> ET.Element:
    """The document as a diagrams.net ``mxfile`` element (uncompressed, one page).

    Each CI is an ``<object>`` whose attributes are the CI fields (``label`` is the text draw.io
    shows, the CI name; the asset label is ``asset_label``), each edge an ``<object>`` with
    ``kind`` and ports. Styles do not set ``html=1``, so draw.io shows every value as plain text
    and a hostile name cannot inject markup.
    """
    g = build_graph(doc)
    layer = _layers(g)
    mxfile = ET.Element("mxfile", host="netcmdb", type="device")
    diagram = ET.SubElement(mxfile, "diagram", id="netcmdb", name="netcmdb")
    model = ET.SubElement(diagram, "mxGraphModel", grid="1", gridSize="10", page="0")
    root = ET.SubElement(model, "root")
    ET.SubElement(root, "mxCell", id="0")
    ET.SubElement(root, "mxCell", {"id": "1", "parent": "0"})
    w, h, gap_x, gap_y = 140, 50, 30, 60
    rows: dict[int, int] = {}
    y_of_layer: dict[int, int] = {}
    y = 0
    for lay in sorted(set(layer.values())):
        count = sum(1 for v in layer.values() if v == lay)
        y_of_layer[lay] = y
        y += ((count + per_row - 1) // per_row) * (h + gap_y)
    for node, data in sorted(g.nodes(data=True), key=lambda nd: (layer[nd[0]], nd[0])):
        lay = layer[node]
        idx = rows.get(lay, 0)
        rows[lay] = idx + 1
        attrs = {"id": node, "label": str(data.get("name", ""))}
        if data.get("label"):
            attrs["asset_label"] = str(data["label"])
        for k in _DRAWIO_NODE_ATTRS:
            key = "ci_class" if k == "class" else k
            if data.get(key) not in (None, ""):
                attrs[key] = str(data[key])
        if data.get("min_up") is not None:
            attrs["min_up"] = str(data["min_up"])
        obj = ET.SubElement(root, "object", attrs)
        fill = _COLORS.get(str(data.get("ci_class")), "#ffffff")
        cell = ET.SubElement(
            obj,
            "mxCell",
            {"vertex": "1", "parent": "1"},
            style=f"rounded=1;whiteSpace=wrap;fillColor={fill};",
        )
        y = y_of_layer[lay] + (idx // per_row) * (h + gap_y)
        ET.SubElement(
            cell,
            "mxGeometry",
            {
                "x": str((idx % per_row) * (w + gap_x)),
                "y": str(y),
                "width": str(w),
                "height": str(h),
                "as": "geometry",
            },
        )
    for i, (u, v, data) in enumerate(g.edges(data=True)):
        kind = str(data.get("kind"))
        attrs = {"id": f"e{i}", "kind": kind}
        style = "endArrow=none;"
        if kind == "connected_to":
            ports = [p for p in (data.get("a_port"), data.get("b_port"))]
            attrs["label"] = " \u2013 ".join(p or "?" for p in ports) if any(ports) else ""
            attrs["a_port"] = str(data.get("a_port") or "")
            attrs["b_port"] = str(data.get("b_port") or "")
        elif kind == "depends_on":
            style = "dashed=1;endArrow=block;strokeColor=#4472c4;"
        else:
            style = "dashed=1;dashPattern=1 2;endArrow=block;endFill=0;"
        obj = ET.SubElement(root, "object", attrs)
        cell = ET.SubElement(
            obj,
            "mxCell",
            {"edge": "1", "parent": "1", "source": u, "target": v},
            style=style + "fontSize=9;",
        )
        ET.SubElement(cell, "mxGeometry", {"relative": "1", "as": "geometry"})
    return mxfile


def write_drawio(doc: Mapping[str, Any], path: str | Path) -> None:
    """Write :func:`to_drawio` as a ``.drawio`` file (UTF-8 XML)."""
    tree = ET.ElementTree(to_drawio(doc))
    try:
        tree.write(str(path), encoding="utf-8", xml_declaration=True)
    except OSError as exc:
        raise ExportError(
            "cannot write {path}: {strerror}", path=path, strerror=exc.strerror
        ) from exc


def read_drawio(path: str | Path) -> dict[str, Any]:
    """A ``.drawio`` file written by :func:`write_drawio` (possibly moved around by hand) back as a
    netcmdb/1 document. Shapes and edges without netcmdb attributes are ignored."""
    try:
        root = ET.parse(str(path)).getroot()
    except ET.ParseError as exc:
        raise ExportError("{path} is not a draw.io XML file: {exc}", path=path, exc=exc) from exc
    g = nx.MultiDiGraph()
    for obj in root.iter("object"):
        cell = obj.find("mxCell")
        if cell is None:
            continue
        if cell.get("vertex") == "1":
            data: dict[str, Any] = {"name": obj.get("label", "")}
            for k, v in obj.attrib.items():
                if k in ("id", "label"):
                    continue
                data["label" if k == "asset_label" else k] = v
            for k in ("seat", "min_up"):
                if k in data:
                    data[k] = int(data[k])
            g.add_node(obj.get("id"), **data)
        elif cell.get("edge") == "1" and obj.get("kind"):
            edata = {k: v for k, v in obj.attrib.items() if k in ("kind", "a_port", "b_port")}
            g.add_edge(cell.get("source"), cell.get("target"), **edata)
    if g.number_of_nodes() == 0:
        return empty_document()
    return document_from_graph(g)
