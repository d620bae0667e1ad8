"""The end of a run: everything the run changed in memory written with bulk statements
(through :mod:`netcmdb.cmdb.reconcile.bulk`), run events as ranges of CI ids.

Must not import scanners or anything above ``cmdb``.
"""

from __future__ import annotations

import json
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import repeat
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from netcmdb.cmdb.models import (
    CI,
    Change,
    ClassReason,
    Identifier,
    Interface,
    Location,
    Relationship,
    RelKind,
    RunEvent,
)
from netcmdb.cmdb.reconcile.bulk import allocate_ids, bulk_insert, db_value, insert_tuples
from netcmdb.cmdb.reconcile.config import ATTRIBUTES
from netcmdb.cmdb.reconcile.endhosts import write_host_links, write_sightings
from netcmdb.cmdb.reconcile.identify import as_text, canon_mac, source_text
from netcmdb.cmdb.reconcile.links import write_links
from netcmdb.cmdb.reconcile.run import Run
from netcmdb.cmdb.reconcile.store import ACTIVE, CI_COLS, R_LOC, R_NAME, R_SRCS, R_STATUS, ROW_COLS


# -- writing -------------------------------------------------------------------------------
def write(run: Run, mac_ip: dict[str, str]) -> dict[int, int]:
    conn = run.s.connection()
    now = run.now
    # locations
    real: dict[int, int] = {}
    if run.new_locations:
        items = list(run.new_locations.items())
        res = conn.execute(
            insert(Location.__table__).returning(
                Location.__table__.c.id, sort_by_parameter_order=True
            ),
            [{"building": b, "floor": f, "room": r, "name": n} for (b, f, r), (_tmp, n) in items],
        )
        for (_bfr, (tmp, _n)), row in zip(items, res, strict=True):
            real[tmp] = row[0]
    for ci in run.cis.values():
        lid = ci["location_id"]
        if lid is not None and lid < 0:
            ci["location_id"] = real[lid]
    # a change to a location made in this run names its temporary id: record the real one
    loc_ids = {str(tmp): str(lid) for tmp, lid in real.items()}
    # new CIs: rows made by Run.fresh_row, or records (imports, CIs seen twice)
    if run.new_keys:
        t = CI.__table__
        ids = allocate_ids(conn, t, len(run.new_keys))
        real.update(zip(run.new_keys, ids, strict=True))
        now_db = db_value(conn, t.c.first_seen, now)
        cis, rows = run.cis, run.cis.rows
        texts: dict[Any, str] = {}  # most CIs share one text
        shared = run.sources.shared

        def src_text(srcs: dict[str, str]) -> str:
            sk = id(srcs) if id(srcs) in shared else tuple(srcs.items())
            out = texts.get(sk)
            if out is None:
                out = texts[sk] = json.dumps(srcs)
            return out

        def fixed(
            key: int,
            vals: tuple[Any, ...],
            i_name: int,
            i_loc: int,
            ip_mac_serial: tuple[int, int, int],
        ) -> tuple[Any, ...]:
            """A tmp location id made real; no name: the best identifier (rare)."""
            fix = list(vals)
            lid = fix[i_loc]
            if lid is not None and lid < 0:
                fix[i_loc] = real[lid]
            if fix[i_name] is None:
                fix[i_name] = (*(fix[i] for i in ip_mac_serial if fix[i]), f"unnamed-{-key}")[0]
            return tuple(fix)

        # rows (every CI a fact created and nothing touched again): a row's status,
        # missed_runs and timestamps are the same for all, role/owner/label/min_up unset
        row_cols = ROW_COLS[:R_STATUS]
        take_row = operator.itemgetter(*range(R_STATUS))
        ip_mac_serial = (
            ATTRIBUTES.index("ip"),
            ATTRIBUTES.index("mac"),
            ATTRIBUTES.index("serial"),
        )
        pos = (R_NAME, R_LOC, ip_mac_serial)

        def row_tuples() -> Iterator[tuple[Any, ...]]:
            for key in run.new_keys:
                if dict.__contains__(cis, key):
                    continue
                row = rows[key]
                vals = take_row(row)
                lid = vals[R_LOC]
                if vals[R_NAME] is None or (lid is not None and lid < 0):
                    vals = fixed(key, vals, *pos)
                    rows[key] = (*vals, *row[R_STATUS:])  # the name is reported later
                yield (real[key], *vals, src_text(row[R_SRCS]))

        insert_tuples(
            conn,
            t,
            ("id", *row_cols, "attr_sources"),
            row_tuples(),
            same={
                "status": ACTIVE,
                "missed_runs": 0,
                "first_seen": now_db,
                "last_seen": now_db,
            },
        )
        # records
        plain = CI_COLS[:-1]
        assert CI_COLS[-1] == "attr_sources"
        take = operator.itemgetter(*plain)
        rpos = (
            plain.index("name"),
            plain.index("location_id"),
            (plain.index("ip"), plain.index("mac"), plain.index("serial")),
        )

        def record_tuples() -> Iterator[tuple[Any, ...]]:
            for key in run.new_keys:
                ci = dict.get(cis, key)
                if ci is None:
                    continue
                vals = take(ci)
                if vals[rpos[0]] is None:
                    vals = fixed(key, vals, *rpos)
                    ci["name"] = vals[rpos[0]]
                yield (real[key], *vals, src_text(ci["attr_sources"]))

        insert_tuples(
            conn,
            t,
            ("id", *CI_COLS),
            record_tuples(),
            same={"first_seen": now_db, "last_seen": now_db},
        )
    rid = lambda k: real[k] if k < 0 else k  # noqa: E731
    # changed existing CIs
    dirty = [k for k in run.dirty if k > 0]
    if dirty:
        t = CI.__table__
        stmt = (
            update(t)
            .where(t.c.id == bindparam("_id"))
            .values({c: bindparam("_" + c) for c in CI_COLS})
        )
        conn.execute(stmt, [{"_id": k, **{"_" + c: run.cis[k][c] for c in CI_COLS}} for k in dirty])
    # identifiers
    it = Identifier.__table__
    was_in_db = run.index.was_in_db
    gone = [p for p in (*run.index.removed, *run.index.assigned) if was_in_db(p)]
    if gone:
        _delete_identifiers(run, conn, gone)
    # to insert: every pair moved/added by assign() plus every pair of a new CI (keys < 0;
    # ingest_fact adds those without assign()); loaded pairs all point at keys > 0
    by_kind = run.index.by_kind
    moved: dict[str, list[str]] = defaultdict(list)  # assigned to loaded CIs
    for (kind, v), key in run.index.assigned.items():
        if key > 0 and by_kind[kind].get(v, 0) > 0:
            moved[kind].append(v)
    rget = real.get  # only new CIs (negative keys) are in ``real``

    def identifier_rows() -> Iterator[tuple[str, str, int]]:
        # in primary-key order (kind, then value): the b-tree is appended to, not
        # scattered into (~20% less CPU for 400k identifiers); C-level iterators within
        for kind in sorted(by_kind):
            d = by_kind[kind]
            vals = [v for v, key in d.items() if key < 0]
            vals.extend(moved.get(kind, ()))
            if vals:
                vals.sort()
                keys = list(map(d.__getitem__, vals))
                yield from zip(repeat(kind), vals, map(rget, keys, keys))

    insert_tuples(conn, it, ("kind", "value", "ci_id"), identifier_rows())
    # interfaces, links, sightings
    _write_interfaces(run, conn, rid)
    write_links(run, conn, rid)
    write_sightings(run, conn, rid, mac_ip)
    write_host_links(run, conn, rid)
    _write_rels(run, conn, rid)
    # changes and events
    if run.changes:
        bulk_insert(
            conn,
            Change.__table__,
            [
                {
                    **c,
                    **(
                        {
                            "old": loc_ids.get(c["old"], c["old"]),
                            "new": loc_ids.get(c["new"], c["new"]),
                        }
                        if loc_ids and c["attribute"] == "location_id"
                        else {}
                    ),
                    "ci_id": rid(c["ci_id"]),
                    "run_id": run.run_id,
                    "at": now,
                }
                for c in run.changes
            ],
        )
    return real


