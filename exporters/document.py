"""The netcmdb/1 document as the exporters see it: selection, flat rows, and a networkx graph.

Every exporter in this package takes the document produced by
``netcmdb.exporters.netcmdb_json.export_document`` (a plain dict: ``format``, ``cis``, ``links``,
``dependencies``, ``groups``) rather than a database session. That keeps them DB-agnostic,
testable with hand-built documents, and guarantees every format shows the same data.

Must not import ``cli`` or anything under ``discovery``; must not touch the database.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from netcmdb.cmdb.docformat import FORMAT
from netcmdb.errors import ExportError
from netcmdb.safety import xml_text

if TYPE_CHECKING:  # networkx costs ~60 ms to import: loaded by the graph functions only
    import networkx as nx

#: Scalar CI fields of the netcmdb/1 format, in the order exports show them.
CI_FIELDS: tuple[str, ...] = (
    "name",
    "class",
    "role",
    "ip",
    "mac",
    "serial",
    "vendor",
    "model",
    "os",
    "os_version",
    "label",
)
#: Keys of a CI's ``location`` object.
LOCATION_FIELDS: tuple[str, ...] = ("building", "floor", "room", "seat")
#: Further scalar CI fields that an export may carry (``ci list --json`` style); shown when present.
EXTRA_FIELDS: tuple[str, ...] = (
    "status",
    "owner",
    "contact",
    "description",
    "location_text",
    "first_seen",
    "last_seen",
    "asset_code",
    "department",
    "lifecycle",
)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a large acyclic result.

    Building 100,000 CI dicts triggers hundreds of collections that each walk the growing
    document and can free nothing (plain dicts/lists/strings, no cycles): ~20-30% of the time
    to build it. Reference counting still frees everything; the collector is restored (if it was
    on) however the block ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def empty_document() -> dict[str, Any]:
    """A valid document with nothing in it."""
    return {"format": FORMAT, "cis": [], "links": [], "dependencies": [], "groups": []}


def check_document(doc: Mapping[str, Any]) -> None:
    """Refuse a dict that is not a netcmdb/1 document, with a message naming the problem.

    Raises:
        ExportError: wrong ``format`` or a CI without a name.
    """
    fmt = doc.get("format", FORMAT)
    if fmt != FORMAT:
        raise ExportError(
            "cannot export document of format {fmt!r}; expected {format!r}", fmt=fmt, format=FORMAT
        )
    for i, ci in enumerate(doc.get("cis") or ()):
        if not isinstance(ci, Mapping) or not ci.get("name"):
            raise ExportError("CI #{i} of the document has no name", i=i + 1)


def location_of(ci: Mapping[str, Any]) -> dict[str, Any]:
    """The CI's location object, or ``{}``."""
    loc = ci.get("location")
    return dict(loc) if isinstance(loc, Mapping) else {}


def building_of(ci: Mapping[str, Any]) -> str | None:
    """The CI's building as text (``None`` when unknown)."""
    b = location_of(ci).get("building")
    return None if b in (None, "") else str(b)


def flat_ci(ci: Mapping[str, Any]) -> dict[str, Any]:
    """One CI as a flat row: the CI fields, then building/floor/room/seat, then extras present.

    Values stay as they are (``None`` for unknown); the writers decide how to show them.
    """
    row: dict[str, Any] = {k: ci.get(k) for k in CI_FIELDS}
    loc = location_of(ci)
    for k in LOCATION_FIELDS:
        row[k] = loc.get(k)
    for k in EXTRA_FIELDS:
        if ci.get(k) is not None:
            row[k] = ci[k]
    return row


