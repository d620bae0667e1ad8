"""Physical path(s) between two CIs, hop by hop with the ports at both ends of every cable.

Parallel cables between the same two CIs are one hop with several links (a LAG or a double
uplink), so an admin sees both ports.

Must not import: ``cmdb``, ``cli``. Never prints.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

import networkx as nx

from netcmdb.errors import TopologyError
from netcmdb.topology.graph import Topology


def physical_paths(topo: Topology, a: int, b: int, k: int = 3) -> list[list[dict[str, Any]]]:
    """Up to ``k`` shortest simple physical paths from ``a`` to ``b``.

    Each path is a list of hops ``{"from", "to", "links": [{"from_port", "to_port"}]}``.

    Raises:
        TopologyError: ``a`` and ``b`` are the same CI or not physically connected.
    """
    if a == b:
        raise TopologyError("path: both ends are the same CI")
    g = nx.Graph()
    ports: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for x, y, px, py in zip(topo.link_a, topo.link_b, topo.port_a, topo.port_b):
        g.add_edge(x, y)
        ports.setdefault((x, y), []).append((px, py))
        ports.setdefault((y, x), []).append((py, px))
    if a not in g or b not in g:
        raise TopologyError(
            "no physical path: {value} has no links", value=topo.name[a if a not in g else b]
        )
    try:
        paths = list(islice(nx.shortest_simple_paths(g, a, b), k))
    except nx.NetworkXNoPath as exc:
        raise TopologyError(
            "no physical path between {a} and {b}", a=topo.name[a], b=topo.name[b]
        ) from exc
    out = []
    for p in paths:
        hops = []
        for x, y in zip(p, p[1:]):
            hops.append(
                {
                    "from": topo.name[x],
                    "to": topo.name[y],
                    "links": [{"from_port": px, "to_port": py} for px, py in ports[(x, y)]],
                }
            )
        out.append(hops)
    return out
