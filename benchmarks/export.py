"""Benchmark: export a 100,000-CI CMDB to csv, json and xlsx (issue #8).

Builds a SQLite CMDB of N CIs (campus: 20 buildings x 10 floors x 20 rooms, core/distribution/
access switches, PCs and printers with seats and labels, one cable per CI), then times

- csv:  ``export_csv(session, "cis")`` + write      vs. raw ``sqlite3`` select + ``csv.writer``
- json: ``export_document(session)`` + ``document_json`` vs. compact ``json.dumps`` of the document
- xlsx: ``export_document`` + ``write_xlsx``         vs. openpyxl write-only of the same rows
        without safety, widths, sheets per building (the library's floor)

Targets (issue #8): csv and json <= 5 s, xlsx <= 30 s. Run:

    PYTHONPATH=<worktree> python benchmarks/export.py [--cis 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path


def build_cmdb(url: str, n: int) -> None:
    from sqlalchemy import insert

    from netcmdb.cmdb.db import ensure_schema, make_engine
    from netcmdb.cmdb.models import CI, Location, Relationship

    engine = make_engine(url)
    ensure_schema(engine)
    now = datetime.now(UTC)
    locs = [
        {
            "id": i + 1,
            "building": f"{b:02d}",
            "floor": f"{f:02d}",
            "room": f"{r:02d}",
            "name": f"{b}号楼{f}层{r}室",
        }
        for i, (b, f, r) in enumerate(
            (b, f, r) for b in range(1, 21) for f in range(1, 11) for r in range(1, 21)
        )
    ]
    cis, rels = [], []
    vendors = [
        ("Lenovo", "ThinkCentre M70", "Windows", "10.0.19045"),
        ("Dell", "OptiPlex 7090", "Windows", "11"),
        ("HP", "ProDesk 400", "UOS", "20"),
        ("Huawei", "S5735-L48T4X", "VRP", "V200R021"),
        ("H3C", "S5130", "Comware", "7.1"),
        ("Ruijie", "S2910", "RGOS", "11.4"),
        ("Cisco", "C9300", "IOS-XE", "17.9"),
    ]
    n_sw = max(2, n // 40)
    for i in range(n):
        cid = i + 1
        loc = locs[i % len(locs)]
        if i < 2:
            cls, role, v = "switch", "core", vendors[6]
        elif i < n_sw:
            cls, role, v = "switch", "access", vendors[3 + i % 3]
        else:
            cls, role, v = ("printer" if i % 50 == 0 else "pc"), None, vendors[i % 3]
        seat = i // len(locs) + 1
        cis.append(
            {
                "id": cid,
                "name": f"{cls}-{i:06d}",
                "class": cls,
                "role": role,
                "vendor": v[0],
                "model": v[1],
                "os": v[2],
                "os_version": v[3],
                "serial": f"SN{i:08d}",
                "ip": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
                "mac": f"02:00:{i >> 24 & 255:02x}:{i >> 16 & 255:02x}:"
                f"{i >> 8 & 255:02x}:{i & 255:02x}",
                "location_id": loc["id"],
                "seat": seat if seat < 1000 else None,
                "label": (
                    f"D{loc['building']}{loc['floor']}{loc['room']}-{seat:03d}"
                    if seat < 1000 and i % 10
                    else None
                ),
                "status": "active",
                "missed_runs": 0,
                "attr_sources": {},
                "first_seen": now,
                "last_seen": now,
            }
        )
        if i >= 2:
            up = 1 + (i % 2) if i < n_sw else 3 + (i % (n_sw - 2)) if n_sw > 2 else 1
            a, b = sorted((up, cid))
            rels.append(
                {
                    "kind": "connected_to",
                    "source_ci_id": a,
                    "source_port": f"GigabitEthernet0/0/{i % 48 + 1}" if a == up else "eth0",
                    "target_ci_id": b,
                    "target_port": "eth0" if a == up else f"GigabitEthernet0/0/{i % 48 + 1}",
                    "asserted_by": "lldp",
                    "first_seen": now,
                    "last_seen": now,
                }
            )
    with engine.begin() as conn:
        conn.execute(insert(Location), locs)
        conn.execute(insert(CI.__table__), cis)
        conn.execute(insert(Relationship.__table__), rels)
    engine.dispose()


def timed(fn):  # type: ignore[no-untyped-def]
    """(wall seconds, CPU seconds of this process, result). CPU time is reported too because
    on a shared machine wall time mostly measures the other tenants."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t, time.process_time() - c, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cis", type=int, default=100_000)
    ap.add_argument("--keep", type=Path, help="write outputs here instead of a temp dir")
    args = ap.parse_args()

    from openpyxl import Workbook

    from netcmdb.cmdb.db import make_engine, session_scope
    from netcmdb.exporters.netcmdb_json import document_json, export_csv, export_document
    from netcmdb.exporters.xlsx import write_xlsx

    tmpdir = tempfile.TemporaryDirectory()
    out = args.keep or Path(tmpdir.name)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "bench.sqlite"
    db.unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    t_build, _, _ = timed(lambda: build_cmdb(url, args.cis))
    engine = make_engine(url)
    results = []

    # csv
    def ours_csv() -> None:
        with session_scope(engine) as s:
            (out / "cis.csv").write_text(export_csv(s, "cis"), encoding="utf-8")

    def raw_csv() -> None:
        con = sqlite3.connect(db)
        cur = con.execute(
            "SELECT ci.*, location.building, location.floor, location.room "
            "FROM ci LEFT JOIN location ON ci.location_id = location.id"
        )
        with (out / "raw.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow([d[0] for d in cur.description])
            w.writerows(cur)
        con.close()

    results.append(("csv", timed(ours_csv), "sqlite3 + csv.writer", timed(raw_csv), 5.0))

    # json
    holder: dict = {}

    def ours_json() -> None:  # what `netcmdb export json -o FILE` does
        with session_scope(engine) as s:
            holder["doc"] = export_document(s)
        (out / "cmdb.json").write_text(document_json(holder["doc"]), encoding="utf-8")

    t_json = timed(ours_json)
    # Floor: CPython's C encoder on the already built document, no indentation at all.
    t_dumps = timed(
        lambda: (out / "raw.json").write_text(
            json.dumps(holder["doc"], ensure_ascii=False), encoding="utf-8"
        )
    )
    results.append(
        ("json", t_json, "json.dumps (C encoder, compact) of the document", t_dumps, 5.0)
    )

    # xlsx
    def ours_xlsx() -> None:
        with session_scope(engine) as s:
            doc = export_document(s)
        write_xlsx(doc, out / "register.xlsx")

    def raw_xlsx() -> None:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("all")
        for ci in holder["doc"]["cis"]:
            loc = ci.get("location") or {}
            ws.append(
                [
                    ci.get("label"),
                    ci["name"],
                    ci["class"],
                    ci.get("role"),
                    ci.get("vendor"),
                    ci.get("model"),
                    ci.get("serial"),
                    ci.get("os"),
                    ci.get("os_version"),
                    ci.get("ip"),
                    ci.get("mac"),
                    loc.get("building"),
                    loc.get("floor"),
                    loc.get("room"),
                    loc.get("seat"),
                ]
            )
        wb.save(str(out / "raw.xlsx"))

    results.append(
        ("xlsx", timed(ours_xlsx), "openpyxl write-only, same rows", timed(raw_xlsx), 30.0)
    )
    engine.dispose()

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()
    print(
        f"CMDB: {args.cis:,} CIs, {args.cis - 2:,} cables (built in {t_build:.1f} s); "
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    print(
        f"{'format':6} {'wall s':>7} {'cpu s':>7} {'target':>7} {'base wall':>10} "
        f"{'base cpu':>9} {'ratio cpu':>9}  baseline"
    )
    for fmt, ours, base_name, base, target in results:
        ok = "ok" if ours[1] <= target else "OVER"
        print(
            f"{fmt:6} {ours[0]:7.2f} {ours[1]:7.2f} {target:7.0f} {base[0]:10.2f} "
            f"{base[1]:9.2f} {ours[1] / base[1]:9.2f}  {base_name} [{ok} on cpu time]"
        )
    print(f"peak RSS {rss:.0f} MB; python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
