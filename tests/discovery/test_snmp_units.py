"""Pure parts of SNMP discovery, table driven: ID decoding, capabilities, end-host rules, crawl."""

from __future__ import annotations

import pytest

from netcmdb.discovery.crawl import crawl_sync, is_leaf
from netcmdb.discovery.endhosts import place_end_hosts
from netcmdb.discovery.facts import (
    DeviceFact,
    FdbEntry,
    InterfaceFact,
    NeighborFact,
    ScanResult,
    Source,
)
from netcmdb.discovery.snmp import (
    SnmpCredential,
    credentials_from,
    credentials_from_config,
    decode_cdp_caps,
    decode_lldp_caps,
    decode_lldp_id,
    mac_of,
)
from netcmdb.errors import ConfigError


@pytest.mark.parametrize(
    "subtype,value,chassis,want",
    [
        (4, bytes.fromhex("0299f0020001"), True, ("02:99:f0:02:00:01", "mac")),
        (5, bytes([1, 10, 99, 255, 2]), True, ("10.99.255.2", "network_address")),
        (7, b"sw-a", True, ("sw-a", "local")),
        (5, b"GigabitEthernet0/0/1", False, ("GigabitEthernet0/0/1", "ifname")),
        (3, bytes.fromhex("b4fbe4268c2c"), False, ("b4:fb:e4:26:8c:2c", "mac")),
        (1, "交换机端口".encode("gb18030"), False, ("交换机端口", "interface_alias")),
        (None, b"\x01\x02\x03", False, ("01:02:03", "unknown")),
    ],
)
def test_decode_lldp_id(subtype, value, chassis, want) -> None:  # type: ignore[no-untyped-def]
    assert decode_lldp_id(subtype, value, chassis=chassis) == want


@pytest.mark.parametrize(
    "value,want",
    [
        (b"\x28\x00", ["bridge", "router"]),
        (b"\x20", ["bridge"]),
        (b"28 2 4", ["bridge", "router"]),
        (b"\x04\x00", ["phone"]),
        (None, []),
        (b"", []),
    ],
)
def test_lldp_capabilities(value, want) -> None:  # type: ignore[no-untyped-def]
    assert decode_lldp_caps(value) == want


def test_cdp_capabilities() -> None:
    assert decode_cdp_caps(bytes.fromhex("00000026")) == ["bridge", "igmp"]
    assert decode_cdp_caps(bytes.fromhex("00000029")) == ["bridge", "igmp", "router"]
    assert decode_cdp_caps(bytes.fromhex("00000090")) == ["host", "phone"]


@pytest.mark.parametrize(
    "value,want",
    [
        (bytes.fromhex("00d0d3aabbcc"), "00:d0:d3:aa:bb:cc"),
        (b"58:69:6c:6:82:3c", "58:69:6c:06:82:3c"),
        (b"0:2:63:6:65:d8", "00:02:63:06:65:d8"),
        (bytes(6), None),
        (b"\xff" * 6, None),
        (b"junk", None),
    ],
)
def test_mac_of(value, want) -> None:  # type: ignore[no-untyped-def]
    assert mac_of(value) == want


def test_credentials_order_env_config_and_secrets() -> None:
    assert [c.community for c in credentials_from(env={})] == ["public"]
    creds = credentials_from(env={"NETCMDB_SNMP_COMMUNITY": "a,b"})
    assert [c.community for c in creds] == ["a", "b"]
    creds = credentials_from(
        ["x"], v3_user="u", v3_auth_key="authkey12", v3_priv_key="privkey12", env={}
    )
    assert [c.version for c in creds] == ["3", "2c"]
    assert "authkey12" not in repr(creds) and "x" not in creds[1].label
    conf = {
        "credentials": {
            "ro": {"snmp_version": "2c", "community_env": "RO"},
            "ssh": {"ssh_username": "admin"},
            "v3": {"v3_user": "mon", "v3_auth_proto": "sha256", "v3_auth_key_env": "AK"},
        }
    }
    got = credentials_from_config(conf, env={"RO": "campus-ro", "AK": "k" * 10})
    assert [(c.version, c.community if c.version != "3" else c.user) for c in got] == [
        ("2c", "campus-ro"),
        ("3", "mon"),
    ]
    with pytest.raises(ConfigError, match="RO is not set"):
        credentials_from_config(conf, env={})
    with pytest.raises(ConfigError, match="auth protocol"):
        SnmpCredential("3", user="u", auth_proto="sha999", auth_key="x" * 8)


def _sw(
    name: str,
    ports: list[str],
    *,
    mac: str,
    fdb: list[tuple[str, str]],
    nbrs: list[tuple[str, str, list[str]]] = (),
    lag: dict[str, str] | None = None,
) -> DeviceFact:
    lag = lag or {}
    return DeviceFact(
        source=Source.SNMP,
        hostname=name,
        chassis_mac=mac,
        interfaces=[InterfaceFact(p, lag_parent=lag.get(p)) for p in ports],
        fdb=[FdbEntry(m, p) for m, p in fdb],
        neighbors=[
            NeighborFact("lldp", lp, remote_name=rn, remote_capabilities=caps)
            for lp, rn, caps in nbrs
        ],
    )


