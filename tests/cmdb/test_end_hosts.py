"""End hosts a crawl places become CIs cabled to their exact port (issue 13 §1, §2).

On SQLite and real PostgreSQL: identification (MAC, then the gateway's ARP IP), the class guess,
``connected_to`` to the port as the switch names it, moves reported as moved (and in the history),
absent hosts missing after N runs with their link ended, placeholders on crowded ports (and a
person replacing one), manual links winning, and the gateway role from routing + ARP.
"""

from __future__ import annotations

from sqlalchemy import select

from netcmdb.cmdb.db import session_scope
from netcmdb.cmdb.models import CI, Change, Relationship
from netcmdb.cmdb.query import find_ci, set_manual
from netcmdb.cmdb.reconcile import ReconcileConfig, ingest
from netcmdb.discovery.endhosts import guess_class
from netcmdb.discovery.facts import (
    ArpEntry,
    DeviceClass,
    DeviceFact,
    FdbEntry,
    NeighborFact,
    Source,
)

CORE_MAC, ACC_MAC, ACC2_MAC = "00:11:22:00:00:01", "00:11:22:00:00:02", "00:11:22:00:00:03"


def _lldp(local, name, chassis, port):
    return NeighborFact(
        protocol="lldp",
        local_port=local,
        remote_name=name,
        remote_chassis_id=chassis,
        remote_chassis_id_kind="mac",
        remote_port=port,
        remote_port_kind="ifname",
        remote_capabilities=["bridge"],
    )


def pc_mac(i: int) -> str:
    return f"02:99:00:00:00:{i:02x}"


def campus(
    hosts: dict[int, tuple[str, str]], *, forwarding: bool = True, arp: bool = True
) -> list[DeviceFact]:
    """core (routes, ARP for every PC) -- acc-1 / acc-2; PC i on (switch, port)."""
    core = DeviceFact(
        source=Source.SNMP,
        ip="10.0.0.1",
        hostname="core",
        chassis_mac=CORE_MAC,
        device_class=DeviceClass.SWITCH,
        extra={"ip_forwarding": "1" if forwarding else "2"},
        neighbors=[
            _lldp("Te1/1", "acc-1", ACC_MAC, "GE0/0/49"),
            _lldp("Te1/2", "acc-2", ACC2_MAC, "GE0/0/49"),
        ],
        fdb=[
            FdbEntry(pc_mac(i), "Te1/1" if sw == "acc-1" else "Te1/2")
            for i, (sw, _) in hosts.items()
        ],
        arp=[ArpEntry(f"10.1.0.{i}", pc_mac(i)) for i in hosts] if arp else [],
    )
    accs = []
    for name, mac, ip in (("acc-1", ACC_MAC, "10.0.0.2"), ("acc-2", ACC2_MAC, "10.0.0.3")):
        accs.append(
            DeviceFact(
                source=Source.SNMP,
                ip=ip,
                hostname=name,
                chassis_mac=mac,
                device_class=DeviceClass.SWITCH,
                extra={"ip_forwarding": "2"},
                neighbors=[
                    _lldp("GE0/0/49", "core", CORE_MAC, "Te1/1" if name == "acc-1" else "Te1/2")
                ],
                fdb=[FdbEntry(pc_mac(i), port) for i, (sw, port) in hosts.items() if sw == name]
                + [FdbEntry(CORE_MAC, "GE0/0/49")],
            )
        )
    return [core, *accs]


def crawl(engine, facts, config=None):
    with session_scope(engine) as s:
        return ingest(
            s, facts, source="snmp", targets=["10.0.0.1"], methods=["snmp"], config=config
        )


def host_links(engine) -> dict[str, tuple[str, str]]:
    """host name -> (switch name, port) of every fdb link."""
    with session_scope(engine) as s:
        names = {c.id: c.name for c in s.scalars(select(CI))}
        out = {}
        for r in s.scalars(select(Relationship).where(Relationship.asserted_by == "fdb")):
            a, b = (names[r.source_ci_id], r.source_port), (names[r.target_ci_id], r.target_port)
            # the host's end has no port; between a placeholder and its hosts neither has one,
            # and the placeholder (made first in its run) has the lower id: the target is the host
            host, sw = (a, b) if a[1] == "" and b[1] != "" else (b, a)
            assert host[0] not in out, f"{host[0]} cabled twice"
            out[host[0]] = sw
        return out


def test_every_placed_host_is_a_ci_on_its_exact_port(engine):
    hosts = {1: ("acc-1", "GE0/0/1"), 2: ("acc-1", "GE0/0/2"), 3: ("acc-2", "GE0/0/1")}
    summary = crawl(engine, campus(hosts))
    assert sorted(summary.new) == ["10.1.0.1", "10.1.0.2", "10.1.0.3", "acc-1", "acc-2", "core"]
    assert host_links(engine) == {f"10.1.0.{i}": sw for i, sw in hosts.items()}
    with session_scope(engine) as s:
        pc = find_ci(s, "10.1.0.2")
        assert (pc.mac, pc.ip, pc.status.value) == (pc_mac(2), "10.1.0.2", "active")
        # the uplink stays one cable with both ports; no host on an uplink
        up = s.scalars(select(Relationship).where(Relationship.asserted_by == "snmp")).all()
        assert len(up) == 2
    # a second crawl changes nothing
    again = crawl(engine, campus(hosts))
    assert (again.new, again.changed, again.moved, again.missing) == ([], [], [], [])
    assert host_links(engine) == {f"10.1.0.{i}": sw for i, sw in hosts.items()}


