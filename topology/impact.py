"""Impact analysis: what goes down, what loses its redundancy, and why — fast on a whole campus.

Semantics (the same as the brute-force oracle in ``tests/topology``):

* A *physical* CI (a root, or a CI with at least one ``connected_to`` link) is **down** when it has
  no path left to any root once the failed CIs and links are removed. CIs without any link
  (services, clusters, unknown cabling) are judged only by the logical layer.
* Logical layer, iterated to a fixpoint: a CI that ``depends_on`` a down/failed CI is down; a
  group with fewer than ``min_up`` (default 1) members up is down. A physical CI that goes down
  this way (a switch on a dead UPS) also stops carrying traffic, so the physical step is redone.
* Only the change counts: CIs already down with nothing failed (islands without a root, groups
  short of members) are never reported.
* **At risk**: up, but redundancy lost. Physically: before the change no single CI or link
  could cut the CI off from every root, now one can; the reason names that single point ("now
  hangs on core-2 alone"). With several roots a root is a single point like any other CI ("can
  I reboot core-1?"); a campus with one root cannot be redundant against it, so that one root is
  left out (otherwise nothing there could ever be at risk). Inherited: it depends on an at-risk
  CI, or it is a group left with exactly ``min_up`` members up where it had a spare before.

How it is fast: the physical graph plus a virtual super-root ``S`` linked to every root is split
once into biconnected blocks (igraph, C speed). In the block-cut tree rooted at ``S`` the CIs a
single CI takes down are exactly its subtree (it dominates them), kept as a contiguous slice of a
preorder: a single-failure query is a slice. With several failures only the blocks that contain
a failure need a BFS (inside that block), processed top-down; everything else is a slice again.
Redundancy can only be lost inside a block touched by the failure, and only nodes of the blocks
at ``S`` are redundant at all (``S`` itself never fails; every root can), so "at risk" re-splits
just those blocks.

Must not import: ``cmdb`` (it works on :class:`~netcmdb.topology.graph.Topology`), ``cli``.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate, chain
from typing import Any

from netcmdb.errors import N_
from netcmdb.topology.graph import Topology, no_gc

# A reason is a small tuple, rendered to text only for the CIs that are shown:
#   ("failed",)                 the CI itself was failed by the change
#   ("cut", elements)           no path to a root: cut off by these failed ("ci"|"edge", id)
#   ("dep", node)               depends on node, which is down or failed
#   ("group", group)            too few members of this group up
#   ("spof", node | None)       redundancy lost; now hangs on this CI alone (None: on one cable)
#   ("dep_risk", node)          depends on an at-risk CI
#   ("group_risk", group)       a group left with exactly min_up members up
Reason = tuple


@dataclass
class ImpactResult:
    """One change's consequences; node lists are dense indices into the :class:`Topology`."""

    failed_cis: list[int]
    failed_links: list[int]
    _intervals: list[tuple[int, int, Reason]]  # preorder slices that are physically down
    _order: array
    _failed_set: set[int]
    logical_down: dict[int, Reason]
    at_risk: dict[int, Reason]
    group_up: dict[int, int] = field(default_factory=dict)  # groups that lost members -> up now
    serves: dict[int, int] = field(default_factory=dict)  # at-risk CI -> CIs hanging below it

    def down_items(self) -> list[tuple[int, Reason]]:
        """Every down CI (not failed ones) with its reason, physical ones in preorder."""
        out: list[tuple[int, Reason]] = []
        failed = self._failed_set
        seen_logical = self.logical_down
        for start, end, reason in self._intervals:
            for v in self._order[start:end]:
                if v not in failed and v not in seen_logical:
                    out.append((v, reason))
        out.extend(self.logical_down.items())
        return out

    def down(self) -> list[int]:
        """Down CIs (dense indices), failed ones excluded."""
        out: list[int] = []
        for start, end, _ in self._intervals:
            out.extend(self._order[start:end])
        if self._failed_set:
            out = [v for v in out if v not in self._failed_set]
        if self.logical_down:
            extra = self.logical_down
            out = [v for v in out if v not in extra]
            out.extend(extra)
        return out


