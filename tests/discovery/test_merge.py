"""merge_facts: SNMP first, SSH fills the gaps, field by field; inputs never mutated."""

from __future__ import annotations

import copy
import dataclasses
import doctest
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from netcmdb.discovery import merge
from netcmdb.discovery.cli_parsers import build_device_fact
from netcmdb.discovery.facts import (
    ArpEntry,
    DeviceFact,
    FdbEntry,
    InterfaceFact,
    NeighborFact,
    Source,
)
from netcmdb.discovery.merge import merge_facts

DATA = Path(__file__).parent / "data" / "ssh"


def _snmp_fact() -> DeviceFact:
    """What an SNMP walk of a Huawei S5720 without ENTITY-MIB typically yields."""
    return DeviceFact(
        source=Source.SNMP,
        ip="10.20.0.3",
        hostname="sw-hw-b",
        vendor="Huawei",
        description="S5720-28X-SI-AC Huawei Versatile Routing Platform Software",
        sys_object_id="1.3.6.1.4.1.2011.2.23.291",
        sys_location="B01-F02-R03",
        uptime_s=100.0,
        interfaces=[
            InterfaceFact(name="GigabitEthernet0/0/2", ifindex=6, speed_mbps=1000, oper_up=True),
            InterfaceFact(name="GigabitEthernet0/0/9", ifindex=13),
        ],
        fdb=[FdbEntry(mac="00:aa:bb:cc:dd:00", port="GigabitEthernet0/0/2", vlan=20)],
        warnings=["lldp: LLDP-MIB not exposed"],
        extra={"snmp_community": "named-by-ref"},
    )


def _ssh_fact() -> DeviceFact:
    d = DATA / "huawei_vrp" / "s5720_basic"
    outputs = {p.stem: p.read_text() for p in d.glob("*.txt") if p.stem != "prompt"}
    return build_device_fact("huawei_vrp", outputs, ip="10.20.0.3", prompt_hostname="sw-hw-b")


def test_snmp_first_ssh_fills_gaps() -> None:
    snmp, ssh = _snmp_fact(), _ssh_fact()
    before = (copy.deepcopy(snmp), copy.deepcopy(ssh))
    m = merge_facts(snmp, ssh)
    assert (snmp, ssh) == before, "inputs must not be mutated"
    assert m.source == Source.SNMP
    # primary values kept
    assert m.uptime_s == 100.0 and m.sys_location == "B01-F02-R03"
    assert m.description.startswith("S5720")
    # gaps filled from SSH
    assert m.serial == "2102351931P0H7000123" and m.model == "S5720-28X-SI-AC"
    assert m.os_version == "V200R011C10SPC500" and m.platform == "huawei_vrp"
    assert [n.remote_name for n in m.neighbors] == ["sw-access-1", "eos-a"]
    # interfaces matched by name: SNMP ifindex kept, SSH alias/mac added; new ones appended
    ge2 = next(i for i in m.interfaces if i.name == "GigabitEthernet0/0/2")
    assert ge2.ifindex == 6 and ge2.alias == "uplink sw-access-1" and ge2.mac == "00:25:9e:45:7c:33"
    assert [i.name for i in m.interfaces][:2] == ["GigabitEthernet0/0/2", "GigabitEthernet0/0/9"]
    assert "Vlanif20" in {i.name for i in m.interfaces}
    # FDB: union without duplicates (the SNMP row equals one SSH row)
    assert len(m.fdb) == len(ssh.fdb)
    assert m.fdb[0] == snmp.fdb[0]
    assert m.arp == ssh.arp
    assert m.warnings[0] == "lldp: LLDP-MIB not exposed"
    filled = set(m.extra["filled_by_ssh"].split(","))
    assert {"serial", "model", "os_version", "neighbors", "interfaces", "arp"} <= filled
    assert "uptime_s" not in filled and "hostname" not in filled
    assert m.extra["snmp_community"] == "named-by-ref"


