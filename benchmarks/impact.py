"""Impact-analysis benchmark: precomputation, single/multi-failure queries, CLI end to end.

Usage (from the worktree root's parent, i.e. with ``netcmdb`` importable)::

    PYTHONPATH=/work/wt/topology /work/venv/bin/python netcmdb/benchmarks/impact.py \
        --n 1000000 --cli-n 100000

Baseline measured in the same run: one plain igraph BFS over the same graph (the library-level
limit for "visit everything once"). Ratios are query time / BFS time.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, *a, **kw):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn(*a, **kw)
    return time.perf_counter() - t0, out


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def row(name: str, secs: float, base: float, note: str = "") -> str:
    return f"| {name} | {secs * 1000:,.2f} ms | {secs / base:,.3f}x | {note} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--cli-n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-cli", action="store_true")
    args = ap.parse_args()

    from netcmdb.topology.generate import campus
    from netcmdb.topology.impact import ImpactEngine

    print(
        f"# impact benchmark, N={args.n:,} CIs, {os.cpu_count()} CPUs, "
        f"load avg {os.getloadavg()[0]:.1f}"
    )
    t_gen, topo = timed(campus, args.n, args.seed)
    print(
        f"generate: {t_gen:.2f} s, {len(topo):,} CIs, {len(topo.link_a):,} links, "
        f"rss {rss_mb():,.0f} MB"
    )
    c0 = cpu()
    t_pre, engine = timed(ImpactEngine, topo)
    print(f"precompute: {t_pre:.2f} s wall, {cpu() - c0:.2f} s cpu, rss {rss_mb():,.0f} MB")

    bfs_times = []
    for _ in range(3):
        t, _ = timed(engine.g.bfs, engine.S)
        bfs_times.append(t)
    bfs = min(bfs_times)
    print(
        f"baseline igraph BFS (same graph, {engine.g.vcount():,} vertices, "
        f"{engine.g.ecount():,} edges): {bfs * 1000:.1f} ms (min of 3)"
    )

    rnd = random.Random(args.seed)
    switches = [i for i, c in enumerate(topo.ci_class) if c == "switch"]
    servers = [i for i, c in enumerate(topo.ci_class) if c == "server"]
    others = [i for i, c in enumerate(topo.ci_class) if c in ("pc", "printer")]
    sample = (
        rnd.sample(switches, min(len(switches), args.queries // 2))
        + rnd.sample(others, args.queries // 4)
        + rnd.sample(servers, min(len(servers), args.queries // 4))
    )

    def query(cis=(), links=(), engine=engine):  # type: ignore[no-untyped-def]
        res = engine.impact(cis, links)
        return len(res.down()), len(res.at_risk)

    single = []
    worst = (0.0, "")
    for v in sample:
        t, (nd, nr) = timed(query, [v])
        single.append(t)
        if t > worst[0]:
            worst = (t, f"{topo.name[v]}: {nd:,} down, {nr:,} at risk")
    named = {}
    for name in ("core-1", "A-DS1", "dc-sw-1"):
        v = topo.name.index(name)
        t, (nd, nr) = timed(query, [v])
        named[name] = (t, nd, nr)
    link_t = []
    for k in rnd.sample(range(len(topo.link_a)), 100):
        t, _ = timed(query, (), [k])
        link_t.append(t)

    multi = []
    worst_m = (0.0, "")
    buildings = sorted({topo.name[i].split("-")[0] for i in switches if "-DS1" in topo.name[i]})
    cases = []
    for _ in range(30):
        b = rnd.choice(buildings)
        cases.append([topo.name.index(f"{b}-DS1"), topo.name.index(f"{b}-DS2")])
    for _ in range(30):
        cases.append(rnd.sample(switches, rnd.randint(2, 10)))
    cases.append([topo.name.index("core-1"), topo.name.index("core-2")])  # everything
    cases.append([topo.name.index("core-1"), topo.name.index("dc-sw-2")])
    for cs in cases:
        t, (nd, nr) = timed(query, cs)
        multi.append(t)
        if t > worst_m[0]:
            worst_m = (
                t,
                f"{', '.join(topo.name[c] for c in cs[:3])}"
                f"{'...' if len(cs) > 3 else ''}: {nd:,} down, {nr:,} at risk",
            )

    print()
    print("| query | time | / igraph BFS | note |")
    print("|---|---:|---:|---|")
    print(row("igraph BFS (baseline)", bfs, bfs, "one plain BFS from the super-root"))
    print(row("precomputation", t_pre, bfs, "one-time, block-cut tree + merged-root blocks"))
    single.sort()
    print(
        row(
            "single CI failure, median",
            statistics.median(single),
            bfs,
            f"{len(single)} random switches/PCs/servers",
        )
    )
    print(row("single CI failure, p95", single[int(len(single) * 0.95)], bfs, ""))
    print(row("single CI failure, max", single[-1], bfs, worst[1]))
    for name, (t, nd, nr) in named.items():
        print(row(f"single: {name}", t, bfs, f"{nd:,} down, {nr:,} at risk"))
    link_t.sort()
    print(row("single link failure, median", statistics.median(link_t), bfs, "100 random links"))
    print(row("single link failure, max", link_t[-1], bfs, ""))
    multi.sort()
    print(
        row(
            "multi failure, median",
            statistics.median(multi),
            bfs,
            f"{len(multi)} changes of 2-10 elements",
        )
    )
    print(row("multi failure, max", multi[-1], bfs, worst_m[1]))
    print()
    print(f"peak RSS (whole process, incl. generator): {peak_mb():,.0f} MB")

    if args.skip_cli:
        return
    del engine, topo
    cli_bench(args.cli_n, args.seed)


def cli_bench(n: int, seed: int) -> None:
    from netcmdb.cmdb.db import ensure_schema, make_engine
    from netcmdb.topology.generate import campus, populate

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/cmdb.sqlite"
        engine = make_engine(url)
        ensure_schema(engine)
        topo = campus(n, seed)
        t_pop, _ = timed(populate, engine, topo)
        engine.dispose()
        print(f"\n# CLI end to end, {len(topo):,}-CI SQLite CMDB (populated in {t_pop:.1f} s)")
        env = {**os.environ, "NETCMDB_CACHE_DIR": f"{tmp}/cache"}

        def run(targets: list[str]) -> tuple[float, float, int]:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            p = subprocess.run(
                [sys.executable, "-m", "netcmdb", "--db", url, "impact", *targets, "--json"],
                capture_output=True,
                env=env,
            )
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if p.returncode:
                raise SystemExit(p.stderr.decode())
            return (
                wall,
                after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
                len(p.stdout),
            )

        print("| command | wall | cpu user+sys | output |")
        print("|---|---:|---:|---|")
        wall, cpu_s, size = run(["A-DS1"])
        print(
            f"| netcmdb impact A-DS1 --json (cold: no cache, builds and saves it) | "
            f"{wall:.2f} s | {cpu_s:.2f} s | {size:,} bytes |"
        )
        for targets in (["A-DS1"], ["A-DS1", "A-DS2"], ["core-1~core-2"], ["core-1"]):
            runs = [run(targets) for _ in range(5)]
            print(
                f"| netcmdb impact {' '.join(targets)} --json (warm, median of 5) | "
                f"{statistics.median(r[0] for r in runs):.2f} s | "
                f"{statistics.median(r[1] for r in runs):.2f} s | {runs[0][2]:,} bytes |"
            )
        print(
            f"\nload avg at the end: {os.getloadavg()[0]:.1f} (other jobs share these "
            f"{os.cpu_count()} CPUs; cpu time is the less noisy figure)"
        )


if __name__ == "__main__":
    main()