def test_identified_by_mac_then_by_the_gateways_arp_ip(engine):
    with session_scope(engine) as s:
        ingest(
            s,
            [
                DeviceFact(
                    source=Source.NMAP,
                    ip="10.1.0.1",
                    hostname="pc-one",
                    device_class=DeviceClass.PC,
                    open_ports=[3389],
                )
            ],
            source="nmap",
            targets=["10.1.0.1"],
            methods=["nmap"],
        )
        ingest(
            s,
            [DeviceFact(source=Source.ARP, ip="10.1.0.9", mac=pc_mac(2))],
            source="arp",
            targets=["10.1.0.9"],
            methods=["arp"],
        )
    crawl(engine, campus({1: ("acc-1", "GE0/0/1"), 2: ("acc-1", "GE0/0/2")}))
    with session_scope(engine) as s:
        assert s.scalar(select(CI.id).where(CI.name == "pc-one")) is not None
        one = find_ci(s, "pc-one")  # by IP (it had no MAC): the MAC is joined, not a new CI
        assert (one.mac, one.ci_class.value) == (pc_mac(1), "pc")
        two = find_ci(s, pc_mac(2))  # by MAC (its IP changed, DHCP): one CI, new IP
        assert two.ip == "10.1.0.2"
        assert len(s.scalars(select(CI)).all()) == 5
    assert host_links(engine)["pc-one"] == ("acc-1", "GE0/0/1")


def test_class_is_guessed_from_the_oui_vendor_as_data():
    assert guess_class("Lexmark International, Inc.") == "printer"
    assert guess_class("Yealink(Xiamen) Network Technology Co.,Ltd.") == "phone"
    assert guess_class("Ubiquiti Inc") == "ap"
    assert guess_class("Dell Inc.") == "pc"
    assert guess_class("Dell Inc.", [9100]) == "printer"
    assert guess_class("Hewlett Packard Enterprise") == "other"
    assert guess_class("Some Unknown Maker") == "other"
    assert guess_class(None) == "other"


def test_oui_vendor_and_class_land_on_the_ci(engine):
    lexmark = "00:00:aa:00:00:01"  # 00:00:AA is Xerox's OUI: a printer
    core = campus({})[0]
    acc = campus({})[1]
    acc.fdb.append(FdbEntry(lexmark, "GE0/0/9"))
    core.fdb.append(FdbEntry(lexmark, "Te1/1"))
    crawl(engine, [core, acc])
    with session_scope(engine) as s:
        ci = find_ci(s, lexmark)
        assert "xerox" in (ci.vendor or "").lower()
        assert ci.ci_class.value == "printer"


def test_a_moved_host_is_reported_moved_and_its_link_moves(engine):
    crawl(engine, campus({1: ("acc-1", "GE0/0/1"), 2: ("acc-1", "GE0/0/2")}))
    s2 = crawl(engine, campus({1: ("acc-2", "GE0/0/7"), 2: ("acc-1", "GE0/0/2")}))
    assert s2.moved == ["10.1.0.1"] and s2.new == [] and "10.1.0.1" in s2.changed
    assert host_links(engine) == {
        "10.1.0.1": ("acc-2", "GE0/0/7"),
        "10.1.0.2": ("acc-1", "GE0/0/2"),
    }
    with session_scope(engine) as s:
        ch = s.scalars(select(Change).where(Change.attribute == "connected_to")).all()
        assert [(c.old, c.new) for c in ch] == [("acc-1[GE0/0/1]", "acc-2[GE0/0/7]")]
    # and back on the same switch, another port: moved again
    s3 = crawl(engine, campus({1: ("acc-2", "GE0/0/8"), 2: ("acc-1", "GE0/0/2")}))
    assert s3.moved == ["10.1.0.1"]
    # the run's record (runs show, the web's runs page) lists it as moved too
    from netcmdb.cmdb.query import list_runs, run_detail

    with session_scope(engine) as s:
        assert [c["name"] for c in run_detail(s, s2.run_id)["moved_cis"]] == ["10.1.0.1"]
        assert run_detail(s, s2.run_id - 1)["moved_cis"] == []  # the first crawl placed it
        # runs list (CLI and web) counts them by the same rule
        moved = {r["id"]: r["moved"] for r in list_runs(s)}
        assert moved == {s2.run_id - 1: 0, s2.run_id: 1, s3.run_id: 1}
        assert run_detail(s, s2.run_id)["moved"] == 1