class ImpactEngine:
    """Precomputes the block-cut tree of a :class:`Topology`; then answers impact queries.

    Args:
        topo: the graph (roots must be set).
    """

    def __init__(self, topo: Topology) -> None:
        # Building allocates millions of small acyclic containers: the cyclic GC would rescan
        # them over and over (measured: half the precomputation time at 1M CIs).
        with no_gc():
            self._precompute(topo)

    def _precompute(self, topo: Topology) -> None:
        self.topo = topo
        n = self.n = len(topo)
        self.S = n
        phys = bytearray(n)
        for a in topo.link_a:
            phys[a] = 1
        for b in topo.link_b:
            phys[b] = 1
        for r in topo.roots:
            phys[r] = 1
        self.phys = phys
        self.root_set = frozenset(topo.roots)
        self._logical_index()
        # Baseline: what is down with nothing failed (islands, starved groups, and what hangs
        # off CIs that are down through the logical layer).
        self.base_down = bytearray(n)
        extra: set[int] = set()
        while True:
            self._build_blocks(extra)
            reach = self.tin
            for v in range(n):
                if phys[v] and reach[v] < 0:
                    self.base_down[v] = 1
            newly = self._baseline_logical()
            new_phys = {v for v in newly if phys[v] and reach[v] >= 0}
            if not new_phys - extra:
                break
            extra |= new_phys
            self.base_down = bytearray(n)
        self._build_merged()
        self.group_up_before = {
            g: sum(1 for m in ms if not self.base_down[m]) for g, ms in self.members.items()
        }

    # -- precomputation ------------------------------------------------------------------------
    def _logical_index(self) -> None:
        t = self.topo
        self.rdeps: dict[int, list[int]] = defaultdict(list)
        self.deps: dict[int, list[int]] = defaultdict(list)
        for s, d in zip(t.dep_src, t.dep_dst):
            if s != d:
                self.rdeps[d].append(s)
                self.deps[s].append(d)
        self.members: dict[int, list[int]] = defaultdict(list)
        self.groups_of: dict[int, list[int]] = defaultdict(list)
        for m, g in zip(t.mem_src, t.mem_grp):
            if m != g:
                self.members[g].append(m)
                self.groups_of[m].append(g)
        self.min_up = {g: max(1, t.min_up.get(g) or 1) for g in self.members}
        self.relevant = sorted(set(self.rdeps) | set(self.groups_of))

    def _baseline_logical(self) -> set[int]:
        """Logical fixpoint with nothing failed; marks base_down, returns the newly down."""
        down = self.base_down
        newly: set[int] = set()
        changed = True
        while changed:
            changed = False
            for g, ms in self.members.items():
                if not down[g] and sum(1 for m in ms if not down[m]) < self.min_up[g]:
                    down[g] = 1
                    newly.add(g)
                    changed = True
            for s, ds in self.deps.items():
                if not down[s] and any(down[d] for d in ds):
                    down[s] = 1
                    newly.add(s)
                    changed = True
        return newly

    def _build_blocks(self, removed: set[int]) -> None:
        t, n, S = self.topo, self.n, self.S
        esrc = array("i")
        edst = array("i")
        link2eid = array("i", [-1]) * len(t.link_a)
        eid = 0
        for k, (a, b) in enumerate(zip(t.link_a, t.link_b)):
            if a in removed or b in removed or a == b:
                continue
            esrc.append(a)
            edst.append(b)
            link2eid[k] = eid
            eid += 1
        self.n_real_edges = eid
        eid2link = array("i", [-1]) * eid
        for k, e in enumerate(link2eid):
            if e >= 0:
                eid2link[e] = k
        for r in t.roots:
            if r not in removed:
                esrc.append(S)
                edst.append(r)
        self.esrc, self.edst, self.link2eid, self.eid2link = esrc, edst, link2eid, eid2link
        import igraph as ig  # only the precomputation needs it (a cached engine does not)

        g = ig.Graph(n=n + 1, edges=list(zip(esrc, edst)))
        self.g = g
        self.inc_start, self.inc_eid = _incidence(g)
        # raw igraph call: spanning-tree edge ids per block (the VertexCover wrapper is slow)
        trees, aps = ig.GraphBase.biconnected_components(g, True)
        # blocks as flat arrays (members of block b: bmem[bstart[b]:bstart[b + 1]]): compact,
        # and they pickle as raw bytes for the CLI cache
        bstart = array("i", [0])
        bmem = array("i")
        for tree in trees:
            if len(tree) == 1:
                e0 = tree[0]
                bmem.append(esrc[e0])
                bmem.append(edst[e0])
            else:
                mem: set[int] = set()
                for e0 in tree:
                    mem.add(esrc[e0])
                    mem.add(edst[e0])
                bmem.extend(mem)
            bstart.append(len(bmem))
        nblocks = len(bstart) - 1
        apset = set(aps)
        vblock = array("i", [-1]) * (n + 1)
        apblocks: dict[int, list[int]] = defaultdict(list)
        for bi in range(nblocks):
            for v in bmem[bstart[bi] : bstart[bi + 1]]:
                if v in apset:
                    apblocks[v].append(bi)
                else:
                    vblock[v] = bi
        pblock = array("i", [-1]) * (n + 1)
        bentry = array("i", [-1]) * nblocks
        tin = array("i", [-1]) * (n + 1)
        tout = array("i", [-1]) * (n + 1)
        order = array("i")
        stack = [S]
        while stack:
            v = stack.pop()
            if v < 0:
                tout[~v] = len(order)
                continue
            tin[v] = len(order)
            order.append(v)
            stack.append(~v)
            if v in apset:
                vbl: Iterable[int] = apblocks[v]
            elif vblock[v] >= 0:
                vbl = (vblock[v],)
            else:
                vbl = ()
            pb = pblock[v]
            for b in vbl:
                if b == pb:
                    continue
                bentry[b] = v
                for u in bmem[bstart[b] : bstart[b + 1]]:
                    if u != v:
                        pblock[u] = b
                        stack.append(u)
        self.bstart, self.bmem, self.pblock, self.bentry = bstart, bmem, pblock, bentry
        self.tin, self.tout, self.order = tin, tout, order

    def block(self, b: int) -> array:
        """The CIs of block ``b``."""
        return self.bmem[self.bstart[b] : self.bstart[b + 1]]

    def block_size(self, b: int) -> int:
        return self.bstart[b + 1] - self.bstart[b]

    def __getstate__(self) -> dict[str, Any]:
        # queries only use the flat incidence arrays: the igraph graphs are not pickled, so a
        # cached engine loads without importing igraph
        state = dict(self.__dict__)
        state.pop("g", None)
        state.pop("mg", None)
        return state

    def incident(self, v: int) -> array:
        """Edge ids (main graph) at vertex ``v``."""
        return self.inc_eid[self.inc_start[v] : self.inc_start[v + 1]]

    def m_incident(self, v: int) -> array:
        """Edge ids (merged-root graph) at vertex ``v``."""
        return self.minc_eid[self.minc_start[v] : self.minc_start[v + 1]]

    # -- queries ------------------------------------------------------------------------------
    def _edge_block(self, e: int) -> int:
        u, v = self.esrc[e], self.edst[e]
        pu, pv = self.pblock[u], self.pblock[v]
        if pu == pv:
            return pu
        if pv >= 0 and self.bentry[pv] == u:
            return pv
        return pu

    def _physical(self, fv: set[int], fe: set[int]):  # type: ignore[no-untyped-def]
        """Physical down slices for failed vertices fv and failed igraph edges fe.

        Returns ``(flags, intervals, fails_by_block)``.
        """
        tin, tout, pblock, bentry = self.tin, self.tout, self.pblock, self.bentry
        flags = bytearray(len(self.order))
        intervals: list[tuple[int, int, Reason]] = []
        fails: dict[int, list[tuple[str, int]]] = defaultdict(list)

        def mark(v: int, reason: Reason) -> None:
            a, b = tin[v], tout[v]
            flags[a:b] = b"\x01" * (b - a)
            intervals.append((a, b, reason))

        for x in sorted((x for x in fv if tin[x] >= 0), key=tin.__getitem__):
            fails[pblock[x]].append(("ci", x))
            if not flags[tin[x]]:
                mark(x, ("cut", (("ci", x),)))
        for e in fe:
            if tin[self.esrc[e]] >= 0:  # an edge of an island without a root changes nothing
                fails[self._edge_block(e)].append(("edge", e))
        for b in sorted(fails, key=lambda b: tin[bentry[b]]):
            entry = bentry[b]
            if flags[tin[entry]]:
                continue
            fl = fails[b]
            members = self.block(b)
            if len(fl) == 1 and (fl[0][0] == "ci" or len(members) > 2):
                continue  # one failure inside a biconnected block cuts nothing else off
            mset = set(members)
            bad_v = {x for kind, x in fl if kind == "ci"}
            bad_e = {x for kind, x in fl if kind == "edge"}
            seen = {entry}
            queue = [entry]
            esrc, edst, incident = self.esrc, self.edst, self.incident
            for u in queue:
                for e in incident(u):
                    if e in bad_e:
                        continue
                    w = edst[e] if esrc[e] == u else esrc[e]
                    if w in mset and w not in seen and w not in bad_v:
                        seen.add(w)
                        queue.append(w)
            cut = tuple(sorted(fl))
            for u in members:
                if u not in seen and u not in bad_v and not flags[tin[u]]:
                    mark(u, ("cut", cut))
        intervals.sort(key=lambda iv: (iv[0], -iv[1]))
        outer: list[tuple[int, int, Reason]] = []
        for iv in intervals:  # drop slices nested in an earlier one (it already covers them)
            if not outer or iv[0] >= outer[-1][1]:
                outer.append(iv)
        return flags, outer, fails

    def impact(
        self, cis: Iterable[int] = (), links: Iterable[int] = (), at_risk: bool = True
    ) -> ImpactResult:
        """What the change (fail these CIs and links together) takes down and puts at risk.

        Args:
            cis: dense indices of failed CIs.
            links: indices of failed ``connected_to`` links (``Topology.link_a`` positions).
            at_risk: also compute the at-risk set (skip it for a down-only answer).
        """
        failed_cis = sorted(set(cis))
        failed_links = sorted(set(links))
        failed = set(failed_cis)
        phys, tin, tout = self.phys, self.tin, self.tout
        fe = {self.link2eid[k] for k in failed_links if self.link2eid[k] >= 0}
        fv0 = {x for x in failed if phys[x]}
        # physical CIs down through the logical layer (a switch on a dead UPS) stop carrying
        # traffic: they join the physical failure set and the physical step is redone.
        extra: dict[int, Reason] = {}
        while True:
            flags, intervals, fails = self._physical(fv0 | set(extra), fe)
            new_logical, group_up = self._logical(failed, flags, extra)
            grow = {x for x in new_logical if phys[x] and tin[x] >= 0}
            # a leaf of the block-cut tree carries nobody's traffic: no need to redo for it
            if not any(tout[x] - tin[x] > 1 or self.block_size(self.pblock[x]) > 2 for x in grow):
                break
            for x in grow:
                extra[x] = new_logical[x]
        logical_down = {**extra, **new_logical}
        res = ImpactResult(
            failed_cis,
            failed_links,
            intervals,
            self.order,
            failed,
            logical_down,
            {},
            group_up=group_up,
        )
        if at_risk:
            self._at_risk(res, fv0 | set(extra), fe, flags, group_up)
        return res

    def _logical(
        self, failed: set[int], flags: bytearray, extra: dict[int, Reason]
    ) -> tuple[dict[int, Reason], dict[int, int]]:
        """Dependencies and groups to a fixpoint, given the physical down flags."""
        phys, tin, base_down = self.phys, self.tin, self.base_down
        new: dict[int, Reason] = {}

        def is_down(x: int) -> bool:
            if x in failed or x in new or x in extra:
                return True
            p = tin[x]
            return bool(phys[x] and p >= 0 and flags[p])

        group_up: dict[int, int] = {}
        work = [x for x in self.relevant if not base_down[x] and is_down(x)]
        done: set[int] = set()
        while work:
            x = work.pop()
            if x in done:
                continue
            done.add(x)
            for s in self.rdeps.get(x, ()):
                if not base_down[s] and not is_down(s):
                    new[s] = ("dep", x)
                    work.append(s)
            for gp in self.groups_of.get(x, ()):
                if base_down[gp]:
                    continue
                cnt = group_up.get(gp, self.group_up_before[gp]) - 1
                group_up[gp] = cnt
                if cnt < self.min_up[gp] and not is_down(gp):
                    new[gp] = ("group", gp)
                    work.append(gp)
        return new, group_up

    def is_down_in(self, res: ImpactResult, x: int, flags: bytearray) -> bool:
        if x in res._failed_set or x in res.logical_down:
            return True
        p = self.tin[x]
        return bool(self.phys[x] and p >= 0 and flags[p])

    def _build_merged(self) -> None:
        """Blocks of the graph with every root merged into ``S``: the at-risk structure.

        A merged block hanging at ``S`` is a domain that two paths to the roots can serve (a
        distribution pair with its dual-homed access switches). With roots merged, a failure
        can only cost redundancy inside the merged blocks it touches: two disjoint paths from a
        CI to the roots never leave its merged block before reaching a root. With several roots,
        a root is a single point like any other CI ("can I reboot core-1?"): the touched blocks
        are then re-split with the roots as vertices of their own, each linked to ``S`` (see
        :meth:`_at_risk`). With one root, that root is left out (nothing can back it up).
        """
        S, roots, n_real = self.S, self.root_set, self.n_real_edges
        self.multi_root = len(roots) >= 2
        cand: set[int] = set()
        for b, entry in enumerate(self.bentry):
            if entry == S or entry in roots:
                cand.update(self.block(b))
        cand.discard(S)
        pairs = []
        meid = array("i")  # merged edge -> igraph edge id of the main graph
        for v in cand:
            for e in self.incident(v):
                if e >= n_real or self.esrc[e] != v:
                    continue
                w = self.edst[e]
                if w not in cand:
                    continue
                a = S if v in roots else v
                c = S if w in roots else w
                if a != c:
                    pairs.append((a, c))
                    meid.append(e)
        import igraph as ig

        self.mg = ig.Graph(n=self.n + 1, edges=pairs)
        self.minc_start, self.minc_eid = _incidence(self.mg)
        self.msrc = array("i", (p[0] for p in pairs))
        self.mdst = array("i", (p[1] for p in pairs))
        self.meid = meid
        self.eid2m = array("i", [-1]) * n_real
        for i, e in enumerate(meid):
            self.eid2m[e] = i
        mblock = array("i", [-1]) * (self.n + 1)
        mmembers: list[list[int]] = []
        trees = ig.GraphBase.biconnected_components(self.mg, False) if pairs else []
        for tree in trees:
            mem = {self.msrc[m] for m in tree} | {self.mdst[m] for m in tree}
            if S not in mem:
                continue
            if len(mem) == 2:
                v = next(x for x in mem if x != S)
                if sum(1 for w in self.mg.neighbors(v) if w == S) < 2:
                    continue  # a single cable straight to a root: never redundant
            bi = len(mmembers)
            mmembers.append(list(mem))
            for v in mem:
                if v != S:
                    mblock[v] = bi
        self.mblock, self.mmembers = mblock, mmembers

    def _at_risk_roots(
        self,
        res: ImpactResult,
        touched: set[int],
        fv: set[int],
        fe: set[int],
        flags: bytearray,
        at_risk: dict[int, Reason],
    ) -> None:
        """Physical at-risk CIs with several roots, each root a CI that can fail.

        Each touched merged block is re-split with its members, every root (its own vertex) and
        ``S`` linked to each root. A CI is at risk when it was redundant before (it shares a block
        of >= 3 vertices with ``S`` in the unmerged graph) and is not any more.
        """
        S, tin, tout, n_real = self.S, self.tin, self.tout, self.n_real_edges
        esrc, edst, incident = self.esrc, self.edst, self.incident
        roots = [r for r in sorted(self.root_set) if r not in fv]

        def alive(v: int) -> bool:
            return v not in fv and not flags[tin[v]] and v not in res.logical_down

        def redundant_before(v: int) -> bool:
            b = self.pblock[v]
            return b >= 0 and self.bentry[b] == S and self.block_size(b) >= 3

        for b in sorted(touched):
            members = [v for v in self.mmembers[b] if v != S and alive(v)]
            members += [r for r in roots if alive(r)]
            members.append(S)
            local = {v: i for i, v in enumerate(members)}
            adj: list[list[tuple[int, int]]] = [[] for _ in members]
            for v in members:
                if v == S:
                    continue
                lv = local[v]
                for e in incident(v):
                    if e in fe:
                        continue
                    if e >= n_real:  # the virtual edge S - root
                        adj[lv].append((local[S], e))
                        adj[local[S]].append((lv, e))
                        continue
                    if esrc[e] != v:
                        continue  # each cable once, from its source end
                    lw = local.get(edst[e])
                    if lw is not None and lw != lv:
                        adj[lv].append((lw, e))
                        adj[lw].append((lv, e))
            redundant, spof = _redundancy(adj, local[S])
            for i, v in enumerate(members):
                if (
                    v == S
                    or redundant[i]
                    or not self.phys[v]
                    or v in self.root_set
                    or not redundant_before(v)
                ):
                    continue
                sp = spof[i]
                at_risk[v] = ("spof", members[sp] if sp >= 0 else None)
                res.serves[v] = tout[v] - tin[v] - 1

    def _at_risk(
        self,
        res: ImpactResult,
        fv: set[int],
        fe: set[int],
        flags: bytearray,
        group_up: dict[int, int],
    ) -> None:
        S, tin, tout, mblock = self.S, self.tin, self.tout, self.mblock

        def is_down(x: int) -> bool:
            return self.is_down_in(res, x, flags)

        dead_m: set[int] = {self.eid2m[e] for e in fe if e < self.n_real_edges}
        touched: set[int] = set()
        for x in fv:
            if tin[x] < 0:
                continue
            if x in self.root_set:
                for e in self.incident(x):  # merged into S: its cables die
                    if e < self.n_real_edges and self.eid2m[e] >= 0:
                        dead_m.add(self.eid2m[e])
            elif mblock[x] >= 0:
                touched.add(mblock[x])
        dead_m.discard(-1)
        for m in dead_m:
            u, v = self.msrc[m], self.mdst[m]
            b = (
                mblock[v]
                if u == S
                else (mblock[u] if v == S else (mblock[u] if mblock[u] == mblock[v] else -1))
            )
            if b >= 0:
                touched.add(b)
        at_risk: dict[int, Reason] = {}
        if getattr(self, "multi_root", False):
            self._at_risk_roots(res, touched, fv, fe, flags, at_risk)
            touched = set()
        for b in sorted(touched):
            members = [
                v
                for v in self.mmembers[b]
                if v == S or (v not in fv and not flags[tin[v]] and v not in res.logical_down)
            ]
            local = {v: i for i, v in enumerate(members)}
            adj: list[list[tuple[int, int]]] = [[] for _ in members]
            msrc, mdst, incident = self.msrc, self.mdst, self.m_incident
            for v in members:
                if v == S:
                    continue  # S touches every block: its cables are found from the other end
                lv = local[v]
                for m in incident(v):
                    if m in dead_m:
                        continue
                    a, c = msrc[m], mdst[m]
                    w = c if a == v else a
                    if w != S and a != v:
                        continue  # a cable between two members: taken once, from its source
                    lw = local.get(w)
                    if lw is not None:
                        adj[lv].append((lw, m))
                        adj[lw].append((lv, m))
            redundant, spof = _redundancy(adj, local[S])
            for i, v in enumerate(members):
                if v == S or redundant[i] or not self.phys[v]:
                    continue
                sp = spof[i]
                at_risk[v] = ("spof", members[sp] if sp >= 0 else None)
                res.serves[v] = tout[v] - tin[v] - 1
        # inherited: dependents of at-risk CIs, groups left without a spare
        work = list(at_risk)
        for gp, cnt in group_up.items():
            mu = self.min_up[gp]
            if (
                cnt == mu
                and self.group_up_before[gp] > mu
                and not is_down(gp)
                and gp not in at_risk
            ):
                at_risk[gp] = ("group_risk", gp)
                work.append(gp)
        while work:
            x = work.pop()
            for s in self.rdeps.get(x, ()):
                if not self.base_down[s] and not is_down(s) and s not in at_risk:
                    at_risk[s] = ("dep_risk", x)
                    work.append(s)
        res.at_risk = at_risk


