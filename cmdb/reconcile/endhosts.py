"""End hosts: FDB tables placed across every switch of the run
(:mod:`netcmdb.discovery.endhosts`, the one rule set) become port sightings and CIs cabled
(``connected_to``, ``asserted_by='fdb'``) to their switch port or to a crowded port's
placeholder; hosts that moved or went away; routers whose ARP tables resolve them become
``gateway``.

Must not import scanners or anything above ``cmdb``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from netcmdb.cmdb.models import CIStatus, PortSighting, Relationship, RelKind
from netcmdb.cmdb.reconcile.config import FDB_LINK
from netcmdb.cmdb.reconcile.identify import canon_mac, clean_hostname, fact_identifiers, source_text
from netcmdb.cmdb.reconcile.links import ports_match
from netcmdb.cmdb.reconcile.run import Run
from netcmdb.cmdb.reconcile.store import R_NAME, R_STATUS, ROW_COLS
from netcmdb.discovery.facts import DeviceClass, DeviceFact, FdbEntry, Source
from netcmdb.net.normalize import is_multicast, mac_or_none


def collect_fdb_all(run: Run, fact_keys: Sequence[tuple[int, DeviceFact]]) -> None:
    """Port sightings from every switch of the run at once (Netdisco's rules,
    :func:`netcmdb.discovery.endhosts.place_end_hosts`): uplinks are ports with an LLDP/CDP
    neighbour or another infrastructure device's MAC behind them, LAG members roll up, and a MAC
    left on several access ports goes to the edge-most one. Ports with more than
    ``max_macs_per_access_port`` MACs stay uplinks (an unscanned switch without LLDP behind them).
    """
    from netcmdb.discovery.endhosts import place_end_hosts as place_across  # the one rule set

    with_fdb = [(k, f) for k, f in fact_keys if f.fdb]
    if not with_fdb:
        return
    facts = [f for _, f in fact_keys]
    res = place_across(facts, max_macs_per_port=run.cfg.max_macs_per_access_port)
    for p in res.placements:
        m = mac_or_none(p.mac)
        if m is None or is_multicast(m):
            continue
        run.sightings.append((fact_keys[p.device_index][0], FdbEntry(m, p.port, p.vlan)))
    run.fdb_switches.update(k for k, _ in with_fdb)
    if run.cfg.end_host_cis:
        _end_host_cis(run, fact_keys, res)


def _switch_name(run: Run, key: int, fact: DeviceFact) -> str:
    name = run.cis.peek(key, R_NAME)
    return str(name or clean_hostname(fact.hostname) or fact.ip or f"ci{key}")


def _end_host_cis(run: Run, fact_keys: Sequence[tuple[int, DeviceFact]], res: Any) -> None:
    """Placed end hosts become CIs cabled to their port (or to a crowded port's placeholder)."""
    from netcmdb.discovery.endhosts import end_host_facts, placeholder_name

    cfg = run.cfg
    infra = {k for k, _ in fact_keys}
    ph_of: dict[tuple[int, str], int] = {}
    for di, port in sorted(res.crowded):
        sw_key, sw_fact = fact_keys[di]
        name = placeholder_name(_switch_name(run, sw_key, sw_fact), port)
        ph = DeviceFact(source=sw_fact.source, hostname=name, device_class=DeviceClass.SWITCH)
        key = run.index.identify(fact_identifiers(ph, cfg))
        if key is not None and run.cis.peek(key, ROW_COLS.index("role")) != "unmanaged":
            run.seen.add(key)  # a person replaced the placeholder: the real device stands in
        else:
            key = run.ingest_fact(ph, extra={"role": "unmanaged"})
        run.placeholders.add(key)
        ph_of[(di, port)] = key
        run.host_links.setdefault(key, set()).add((sw_key, port))
    for p, fact in zip(res.placements, end_host_facts(res), strict=True):
        if fact.device_class == DeviceClass.OTHER:
            fact.device_class = None  # unsure: say nothing (a better source may know)
        key = run.ingest_fact(fact)
        if key in infra:
            continue  # the MAC/IP names a device of the crawl itself: not an end host
        if p.crowded:
            run.host_links.setdefault(key, set()).add((ph_of[(p.device_index, p.port)], ""))
        else:
            run.host_links.setdefault(key, set()).add((fact_keys[p.device_index][0], p.port))
    _discover_gateways(run, fact_keys, res)


#: DeviceFact.extra["ip_forwarding"] values of a device that routes (IP-MIB ipForwarding)
_FORWARDING = frozenset({"1", "forwarding", "true"})


def routes(fact: DeviceFact) -> bool:
    """True when the device routes: IP-MIB ipForwarding says so, sysServices has the network
    layer (bit 3), or it is a router/firewall."""
    if str(fact.extra.get("ip_forwarding", "")).lower() in _FORWARDING:
        return True
    try:
        if int(fact.extra.get("sys_services", "0")) & 4:
            return True
    except ValueError:
        pass
    return fact.device_class in (DeviceClass.ROUTER, DeviceClass.FIREWALL)


def _discover_gateways(run: Run, fact_keys: Sequence[tuple[int, DeviceFact]], res: Any) -> None:
    """Devices that route and whose ARP tables resolve placed hosts get role ``gateway``."""
    placed = {p.mac for p in res.placements}
    if not placed:
        return
    for key, fact in fact_keys:
        if not fact.arp or not routes(fact):
            continue
        if not any(canon_mac(a.mac) in placed for a in fact.arp):
            continue
        ci = run.cis[key]
        before = ci["role"]
        run.set_attr(key, ci, "role", "gateway", source_text(fact), run.sources.own(ci))
        if ci["role"] == "gateway":
            run.gateways.append(key)
        if before != ci["role"] and key > 0:
            run.changed_keys.add(key)


def plan_host_links(run: Run) -> list[int]:
    """Decide which end-host links to add, keep, move and end; count absent hosts' misses.

    Returns the hosts that became missing in this run. Reads the existing ``connected_to``
    rows of the placed hosts and the ``fdb`` rows of the switches whose FDB the run read.
    """
    if not run.fdb_switches:
        return []
    conn = run.s.connection()
    t = Relationship.__table__
    cols = (
        t.c.id,
        t.c.source_ci_id,
        t.c.source_port,
        t.c.target_ci_id,
        t.c.target_port,
        t.c.asserted_by,
    )
    rows: dict[int, tuple[Any, ...]] = {}
    hosts_db = sorted(k for k in run.host_links if k > 0)
    for i in range(0, len(hosts_db), 500):
        chunk = hosts_db[i : i + 500]
        q = select(*cols).where(
            t.c.kind == RelKind.CONNECTED_TO.value,
            t.c.source_ci_id.in_(chunk) | t.c.target_ci_id.in_(chunk),
        )
        rows.update((r[0], tuple(r)) for r in conn.execute(q))
    covered = {k for k in run.fdb_switches | run.placeholders if k > 0}
    sw_db = sorted(covered)
    for i in range(0, len(sw_db), 500):
        chunk = sw_db[i : i + 500]
        q = select(*cols).where(
            t.c.kind == RelKind.CONNECTED_TO.value,
            t.c.asserted_by == FDB_LINK,
            t.c.source_ci_id.in_(chunk) | t.c.target_ci_id.in_(chunk),
        )
        rows.update((r[0], tuple(r)) for r in conn.execute(q))
    switches = {k for k in run.fdb_switches if k > 0}
    phs = {k for k in run.placeholders if k > 0}
    fdb_of: dict[int, list[tuple[int, int, str]]] = defaultdict(list)  # host -> links
    other_of: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    pinned: set[int] = set()
    manual = (Source.MANUAL.value, Source.IMPORT.value)
    for rid_, a, pa, b, pb, by in rows.values():
        for host, other, oport in ((a, b, pb), (b, a, pa)):
            if host in run.host_links:
                if by in manual:
                    pinned.add(host)
                if by == FDB_LINK:
                    fdb_of[host].append((rid_, other, oport or ""))
                else:
                    other_of[host].append((other, oport or "", by))
        if by == FDB_LINK and a not in run.host_links and b not in run.host_links:
            # a host the run did not place: the end that is not the switch/placeholder
            if a in switches or (a in phs and b not in switches):
                fdb_of[b].append((rid_, a, pa or ""))
            else:
                fdb_of[a].append((rid_, b, pb or ""))
    observed = {(min(x, y), max(x, y)) for x, _px, y, _py, _s in run.links}
    cis = run.cis

    def where(other: int, port: str) -> str:
        nm = cis.peek(other, R_NAME) if other in cis or other in cis.rows else str(other)
        return f"{nm}[{port}]" if port else str(nm)

    for host, want in run.host_links.items():
        if host in pinned:
            continue  # a person cabled it: discovery never moves that
        have = fdb_of.get(host, [])
        matched: set[int] = set()
        added: list[tuple[int, str]] = []
        for other, port in sorted(want):
            hit = next(
                (
                    r
                    for r in have
                    if r[1] == other and ports_match(r[2], port) and r[0] not in matched
                ),
                None,
            )
            if hit is not None:
                matched.add(hit[0])
                run.link_touch.append(hit[0])
                continue
            if (min(host, other), max(host, other)) in observed or any(
                o == other and ports_match(op, port) for o, op, _ in other_of[host]
            ):
                continue  # LLDP/CDP (or a file) already has this cable
            run.link_add.append((host, other, port))
            added.append((other, port))
        gone = [r for r in have if r[0] not in matched]
        if gone:
            run.link_del.extend(r[0] for r in gone)
        if host > 0 and gone and added:
            run.moved.append(host)
            run.changed_keys.add(host)
            run.changes.append(
                {
                    "ci_id": host,
                    "attribute": "connected_to",
                    "old": ", ".join(where(o, p) for _r, o, p in gone),
                    "new": ", ".join(where(o, p) for o, p in added),
                    "source": FDB_LINK,
                }
            )
    # hosts their switch no longer reports
    newly_missing: list[int] = []
    for host, links in fdb_of.items():
        if host in run.host_links or host in run.seen or host not in cis.rows:
            continue
        if not any(o in covered for _r, o, _p in links):
            continue
        run.host_absent.add(host)
        if cis.peek(host, R_STATUS) == CIStatus.RETIRED.value:
            continue
        ci = cis[host]
        if ci["status"] == CIStatus.MISSING.value:
            continue
        ci["missed_runs"] = (ci["missed_runs"] or 0) + 1
        run.dirty.add(host)
        if ci["missed_runs"] >= run.cfg.missing_after:
            ci["status"] = CIStatus.MISSING.value
            run.changes.append(
                {
                    "ci_id": host,
                    "attribute": "status",
                    "old": "active",
                    "new": "missing",
                    "source": "reconcile",
                }
            )
            run.link_del.extend(r for r, _o, _p in links)
            run.changes.append(
                {
                    "ci_id": host,
                    "attribute": "connected_to",
                    "old": ", ".join(where(o, p) for _r, o, p in links),
                    "new": None,
                    "source": FDB_LINK,
                }
            )
            newly_missing.append(host)
    return newly_missing


def write_host_links(run: Run, conn: Any, rid: Callable[[int], int]) -> None:
    t = Relationship.__table__
    if run.link_del:
        dels = sorted(set(run.link_del))
        for i in range(0, len(dels), 500):
            conn.execute(delete(t).where(t.c.id.in_(dels[i : i + 500])))
    if run.link_touch:
        touch = sorted(set(run.link_touch))
        for i in range(0, len(touch), 500):
            conn.execute(update(t).where(t.c.id.in_(touch[i : i + 500])).values(last_seen=run.now))
    if run.link_add:
        ins, done = [], set()
        for host, other, port in run.link_add:
            a, b = rid(host), rid(other)
            pa, pb = "", port
            if a > b:
                a, b, pa, pb = b, a, pb, pa
            if (a, pa, b, pb) in done:
                continue
            done.add((a, pa, b, pb))
            ins.append(
                {
                    "kind": RelKind.CONNECTED_TO.value,
                    "source_ci_id": a,
                    "source_port": pa,
                    "target_ci_id": b,
                    "target_port": pb,
                    "asserted_by": FDB_LINK,
                    "first_seen": run.now,
                    "last_seen": run.now,
                }
            )
        conn.execute(insert(t), ins)


def write_sightings(run: Run, conn: Any, rid: Callable[[int], int], mac_ip: dict[str, str]) -> None:
    if not run.sightings:
        return
    t = PortSighting.__table__
    switches = sorted({rid(k) for k, _ in run.sightings})
    existing: dict[tuple[str, int, str], int] = {}
    for i in range(0, len(switches), 500):
        q = select(t.c.id, t.c.mac, t.c.switch_ci_id, t.c.port).where(
            t.c.switch_ci_id.in_(switches[i : i + 500])
        )
        for sid, m, sw, port in conn.execute(q):
            existing[(m, sw, port)] = sid
    ins: dict[tuple[str, int, str], dict[str, Any]] = {}
    upd: dict[int, dict[str, Any]] = {}
    for key, e in run.sightings:
        sw = rid(key)
        host = run.index.get("mac", e.mac)
        host_id = rid(host) if host is not None else None
        ip_ = mac_ip.get(e.mac)
        if ip_ is None and host is not None:
            ip_ = run.cis[host]["ip"]
        k3 = (e.mac, sw, e.port or "")
        sid = existing.get(k3)
        if sid is None:
            ins[k3] = {
                "mac": e.mac,
                "switch_ci_id": sw,
                "port": e.port or "",
                "vlan": e.vlan,
                "host_ci_id": host_id,
                "ip": ip_,
                "first_seen": run.now,
                "last_seen": run.now,
            }
        else:
            upd[sid] = {
                "_id": sid,
                "_vlan": e.vlan,
                "_host": host_id,
                "_ip": ip_,
                "_ls": run.now,
            }
    if ins:
        conn.execute(insert(t), list(ins.values()))
    if upd:
        conn.execute(
            update(t)
            .where(t.c.id == bindparam("_id"))
            .values(
                vlan=bindparam("_vlan"),
                host_ci_id=bindparam("_host"),
                ip=bindparam("_ip"),
                last_seen=bindparam("_ls"),
            ),
            list(upd.values()),
        )
