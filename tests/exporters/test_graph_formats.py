"""GraphML, GEXF, draw.io, DOT and SVG exports: re-read and compared with the source document,
well-formed for any input (hypothesis)."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import exporter_samples as S
import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings

from netcmdb.errors import ExportError
from netcmdb.exporters import graph
from netcmdb.exporters.document import build_graph, select, xml_value

READERS = {
    "graphml": (graph.write_graphml, graph.read_graphml),
    "gexf": (graph.write_gexf, graph.read_gexf),
    "drawio": (graph.write_drawio, graph.read_drawio),
}
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_round_trip_sample(fmt, doc, tmp_path):
    write, read = READERS[fmt]
    path = tmp_path / f"campus.{fmt}"
    write(doc, path)
    assert S.canonical(read(path)) == S.canonical(doc)


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_round_trip_hostile(fmt, hostile_doc, tmp_path):
    write, read = READERS[fmt]
    path = tmp_path / f"hostile.{fmt}"
    write(hostile_doc, path)
    ET.parse(path)  # well-formed
    assert S.canonical(read(path)) == S.canonical(hostile_doc, xml_value)


def test_graphml_is_plain_networkx_readable(doc, tmp_path):
    graph.write_graphml(doc, tmp_path / "g.graphml")
    g = nx.read_graphml(tmp_path / "g.graphml", force_multigraph=True)
    names = {d["name"]: d for _, d in g.nodes(data=True)}
    assert names["core-1"]["ci_class"] == "switch"
    assert names["core-1"]["seat"] == 1
    assert names["his-db"]["min_up"] == 1
    kinds = sorted(d["kind"] for _, _, d in g.edges(data=True))
    assert kinds.count("connected_to") == len(doc["links"])
    assert kinds.count("member_of") == 2 and kinds.count("depends_on") == 1


def test_gexf_shows_names_as_labels(doc, tmp_path):
    graph.write_gexf(doc, tmp_path / "g.gexf")
    ns = {"g": "http://www.gexf.net/1.2draft"}
    labels = {
        n.get("label") for n in ET.parse(tmp_path / "g.gexf").getroot().iterfind(".//g:node", ns)
    }
    assert {"core-1", "acc-2-1", "his-db"} <= labels


def test_drawio_structure(doc, tmp_path):
    graph.write_drawio(doc, tmp_path / "c.drawio")
    root = ET.parse(tmp_path / "c.drawio").getroot()
    assert root.tag == "mxfile"
    cells = root.findall("./diagram/mxGraphModel/root/object/mxCell")
    vertices = [c for c in cells if c.get("vertex") == "1"]
    edges = [c for c in cells if c.get("edge") == "1"]
    assert len(vertices) == len(doc["cis"])
    assert len(edges) == len(doc["links"]) + 1 + 2
    ids = {o.get("id") for o in root.iter("object")}
    assert all(e.get("source") in ids and e.get("target") in ids for e in edges)
    # plain text labels: draw.io must not interpret values as HTML
    assert all("html=1" not in (c.get("style") or "") for c in cells)
    # cores (role core) are drawn on the top row
    y = {
        o.get("label"): float(o.find("mxCell/mxGeometry").get("y"))
        for o in root.iter("object")
        if o.find("mxCell").get("vertex") == "1"
    }
    assert y["core-1"] == y["core-2"] == min(y.values())
    assert y["acc-2-1"] > y["dist-2"] > y["core-1"]


def _dot_canon_labels(source: str) -> dict[str, str]:
    """Let Graphviz itself parse the DOT text and report each node's label."""
    out = subprocess.run(
        ["dot", "-Tjson0"], input=source.encode(), capture_output=True, check=True, timeout=60
    ).stdout
    data = json.loads(out)
    return {o["name"]: o.get("label", "") for o in data.get("objects", []) if "nodes" not in o}


