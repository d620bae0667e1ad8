"""The reconciler on SQLite and real PostgreSQL: identification, priorities, names, history,
missing CIs, links, FDB and ARP."""

from __future__ import annotations

from sqlalchemy import func, select

from netcmdb.cmdb.db import session_scope
from netcmdb.cmdb.models import (
    CI,
    Change,
    Identifier,
    PortSighting,
    Relationship,
    RunEvent,
    ScanRun,
    event_cis,
)
from netcmdb.cmdb.query import find_ci, run_detail, run_diff, set_manual
from netcmdb.cmdb.reconcile import ReconcileConfig, ingest
from netcmdb.discovery.facts import (
    ArpEntry,
    DeviceClass,
    DeviceFact,
    FdbEntry,
    InterfaceFact,
    NeighborFact,
    ScanResult,
    Source,
)


def run(engine, facts, *, source="snmp", targets=("10.0.0.0/16",), covered=None, config=None):
    with session_scope(engine) as s:
        return ingest(
            s,
            list(facts),
            source=source,
            targets=list(targets),
            methods=[source],
            covered=covered,
            config=config,
        )


def cis(engine):
    with session_scope(engine) as s:
        return {c.name: c for c in s.scalars(select(CI).order_by(CI.id))}


def count(engine, model):
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def snmp_switch(
    name="sw-core-1.campus.edu.cn", ip="10.0.0.1", serial="FOC1234X", mac="00:11:22:33:44:01", **kw
):
    return DeviceFact(
        source=Source.SNMP,
        ip=ip,
        hostname=name,
        serial=serial,
        chassis_mac=mac,
        vendor="Cisco",
        model="C9300-48P",
        device_class=DeviceClass.SWITCH,
        **kw,
    )


def test_same_device_twice_is_one_ci_and_second_run_changes_nothing(engine):
    first = run(engine, [snmp_switch()])
    second = run(engine, [snmp_switch()])
    assert first.new == ["sw-core-1"] and second.new == []
    assert second.changed == [] and second.seen == 1
    assert count(engine, CI) == 1
    assert count(engine, Change) == 0
    with session_scope(engine) as s:
        kinds = sorted(str(k.value) for k in s.scalars(select(Identifier.kind)))
    assert kinds == ["hostname", "ip", "mac", "serial"]


def test_sources_seeing_one_device_merge_by_the_identification_chain(engine):
    # an ARP sweep sees IP+MAC, SNMP later adds serial and name: one CI
    run(
        engine,
        [
            DeviceFact(
                source=Source.ARP,
                ip="10.0.0.1",
                mac="00-11-22-33-44-01",
                mac_vendor="Cisco Systems, Inc",
            )
        ],
        source="arp",
    )
    run(engine, [snmp_switch()])
    # SSH sees it by hostname only (different address): still the same CI
    run(
        engine,
        [DeviceFact(source=Source.SSH, ip="10.0.9.1", hostname="SW-CORE-1", os_version="17.9.4")],
        source="ssh",
    )
    got = cis(engine)
    assert list(got) == ["SW-CORE-1"]  # matched case-insensitively; ssh's spelling wins
    ci = got["SW-CORE-1"]
    assert (ci.serial, ci.mac, ci.os_version) == ("FOC1234X", "00:11:22:33:44:01", "17.9.4")
    assert ci.vendor == "Cisco"  # snmp replaced the OUI guess of the ARP sweep
    assert ci.ip == "10.0.9.1"  # ssh outranks snmp for the address too


def test_reused_dhcp_address_with_a_different_mac_is_a_new_ci(engine):
    run(
        engine,
        [DeviceFact(source=Source.ARP, ip="10.1.0.50", mac="aa:aa:aa:00:00:01")],
        source="arp",
    )
    s2 = run(
        engine,
        [DeviceFact(source=Source.ARP, ip="10.1.0.50", mac="aa:aa:aa:00:00:02")],
        source="arp",
    )
    assert len(s2.new) == 1
    assert count(engine, CI) == 2
    with session_scope(engine) as s:
        owner = s.scalar(
            select(CI.mac)
            .join(Identifier)
            .where(Identifier.kind == "ip", Identifier.value == "10.1.0.50")
        )
    assert owner == "aa:aa:aa:00:00:02"  # the address identifier moved to the new PC