def _incidence(g: Any) -> tuple[array, array]:
    """CSR incidence of an igraph graph: edges at v are ``eid[start[v]:start[v + 1]]``."""
    inc = g.get_inclist()
    start = array("i", [0])
    start.extend(accumulate(map(len, inc)))
    return start, array("i", chain.from_iterable(inc))


def _redundancy(adj: list[list[tuple[int, int]]], s: int) -> tuple[list[bool], list[int]]:
    """Lowpoint DFS from ``s`` on a small multigraph (adjacency of ``(neighbour, edge id)``).

    Returns per vertex: redundant (shares with ``s`` a block of >= 3 vertices, or of 2 vertices
    joined by >= 2 edges) and its nearest cut vertex towards ``s`` (``-1`` when none).
    Unreached vertices are reported redundant (they are down, not at risk).
    """
    n = len(adj)
    disc = [-1] * n
    low = [0] * n
    parent = [-1] * n
    pedge = [-1] * n
    order: list[int] = []
    disc[s] = low[s] = 0
    order.append(s)
    stack = [(s, iter(adj[s]))]
    while stack:
        u, it = stack[-1]
        for w, eid in it:
            if eid == pedge[u]:
                continue
            if disc[w] < 0:
                disc[w] = low[w] = len(order)
                order.append(w)
                parent[w] = u
                pedge[w] = eid
                stack.append((w, iter(adj[w])))
                break
            if disc[w] < low[u]:
                low[u] = disc[w]
        else:
            stack.pop()
            if stack:
                p = stack[-1][0]
                if low[u] < low[p]:
                    low[p] = low[u]
    block = [-1] * n  # block id = the child vertex at the block's head edge
    head = [-1] * n
    for w in order[1:]:
        u = parent[w]
        if low[w] >= disc[u]:
            block[w], head[w] = w, u
        else:
            block[w], head[w] = block[u], head[u]
    size = [0] * n
    for w in order[1:]:
        size[block[w]] += 1
    redundant = [True] * n
    spof = [-1] * n
    for w in order[1:]:
        b = block[w]
        if head[w] == s:
            redundant[w] = size[b] >= 2 or low[b] <= disc[s]
        else:
            redundant[w] = False
            spof[w] = head[w]
    return redundant, spof