def _delete_identifiers(run: Run, conn: Any, pairs: Iterable[tuple[str, str]]) -> None:
    it = Identifier.__table__
    by_kind: dict[str, list[str]] = defaultdict(list)
    for k, v in pairs:
        by_kind[k].append(v)
    for k, values in by_kind.items():
        for i in range(0, len(values), 500):
            conn.execute(delete(it).where(it.c.kind == k, it.c.value.in_(values[i : i + 500])))


def _write_interfaces(run: Run, conn: Any, rid: Callable[[int], int]) -> None:
    if not run.interfaces:
        return
    t = Interface.__table__
    ci_ids = [rid(k) for k in run.interfaces]
    existing: dict[tuple[int, str], dict[str, Any]] = {}
    for i in range(0, len(ci_ids), 500):
        for row in conn.execute(select(t).where(t.c.ci_id.in_(ci_ids[i : i + 500]))):
            existing[(row.ci_id, row.name)] = dict(row._mapping)
    ins, upd = [], []
    for key, itfs in run.interfaces.items():
        ci_id = rid(key)
        done: set[str] = set()
        for f in itfs:
            if not f.name or f.name in done:
                continue
            done.add(f.name)
            oper = None if f.oper_up is None else ("up" if f.oper_up else "down")
            vals = {
                "ifindex": f.ifindex,
                "descr": f.descr,
                "alias": f.alias,
                "mac": canon_mac(f.mac),
                "ips": list(f.ips),
                "speed_mbps": f.speed_mbps,
                "oper_status": oper,
                "kind": f.kind,
                "lag_parent": f.lag_parent,
            }
            old = existing.get((ci_id, f.name))
            if old is None:
                ins.append({"ci_id": ci_id, "name": f.name, **vals})
            elif any(old[k] != v for k, v in vals.items()):
                upd.append({"_id": old["id"], **{"_" + k: v for k, v in vals.items()}})
    if ins:
        conn.execute(insert(t), ins)
    if upd:
        cols = [k for k in upd[0] if k != "_id"]
        conn.execute(
            update(t).where(t.c.id == bindparam("_id")).values({c[1:]: bindparam(c) for c in cols}),
            upd,
        )


