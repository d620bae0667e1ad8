"""The fast impact engine against an independent brute force (remove, BFS from the roots, fixpoint).

The oracle shares no code with ``topology.impact``: it reads only the raw relation arrays of a
Topology and recomputes everything from scratch, including "at risk" by removing every single
element in turn, roots included (issue 13 §4: "can I reboot core-1?").
"""

from __future__ import annotations

import random
from array import array
from collections import deque

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netcmdb.topology.generate import campus
from netcmdb.topology.graph import Topology
from netcmdb.topology.impact import ImpactEngine


# -- the oracle ------------------------------------------------------------------------------------
class Oracle:
    def __init__(self, t: Topology) -> None:
        self.t = t
        self.links = list(zip(t.link_a, t.link_b))
        self.phys = set(t.link_a) | set(t.link_b) | set(t.roots)
        self.roots = set(t.roots)
        self.deps = list(zip(t.dep_src, t.dep_dst))
        self.members: dict[int, list[int]] = {}
        for m, g in zip(t.mem_src, t.mem_grp):
            self.members.setdefault(g, []).append(m)
        self.min_up = {g: max(1, t.min_up.get(g) or 1) for g in self.members}

    def reach(self, removed: set[int], cut_links: set[int]) -> set[int]:
        adj: dict[int, list[int]] = {}
        for k, (a, b) in enumerate(self.links):
            if k in cut_links or a in removed or b in removed or a == b:
                continue
            adj.setdefault(a, []).append(b)
            adj.setdefault(b, []).append(a)
        seen = {r for r in self.roots if r not in removed}
        q = deque(seen)
        while q:
            u = q.popleft()
            for w in adj.get(u, ()):
                if w not in seen:
                    seen.add(w)
                    q.append(w)
        return seen

    def state(self, fc: set[int], fl: set[int]) -> set[int]:
        """Down-or-failed set after failing CIs fc and links fl (fixpoint)."""
        down: set[int] = set(fc)
        while True:
            removed = set(fc) | (down & self.phys)
            r = self.reach(removed, fl)
            new = set(fc) | {v for v in self.phys if v not in r} | down
            changed = True
            while changed:
                changed = False
                for s, d in self.deps:
                    if s != d and s not in new and d in new:
                        new.add(s)
                        changed = True
                for g, ms in self.members.items():
                    up = sum(1 for m in ms if m not in new and m != g)
                    if g not in new and up < self.min_up[g]:
                        new.add(g)
                        changed = True
            if new == down:
                return down
            down = new

    def spof_victims(self, removed: set[int], cut: set[int]) -> set[int]:
        """Physical CIs (up in G - removed - cut) that some single CI or link can cut off."""
        base = self.reach(removed, cut)
        victims: set[int] = set()
        # with several roots a root can fail like any CI; a lone root cannot be backed up
        for x in base if len(self.roots) > 1 else base - self.roots:
            victims |= base - self.reach(removed | {x}, cut) - {x}
        for k, (a, b) in enumerate(self.links):
            if k in cut or a in removed or b in removed:
                continue
            victims |= base - self.reach(removed, cut | {k})
        return victims

    def impact(self, fc: set[int], fl: set[int]) -> tuple[set[int], set[int]]:
        before = self.state(set(), set())
        after = self.state(fc, fl)
        down = after - before - fc
        up_before = self.reach(before & self.phys, set())
        up_after = self.reach(after & self.phys, fl)
        redundant_before = up_before - self.spof_victims(before & self.phys, set())
        spof_after = self.spof_victims(after & self.phys, fl)
        risk = {v for v in up_after & redundant_before & spof_after if v not in self.roots}
        for g, ms in self.members.items():
            if g in after or g in before:
                continue
            ub = sum(1 for m in ms if m not in before)
            ua = sum(1 for m in ms if m not in after)
            if ua == self.min_up[g] and ub > self.min_up[g]:
                risk.add(g)
        changed = True
        while changed:
            changed = False
            for s, d in self.deps:
                if d in risk and s not in risk and s not in after and s not in before:
                    risk.add(s)
                    changed = True
        return down, risk


def check(
    t: Topology,
    fc: set[int],
    fl: set[int],
    engine: ImpactEngine | None = None,
    oracle: Oracle | None = None,
) -> None:
    engine = engine or ImpactEngine(t)
    oracle = oracle or Oracle(t)
    res = engine.impact(fc, fl)
    down, risk = oracle.impact(fc, fl)
    got_down = res.down()
    assert len(got_down) == len(set(got_down)), "a CI reported down twice"
    assert set(got_down) == down, (sorted(set(got_down) - down), sorted(down - set(got_down)))
    assert set(res.at_risk) == risk, (
        sorted(set(res.at_risk) - risk),
        sorted(risk - set(res.at_risk)),
    )
    assert {v for v, _ in res.down_items()} == down