# -- rendering -----------------------------------------------------------------------------------
def _entry(topo: Topology, i: int, reason: str | None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "name": topo.name[i],
        "label": topo.label[i],
        "class": topo.ci_class[i],
        "location": topo.location(i),
    }
    if reason is not None:
        d["reason"] = reason
    return d


class _Explainer:
    """Renders reasons to text, following dependency chains (down to what actually failed)."""

    def __init__(self, engine: ImpactEngine, res: ImpactResult) -> None:
        self.e, self.res, self.t = engine, res, engine.topo

    def element(self, el: tuple[str, int]) -> str:
        kind, x = el
        if kind == "ci":
            return self.t.name[x]
        return "link " + self.t.link_name(self.e.eid2link[x])

    def reason_of(self, x: int) -> Reason | None:
        if x in self.res._failed_set:
            return ("failed",)
        if x in self.res.logical_down:
            return self.res.logical_down[x]
        if x in self.res.at_risk:
            return self.res.at_risk[x]
        p = self.e.tin[x]
        best = None
        for start, end, r in self.res._intervals:
            if start <= p < end and (best is None or start > best[0]):
                best = (start, r)
        return best[1] if best else None

    def text(self, reason: Reason, depth: int = 0) -> str:
        kind = reason[0]
        name = self.t.name
        if kind == "failed":
            return N_("failed")
        if kind == "cut":
            return N_(
                "cut off by {elements}", elements=", ".join(self.element(el) for el in reason[1])
            )
        if kind in ("dep", "dep_risk"):
            x = reason[1]
            inner = self.reason_of(x)
            if inner is None or depth >= 8:
                return N_("depends on {ci}", ci=name[x])
            return N_("depends on {ci} ({why})", ci=name[x], why=self.text(inner, depth + 1))
        if kind in ("group", "group_risk"):
            g = reason[1]
            up = self.res.group_up.get(g, self.e.group_up_before.get(g, 0))
            total, mu = len(self.e.members[g]), self.e.min_up[g]
            if kind == "group":
                return N_(
                    "only {up} of {total} members up, needs {min_up}", up=up, total=total, min_up=mu
                )
            return N_(
                "only {up} of {total} members up, no spare (min_up {min_up})",
                up=up,
                total=total,
                min_up=mu,
            )
        if kind == "spof":
            x = reason[1]
            if x is None or x == self.e.S:
                return N_("redundancy lost: now hangs on a single link")
            return N_("redundancy lost: now hangs on {ci} alone", ci=name[x])
        return str(reason)


