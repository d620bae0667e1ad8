"""Cables: LLDP/CDP neighbours become ``connected_to`` relationships (one row per cable,
whichever side saw it), unscanned neighbours become CIs, ARP tables join MACs to IPs.

Must not import scanners or anything above ``cmdb``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from netcmdb.cmdb.models import Relationship, RelKind
from netcmdb.cmdb.reconcile.identify import (
    as_text,
    canon_ip,
    canon_mac,
    clean_hostname,
    fact_identifiers,
    is_identifying_mac,
)
from netcmdb.cmdb.reconcile.run import Run
from netcmdb.discovery.facts import DeviceClass, DeviceFact, NeighborFact, Source
from netcmdb.discovery.vendors import port_key

_CAP_CLASS = (
    ("wlan", DeviceClass.AP),
    ("phone", DeviceClass.PHONE),
    ("telephone", DeviceClass.PHONE),
    ("router", DeviceClass.ROUTER),
    ("bridge", DeviceClass.SWITCH),
)


# -- neighbours, FDB, ARP --------------------------------------------------------------------
def neighbor_fact(nb: NeighborFact, source: Source) -> DeviceFact | None:
    """What an LLDP/CDP neighbour row says about the far device, as a fact (None: too little)."""
    chassis = None
    if (nb.remote_chassis_id_kind in (None, "mac")) and nb.remote_chassis_id:
        chassis = canon_mac(nb.remote_chassis_id)
    name = nb.remote_name
    mgmt = canon_ip(nb.remote_mgmt_ip)
    if not (chassis or clean_hostname(name) or mgmt):
        return None
    cls = None
    caps = [c.casefold() for c in nb.remote_capabilities]
    for cap, dc in _CAP_CLASS:
        if cap in caps:
            cls = dc
            break
    return DeviceFact(source=source, ip=mgmt, hostname=name, chassis_mac=chassis, device_class=cls)


def resolve_neighbor(run: Run, nbf: DeviceFact) -> int | None:
    ids = fact_identifiers(nbf, run.cfg)
    return run.index.identify(ids)


def collect_neighbors(run: Run, key: int, fact: DeviceFact, source: str) -> None:
    for nb in fact.neighbors:
        nbf = neighbor_fact(nb, fact.source)
        if nbf is None or not nb.local_port:
            continue
        other = resolve_neighbor(run, nbf)
        if other is None:
            if not run.cfg.create_neighbor_cis:
                continue
            other = run.ingest_fact(nbf)
        elif other != key:
            # what the neighbour says about itself fills gaps (never beats a scan of it)
            fill_gaps(run, other, nbf, source)
        if other == key:
            continue
        rport = nb.remote_port or ""
        far = run.facts_by_key.get(other)  # [snmp] name the far port as the far end does
        far_itf = _resolve_far_port(nb, far) if far is not None else None
        if far_itf is not None:
            rport = far_itf.name
        elif nb.remote_port_kind in ("mac", "local") and nb.remote_port_descr:
            rport = nb.remote_port_descr
        run.links.append((key, nb.local_port, other, rport, source))


def fill_gaps(run: Run, key: int, nbf: DeviceFact, source: str) -> None:
    ci = run.cis[key]
    srcs = run.sources.own(ci)
    for attr, v in (
        ("ip", nbf.ip),
        ("mac", nbf.chassis_mac),
        ("class", as_text(nbf.device_class)),
    ):
        if v is not None and (
            ci[attr] is None or (attr == "class" and ci[attr] == "other" and "class" not in srcs)
        ):
            run.set_attr(key, ci, attr, v, source, srcs)
    if ci["name"] is None or srcs.get("name", "").startswith("ip:"):
        run.merge_name(key, ci, nbf, source, srcs)
    for kind, values in fact_identifiers(nbf, run.cfg).items():
        for v in values:
            if run.index.get(kind, v) is None:
                run.index.assign(kind, v, key)
    run.seen.add(key)


def _resolve_far_port(nb: NeighborFact, far: DeviceFact) -> Any:
    """The far device's own interface for a neighbour row (MAC port IDs, ifDescr, alias...)."""
    from netcmdb.discovery.links import resolve_port

    return resolve_port(nb, far)


