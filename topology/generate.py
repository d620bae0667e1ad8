"""Synthetic campus graphs for benchmarks, tests and demos (deterministic for a seed).

Shape (what a real campus looks like): two core switches (role ``core``) joined by a double
link; a data-centre switch pair and servers (some dual-homed), services that depend on servers
or on clusters with ``min_up``; per building a distribution pair linked to both cores and to each
other; access switches on one distribution switch (about 5 % dual-homed to both, a few
daisy-chained behind another access switch), each with 20-44 PCs and sometimes a printer.

:func:`populate` writes a :class:`~netcmdb.topology.graph.Topology` into a CMDB with Core bulk
inserts (fast enough for 100,000 CIs).

Must not import: ``cli``, ``discovery``. Never prints.
"""

from __future__ import annotations

import random
from array import array
from typing import TYPE_CHECKING

from netcmdb.topology.graph import Topology

if TYPE_CHECKING:
    from sqlalchemy import Engine


def _bcode(b: int) -> str:
    s = ""
    b += 1
    while b:
        b, r = divmod(b - 1, 26)
        s = chr(65 + r) + s
    return s


class _Builder:
    def __init__(self) -> None:
        self.t = Topology(
            ci_id=array("q"),
            name=[],
            label=[],
            ci_class=[],
            role=[],
            ip=[],
            owner=[],
            contact=[],
            loc=array("i"),
            locations=[],
        )
        self.loc_index: dict[tuple[str, str, str], int] = {}
        self.ipn = 0

    def loc(self, b: str, f: str, r: str) -> int:
        key = (b, f, r)
        li = self.loc_index.get(key)
        if li is None:
            li = self.loc_index[key] = len(self.t.locations)
            self.t.locations.append(key)
        return li

    def ci(
        self,
        name: str,
        cls: str,
        role: str | None = None,
        loc: int = -1,
        label: str | None = None,
        owner: str | None = None,
        contact: str | None = None,
    ) -> int:
        t = self.t
        i = len(t.name)
        t.ci_id.append(i + 1)
        t.name.append(name)
        t.label.append(label)
        t.ci_class.append(cls)
        t.role.append(role)
        self.ipn += 1
        n = self.ipn
        t.ip.append(f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}")
        t.owner.append(owner)
        t.contact.append(contact)
        t.loc.append(loc)
        return i

    def link(self, a: int, b: int, pa: str = "", pb: str = "") -> None:
        if a > b:
            a, b, pa, pb = b, a, pb, pa
        t = self.t
        t.link_a.append(a)
        t.link_b.append(b)
        t.port_a.append(pa)
        t.port_b.append(pb)