def report(engine: ImpactEngine, res: ImpactResult) -> dict[str, Any]:
    """The documented JSON shape (docs/topology.md, README): failed, down, at_risk, summary.

    ``failed`` lists CI names and links (``A[port]~B[port]``).
    """
    t = engine.topo
    ex = _Explainer(engine, res)
    failed = [t.name[i] for i in res.failed_cis] + [t.link_name(k) for k in res.failed_links]
    cache: dict[int, str] = {}
    down = []
    for v, r in res.down_items():
        key = id(r)
        txt = cache.get(key)
        if txt is None:
            txt = cache[key] = ex.text(r)
        down.append(_entry(t, v, txt))
    at_risk = []
    for v, r in res.at_risk.items():
        d = _entry(t, v, ex.text(r))
        if v in res.serves:
            d["serves"] = res.serves[v]
        at_risk.append(d)
    by_building: Counter[str] = Counter()
    by_room: Counter[str] = Counter()
    by_class: Counter[str] = Counter()
    # whom to notify, by department and contact (inherited from room / building): the failed
    # CIs' own people too, then down, then at risk
    notify: dict[tuple[str | None, str | None], list[int]] = defaultdict(lambda: [0, 0, 0])
    for v in res.failed_cis:
        who = t.responsible(v)
        if who[0] or who[1]:
            notify[who][2] += 1
    for v, _ in res.down_items():
        by_building[t.building(v) or "?"] += 1
        by_room[t.room(v) or "?"] += 1
        by_class[t.ci_class[v]] += 1
        who = t.responsible(v)
        if who[0] or who[1]:
            notify[who][0] += 1
    for v in res.at_risk:
        who = t.responsible(v)
        if who[0] or who[1]:
            notify[who][1] += 1
    return {
        "roots": t.root_names(),
        "failed": failed,
        "down": down,
        "at_risk": at_risk,
        "summary": {
            "down": len(down),
            "at_risk": len(at_risk),
            "by_building": dict(by_building.most_common()),
            "by_room": dict(sorted(by_room.items())),
            "by_class": dict(by_class.most_common()),
            "notify": [
                {"department": o, "contact": c, "failed": n[2], "down": n[0], "at_risk": n[1]}
                for (o, c), n in sorted(
                    notify.items(), key=lambda kv: (-kv[1][0], -kv[1][1], -kv[1][2], str(kv[0]))
                )
            ],
        },
    }