def test_end_host_rules() -> None:
    pc1, pc2, phone_pc, srv = (
        "02:00:00:00:00:01",
        "02:00:00:00:00:02",
        "02:00:00:00:00:03",
        "02:00:00:00:00:04",
    )
    core = _sw(
        "core",
        ["xe1", "ge1", "Po1", "xe5", "xe6"],
        mac="02:aa:00:00:00:01",
        fdb=[(pc1, "xe1"), (pc2, "xe1"), ("02:bb:00:00:00:01", "xe1"), (srv, "xe5"), (srv, "xe6")],
        lag={"xe5": "Po1", "xe6": "Po1"},
    )
    # access has no LLDP to core (uplink found through core's MAC behind ge24) and a hub on ge2
    acc = _sw(
        "acc",
        ["ge1", "ge2", "ge3", "ge24"],
        mac="02:bb:00:00:00:01",
        fdb=[
            (pc1, "ge1"),
            (pc2, "ge2"),
            ("02:aa:00:00:00:01", "ge24"),
            (pc1, "ge24"),
            (phone_pc, "ge3"),
            ("02:00:00:00:00:99", "ge2"),
        ],
        nbrs=[("ge3", "SEP0011", ["phone"])],
    )
    acc.fdb.append(FdbEntry("02:00:00:00:00:77", "ge1", status="static"))
    res = place_end_hosts([core, acc])
    got = {p.mac: (p.switch, p.port) for p in res.placements}
    assert got == {
        pc1: ("acc", "ge1"),
        pc2: ("acc", "ge2"),
        phone_pc: ("acc", "ge3"),
        "02:00:00:00:00:99": ("acc", "ge2"),
        srv: ("core", "Po1"),
    }
    assert res.uplinks[1] == {"ge24"} and res.uplinks[0] == {"xe1"}
    # a MAC on two access ports (a hub behind ge2 of another switch) goes to the edge-most port
    acc2 = _sw("acc2", ["ge1"], mac="02:cc:00:00:00:01", fdb=[(pc2, "ge1")])
    got = {p.mac: (p.switch, p.port) for p in place_end_hosts([core, acc, acc2]).placements}
    assert got[pc2] == ("acc2", "ge1")


def test_crawl_bfs_scope_depth_dedupe_and_leaves() -> None:
    def dev(name: str, ip: str, nbrs: list[tuple[str, str | None, list[str]]]) -> DeviceFact:
        return DeviceFact(
            source=Source.SNMP,
            ip=ip,
            hostname=name,
            addresses=[ip],
            neighbors=[
                NeighborFact(
                    "lldp", f"p{i}", remote_name=n, remote_mgmt_ip=a, remote_capabilities=c
                )
                for i, (n, a, c) in enumerate(nbrs)
            ],
        )

    net = {
        "10.0.0.1": dev(
            "core",
            "10.0.0.1",
            [
                ("a", "10.0.0.2", ["bridge"]),
                ("b", "10.0.0.3", ["bridge"]),
                ("far", "192.168.9.9", ["bridge"]),
            ],
        ),
        "10.0.0.2": dev(
            "a",
            "10.0.0.2",
            [
                ("core", "10.0.0.1", ["bridge"]),
                ("ap1", "10.0.0.50", ["wlan", "bridge"]),
                ("c", "10.0.0.4", ["bridge"]),
            ],
        ),
        "10.0.0.3": dev(
            "b", "10.0.0.3", [("a", "10.0.0.2", ["bridge"]), ("nomgmt", None, ["bridge"])]
        ),
        "10.0.0.4": dev("c", "10.0.0.4", []),
    }
    calls: list[str] = []

    async def collect(addr: str) -> ScanResult:
        calls.append(addr)
        d = net.get(addr)
        return (
            ScanResult(addr, device=d)
            if d
            else ScanResult(addr, error="timeout", error_kind="timeout")
        )

    cr = crawl_sync(["10.0.0.1"], collect, scope=["10.0.0.0/24"])
    assert sorted(calls) == ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]  # each once
    assert cr.depth == {"10.0.0.1": 0, "10.0.0.2": 1, "10.0.0.3": 1, "10.0.0.4": 2}
    assert (
        "192.168.9.9",
        "192.168.9.9 is outside the crawl scope (10.0.0.0/24, from --scope); neighbour of core",
    ) in cr.skipped
    assert ("nomgmt", "no management address") in cr.skipped
    assert [n.remote_name for _, n in cr.leaves] == ["ap1"]
    calls.clear()
    cr = crawl_sync(["10.0.0.1"], collect, max_depth=1, excludes=["10.0.0.3/32", "192.168.0.0/16"])
    assert sorted(calls) == ["10.0.0.1", "10.0.0.2"]
    calls.clear()
    cr = crawl_sync(["10.0.0.1"], collect, max_queue=2, scope=["10.0.0.0/24"])
    assert len(calls) == 2 and any("queue cap" in why for _, why in cr.skipped)
    assert is_leaf(
        NeighborFact(
            "cdp",
            "g1",
            remote_platform="cisco AIR-AP2702I-UXK9",
            remote_capabilities=["bridge", "igmp"],
        )
    )