# -- random graphs ---------------------------------------------------------------------------------
def topo_from(
    n: int,
    roots: list[int],
    links: list[tuple[int, int]],
    deps: list[tuple[int, int]],
    groups: dict[int, tuple[list[int], int]],
) -> Topology:
    t = Topology(
        ci_id=array("q", range(1, n + 1)),
        name=[f"n{i}" for i in range(n)],
        label=[None] * n,
        ci_class=["switch"] * n,
        role=[None] * n,
        ip=[None] * n,
        owner=[None] * n,
        contact=[None] * n,
        loc=array("i", [-1] * n),
        locations=[],
    )
    for a, b in links:
        if a != b:
            t.link_a.append(min(a, b))
            t.link_b.append(max(a, b))
            t.port_a.append("")
            t.port_b.append("")
    for s, d in deps:
        t.dep_src.append(s)
        t.dep_dst.append(d)
    for g, (ms, mu) in groups.items():
        for m in ms:
            t.mem_src.append(m)
            t.mem_grp.append(g)
        t.min_up[g] = mu
    t.roots = sorted(set(roots))
    return t


@st.composite
def random_graph(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(2, 18))
    node = st.integers(0, n - 1)
    roots = draw(st.lists(node, min_size=1, max_size=3))
    links = draw(st.lists(st.tuples(node, node), min_size=1, max_size=2 * n + 2))
    deps = draw(st.lists(st.tuples(node, node), max_size=4))
    groups = {}
    for g in draw(st.lists(node, max_size=2, unique=True)):
        ms = draw(st.lists(node.filter(lambda m, g=g: m != g), min_size=1, max_size=4, unique=True))
        groups[g] = (ms, draw(st.integers(1, len(ms))))
    t = topo_from(n, roots, links, deps, groups)
    fc = set(draw(st.lists(node, max_size=3)))
    fl = (
        set(draw(st.lists(st.integers(0, max(0, len(t.link_a) - 1)), max_size=3)))
        if len(t.link_a)
        else set()
    )
    return t, fc, fl


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graph())
def test_random_graphs_match_oracle(case) -> None:  # type: ignore[no-untyped-def]
    t, fc, fl = case
    check(t, fc, fl)


@settings(max_examples=100, deadline=None)
@given(random_graph())
def test_single_failures_match_oracle(case) -> None:  # type: ignore[no-untyped-def]
    t, _, _ = case
    engine, oracle = ImpactEngine(t), Oracle(t)
    for x in range(len(t)):
        check(t, {x}, set(), engine, oracle)
    for k in range(len(t.link_a)):
        check(t, set(), {k}, engine, oracle)


def _campus_with_rings(seed: int) -> Topology:
    t = campus(
        260, seed=seed, dual_access=0.3, chained_access=0.2, pcs=(2, 5), access_per_building=8
    )
    rnd = random.Random(seed)
    switches = [i for i, c in enumerate(t.ci_class) if c == "switch" and t.role[i] != "core"]
    for _ in range(4):  # extra cables: rings between access switches, a parallel uplink
        a, b = rnd.sample(switches, 2)
        t.link_a.append(min(a, b))
        t.link_b.append(max(a, b))
        t.port_a.append("")
        t.port_b.append("")
    return t


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 10_000), st.data())
def test_campus_graphs_match_oracle(seed: int, data) -> None:  # type: ignore[no-untyped-def]
    t = _campus_with_rings(seed)
    engine, oracle = ImpactEngine(t), Oracle(t)
    infra = [i for i, c in enumerate(t.ci_class) if c in ("switch", "server", "cluster", "service")]
    for _ in range(3):
        fc = set(data.draw(st.lists(st.sampled_from(infra), min_size=0, max_size=3)))
        fl = set(data.draw(st.lists(st.integers(0, len(t.link_a) - 1), max_size=2)))
        check(t, fc, fl, engine, oracle)


@settings(max_examples=80, deadline=None)
@given(random_graph())
def test_spof_ranking_matches_oracle(case) -> None:  # type: ignore[no-untyped-def]
    from netcmdb.topology.spof import find_spofs

    t, _, _ = case
    engine, oracle = ImpactEngine(t), Oracle(t)
    got = {(s.kind != "link", s.element): s.down for s in find_spofs(engine)}
    want = {}
    for x in range(len(t)):
        d = len(oracle.impact({x}, set())[0])
        if d:
            want[(True, x)] = d
    for k in range(len(t.link_a)):
        d = len(oracle.impact(set(), {k})[0])
        if d:
            want[(False, k)] = d
    assert got == want