def test_junk_serials_identify_nothing(engine):
    facts = [
        DeviceFact(source=Source.SSH, ip=f"10.2.0.{i}", serial=junk, hostname=f"pc-{i}")
        for i, junk in enumerate(
            [
                "To Be Filled By O.E.M.",
                "To Be Filled By O.E.M.",
                "0000000000",
                "Default string",
                "",
                "  ",
            ],
            start=1,
        )
    ]
    run(engine, facts, source="ssh")
    got = cis(engine)
    assert len(got) == 6
    assert all(c.serial is None for c in got.values())


def test_virtual_router_mac_does_not_merge_two_routers(engine):
    vrrp = InterfaceFact(name="Vlanif10", mac="00:00:5e:00:01:0a")
    run(
        engine,
        [
            DeviceFact(
                source=Source.SNMP, ip="10.0.0.2", hostname="r1", serial="R1", interfaces=[vrrp]
            ),
            DeviceFact(
                source=Source.SNMP, ip="10.0.0.3", hostname="r2", serial="R2", interfaces=[vrrp]
            ),
        ],
    )
    assert sorted(cis(engine)) == ["r1", "r2"]


def test_rule_order_is_configurable(engine):
    cfg = ReconcileConfig(rules=("ip",))
    a = DeviceFact(source=Source.SNMP, ip="10.0.0.7", serial="SN-A1", hostname="x")
    b = DeviceFact(source=Source.SNMP, ip="10.0.0.7", serial="SN-B2", hostname="y")
    run(engine, [a], config=cfg)
    run(engine, [b], config=cfg)
    assert count(engine, CI) == 1  # identified by IP only
    run(engine, [DeviceFact(source=Source.SNMP, ip="10.0.0.7", serial="SN-C3")])
    assert count(engine, CI) == 2  # default chain: a different serial is another device


def test_source_priority_and_manual_edits_win(engine):
    run(engine, [snmp_switch(os="IOS-XE")])
    run(engine, [DeviceFact(source=Source.NMAP, ip="10.0.0.1", os="Linux 2.6")], source="nmap")
    assert cis(engine)["sw-core-1"].os == "IOS-XE"  # nmap's guess never beats snmp
    run(
        engine,
        [DeviceFact(source=Source.SSH, ip="10.0.0.1", serial="FOC1234X", os="IOS XE")],
        source="ssh",
    )
    assert cis(engine)["sw-core-1"].os == "IOS XE"  # ssh beats snmp
    with session_scope(engine) as s:
        set_manual(
            s,
            find_ci(s, "sw-core-1"),
            {
                "class": "router",
                "name": "core-A",
                "role": "core",
                "location": ("01", "02", "10", "网络机房"),
            },
        )
    run(
        engine,
        [
            snmp_switch(),
            DeviceFact(source=Source.SSH, ip="10.0.0.1", serial="FOC1234X", hostname="renamed"),
        ],
        source="ssh",
    )
    got = cis(engine)
    assert list(got) == ["core-A"]
    ci = got["core-A"]
    assert (ci.ci_class.value, ci.role) == ("router", "core")
    assert ci.attr_sources["name"] == "manual"
    with session_scope(engine) as s:
        hist = s.execute(
            select(Change.attribute, Change.old, Change.new, Change.source).order_by(Change.id)
        ).all()
    assert ("os", "IOS-XE", "IOS XE", "ssh") in hist
    assert ("name", "sw-core-1", "core-A", "manual") in hist
    assert not any(h[0] == "name" and h[3] != "manual" for h in hist)