def test_merge_with_empty_secondary_is_identity() -> None:
    snmp = _snmp_fact()
    m = merge_facts(snmp, DeviceFact(source=Source.SSH))
    assert dataclasses.asdict(m) == dataclasses.asdict(snmp)


def test_secondary_warnings_are_attributed() -> None:
    ssh = DeviceFact(source=Source.SSH, warnings=["mac: 1 line(s) not understood"])
    m = merge_facts(DeviceFact(source=Source.SNMP), ssh)
    assert m.warnings == ["ssh: mac: 1 line(s) not understood"]


_opt_text = st.one_of(st.none(), st.text(min_size=1, max_size=8))
_macs = st.sampled_from(["00:00:00:00:00:01", "00:00:00:00:00:02", "02:aa:bb:cc:dd:ee"])
_facts = st.builds(
    DeviceFact,
    source=st.sampled_from([Source.SNMP, Source.SSH]),
    ip=st.one_of(st.none(), st.sampled_from(["10.0.0.1", "10.0.0.2"])),
    hostname=_opt_text,
    serial=_opt_text,
    model=_opt_text,
    os_version=_opt_text,
    uptime_s=st.one_of(st.none(), st.floats(0, 1e6)),
    interfaces=st.lists(
        st.builds(
            InterfaceFact,
            name=st.sampled_from(["a", "b", "c"]),
            alias=_opt_text,
            mac=st.one_of(st.none(), _macs),
        ),
        max_size=3,
        unique_by=lambda i: i.name,
    ),
    neighbors=st.lists(
        st.builds(
            NeighborFact,
            protocol=st.sampled_from(["lldp", "cdp"]),
            local_port=st.sampled_from(["a", "b"]),
            remote_name=_opt_text,
        ),
        max_size=3,
    ),
    fdb=st.lists(
        st.builds(FdbEntry, mac=_macs, port=st.sampled_from(["a", "b", None])), max_size=4
    ),
    arp=st.lists(
        st.builds(ArpEntry, ip=st.sampled_from(["10.0.0.5", "10.0.0.6"]), mac=_macs), max_size=3
    ),
)


@settings(max_examples=60, deadline=None)
@given(_facts, _facts)
def test_merge_properties(a: DeviceFact, b: DeviceFact) -> None:
    a0, b0 = copy.deepcopy(a), copy.deepcopy(b)
    m = merge_facts(a, b)
    assert (a, b) == (a0, b0)
    for f in ("ip", "hostname", "serial", "model", "os_version", "uptime_s"):
        pa, pb = getattr(a, f), getattr(b, f)
        assert getattr(m, f) == (pa if pa is not None else pb)
    assert m.source == a.source
    # nothing the primary knew is lost, and every secondary row is represented
    assert all(x in m.fdb for x in a.fdb) and {(e.mac, e.port, e.vlan) for e in b.fdb} <= {
        (e.mac, e.port, e.vlan) for e in m.fdb
    }
    assert {i.name for i in m.interfaces} == {i.name for i in a.interfaces} | {
        i.name for i in b.interfaces
    }
    assert {(e.ip, e.mac) for e in m.arp} == {(e.ip, e.mac) for e in a.arp + b.arp}
    # merging a fact with itself changes nothing but provenance bookkeeping
    same = merge_facts(a, copy.deepcopy(a))
    assert dataclasses.replace(same, extra={}) == dataclasses.replace(
        a,
        extra={},
        warnings=a.warnings + [f"{a.source}: {w}" for w in a.warnings],
        fdb=merge._union(list(a.fdb), [], merge._fdb_key),
        arp=merge._union(list(a.arp), [], merge._arp_key),
        neighbors=merge._union(list(a.neighbors), [], merge._neighbor_key),
    )
    json.dumps(dataclasses.asdict(m), default=str)


def test_doctest() -> None:
    r = doctest.testmod(merge)
    assert r.attempted and not r.failed