@needs_dot
def test_dot_parsed_by_graphviz(hostile_doc, tmp_path):
    graph.write_dot(hostile_doc, tmp_path / "g.dot")
    labels = _dot_canon_labels((tmp_path / "g.dot").read_text(encoding="utf-8"))
    g = build_graph(hostile_doc)
    assert len(labels) == g.number_of_nodes()
    for node, data in g.nodes(data=True):
        name = xml_value(data["name"]).replace("\n", " ")
        # dot keeps escaped backslashes doubled in -Tjson0 label strings; the first line of the
        # label is the name exactly
        first = labels[node].split("\\n")[0].replace("\\\\", "\\")
        assert first == name, (node, labels[node])


@needs_dot
def test_svg_is_well_formed_and_shows_names(hostile_doc, tmp_path):
    graph.write_svg(hostile_doc, tmp_path / "g.svg")
    root = ET.parse(tmp_path / "g.svg").getroot()
    texts = {"".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert "core-1" in texts
    assert any(t.startswith("<script>") for t in texts)
    assert not list(root.iter("{http://www.w3.org/2000/svg}script"))


def test_svg_refuses_huge_selection():
    big = {
        "format": "netcmdb/1",
        "cis": [{"name": f"pc{i}", "class": "pc"} for i in range(graph.MAX_LAYOUT_NODES + 1)],
    }
    with pytest.raises(ExportError, match="--building"):
        graph.render_svg(big)


def test_unknown_link_end_is_an_error(doc):
    doc["links"].append({"a": "core-1", "b": "nope"})
    with pytest.raises(ExportError, match="unknown CI 'nope'"):
        build_graph(doc)


def test_selection_keeps_internal_links_only(doc):
    part = select(doc, buildings=["02"])
    names = {c["name"] for c in part["cis"]}
    assert names == {"dist-2", "acc-2-1", "pc-0210-002", "pc-0210-003", "prn-0210"}
    assert all(ln["a"] in names and ln["b"] in names for ln in part["links"])
    assert len(part["links"]) == 4
    servers = select(doc, classes=["server"])
    assert servers["groups"] == []  # the group CI itself is not selected
    both = select(doc, classes=["server", "cluster"])
    assert both["groups"][0]["members"] == ["db-1", "db-2"]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(d=S.documents())
def test_property_graph_formats_reparse(d, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prop")
    for fmt, (write, read) in READERS.items():
        path = tmp / f"x.{fmt}"
        write(d, path)
        ET.parse(path)
        assert S.canonical(read(path)) == S.canonical(d, xml_value), fmt


@needs_dot
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d=S.documents())
def test_property_dot_parses(d):
    source = graph.to_dot(d).source
    labels = _dot_canon_labels(source)
    assert len(labels) == len(d["cis"])


def test_write_to_missing_directory_is_export_error(doc, tmp_path):
    with pytest.raises(ExportError):
        graph.write_drawio(doc, Path(tmp_path / "no" / "such" / "x.drawio"))


@needs_dot
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d=S.documents())
def test_property_svg_is_well_formed(d):
    root = ET.fromstring(graph.render_svg(d))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert not list(root.iter("{http://www.w3.org/2000/svg}script"))


def test_every_exporter_accepts_an_empty_cmdb(tmp_path):
    from netcmdb.exporters import netbox, report, xlsx, yaml_fmt
    from netcmdb.exporters.document import empty_document

    doc = empty_document()
    for fmt, (write, read) in READERS.items():
        write(doc, tmp_path / f"e.{fmt}")
        assert read(tmp_path / f"e.{fmt}")["cis"] == []
    graph.write_dot(doc, tmp_path / "e.dot")
    assert xlsx.write_xlsx(doc, tmp_path / "e.xlsx") == {}
    assert xlsx.read_xlsx(tmp_path / "e.xlsx") == []
    assert yaml_fmt.loads(yaml_fmt.dumps(doc)) == doc
    assert netbox.write_netbox(doc, tmp_path / "nb").skipped == []
    assert 'data-count="cis">0<' in report.render_report(doc)
    if shutil.which("dot"):
        ET.fromstring(graph.render_svg(doc))