def campus(
    n: int,
    seed: int = 0,
    dual_access: float = 0.05,
    chained_access: float = 0.03,
    pcs: tuple[int, int] = (20, 44),
    access_per_building: int = 60,
) -> Topology:
    """A campus of about ``n`` CIs (at least a core pair, a DC and one building).

    Args:
        n: target number of CIs.
        seed: random seed (same seed, same graph).
        dual_access: share of access switches dual-homed to both distribution switches.
        chained_access: share of access switches daisy-chained behind another access switch.
        pcs: PCs per access switch (inclusive range).
        access_per_building: access switches per building.
    """
    rnd = random.Random(seed)
    bd = _Builder()
    t = bd.t
    dc = bd.loc("DC", "01", "01")
    c1 = bd.ci("core-1", "switch", "core", dc, owner="Network team", contact="noc@campus.example")
    c2 = bd.ci("core-2", "switch", "core", dc, owner="Network team", contact="noc@campus.example")
    bd.link(c1, c2, "XGE1/0/47", "XGE1/0/47")
    bd.link(c1, c2, "XGE1/0/48", "XGE1/0/48")
    d1 = bd.ci("dc-sw-1", "switch", "distribution", dc, owner="Network team")
    d2 = bd.ci("dc-sw-2", "switch", "distribution", dc, owner="Network team")
    for d in (d1, d2):
        bd.link(c1, d, f"XGE1/0/{d}", "XGE1/0/1")
        bd.link(c2, d, f"XGE1/0/{d}", "XGE1/0/2")
    bd.link(d1, d2, "XGE1/0/48", "XGE1/0/48")
    n_servers = max(4, n // 2000)
    servers = []
    for k in range(n_servers):
        s = bd.ci(
            f"srv-{k:04d}",
            "server",
            None,
            dc,
            label=f"DC0101-{k + 1:03d}",
            owner="Server team",
            contact="sysadmin@campus.example",
        )
        servers.append(s)
        if rnd.random() < 0.5:
            bd.link(d1, s, f"GE1/0/{k}", "eth0")
            bd.link(d2, s, f"GE1/0/{k}", "eth1")
        else:
            bd.link(d1 if k % 2 else d2, s, f"GE1/0/{k}", "eth0")
    n_services = max(2, n_servers // 2)
    services: list[int] = []
    for k in range(n_services):
        svc = bd.ci(
            f"service-{k:03d}",
            "service",
            None,
            -1,
            owner=f"App owner {k % 7}",
            contact=f"app{k % 7}@campus.example",
        )
        if k % 3 == 0 and n_servers >= 3:
            cl = bd.ci(f"cluster-{k:03d}", "cluster", None, -1, owner="Server team")
            size = rnd.randint(2, 3)
            for s in rnd.sample(servers, size):
                t.mem_src.append(s)
                t.mem_grp.append(cl)
            t.min_up[cl] = rnd.randint(1, size - 1)
            t.dep_src.append(svc)
            t.dep_dst.append(cl)
        else:
            t.dep_src.append(svc)
            t.dep_dst.append(rnd.choice(servers))
        if services and rnd.random() < 0.3:  # service chains: web -> app -> db
            t.dep_src.append(svc)
            t.dep_dst.append(rnd.choice(services))
        services.append(svc)
    b = 0
    while len(t.name) < n or b == 0:
        code = _bcode(b)
        owner, contact = f"Dept {code}", f"it-{code.lower()}@campus.example"
        bl = bd.loc(code, "01", "01")
        ds1 = bd.ci(f"{code}-DS1", "switch", "distribution", bl, owner="Network team")
        ds2 = bd.ci(f"{code}-DS2", "switch", "distribution", bl, owner="Network team")
        bd.link(c1, ds1, f"XGE2/{b}/1", "XGE1/0/49")
        bd.link(c2, ds1, f"XGE2/{b}/1", "XGE1/0/50")
        bd.link(c1, ds2, f"XGE2/{b}/2", "XGE1/0/49")
        bd.link(c2, ds2, f"XGE2/{b}/2", "XGE1/0/50")
        bd.link(ds1, ds2, "XGE1/0/51", "XGE1/0/51")
        access: list[int] = []
        for a in range(access_per_building):
            if len(t.name) >= n and a:
                break
            floor = f"{a // 10 + 1:02d}"
            room = f"{a % 10 + 1:02d}"
            li = bd.loc(code, floor, room)
            sw = bd.ci(
                f"{code}-F{floor}-AS{a + 1:02d}",
                "switch",
                "access",
                li,
                owner=owner,
                contact=contact,
            )
            r = rnd.random()
            if access and r < chained_access:
                bd.link(rnd.choice(access), sw, "GE0/0/48", "GE0/0/47")
            elif r < chained_access + dual_access:
                bd.link(ds1, sw, f"GE1/0/{a + 1}", "GE0/0/49")
                bd.link(ds2, sw, f"GE1/0/{a + 1}", "GE0/0/50")
            else:
                bd.link(ds1 if a % 2 else ds2, sw, f"GE1/0/{a + 1}", "GE0/0/49")
            access.append(sw)
            for j in range(rnd.randint(*pcs)):
                pc = bd.ci(
                    f"{code}{floor}{room}-PC{j + 1:02d}",
                    "pc",
                    None,
                    li,
                    label=f"{code}{floor}{room}-{j + 1:03d}",
                    owner=owner,
                    contact=contact,
                )
                bd.link(sw, pc, f"GE0/0/{j + 1}", "eth0")
            if rnd.random() < 0.3:
                pr = bd.ci(f"{code}{floor}{room}-PRN", "printer", None, li, owner=owner)
                bd.link(sw, pr, "GE0/0/46", "eth0")
        b += 1
    t.roots = [c1, c2]
    return t


def populate(engine: Engine, topo: Topology) -> None:
    """Write a generated topology into an (empty, schema-created) CMDB with bulk inserts.

    CI ids are taken from ``topo.ci_id``; locations get ids ``1..``.
    """
    from sqlalchemy import insert

    from netcmdb.cmdb.models import CI, Location, Relationship, utcnow

    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            insert(Location.__table__),
            [
                {"id": k + 1, "building": b, "floor": f, "room": r}
                for k, (b, f, r) in enumerate(topo.locations)
            ],
        )
        rows = []
        for i in range(len(topo)):
            li = topo.loc[i]
            rows.append(
                {
                    "id": topo.ci_id[i],
                    "name": topo.name[i],
                    "class": topo.ci_class[i],
                    "role": topo.role[i],
                    "ip": topo.ip[i],
                    "label": topo.label[i],
                    "owner": topo.owner[i],
                    "contact": topo.contact[i],
                    "location_id": li + 1 if li >= 0 else None,
                    "min_up": topo.min_up.get(i),
                    "status": "active",
                    "missed_runs": 0,
                    "attr_sources": {},
                    "first_seen": now,
                    "last_seen": now,
                }
            )
        for k in range(0, len(rows), 20000):
            conn.execute(insert(CI.__table__), rows[k : k + 20000])
        rel = []
        cid = topo.ci_id
        for k in range(len(topo.link_a)):
            a, b = topo.link_a[k], topo.link_b[k]
            pa, pb = topo.port_a[k], topo.port_b[k]
            if cid[a] > cid[b]:
                a, b, pa, pb = b, a, pb, pa
            rel.append(
                {
                    "kind": "connected_to",
                    "source_ci_id": cid[a],
                    "source_port": pa,
                    "target_ci_id": cid[b],
                    "target_port": pb,
                }
            )
        for s, d in zip(topo.dep_src, topo.dep_dst):
            rel.append(
                {
                    "kind": "depends_on",
                    "source_ci_id": cid[s],
                    "source_port": "",
                    "target_ci_id": cid[d],
                    "target_port": "",
                }
            )
        for s, g in zip(topo.mem_src, topo.mem_grp):
            rel.append(
                {
                    "kind": "member_of",
                    "source_ci_id": cid[s],
                    "source_port": "",
                    "target_ci_id": cid[g],
                    "target_port": "",
                }
            )
        for k in range(0, len(rel), 20000):
            conn.execute(insert(Relationship.__table__), rel[k : k + 20000])