def _write_rels(run: Run, conn: Any, rid: Callable[[int], int]) -> None:
    if not run.rels:
        return
    t = Relationship.__table__
    wanted = {(k, rid(a), rid(b)): src for k, a, b, src in run.rels}
    have: dict[tuple[str, int, int], int] = {}
    ids = sorted({a for _k, a, _b in wanted})
    for i in range(0, len(ids), 500):
        q = select(t.c.id, t.c.kind, t.c.source_ci_id, t.c.target_ci_id).where(
            t.c.kind != RelKind.CONNECTED_TO.value, t.c.source_ci_id.in_(ids[i : i + 500])
        )
        for rid_, kind, a, b in conn.execute(q):
            have[(as_text(kind) or "", a, b)] = rid_
    ins = [
        {
            "kind": k,
            "source_ci_id": a,
            "target_ci_id": b,
            "source_port": "",
            "target_port": "",
            "asserted_by": src,
            "first_seen": run.now,
            "last_seen": run.now,
        }
        for (k, a, b), src in wanted.items()
        if (k, a, b) not in have
    ]
    upd = [{"_id": have[w], "_ls": run.now} for w in wanted if w in have]
    if ins:
        conn.execute(insert(t), ins)
    if upd:
        conn.execute(
            update(t).where(t.c.id == bindparam("_id")).values(last_seen=bindparam("_ls")), upd
        )