def test_name_rule_own_name_beats_reverse_dns_beats_ip(engine):
    run(engine, [DeviceFact(source=Source.ICMP, ip="10.3.0.9")], source="icmp")
    assert list(cis(engine)) == ["10.3.0.9"]
    run(
        engine,
        [DeviceFact(source=Source.ICMP, ip="10.3.0.9", dns_name="pc-0309.campus.edu.cn")],
        source="icmp",
    )
    assert list(cis(engine)) == ["pc-0309"]
    run(
        engine,
        [
            DeviceFact(
                source=Source.ARP, ip="10.3.0.9", netbios_name="LAB-PC-09", mac="aa:bb:cc:03:00:09"
            )
        ],
        source="arp",
    )
    assert list(cis(engine)) == ["LAB-PC-09"]  # own name wins even from a weak source
    run(
        engine,
        [DeviceFact(source=Source.SSH, ip="10.3.0.9", dns_name="other.example")],
        source="ssh",
    )
    assert list(cis(engine)) == ["LAB-PC-09"]  # a DNS name never replaces an own name


def test_missing_after_n_covering_runs_and_back(engine):
    pc = DeviceFact(source=Source.ARP, ip="10.4.0.5", mac="aa:bb:cc:04:00:05")
    other = DeviceFact(source=Source.ARP, ip="10.4.0.6", mac="aa:bb:cc:04:00:06")
    run(engine, [pc, other], source="arp", targets=["10.4.0.0/24"])
    # runs that do not cover 10.4.0.0/24 never count
    for _ in range(4):
        run(engine, [], source="arp", targets=["10.5.0.0/24"])
    assert cis(engine)["10.4.0.5"].status.value == "active"
    # a covering run where the host failed (timeout) does not count either
    with session_scope(engine) as s:
        ingest(
            s,
            [
                ScanResult("10.4.0.5", error="timed out", error_kind="timeout"),
                ScanResult("10.4.0.6", other),
            ],
            source="snmp",
            targets=["10.4.0.0/24"],
            methods=["snmp"],
        )
    assert cis(engine)["10.4.0.5"].missed_runs == 0
    summaries = [run(engine, [other], source="arp", targets=["10.4.0.0/24"]) for _ in range(3)]
    assert [s.missing for s in summaries] == [[], [], ["10.4.0.5"]]
    ci = cis(engine)["10.4.0.5"]
    assert (ci.status.value, ci.missed_runs) == ("missing", 3)
    back = run(engine, [pc], source="arp", targets=["10.4.0.0/24"])
    assert back.changed == ["10.4.0.5"]
    assert cis(engine)["10.4.0.5"].status.value == "active"
    assert count(engine, CI) == 2  # never deleted, never duplicated
    with session_scope(engine) as s:
        d = run_detail(s, summaries[-1].run_id)
    assert [c["name"] for c in d["missing_cis"]] == ["10.4.0.5"]


def _lldp(local, name, chassis, port, ip=None, caps=("bridge",)):
    return NeighborFact(
        protocol="lldp",
        local_port=local,
        remote_name=name,
        remote_chassis_id=chassis,
        remote_chassis_id_kind="mac",
        remote_port=port,
        remote_port_kind="ifname",
        remote_mgmt_ip=ip,
        remote_capabilities=list(caps),
    )