def select(
    doc: Mapping[str, Any],
    *,
    buildings: Iterable[str] | None = None,
    classes: Iterable[str] | None = None,
    names: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The part of ``doc`` whose CIs match every given filter (``None`` = no filter; ``names``:
    only the CIs of these names).

    Links and dependencies are kept when both ends are selected; groups keep their selected
    members and are dropped when the group CI itself is not selected (and it is a CI).
    """
    check_document(doc)
    want_b = {str(b) for b in buildings} if buildings else None
    want_c = {str(c).lower() for c in classes} if classes else None
    want_n = set(names) if names is not None else None
    cis = []
    for ci in doc.get("cis") or ():
        if want_b is not None and building_of(ci) not in want_b:
            continue
        if want_c is not None and str(ci.get("class", "")).lower() not in want_c:
            continue
        if want_n is not None and ci.get("name") not in want_n:
            continue
        cis.append(ci)
    if want_b is None and want_c is None and want_n is None:
        return {
            **empty_document(),
            **{k: list(doc.get(k) or ()) for k in ("cis", "links", "dependencies", "groups")},
        }
    names = {ci["name"] for ci in cis}
    all_names = {ci["name"] for ci in doc.get("cis") or ()}
    links = [ln for ln in doc.get("links") or () if ln.get("a") in names and ln.get("b") in names]
    deps = [
        d for d in doc.get("dependencies") or () if d.get("from") in names and d.get("to") in names
    ]
    groups = []
    for g in doc.get("groups") or ():
        if g.get("name") in all_names and g.get("name") not in names:
            continue
        members = [m for m in g.get("members") or () if m in names]
        if members:
            groups.append({**g, "members": members})
    return {"format": FORMAT, "cis": cis, "links": links, "dependencies": deps, "groups": groups}


def xml_value(value: object) -> str:
    """Text that survives an XML round trip unchanged: XML-safe (U+FFFD for invalid characters)
    and with CR / CRLF turned into LF, because XML parsers normalise line ends in text anyway.
    """
    return xml_text(value).replace("\r\n", "\n").replace("\r", "\n")


def _graph_attrs(ci: Mapping[str, Any]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for k, v in flat_ci(ci).items():
        if v is None or v == "":
            continue
        if k == "seat" and isinstance(v, int) and not isinstance(v, bool):
            attrs[k] = v
        else:
            attrs["ci_class" if k == "class" else k] = xml_value(v)
    return attrs


def build_graph(doc: Mapping[str, Any]) -> nx.MultiDiGraph:
    """The document as a graph: one node per CI (id ``n<index>``), edges with a ``kind`` attribute.

    - ``connected_to``: one edge a -> b per link, ports in ``a_port`` / ``b_port``;
    - ``depends_on``: from -> to;
    - ``member_of``: member -> group, and the group node carries ``min_up``.

    Node ids are synthetic so that hostile names never end up as XML ids; the name is the ``name``
    attribute. All text is passed through :func:`xml_value` so the graph can be written as XML.
    The class attribute is called ``ci_class`` (``class`` is awkward in several graph tools).

    Raises:
        ExportError: a link, dependency or group refers to a CI the document does not have.
    """
    import networkx as nx

    check_document(doc)
    g = nx.MultiDiGraph(format=FORMAT)
    ids: dict[str, str] = {}
    for i, ci in enumerate(doc.get("cis") or ()):
        node = f"n{i}"
        ids.setdefault(ci["name"], node)
        g.add_node(node, **_graph_attrs(ci))

    def node_of(name: object, what: str) -> str:
        try:
            return ids[name]  # type: ignore[index]
        except (KeyError, TypeError):
            raise ExportError(
                "{what} refers to unknown CI {name!r}", what=what, name=name
            ) from None

    for ln in doc.get("links") or ():
        a, b = node_of(ln.get("a"), "a link"), node_of(ln.get("b"), "a link")
        g.add_edge(
            a,
            b,
            kind="connected_to",
            a_port=xml_value(ln.get("a_port") or ""),
            b_port=xml_value(ln.get("b_port") or ""),
        )
    for d in doc.get("dependencies") or ():
        g.add_edge(
            node_of(d.get("from"), "a dependency"),
            node_of(d.get("to"), "a dependency"),
            kind="depends_on",
        )
    for grp in doc.get("groups") or ():
        gname = grp.get("name")
        if gname not in ids:
            node = f"n{g.number_of_nodes()}"
            while node in g:
                node += "_"
            ids[gname] = node
            g.add_node(node, name=xml_value(gname), ci_class="cluster")
        gnode = ids[gname]
        if grp.get("min_up") is not None:
            g.nodes[gnode]["min_up"] = int(grp["min_up"])
        for m in grp.get("members") or ():
            g.add_edge(node_of(m, f"group {gname!r}"), gnode, kind="member_of")
    return g


def physical_graph(doc: Mapping[str, Any]) -> nx.Graph:
    """Undirected simple graph of CI names joined by ``connected_to`` links (for SPOF analysis)."""
    import networkx as nx

    g = nx.Graph()
    for ci in doc.get("cis") or ():
        g.add_node(ci["name"])
    for ln in doc.get("links") or ():
        a, b = ln.get("a"), ln.get("b")
        if a in g and b in g and a != b:
            g.add_edge(a, b)
    return g


def document_from_graph(g: nx.Graph) -> dict[str, Any]:
    """Inverse of :func:`build_graph`: read a graph (e.g. from GraphML/GEXF) back into a document.

    Used to re-import graph exports; groups come back from ``member_of`` edges.
    """
    doc = empty_document()
    name_of: dict[Any, str] = {}
    nodes = sorted(g.nodes(data=True), key=lambda nd: _node_order(nd[0]))
    for node, data in nodes:
        name = str(data.get("name", node))
        name_of[node] = name
        ci: dict[str, Any] = {"name": name, "class": str(data.get("ci_class", "other"))}
        for k in CI_FIELDS[2:] + EXTRA_FIELDS:
            if data.get(k) not in (None, ""):
                ci[k] = str(data[k])
        loc = {k: data[k] for k in LOCATION_FIELDS if data.get(k) not in (None, "")}
        if "seat" in loc:
            loc["seat"] = int(loc["seat"])
        if loc:
            ci["location"] = loc
        doc["cis"].append(ci)
    groups: dict[str, dict[str, Any]] = {}
    edges = (
        g.edges(keys=True, data=True)
        if g.is_multigraph()
        else ((u, v, 0, d) for u, v, d in g.edges(data=True))
    )
    for u, v, _key, data in edges:
        kind = data.get("kind")
        if kind == "connected_to":
            link = {"a": name_of[u], "b": name_of[v]}
            if data.get("a_port"):
                link["a_port"] = str(data["a_port"])
            if data.get("b_port"):
                link["b_port"] = str(data["b_port"])
            doc["links"].append(link)
        elif kind == "depends_on":
            doc["dependencies"].append({"from": name_of[u], "to": name_of[v]})
        elif kind == "member_of":
            grp = groups.setdefault(name_of[v], {"name": name_of[v], "members": []})
            grp["members"].append(name_of[u])
    for node, data in nodes:
        if name_of[node] in groups and data.get("min_up") is not None:
            groups[name_of[node]]["min_up"] = int(data["min_up"])
    doc["groups"] = list(groups.values())
    return doc


def _node_order(node: object) -> tuple[int, str]:
    s = str(node)
    digits = s[1:].rstrip("_")
    return (int(digits), s) if s.startswith("n") and digits.isdigit() else (1 << 62, s)


def iter_rows(doc: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Flat rows of every CI in document order (see :func:`flat_ci`)."""
    for ci in doc.get("cis") or ():
        yield flat_ci(ci)