def write_class_reasons(run: Run, real: dict[int, int]) -> None:
    """Store why each CI whose class this run's facts set got that class (``ci show``).

    Only facts that carry a reason (SNMP identification) and whose source now owns the CI's
    ``class`` attribute (a manual class is never explained by discovery). Sweeps carry no reason:
    nothing is written, so big sweeps pay nothing.
    """
    rows: dict[int, dict[str, Any]] = {}
    for key, fact in run.facts_by_key.items():
        reason = fact.class_reason
        if not reason:
            continue
        src = source_text(fact)
        ci = run.cis[key]
        if (ci["attr_sources"] or {}).get("class") != src:
            continue
        ci_id = real.get(key, key)
        if ci_id > 0:
            rows[ci_id] = {
                "ci_id": ci_id,
                "reason": reason[:2000],
                "source": src,
                "run_id": run.run_id,
            }
    if not rows:
        return
    conn = run.s.connection()
    t = ClassReason.__table__
    ids = list(rows)
    for i in range(0, len(ids), 500):
        conn.execute(delete(t).where(t.c.ci_id.in_(ids[i : i + 500])))
    conn.execute(insert(t), list(rows.values()))


def event_ranges(event_of: Mapping[int, str], all_ids: Sequence[int]) -> list[tuple[int, int, str]]:
    """``(first_id, last_id, event)`` runs over ``all_ids`` (every CI id, ascending).

    A range runs over consecutive ids of existing CIs with the same event; a CI the run did not
    touch ends it. Ids no CI has are not in ``all_ids`` and so never break a range (they are
    never handed out again: see :func:`allocate_ids`).
    """
    out: list[tuple[int, int, str]] = []
    cur: list[Any] | None = None
    get = event_of.get
    for cid in all_ids:
        ev = get(cid)
        if ev is None:
            cur = None
        elif cur is not None and cur[2] == ev:
            cur[1] = cid
        else:
            cur = [cid, cid, ev]
            out.append(cur)  # type: ignore[arg-type]
    return [tuple(r) for r in out]  # type: ignore[misc]


def write_events(run: Run, real: Mapping[int, int], newly_missing: Sequence[int]) -> list[str]:
    """Each CI's event in this run (new, changed, seen, missing) as ranges of consecutive CI ids
    (:func:`event_ranges`), and ``last_seen`` stamped on the CIs seen. Returns the names of the
    changed CIs. ``real`` maps the keys of CIs this run created to their ids (:func:`write`).
    """
    conn, run_id, now = run.s.connection(), run.run_id, run.now
    # each CI's event in this run, by real id (new CIs have negative keys until written)
    event_of: dict[int, str] = {}
    changed_names: list[str] = []
    changed_keys, cis = run.changed_keys, run.cis
    for key in run.seen:
        if key < 0:
            event_of[real[key]] = "new"
        elif key in changed_keys:
            event_of[key] = "changed"
            changed_names.append(cis[key]["name"])
        else:
            event_of[key] = "seen"
    for key in changed_keys - run.seen - set(newly_missing):  # changed by ARP joins
        if key > 0:
            event_of[key] = "changed"
            changed_names.append(cis[key]["name"])
    for key in newly_missing:
        event_of[key] = "missing"
    ranges = event_ranges(
        event_of, sorted((*(k for k in cis.rows if k > 0), *(real[k] for k in run.new_keys)))
    )
    del event_of
    if ranges:
        insert_tuples(
            conn,
            RunEvent.__table__,
            ("run_id", "first_ci_id", "last_ci_id", "event"),
            ((run_id, a, b, ev) for a, b, ev in ranges),
        )
        stamp = [{"_a": a, "_b": b} for a, b, ev in ranges if ev in ("seen", "changed")]
        if stamp:
            ct = CI.__table__
            conn.execute(
                update(ct)
                .where(ct.c.id.between(bindparam("_a"), bindparam("_b")))
                .values(last_seen=now),
                stamp,
            )
    return changed_names