def test_links_from_both_sides_are_one_relationship_with_both_ports(engine):
    core = snmp_switch(
        neighbors=[
            _lldp("GigabitEthernet1/0/1", "acc-1", "00:11:22:33:44:02", "GE0/0/49"),
            _lldp("GigabitEthernet1/0/2", "acc-1", "00:11:22:33:44:02", "GE0/0/50"),
        ]
    )
    # the access switch is seen first by its neighbour only (a stub CI), then scanned itself
    run(engine, [core])
    assert count(engine, CI) == 2
    acc = DeviceFact(
        source=Source.SNMP,
        ip="10.0.0.2",
        hostname="acc-1",
        serial="HW-ACC-1",
        chassis_mac="00:11:22:33:44:02",
        neighbors=[
            _lldp("GE0/0/49", "sw-core-1", "00:11:22:33:44:01", "Gi1/0/1"),
            _lldp("GE0/0/50", "sw-core-1", "00:11:22:33:44:01", "Gi1/0/2"),
        ],
    )
    run(engine, [acc])
    run(engine, [core, acc])
    assert count(engine, CI) == 2
    with session_scope(engine) as s:
        rows = s.execute(
            select(
                Relationship.source_ci_id,
                Relationship.source_port,
                Relationship.target_ci_id,
                Relationship.target_port,
            ).order_by(Relationship.source_port)
        ).all()
        ids = {c.name: c.id for c in s.scalars(select(CI))}
    assert ids["sw-core-1"] < ids["acc-1"]
    # two parallel cables, each once, local port names as each device calls them
    assert rows == [
        (ids["sw-core-1"], "GigabitEthernet1/0/1", ids["acc-1"], "GE0/0/49"),
        (ids["sw-core-1"], "GigabitEthernet1/0/2", ids["acc-1"], "GE0/0/50"),
    ]


def test_dual_homed_access_switch_has_two_uplinks(engine):
    d1 = snmp_switch(
        "dist-1",
        "10.0.0.11",
        "D1",
        "00:00:00:00:d1:01",
        neighbors=[_lldp("Te1/1/1", "acc-9", "00:00:00:00:a9:01", "XGE0/0/1")],
    )
    d2 = snmp_switch(
        "dist-2",
        "10.0.0.12",
        "D2",
        "00:00:00:00:d2:01",
        neighbors=[_lldp("Te1/1/1", "acc-9", "00:00:00:00:a9:01", "XGE0/0/2")],
    )
    run(engine, [d1, d2])
    with session_scope(engine) as s:
        acc = find_ci(s, "acc-9")
        n = s.scalar(
            select(func.count())
            .select_from(Relationship)
            .where((Relationship.source_ci_id == acc.id) | (Relationship.target_ci_id == acc.id))
        )
        assert acc.ci_class.value == "switch"  # from the LLDP "bridge" capability
    assert n == 2


def test_fdb_becomes_port_sightings_and_arp_joins_mac_and_ip(engine):
    pc = DeviceFact(source=Source.ICMP, ip="10.6.0.20")
    run(engine, [pc], source="icmp")
    acc = DeviceFact(
        source=Source.SNMP,
        ip="10.0.0.2",
        hostname="acc-1",
        serial="A1",
        chassis_mac="00:11:22:33:44:02",
        neighbors=[_lldp("GE0/0/49", "sw-core-1", "00:11:22:33:44:01", "Gi1/0/1")],
        fdb=[
            FdbEntry("aa:bb:cc:06:00:20", "GE0/0/5", 60),
            FdbEntry("aa:bb:cc:06:00:21", "GE0/0/6", 60),
            FdbEntry("aa:bb:cc:06:00:20", "GE0/0/49", 60),  # via the uplink: not a sighting
            FdbEntry("00:11:22:33:44:02", "GE0/0/1", 1, status="self"),
        ],
        arp=[ArpEntry("10.6.0.20", "aa:bb:cc:06:00:20")],
    )
    run(engine, [acc])
    with session_scope(engine) as s:
        rows = s.execute(
            select(
                PortSighting.mac,
                PortSighting.port,
                PortSighting.vlan,
                PortSighting.ip,
                PortSighting.host_ci_id,
            ).order_by(PortSighting.mac)
        ).all()
        pc_ci = find_ci(s, "10.6.0.20")
        other = find_ci(s, "aa:bb:cc:06:00:21")  # an end host with only a MAC is a CI too
    assert pc_ci.mac == "aa:bb:cc:06:00:20"  # ARP joined the MAC to the pinged IP
    assert rows == [
        ("aa:bb:cc:06:00:20", "GE0/0/5", 60, "10.6.0.20", pc_ci.id),
        ("aa:bb:cc:06:00:21", "GE0/0/6", 60, None, other.id),
    ]
    run(engine, [acc])
    assert count(engine, PortSighting) == 2
    # with end-host CIs off, sightings only (for `where`), as before
    run(
        engine,
        [
            DeviceFact(
                source=Source.SNMP,
                ip="10.0.0.3",
                hostname="acc-3",
                serial="A3",
                fdb=[FdbEntry("aa:bb:cc:06:00:99", "GE0/0/7", 60)],
            )
        ],
        config=ReconcileConfig(end_host_cis=False),
    )
    with session_scope(engine) as s:
        assert (
            s.scalar(select(func.count()).select_from(CI).where(CI.mac == "aa:bb:cc:06:00:99")) == 0
        )


