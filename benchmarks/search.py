"""Benchmark: ``netcmdb search`` over 100,000 CIs and 500,000 journal notes (issue 16).

Builds a SQLite CMDB (raw bulk inserts: this measures searching, not ingesting) of N CIs and M
notes written from a hospital's fault/repair phrases, then times, per query,

- ``search(session, q)`` — the service the CLI and the web call (FTS5 trigram indexes; two-
  character words through the trigram vocabulary) — median of R rounds, after the indexes were
  caught up once (that catch-up, i.e. indexing everything a first time, is timed separately);
- the baseline in the same run: a raw ``sqlite3`` ``LIKE '%q%'`` over the same columns (notes'
  text; the CIs' name, label, asset code, serial, IP, MAC, description), same limits.

Target (issue 16): every query <= 100 ms. Run from the repository root:

    .venv/bin/python benchmarks/search.py [--cis 100000] [--notes 500000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

FAULTS = [
    "开机蓝屏",
    "硬盘坏道",
    "无法开机",
    "网络不通",
    "打印卡纸",
    "显示器黑屏",
    "键盘失灵",
    "系统很慢",
    "内存报错",
    "风扇异响",
    "电源故障",
    "病毒告警",
    "IP冲突",
    "端口down",
    "USB口失效",
    "声音异常",
]
ACTIONS = [
    "更换硬盘",
    "重装系统",
    "重新插拔内存条",
    "更换电源",
    "清理灰尘",
    "更换网线",
    "重启交换机端口",
    "升级驱动",
    "更换硒鼓",
    "杀毒处理",
    "调整IP",
    "更换主板电容",
]
QUERIES = [
    ("硬盘", "2-char CJK, common"),
    ("蓝屏", "2-char CJK"),
    ("电容", "2-char CJK, rare"),
    ("更换硬盘", "4-char CJK"),
    ("主板电容", "4-char CJK, rare"),
    ("pc-004217", "ASCII, a CI name"),
    ("sn000912", "ASCII, serial fragment"),
    ("10.1.17.", "IP fragment"),
    ("无此内容", "no hit"),
]


def build(path: Path, n_cis: int, n_notes: int) -> None:
    from netcmdb.cmdb.db import ensure_schema, make_engine

    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    engine.dispose()
    rnd = random.Random(16)
    con = sqlite3.connect(path)
    now = "2026-11-01 00:00:00.000000"
    con.executemany(
        "INSERT INTO ci (id, name, class, status, missed_runs, attr_sources, first_seen, "
        "last_seen, serial, ip, mac, label) VALUES (?, ?, 'pc', 'active', 0, '{}', ?, ?, ?, ?, "
        "?, ?)",
        (
            (
                i,
                f"pc-{i:06d}",
                now,
                now,
                f"SN{i:08d}",
                f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}",
                f"02:00:00:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}",
                f"D{i % 20:02d}{i % 10:02d}{i % 30:02d}-{i:06d}",
            )
            for i in range(1, n_cis + 1)
        ),
    )
    con.executemany(
        "INSERT INTO note (id, ci_id, ci_name, kind, text, author, at) VALUES (?, ?, ?, ?, ?, ?, "
        "?)",
        (
            (
                j,
                (c := rnd.randint(1, n_cis)),
                f"pc-{c:06d}",
                rnd.choice(("fault", "repair", "info", "change")),
                f"{rnd.choice(FAULTS)}，{rnd.choice(ACTIONS)}，工单{j}号 {rnd.randint(1, 99)}楼",
                rnd.choice(("张三", "李四", "王五")),
                f"2026-{rnd.randint(1, 11):02d}-{rnd.randint(1, 28):02d} 08:00:00.000000",
            )
            for j in range(1, n_notes + 1)
        ),
    )
    con.commit()
    con.close()


def raw_like(con: sqlite3.Connection, q: str, limit: int) -> int:
    p = f"%{q}%"
    cis = con.execute(
        "SELECT id FROM ci WHERE name LIKE ?1 OR label LIKE ?1 OR asset_code LIKE ?1 OR serial "
        "LIKE ?1 OR ip LIKE ?1 OR mac LIKE ?1 OR description LIKE ?1 ORDER BY id LIMIT ?2",
        (p, limit),
    ).fetchall()
    notes = con.execute(
        "SELECT id FROM note WHERE text LIKE ? ORDER BY id DESC LIMIT ?", (p, limit)
    ).fetchall()
    return len(cis) + len(notes)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cis", type=int, default=100_000)
    ap.add_argument("--notes", type=int, default=500_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--limit", type=int, default=50)
    args = ap.parse_args()
    from netcmdb.cmdb.db import make_engine, session_scope
    from netcmdb.cmdb.search import refresh, search

    with tempfile.TemporaryDirectory(prefix="netcmdb-search-") as tmp:
        path = Path(tmp) / "cmdb.sqlite"
        t = time.perf_counter()
        build(path, args.cis, args.notes)
        print(
            f"built {args.cis} CIs + {args.notes} notes in {time.perf_counter() - t:.1f} s",
            file=sys.stderr,
        )
        engine = make_engine(f"sqlite:///{path}")
        with session_scope(engine) as s:
            t = time.perf_counter()
            done = refresh(s)
            first = time.perf_counter() - t
        with session_scope(engine) as s:
            t = time.perf_counter()
            refresh(s)
            noop = time.perf_counter() - t
        print(
            f"first indexing: {first:.2f} s ({done['ci']} CIs, {done['note']} notes); "
            f"a catch-up with nothing new: {noop * 1000:.1f} ms"
        )
        raw = sqlite3.connect(path)
        print("\n| query | what | hits | search() median ms (max) | raw LIKE median ms | ratio |")
        print("|---|---|---|---|---|---|")
        worst = 0.0
        for q, what in QUERIES:
            times, base = [], []
            for _ in range(args.rounds):
                with session_scope(engine) as s:
                    t = time.perf_counter()
                    hits = search(s, q, limit=args.limit)
                    times.append(time.perf_counter() - t)
                t = time.perf_counter()
                n_raw = raw_like(raw, q, args.limit)
                base.append(time.perf_counter() - t)
            med, bmed = statistics.median(times) * 1000, statistics.median(base) * 1000
            worst = max(worst, med)
            rooms = sum(h.kind == "room" for h in hits)
            print(
                f"| `{q}` | {what} | {len(hits) - rooms} (raw {n_raw}) | {med:.1f} "
                f"({max(times) * 1000:.1f}) | {bmed:.1f} | {bmed / med:.0f}x |"
            )
        size = os.path.getsize(path) / 1e6
        print(
            f"\nworst median {worst:.1f} ms (target <= 100 ms): "
            f"{'met' if worst <= 100 else 'NOT met'}; database {size:.0f} MB "
            f"(load average {os.getloadavg()[0]:.1f})"
        )
        engine.dispose()
        raw.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
