"""The relationship graph for every face: impact, single points of failure, paths, drawings.

Works on the precomputed :class:`~netcmdb.topology.impact.ImpactEngine`, cached per SQLite file
state (topology/cache.py). Must not import click, rich or a web framework.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from netcmdb.services.context import Cmdb

if TYPE_CHECKING:
    from netcmdb.topology.graph import Topology
    from netcmdb.topology.impact import ImpactEngine


def load_topology(cmdb: Cmdb, roots: Sequence[str] = ()) -> Topology:
    """The CMDB graph (one select per table); an unreadable CMDB is a TopologyError."""
    from sqlalchemy.exc import SQLAlchemyError

    from netcmdb.errors import TopologyError
    from netcmdb.topology.graph import load_topology as load

    try:
        with cmdb.session() as session:
            return load(session, tuple(roots))
    except SQLAlchemyError as exc:
        raise TopologyError(
            "cannot read the CMDB ({kind}); is the database initialised?", kind=type(exc).__name__
        ) from exc


def impact_engine(cmdb: Cmdb, roots: Sequence[str] = ()) -> ImpactEngine:
    """The impact engine for the CMDB's current state (from the cache when unchanged)."""
    from netcmdb.cmdb.db import parse_url
    from netcmdb.topology.cache import cached_engine
    from netcmdb.topology.impact import ImpactEngine

    url = cmdb.given_url
    if url is not None:
        parse_url(url)  # a bad URL is refused even when the cache would answer
    return cached_engine(url, tuple(roots), lambda: ImpactEngine(load_topology(cmdb, roots)))


def resolve_targets(
    cmdb: Cmdb, engine: ImpactEngine, targets: Sequence[str]
) -> tuple[list[int], list[int]]:
    """Impact targets -> (failed CI indexes, failed link indexes).

    A CI is named as ``ci show`` takes it: name, label, IP, and also a MAC in any notation or
    ``#id`` (looked up in the CMDB when the graph alone does not know the text). Links are
    ``A~B`` or ``A[port]~B``.
    """
    from netcmdb.errors import NotFoundError, TopologyError

    topo = engine.topo
    cis: list[int] = []
    links: list[int] = []
    for t in targets:
        if "~" in t:
            links.extend(topo.resolve_link(t))
            continue
        try:
            cis.append(topo.resolve_ci(t))
        except TopologyError as exc:
            from netcmdb.cmdb.query import find_ci

            try:
                with cmdb.session() as s:
                    ci_id = find_ci(s, t).id
                cis.append(topo.index_of_id(ci_id))
            except (NotFoundError, KeyError):
                raise exc from None
    return sorted(set(cis)), sorted(set(links))


def impact(
    cmdb: Cmdb,
    targets: Sequence[str],
    roots: Sequence[str] = (),
    *,
    engine: ImpactEngine | None = None,
) -> dict[str, Any]:
    """What breaks if TARGETS (CI name, label, IP, MAC, #id, or link ``A~B`` / ``A[port]~B``)
    fail together: exactly what ``netcmdb impact --json`` prints.

    ``engine``: an impact engine the caller keeps for this CMDB's current state (the web server
    holds one in memory); default :func:`impact_engine`.
    """
    from netcmdb.topology.impact import report

    engine = engine or impact_engine(cmdb, roots)
    cis, links = resolve_targets(cmdb, engine, targets)
    return report(engine, engine.impact(cis, links))  # type: ignore[no-any-return]


def impact_drawing(
    cmdb: Cmdb,
    targets: Sequence[str],
    roots: Sequence[str] = (),
    fmt: str = "svg",
    *,
    engine: ImpactEngine | None = None,
) -> str | bytes:
    """The impact of TARGETS drawn as ``dot``, ``svg`` or ``html`` (``engine`` as
    :func:`impact`)."""
    from netcmdb.topology import draw

    engine = engine or impact_engine(cmdb, roots)
    cis, links = resolve_targets(cmdb, engine, targets)
    return draw.render_impact(engine, engine.impact(cis, links), fmt)  # type: ignore[no-any-return]


def spof(
    cmdb: Cmdb,
    roots: Sequence[str] = (),
    *,
    min_down: int = 1,
    limit: int = 0,
    engine: ImpactEngine | None = None,
) -> dict[str, Any]:
    """Articulation CIs and bridge links ranked by how many CIs each takes down (``limit`` 0:
    all): ``{"roots": [...], "spofs": [{kind, name, down}...]}``."""
    from netcmdb.topology.spof import find_spofs

    engine = engine or impact_engine(cmdb, roots)
    found = find_spofs(engine, min_down=min_down)
    return {
        "roots": engine.topo.root_names(),
        "spofs": [s.as_dict() for s in (found[:limit] if limit else found)],
    }


def paths(cmdb: Cmdb, a: str, b: str, *, k: int = 3) -> dict[str, Any]:
    """Up to ``k`` physical paths between CIs A and B, hop by hop with ports."""
    from netcmdb.topology.path import physical_paths

    topo = impact_engine(cmdb).topo
    return {
        "from": a,
        "to": b,
        "roots": topo.root_names(),
        "paths": physical_paths(topo, topo.resolve_ci(a), topo.resolve_ci(b), k=k),
    }


def drawing(
    cmdb: Cmdb,
    fmt: str,
    *,
    building: str | None = None,
    roots: Sequence[str] = (),
    engine: ImpactEngine | None = None,
) -> str | bytes:
    """The topology as svg/png/dot/graphml/html (optionally one building and its uplinks)."""
    from netcmdb.topology import draw

    return draw.render(engine or impact_engine(cmdb, roots), fmt, building=building)  # type: ignore[no-any-return]