def test_runs_record_events_failures_and_diff(engine):
    a = DeviceFact(source=Source.ARP, ip="10.7.0.1", mac="aa:00:00:07:00:01")
    b = DeviceFact(source=Source.ARP, ip="10.7.0.2", mac="aa:00:00:07:00:02")
    r1 = run(engine, [a], source="arp", targets=["10.7.0.0/24"])
    with session_scope(engine) as s:
        r2 = ingest(
            s,
            [
                ScanResult("10.7.0.2", b),
                ScanResult(
                    "10.7.0.1", DeviceFact(source=Source.SNMP, ip="10.7.0.1", hostname="printer-7")
                ),
                ScanResult("10.7.0.3", error="auth failed", error_kind="auth"),
            ],
            source="snmp",
            targets=["10.7.0.0/24"],
            methods=["snmp"],
        )
    assert r2.new == ["10.7.0.2"] and r2.changed == ["printer-7"]
    assert r2.failed == [{"target": "10.7.0.3", "kind": "auth", "error": "auth failed"}]
    with session_scope(engine) as s:
        runs = {r.id: r for r in s.scalars(select(ScanRun))}
        assert runs[r2.run_id].status.value == "partial"
        assert (runs[r2.run_id].n_new, runs[r2.run_id].n_changed) == (1, 1)
        ev = dict(
            s.execute(
                select(CI.name, RunEvent.event)
                .join(RunEvent, event_cis())
                .where(RunEvent.run_id == r2.run_id)
            ).all()
        )
        diff = run_diff(s, r1.run_id, r2.run_id)
    assert {n: e.value for n, e in ev.items()} == {"10.7.0.2": "new", "printer-7": "changed"}
    assert diff["only_in_to"] == ["10.7.0.2"] and diff["only_in_from"] == []
    assert {
        "ci": "printer-7",
        "attribute": "name",
        "old": "10.7.0.1",
        "new": "printer-7",
        "run": r2.run_id,
    } in diff["changes"]


def test_interfaces_are_upserted(engine):
    f = snmp_switch(
        interfaces=[
            InterfaceFact("Gi1/0/1", ifindex=1, oper_up=True, speed_mbps=1000),
            InterfaceFact("Gi1/0/2", ifindex=2, oper_up=False),
        ]
    )
    run(engine, [f])
    f.interfaces[1].oper_up = True
    run(engine, [f])
    with session_scope(engine) as s:
        d = {i.name: i.oper_status for i in find_ci(s, "sw-core-1").interfaces}
    assert d == {"Gi1/0/1": "up", "Gi1/0/2": "up"}


