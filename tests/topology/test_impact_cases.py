"""Hand-made topologies in a real (temp SQLite) CMDB, loaded with the bulk loader."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from netcmdb.cmdb.db import session_scope
from netcmdb.errors import TopologyError
from netcmdb.topology.graph import build_graph, load_topology
from netcmdb.topology.impact import ImpactEngine, report


def sw(name: str, role: str | None = None, room: str = "D010101", **kw: object) -> dict:
    return {"name": name, "ci_class": "switch", "role": role, "room": room, **kw}


def pc(name: str, room: str, **kw: object) -> dict:
    return {"name": name, "ci_class": "pc", "room": room, **kw}


def run(cmdb, *targets: str, roots=()):  # type: ignore[no-untyped-def]
    with session_scope(cmdb.engine) as s:
        topo = load_topology(s, roots)
    cis, links = topo.resolve_targets(targets)
    engine = ImpactEngine(topo)
    return report(engine, engine.impact(cis, links))


def names(rows: list[dict]) -> set[str]:  # type: ignore[type-arg]
    return {r["name"] for r in rows}


@pytest.fixture
def dual_homed(cmdb):  # type: ignore[no-untyped-def]
    cmdb.add(
        [
            sw("core1", "core"),
            sw("dist1"),
            sw("dist2"),
            sw("acc1", room="D020310"),
            pc("pc1", "D020310", owner="Physics", contact="phys@example.edu"),
            pc("pc2", "D020310"),
        ],
        links=[
            ("core1", "dist1", "Gi1/0/1", "Gi0/1"),
            ("core1", "dist2", "Gi1/0/2", "Gi0/1"),
            ("dist1", "acc1", "Gi0/2", "Gi0/49"),
            ("dist2", "acc1", "Gi0/2", "Gi0/50"),
            ("acc1", "pc1", "Gi0/1", "eth0"),
            ("acc1", "pc2", "Gi0/2", "eth0"),
        ],
    )
    return cmdb


def test_dual_homed_access_switch_nothing_down_but_at_risk(dual_homed) -> None:
    rep = run(dual_homed, "dist1")
    assert rep["down"] == []
    # acc1 now hangs on dist2; dist2 had a second way to core1 through acc1 and dist1
    assert names(rep["at_risk"]) == {"acc1", "dist2"}
    acc1 = next(r for r in rep["at_risk"] if r["name"] == "acc1")
    assert acc1["reason"] == "redundancy lost: now hangs on dist2 alone"
    assert acc1["location"] == {"building": "02", "floor": "03", "room": "10"}
    assert acc1["serves"] == 2
    assert rep["summary"] == {
        "down": 0,
        "at_risk": 2,
        "by_building": {},
        "by_room": {},
        "by_class": {},
        "notify": [],
    }


def test_both_uplinks_down_takes_the_room_down(dual_homed) -> None:
    rep = run(dual_homed, "dist1", "dist2")
    assert names(rep["down"]) == {"acc1", "pc1", "pc2"}
    assert rep["summary"]["by_room"] == {"D020310": 3}
    assert rep["summary"]["by_building"] == {"02": 3}
    assert rep["summary"]["by_class"] == {"pc": 2, "switch": 1}
    assert {
        "department": "Physics",
        "contact": "phys@example.edu",
        "failed": 0,
        "down": 1,
        "at_risk": 0,
    } in rep["summary"]["notify"]
    assert all("dist1" in r["reason"] and "dist2" in r["reason"] for r in rep["down"])
    assert rep["failed"] == ["dist1", "dist2"]


def test_failed_link_and_ports(dual_homed) -> None:
    rep = run(dual_homed, "dist1~acc1")
    assert rep["down"] == [] and names(rep["at_risk"]) == {"acc1", "dist1", "dist2"}
    assert rep["failed"] == ["dist1[Gi0/2]~acc1[Gi0/49]"]
    rep = run(dual_homed, "acc1~pc1")
    assert names(rep["down"]) == {"pc1"}
    assert "link" in rep["down"][0]["reason"]


def test_parallel_links_are_redundant(cmdb) -> None:
    cmdb.add(
        [sw("core1", "core"), sw("acc1"), pc("pc1", "D010101")],
        links=[
            ("core1", "acc1", "Te1/1", "Te0/1"),
            ("core1", "acc1", "Te1/2", "Te0/2"),
            ("acc1", "pc1"),
        ],
    )
    rep = run(cmdb, "core1[Te1/1]~acc1")
    assert rep["down"] == [] and names(rep["at_risk"]) == {"acc1"}
    rep = run(cmdb, "core1~acc1")  # both cables of the pair
    assert names(rep["down"]) == {"acc1", "pc1"}


def test_ring(cmdb) -> None:
    ring = [f"r{i}" for i in range(5)]
    cmdb.add(
        [sw("gw", "gateway")] + [sw(r) for r in ring],
        links=[("gw", "r0"), ("r0", "r1"), ("r1", "r2"), ("r2", "r3"), ("r3", "r4"), ("r4", "gw")],
    )
    rep = run(cmdb, "r2")
    assert rep["down"] == []
    assert names(rep["at_risk"]) == {"r0", "r1", "r3", "r4"}
    rep = run(cmdb, "r1", "r3")
    assert names(rep["down"]) == {"r2"}
    assert names(rep["at_risk"]) == {"r0", "r4"}
    rep = run(cmdb, "r2~r3")
    assert rep["down"] == [] and len(rep["at_risk"]) == 5  # every ring member


def test_group_with_min_up_and_dependency_chain(cmdb) -> None:
    cmdb.add(
        [
            sw("core1", "core"),
            sw("core2", "core"),
            sw("dc1"),
            sw("dc2"),
            {"name": "db1", "ci_class": "server"},
            {"name": "db2", "ci_class": "server"},
            {"name": "db3", "ci_class": "server"},
            {"name": "dbcluster", "ci_class": "cluster", "min_up": 2},
            {"name": "app", "ci_class": "service", "owner": "Registrar"},
            {"name": "web", "ci_class": "service", "owner": "Web team", "label": "SVC-001"},
        ],
        links=[
            ("core1", "dc1"),
            ("core2", "dc2"),
            ("core1", "core2"),
            ("dc1", "db1"),
            ("dc1", "db2"),
            ("dc2", "db3"),
        ],
        deps=[("web", "app"), ("app", "dbcluster")],
        members=[("db1", "dbcluster"), ("db2", "dbcluster"), ("db3", "dbcluster")],
    )
    rep = run(cmdb, "db3")  # 2 of 3 left = min_up: nothing down, group and chain at risk
    assert rep["down"] == []
    assert names(rep["at_risk"]) == {"dbcluster", "app", "web"}
    rep = run(cmdb, "dc1")  # db1 and db2 cut off -> cluster below min_up -> app -> web
    assert names(rep["down"]) == {"db1", "db2", "dbcluster", "app", "web"}
    reasons = {r["name"]: r["reason"] for r in rep["down"]}
    assert reasons["dbcluster"].startswith("only 1 of 3 members up")
    assert reasons["web"].startswith("depends on app (depends on dbcluster")
    assert rep["summary"]["by_class"] == {"server": 2, "cluster": 1, "service": 2}
    assert {n["department"] for n in rep["summary"]["notify"]} >= {"Registrar", "Web team"}
    rep = run(cmdb, "SVC-001")  # by label: a service with nobody depending on it
    assert rep["down"] == [] and rep["failed"] == ["web"]


def test_switch_on_a_dead_ups_cuts_off_what_hangs_below(cmdb) -> None:
    cmdb.add(
        [
            sw("core1", "core"),
            sw("acc1"),
            pc("pc1", "D010101"),
            {"name": "ups1", "ci_class": "ups", "ip": "10.0.0.9"},
        ],
        links=[("core1", "acc1"), ("acc1", "pc1")],
        deps=[("acc1", "ups1")],
    )
    rep = run(cmdb, "10.0.0.9")  # by IP
    assert names(rep["down"]) == {"acc1", "pc1"}
    assert {r["name"]: r["reason"] for r in rep["down"]}["acc1"] == "depends on ups1 (failed)"


def test_explicit_roots_and_errors(cmdb) -> None:
    cmdb.add([sw("a"), sw("b"), sw("c")], links=[("a", "b"), ("b", "c")])
    with session_scope(cmdb.engine) as s, pytest.raises(TopologyError, match="no root") as ei:
        load_topology(s)
    # the message says how to fix it
    assert "--snmp --crawl" in str(ei.value) and "--root NAME" in str(ei.value)
    assert "ci set NAME --role core" in str(ei.value)
    rep = run(cmdb, "b", roots=("a",))
    assert names(rep["down"]) == {"c"}
    assert rep["roots"] == ["a"]  # every answer names the roots it used
    with pytest.raises(TopologyError, match="unknown CI"):
        run(cmdb, "nope", roots=("a",))
    with pytest.raises(TopologyError, match="no link"):
        run(cmdb, "a~c", roots=("a",))


def test_loader_uses_one_query_per_table(cmdb) -> None:
    cmdb.add(
        [sw("core1", "core")] + [sw(f"s{i}") for i in range(50)],
        links=[("core1", f"s{i}") for i in range(50)],
    )
    from netcmdb.cmdb.db import make_engine

    statements: list[str] = []
    engine = make_engine(cmdb.url)  # fresh pool: every DBAPI connection gets the tracer
    event.listen(
        engine, "connect", lambda dbapi_conn, _rec: dbapi_conn.set_trace_callback(statements.append)
    )
    with session_scope(engine) as s:
        g = build_graph(s)
    engine.dispose()
    selects = [q for q in statements if q.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3, selects
    assert g.physical.number_of_nodes() == 51 and g.physical.number_of_edges() == 50
    assert set(g.physical.nodes[0]) == {"name", "ci_class"}  # lean node data


@pytest.fixture
def two_cores(cmdb):  # type: ignore[no-untyped-def]
    cmdb.add(
        [
            sw("core-1", "core"),
            sw("core-2", "core"),
            sw("dist1"),
            sw("dist2"),
            sw("acc1"),
            pc("pc1", "D010101"),
        ],
        links=[
            ("core-1", "core-2"),
            ("core-1", "dist1"),
            ("core-2", "dist1"),
            ("core-1", "dist2"),
            ("core-2", "dist2"),
            ("dist1", "acc1"),
            ("dist2", "acc1"),
            ("acc1", "pc1"),
        ],
    )
    return cmdb


def test_rebooting_one_of_two_cores_puts_everything_on_the_other(two_cores) -> None:
    """Issue 13 §4: "can I reboot core-1?" -- nothing down, every switch that had two ways now
    hangs on core-2 alone (the PC hung on its access switch before, so it is not at risk)."""
    rep = run(two_cores, "core-1")
    assert rep["down"] == []
    assert names(rep["at_risk"]) == {"dist1", "dist2", "acc1"}
    assert {r["reason"] for r in rep["at_risk"]} == {"redundancy lost: now hangs on core-2 alone"}
    # a distribution switch: acc1 hangs on dist2 alone; the cores stay redundant (roots)
    rep = run(two_cores, "dist1")
    assert names(rep["at_risk"]) == {"acc1"}
    assert rep["at_risk"][0]["reason"] == "redundancy lost: now hangs on dist2 alone"


def test_roots_set_by_hand_win_over_discovered_gateways(cmdb) -> None:
    """Issue 13 §2: a discovered gateway is a root only while nobody set a root by hand."""
    cmdb.add(
        [
            sw("gw", "gateway", attr_sources={"role": "snmp"}),
            sw("core1"),
            sw("acc1"),
            pc("pc1", "D010101"),
        ],
        links=[("gw", "core1"), ("core1", "acc1"), ("acc1", "pc1")],
    )
    rep = run(cmdb, "core1")
    assert rep["roots"] == ["gw"] and names(rep["down"]) == {"acc1", "pc1"}
    with session_scope(cmdb.engine) as s:
        from netcmdb.cmdb.query import find_ci, set_manual

        set_manual(s, find_ci(s, "acc1"), {"role": "core"})
    rep = run(cmdb, "core1")
    assert rep["roots"] == ["acc1"]
    assert names(rep["down"]) == {"gw"}
