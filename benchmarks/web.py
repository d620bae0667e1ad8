"""Benchmark: ``netcmdb serve`` on a 100,000-CI CMDB (issue 15).

Builds a SQLite CMDB with the synthetic campus generator (``topology.generate``: cores,
distribution pairs, access switches, PCs; Chinese room names and MACs added), starts
``netcmdb serve --workers 2`` as a user would, and measures, per request kind, the server's own
time (the ``Server-Timing`` header every response carries) and the client's wall time:

- search box (``GET /api/v1/search?q=``)    baseline: the same FTS5 trigram MATCH in raw SQL
- CI page (``GET /ci/{name}``)              baseline: the page's selects in raw SQL
- list page (``GET /cis?building=&page=``)  baseline: the page's select + count in raw SQL
- impact (``POST /api/v1/impact``)          baseline: the same report computed in-process
  (no SQL: impact works on the in-memory topology), after the first request built it

then 200 concurrent clients (threads, each a few mixed requests) against the 2 workers, counting
anything but a 200 as an error.

Targets (issue 15): search p95 <= 50 ms and CI page p95 <= 50 ms server time, list page
<= 100 ms, impact POST p95 <= 300 ms after the first; 200 concurrent clients, no error. Run from
the repository root:

    .venv/bin/python benchmarks/web.py [--cis 100000] [--requests 200] [--clients 200]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any


def build(path: Path, n: int) -> dict[str, Any]:
    from netcmdb.cmdb.db import ensure_schema, make_engine
    from netcmdb.topology.generate import campus, populate

    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    topo = campus(n, 15)
    populate(engine, topo)
    engine.dispose()
    con = sqlite3.connect(path)
    con.execute(
        "UPDATE location SET name = building || '号楼' || floor || '层' || "
        "CASE WHEN room % 3 = 0 THEN '网络机房' WHEN room % 3 = 1 THEN '计算机房' "
        "ELSE '办公室' END || room"
    )
    con.execute(
        "UPDATE ci SET mac = printf('02:00:00:%02x:%02x:%02x', (id >> 16) & 255, "
        "(id >> 8) & 255, id & 255), serial = printf('SN%08d', id)"
    )
    con.commit()
    names = [r[0] for r in con.execute("SELECT name FROM ci ORDER BY id")]
    access = [r[0] for r in con.execute("SELECT name FROM ci WHERE role = 'access'")]
    dist = [r[0] for r in con.execute("SELECT name FROM ci WHERE role = 'distribution'")]
    buildings = [r[0] for r in con.execute("SELECT DISTINCT building FROM location")]
    con.close()
    return {"n": len(names), "names": names, "access": access, "dist": dist, "buildings": buildings}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(base: str, path: str, body: Any = None) -> tuple[int, float, float]:
    """(status, server ms from Server-Timing, client wall ms)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        base + path,
        data=data,
        method="POST" if data else "GET",
        headers={"Content-Type": "application/json"} if data else {},
    )
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            r.read()
            status, timing = r.status, r.headers.get("Server-Timing", "")
    except urllib.error.HTTPError as exc:
        exc.read()
        status, timing = exc.code, exc.headers.get("Server-Timing", "")
    wall = (time.perf_counter() - t0) * 1e3
    server = float(timing.split("dur=")[1]) if "dur=" in timing else float("nan")
    return status, server, wall


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def timed_ms(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1e3


SEARCHES = [
    "网络机房",
    "机房",
    "计算机",
    "办公",
    "10.0.1",
    "02:00:00:00:1",
    "SN0000123",
    "pc-",
    "A-DS1",
    "号楼",
]


def raw_search(con: sqlite3.Connection, q: str) -> None:
    """The search box's text query in raw SQL: the FTS5 trigram MATCH (or, for two characters,
    the same LIKE the index answers) plus the room names, 20 rows each."""
    if len(q) >= 3:
        phrase = '"' + q.replace('"', '""') + '"'
        con.execute(
            "SELECT c.id, c.name, c.label, c.ip, c.mac FROM search_ci s JOIN ci c ON "
            "c.id = s.rowid WHERE search_ci MATCH ? LIMIT 20",
            (phrase,),
        ).fetchall()
    else:
        con.execute(
            "SELECT c.id, c.name FROM search_ci s JOIN ci c ON c.id = s.rowid "
            "WHERE s.body LIKE ? LIMIT 20",
            (f"%{q}%",),
        ).fetchall()
    con.execute(
        "SELECT id, building, floor, room, name FROM location WHERE name LIKE ? LIMIT 20",
        (f"%{q}%",),
    ).fetchall()


def raw_ci_page(con: sqlite3.Connection, name: str) -> None:
    cid, loc = con.execute("SELECT id, location_id FROM ci WHERE name = ?", (name,)).fetchone()
    con.execute("SELECT * FROM ci WHERE id = ?", (cid,)).fetchall()
    con.execute("SELECT * FROM location WHERE id = ?", (loc,)).fetchall()
    con.execute("SELECT * FROM identifier WHERE ci_id = ?", (cid,)).fetchall()
    con.execute("SELECT * FROM interface WHERE ci_id = ? ORDER BY ifindex, name", (cid,)).fetchall()
    rels = con.execute(
        "SELECT * FROM relationship WHERE source_ci_id = ? OR target_ci_id = ?", (cid, cid)
    ).fetchall()
    con.execute(
        f"SELECT id, name FROM ci WHERE id IN ({','.join('?' * len(rels)) or 'NULL'})",
        [r[2] for r in rels],
    ).fetchall()
    con.execute("SELECT * FROM change WHERE ci_id = ? ORDER BY id", (cid,)).fetchall()
    con.execute(
        "SELECT * FROM port_sighting WHERE switch_ci_id = ? OR host_ci_id = ?", (cid, cid)
    ).fetchall()


def raw_list(con: sqlite3.Connection, building: str, page: int) -> None:
    q = "FROM ci LEFT JOIN location l ON l.id = ci.location_id WHERE l.building = ?"
    con.execute(f"SELECT count(*) {q}", (building,)).fetchone()
    con.execute(
        f"SELECT ci.*, l.building, l.floor, l.room, l.name {q} ORDER BY ci.id LIMIT 50 OFFSET ?",
        (building, (page - 1) * 50),
    ).fetchall()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cis", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=200, help="per request kind")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    rnd = random.Random(15)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cmdb.sqlite"
        t0 = time.perf_counter()
        info = build(path, args.cis)
        print(
            f"# netcmdb serve on a {info['n']:,}-CI SQLite CMDB (built in "
            f"{time.perf_counter() - t0:.1f} s), {args.workers} workers, "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
        )
        port = free_port()
        env = {
            **os.environ,
            "NETCMDB_CACHE_DIR": f"{tmp}/cache",
            "NETCMDB_WEB_SECRET": "bench-" + "x" * 40,
            "HOME": tmp,
        }
        srv = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "netcmdb",
                "--db",
                f"sqlite:///{path}",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if request(base, "/api/v1/runs")[0] == 200:
                        break
                except (urllib.error.URLError, ConnectionError):
                    pass
                if srv.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"serve did not start: {srv.stderr.read().decode()}")
                time.sleep(0.2)
            # first requests: each worker catches the search index up, builds the impact engine
            first_search = request(base, "/api/v1/search?q=" + urllib.parse.quote("机房"))
            firsts = [
                request(base, "/api/v1/impact", {"targets": [info["dist"][0]]})
                for _ in range(args.workers * 2)
            ]
            print(
                f"\nfirst search (indexes everything once): {first_search[1]:,.0f} ms server; "
                f"first impact per worker (builds the engine): "
                f"{max(f[1] for f in firsts):,.0f} ms server (max)"
            )
            kinds: dict[str, list[tuple[int, float, float]]] = {}
            kinds["search"] = [
                request(
                    base, "/api/v1/search?limit=20&q=" + urllib.parse.quote(rnd.choice(SEARCHES))
                )
                for _ in range(args.requests)
            ]
            kinds["CI page"] = [
                request(base, "/ci/" + urllib.parse.quote(rnd.choice(info["names"]), safe=""))
                for _ in range(args.requests)
            ]
            kinds["list page"] = [
                request(
                    base, f"/cis?building={rnd.choice(info['buildings'])}&page={rnd.randint(1, 20)}"
                )
                for _ in range(args.requests)
            ]
            kinds["impact POST"] = [
                request(
                    base, "/api/v1/impact", {"targets": [rnd.choice(info["access"] + info["dist"])]}
                )
                for _ in range(args.requests)
            ]
            # baselines, same run, same machine
            con = sqlite3.connect(path)
            rb = random.Random(15)
            base_ms = {
                "search": [
                    timed_ms(lambda: raw_search(con, rb.choice(SEARCHES)))
                    for _ in range(args.requests)
                ],
                "CI page": [
                    timed_ms(lambda: raw_ci_page(con, rb.choice(info["names"])))
                    for _ in range(args.requests)
                ],
                "list page": [
                    timed_ms(lambda: raw_list(con, rb.choice(info["buildings"]), rb.randint(1, 20)))
                    for _ in range(args.requests)
                ],
            }
            con.close()
            from netcmdb.cmdb.db import make_engine, session_scope
            from netcmdb.services.context import Cmdb
            from netcmdb.services.impact import impact
            from netcmdb.topology.graph import load_topology
            from netcmdb.topology.impact import ImpactEngine

            eng = make_engine(f"sqlite:///{path}")
            with session_scope(eng) as s:
                ie = ImpactEngine(load_topology(s, ()))
            eng.dispose()
            cmdb = Cmdb(f"sqlite:///{path}", config={})
            base_ms["impact POST"] = [
                timed_ms(
                    lambda: impact(cmdb, [rb.choice(info["access"] + info["dist"])], engine=ie)
                )
                for _ in range(args.requests)
            ]
            targets = {"search": 50, "CI page": 50, "list page": 100, "impact POST": 300}
            print(
                "\n| request | n | errors | server p50 | server p95 | client p95 | "
                "baseline p50 | baseline p95 | target (p95) | met |"
            )
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
            for k, rows in kinds.items():
                errs = sum(1 for r in rows if r[0] != 200)
                srv_ms = [r[1] for r in rows]
                p95 = pct(srv_ms, 95)
                print(
                    f"| {k} | {len(rows)} | {errs} | {pct(srv_ms, 50):.1f} ms | {p95:.1f} ms | "
                    f"{pct([r[2] for r in rows], 95):.1f} ms | {pct(base_ms[k], 50):.2f} ms | "
                    f"{pct(base_ms[k], 95):.2f} ms | {targets[k]} ms | "
                    f"{'yes' if p95 <= targets[k] and not errs else 'NO'} |"
                )
            # 200 concurrent clients
            paths = (
                ["/", "/cis", "/api/v1/cis?limit=50", "/spof", "/runs"]
                + ["/api/v1/search?q=" + urllib.parse.quote(q) for q in SEARCHES[:4]]
                + ["/ci/" + urllib.parse.quote(n, safe="") for n in info["names"][:50]]
            )
            results: list[tuple[int, float, float] | Exception] = []
            lock = threading.Lock()
            start = threading.Barrier(args.clients)

            def client(k: int) -> None:
                r = random.Random(k)
                start.wait()
                for _ in range(3):
                    try:
                        out: tuple[int, float, float] | Exception = request(base, r.choice(paths))
                    except Exception as exc:  # noqa: BLE001 - counted as an error
                        out = exc
                    with lock:
                        results.append(out)

            t0 = time.perf_counter()
            ths = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
            for t in ths:
                t.start()
            for t in ths:
                t.join()
            wall = time.perf_counter() - t0
            errors = [r for r in results if not isinstance(r, tuple) or r[0] != 200]
            ok = [r for r in results if isinstance(r, tuple) and r[0] == 200]
            print(
                f"\n{args.clients} concurrent clients x 3 mixed requests on {args.workers} "
                f"workers: {len(results)} requests in {wall:.1f} s, {len(errors)} errors, "
                f"client p95 {pct([r[2] for r in ok], 95):.0f} ms"
                + (f" (first error: {errors[0]!r})" if errors else "")
            )
        finally:
            srv.terminate()
            srv.wait(timeout=60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