def test_new_cis_touched_again_in_the_same_run_and_nameless_ones(engine):
    """A CI created by a run is a plain row until the run touches it again: a second fact of
    the same device, an ARP join and a location made in this run all land on one CI."""

    def parse(text):
        b, f, r = text.split("-")
        return {"building": b, "floor": f, "room": r, "seat": 3}

    sw = snmp_switch(sys_location="07-01-09")
    ssh_view = DeviceFact(
        source=Source.SSH, serial="FOC1234X", os="IOS-XE", os_version="17.9.4", hostname="sw-core-1"
    )
    mac_only = DeviceFact(source=Source.ARP, mac="aa:00:00:00:00:42")
    sw.arp = [ArpEntry(ip="10.0.0.42", mac="aa:00:00:00:00:42")]
    with session_scope(engine) as s:
        summary = ingest(
            s,
            [sw, mac_only, ssh_view],
            source="snmp",
            targets=["10.0.0.0/24"],
            methods=["snmp"],
            location_parser=parse,
        )
    # the MAC-only host has no name of its own: it is named by the IP the ARP join gave it
    assert sorted(summary.new) == ["10.0.0.42", "sw-core-1"]
    with session_scope(engine) as s:
        core = find_ci(s, "sw-core-1")
        host = find_ci(s, "10.0.0.42")
        assert (core.os, core.os_version, core.model) == ("IOS-XE", "17.9.4", "C9300-48P")
        assert core.attr_sources["os"] == "ssh" and core.attr_sources["model"] == "snmp"
        assert (core.location.building, core.location.room, core.seat) == ("07", "09", 3)
        assert host.ip == "10.0.0.42"  # joined from the switch's ARP table in the same run
        kinds = sorted((str(i.kind.value), i.value) for i in host.identifiers)
        assert kinds == [("ip", "10.0.0.42"), ("mac", "aa:00:00:00:00:42")]
        detail = run_detail(s, summary.run_id)
    assert sorted(c["name"] for c in detail["new_cis"]) == sorted(summary.new)
    assert count(engine, CI) == 2


def test_a_ci_without_name_ip_or_mac_is_named_by_its_serial(engine):
    summary = run(engine, [DeviceFact(source=Source.SNMP, serial="abc123z", vendor="H3C")])
    assert summary.new == ["ABC123Z"]
    assert cis(engine)["ABC123Z"].vendor == "H3C"


def test_identifiers_holding_a_control_character_still_identify_on_the_next_run(engine):
    """Untrusted device strings may hold any character, including the separator the SQLite
    loader joins identifier values with: such a CMDB is read row by row instead."""
    odd = DeviceFact(
        source=Source.SNMP,
        hostname="sw\x1fodd",
        serial="SN\x1f0001",
        ip="10.9.0.1",
        mac="00:11:22:33:44:aa",
    )
    plain = [
        DeviceFact(source=Source.SNMP, hostname=f"pc-{i}", serial=f"PC{i:04d}", ip=f"10.9.1.{i}")
        for i in range(1, 30)
    ]
    run(engine, [odd, *plain])
    again = run(engine, [odd, *plain])
    assert again.new == [] and again.changed == [] and again.seen == 30
    assert count(engine, CI) == 30


def test_a_mac_moving_from_a_stored_ci_to_one_created_earlier_in_the_run(engine):
    """The second fact of a new device carries a MAC a stored CI holds: the identifier moves
    (before the fix, the run failed on the identifier's unique key and wrote nothing)."""
    mac = "02:00:00:00:00:a1"
    run(
        engine, [DeviceFact(source=Source.SNMP, serial="SA1", mac=mac, ip="10.0.0.1", hostname="a")]
    )
    summary = run(
        engine,
        [
            DeviceFact(source=Source.SNMP, serial="SB1", ip="10.0.0.2", hostname="b"),
            DeviceFact(source=Source.SNMP, serial="SB1", mac=mac, hostname="b"),
        ],
    )
    assert summary.new == ["b"]
    by_name = cis(engine)
    with session_scope(engine) as s:
        owner = s.scalar(
            select(Identifier.ci_id).where(Identifier.kind == "mac", Identifier.value == mac)
        )
    assert owner == by_name["b"].id and by_name["b"].mac == mac
    assert count(engine, CI) == 2