def arp_joins(run: Run) -> dict[str, str]:
    """Fill missing MAC/IP of CIs from ARP tables; return mac -> ip for port sightings."""
    mac_ip: dict[str, str] = {}
    for e in run.arp:
        m, ip_ = canon_mac(e.mac), canon_ip(e.ip)
        if not m or not ip_ or not is_identifying_mac(m):
            continue
        mac_ip[m] = ip_
        by_ip = run.index.get("ip", ip_)
        by_mac = run.index.get("mac", m)
        if by_ip is not None and by_mac is None and run.cis[by_ip]["mac"] is None:
            ci = run.cis[by_ip]
            run.set_attr(by_ip, ci, "mac", m, Source.ARP.value, run.sources.own(ci))
            run.index.assign("mac", m, by_ip)
        elif by_mac is not None and by_ip is None and run.cis[by_mac]["ip"] is None:
            ci = run.cis[by_mac]
            run.set_attr(by_mac, ci, "ip", ip_, Source.ARP.value, run.sources.own(ci))
            run.index.assign("ip", ip_, by_mac)
    return mac_ip


def ports_match(a: str, b: str) -> bool:
    return not a or not b or port_key(a) == port_key(b)


def merge_link(obs: list[list[Any]], new: list[Any]) -> None:
    """Fold one observation ``[a_port, b_port, source, a_auth, b_auth]`` into ``obs``."""
    pa, pb, _src, a_auth, b_auth = new
    for o in obs:
        if (
            ports_match(o[0], pa)
            and ports_match(o[1], pb)
            and ((pa and o[0]) or (pb and o[1]) or not (pa or pb or o[0] or o[1]))
        ):
            if pa and (a_auth or not o[0]):
                o[0], o[3] = pa, o[3] or a_auth
            if pb and (b_auth or not o[1]):
                o[1], o[4] = pb, o[4] or b_auth
            return
    obs.append(list(new))


def write_links(run: Run, conn: Any, rid: Callable[[int], int]) -> None:
    if not run.links:
        return
    # merge observations: one cable = same pair with a matching port on either end; the
    # reporting device's own (local) port name is authoritative for its end
    merged: dict[tuple[int, int], list[list[Any]]] = defaultdict(list)
    for a, pa, b, pb, src in run.links:
        a, b = rid(a), rid(b)
        # the reporter's local port is authoritative; a file/hand-made link is for both ends
        a_auth, b_auth = True, src in (Source.IMPORT.value, Source.MANUAL.value)
        if a > b:
            a, pa, b, pb, a_auth, b_auth = b, pb, a, pa, b_auth, a_auth
        merge_link(merged[(a, b)], [pa, pb, src, a_auth, b_auth])
    t = Relationship.__table__
    pairs = list(merged)
    existing: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    srcs = {p[0] for p in pairs}
    src_list = sorted(srcs)
    for i in range(0, len(src_list), 500):
        q = select(t).where(
            t.c.kind == RelKind.CONNECTED_TO.value, t.c.source_ci_id.in_(src_list[i : i + 500])
        )
        for row in conn.execute(q):
            existing[(row.source_ci_id, row.target_ci_id)].append(dict(row._mapping))
    ins, upd = [], []
    for (a, b), obs in merged.items():
        rows = existing[(a, b)]
        for pa, pb, src, a_auth, b_auth in obs:
            hit = None
            for row in rows:
                if ports_match(row["source_port"], pa) and ports_match(row["target_port"], pb):
                    hit = row
                    break
            if hit is None:
                row = {
                    "kind": RelKind.CONNECTED_TO.value,
                    "source_ci_id": a,
                    "source_port": pa,
                    "target_ci_id": b,
                    "target_port": pb,
                    "asserted_by": src,
                    "first_seen": run.now,
                    "last_seen": run.now,
                }
                rows.append(row)
                ins.append(row)
            else:
                old_pa, old_pb = hit["source_port"], hit["target_port"]
                new_pa = pa if (a_auth and pa) or not old_pa else old_pa
                new_pb = pb if (b_auth and pb) or not old_pb else old_pb
                if "id" in hit:
                    upd.append({"_id": hit["id"], "_sp": new_pa, "_tp": new_pb, "_ls": run.now})
                hit["source_port"], hit["target_port"] = new_pa, new_pb
    if ins:
        conn.execute(insert(t), ins)
    if upd:
        conn.execute(
            update(t)
            .where(t.c.id == bindparam("_id"))
            .values(
                source_port=bindparam("_sp"),
                target_port=bindparam("_tp"),
                last_seen=bindparam("_ls"),
            ),
            upd,
        )
