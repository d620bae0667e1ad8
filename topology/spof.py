"""Single points of failure: articulation CIs and bridge links, ranked by what each takes down.

An articulation CI is one whose loss cuts CIs off from every root (its subtree in the block-cut
tree is more than itself); a bridge link is a cable with no parallel or alternative path. CIs that
others *depend on* (servers, clusters) are listed too when their loss takes something down.
Counts come from the same impact engine as ``netcmdb impact`` (dependencies included).

Must not import: ``cmdb``, ``cli``. Never prints.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from netcmdb.topology.impact import ImpactEngine


@dataclass(frozen=True)
class Spof:
    """One single point of failure."""

    kind: str  # "ci" | "link" | "dependency"
    name: str  # CI name, or link "A[port]~B[port]"
    down: int  # CIs it takes down alone
    element: int  # CI index or link index

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "name": self.name, "down": self.down}


def find_spofs(engine: ImpactEngine, min_down: int = 1) -> list[Spof]:
    """Every articulation CI, bridge link and depended-on CI taking down >= ``min_down`` CIs."""
    t, S = engine.topo, engine.S
    tin, tout = engine.tin, engine.tout
    # Only a subtree holding a CI that others depend on (or a group member) can reach beyond
    # itself; every other subtree's count is just its size.
    marks = sorted(tin[v] for v in engine.relevant if tin[v] >= 0)

    def reaches_logical(a: int, b: int) -> bool:
        k = bisect_left(marks, a)
        return k < len(marks) and marks[k] < b

    def count_ci(v: int) -> int:
        if reaches_logical(tin[v], tout[v]):
            return len(engine.impact([v], at_risk=False).down())
        return tout[v] - tin[v] - 1

    out: list[Spof] = []
    seen: set[int] = set()
    for v in range(len(t)):
        if tin[v] >= 0 and tout[v] - tin[v] > 1:
            n = count_ci(v)
            seen.add(v)
            if n >= min_down:
                out.append(Spof("ci", t.name[v], n, v))
    for v in engine.relevant:
        if v in seen:
            continue
        n = len(engine.impact([v], at_risk=False).down())
        if n >= min_down:
            out.append(Spof("dependency", t.name[v], n, v))
    # bridges: 2-vertex blocks holding exactly one real edge
    single: dict[int, int] = {}
    for e in range(engine.n_real_edges):
        if tin[engine.esrc[e]] < 0:
            continue
        b = engine._edge_block(e)
        if engine.block_size(b) == 2:
            single[b] = -1 if b in single else e
    for b, e in single.items():
        if e < 0 or engine.bentry[b] == S:
            continue
        k = engine.eid2link[e]
        child = engine.esrc[e] if engine.bentry[b] == engine.edst[e] else engine.edst[e]
        n = tout[child] - tin[child]  # the whole subtree, a bridge's far end included
        if n >= min_down and reaches_logical(tin[child], tout[child]):
            n = len(engine.impact((), [k], at_risk=False).down())
        if n >= min_down:
            out.append(Spof("link", t.link_name(k), n, k))
    out.sort(key=lambda s: (-s.down, s.kind, s.name))
    return out