def test_an_absent_host_goes_missing_after_n_runs_and_its_link_ends(engine):
    cfg = ReconcileConfig(missing_after=2)
    crawl(engine, campus({1: ("acc-1", "GE0/0/1"), 2: ("acc-1", "GE0/0/2")}), cfg)
    s1 = crawl(engine, campus({2: ("acc-1", "GE0/0/2")}), cfg)
    assert s1.missing == [] and "10.1.0.1" in host_links(engine)
    s2 = crawl(engine, campus({2: ("acc-1", "GE0/0/2")}), cfg)
    assert s2.missing == ["10.1.0.1"]
    assert host_links(engine) == {"10.1.0.2": ("acc-1", "GE0/0/2")}
    with session_scope(engine) as s:
        gone = find_ci(s, "10.1.0.1")  # nothing deleted
        assert gone.status.value == "missing"
        ch = s.scalars(
            select(Change).where(Change.ci_id == gone.id, Change.attribute == "connected_to")
        ).all()
        assert [(c.old, c.new) for c in ch] == [("acc-1[GE0/0/1]", None)]
    # seen again: active, cabled again
    s3 = crawl(engine, campus({1: ("acc-1", "GE0/0/1"), 2: ("acc-1", "GE0/0/2")}), cfg)
    assert "10.1.0.1" in s3.changed
    assert host_links(engine)["10.1.0.1"] == ("acc-1", "GE0/0/1")


def test_crowded_port_gets_a_placeholder_the_hosts_hang_on(engine):
    hosts = {i: ("acc-1", "GE0/0/5") for i in range(1, 5)} | {9: ("acc-1", "GE0/0/6")}
    cfg = ReconcileConfig(max_macs_per_access_port=3)
    crawl(engine, campus(hosts), cfg)
    links = host_links(engine)
    ph = "acc-1 GE0/0/5 (unmanaged)"
    assert links[ph] == ("acc-1", "GE0/0/5")
    assert all(links[f"10.1.0.{i}"] == (ph, "") for i in range(1, 5))
    assert links["10.1.0.9"] == ("acc-1", "GE0/0/6")
    with session_scope(engine) as s:
        ci = find_ci(s, ph)
        assert (ci.ci_class.value, ci.role) == ("switch", "unmanaged")
    again = crawl(engine, campus(hosts), cfg)
    assert (again.new, again.changed, again.moved) == ([], [], [])
    # a person replaces the placeholder by the real (unmanaged) switch: same CI, kept as named
    with session_scope(engine) as s:
        set_manual(s, find_ci(s, ph), {"name": "desk-switch-12", "role": "access"})
    crawl(engine, campus(hosts), cfg)
    links = host_links(engine)
    assert links["desk-switch-12"] == ("acc-1", "GE0/0/5")
    assert all(links[f"10.1.0.{i}"] == ("desk-switch-12", "") for i in range(1, 5))
    with session_scope(engine) as s:
        ci = find_ci(s, "desk-switch-12")
        assert ci.role == "access"


def test_a_link_a_person_made_is_never_moved(engine):
    crawl(engine, campus({1: ("acc-1", "GE0/0/1")}))
    with session_scope(engine) as s:
        pc, acc2 = find_ci(s, "10.1.0.1"), find_ci(s, "acc-2")
        s.execute(Relationship.__table__.delete().where(Relationship.asserted_by == "fdb"))
        a, b = sorted([pc.id, acc2.id])
        s.add(
            Relationship(
                kind="connected_to",
                source_ci_id=a,
                target_ci_id=b,
                source_port="GE0/0/3" if a == acc2.id else "",
                target_port="GE0/0/3" if b == acc2.id else "",
                asserted_by="manual",
            )
        )
    s2 = crawl(engine, campus({1: ("acc-1", "GE0/0/1")}))
    assert s2.moved == []
    with session_scope(engine) as s:
        rels = s.scalars(
            select(Relationship).where(Relationship.asserted_by.in_(["fdb", "manual"]))
        ).all()
        assert [r.asserted_by for r in rels] == ["manual"]


def test_the_routing_device_whose_arp_resolves_the_hosts_is_the_gateway(engine):
    s1 = crawl(engine, campus({1: ("acc-1", "GE0/0/1")}))
    assert s1.gateways == ["core"]
    with session_scope(engine) as s:
        assert find_ci(s, "core").role == "gateway"
        assert find_ci(s, "acc-1").role is None
    # a role a person set wins
    with session_scope(engine) as s:
        set_manual(s, find_ci(s, "core"), {"role": "core"})
    s2 = crawl(engine, campus({1: ("acc-1", "GE0/0/1")}))
    assert s2.gateways == []
    with session_scope(engine) as s:
        assert find_ci(s, "core").role == "core"


def test_no_gateway_without_routing_or_without_arp(engine):
    crawl(engine, campus({1: ("acc-1", "GE0/0/1")}, forwarding=False))
    with session_scope(engine) as s:
        assert find_ci(s, "core").role is None
    s2 = crawl(engine, campus({1: ("acc-1", "GE0/0/1")}, arp=False))
    assert s2.gateways == []
