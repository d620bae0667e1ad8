"""The shared BFS (discovery.crawl, owned by the SNMP discovery) fed with SSH-parsed facts.

The SSH end-to-end crawl over real fakenos devices is in test_ssh_live.py; here `collect`
returns the parsed CLI recordings of data/ssh, so the bounds can be checked quickly and exactly
on the facts the SSH parser really produces (abbreviated ports, CDP phones, FQDN names).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from netcmdb.discovery.cli_parsers import build_device_fact
from netcmdb.discovery.crawl import crawl_sync
from netcmdb.discovery.facts import DeviceFact, NeighborFact, ScanResult
from netcmdb.discovery.vendors import platform_from_description
from netcmdb.errors import ScopeError

DATA = Path(__file__).parent / "data" / "ssh"
# recordings whose LLDP tables point at 10.20.0.1 (cisco), .2 (arista), .3 (huawei)
BY_IP = {
    "10.20.0.1": ("cisco_ios", "c3850_basic"),
    "10.20.0.2": ("arista_eos", "dcs7050_basic"),
    "10.20.0.3": ("huawei_vrp", "s5720_basic"),
}


def _fact(ip: str) -> DeviceFact:
    platform, case = BY_IP[ip]
    folder = DATA / platform / case
    outputs = {p.stem: p.read_text() for p in folder.glob("*.txt") if p.stem != "prompt"}
    prompt = folder / "prompt.txt"
    return build_device_fact(
        platform,
        outputs,
        ip=ip,
        prompt_hostname=(prompt.read_text().strip() if prompt.exists() else None),
    )


class Recorder:
    def __init__(self, facts: dict[str, DeviceFact] | None = None) -> None:
        self.calls: list[str] = []
        self.lock = threading.Lock()
        self.facts = facts or {}

    def __call__(self, target: str) -> ScanResult:
        with self.lock:
            self.calls.append(target)
        if target in self.facts:
            return ScanResult(target, device=self.facts[target])
        if target in BY_IP:
            return ScanResult(target, device=_fact(target))
        return ScanResult(target, error=f"{target}: connection refused", error_kind="unreachable")


def test_whole_topology_once_each() -> None:
    rec = Recorder()
    out = crawl_sync(["10.20.0.1"], rec, scope=["10.20.0.0/24"], max_depth=5, concurrency=4)
    assert sorted(rec.calls) == ["10.20.0.1", "10.20.0.2", "10.20.0.3"]  # no revisit in a loop
    assert out.depth == {"10.20.0.1": 0, "10.20.0.2": 1, "10.20.0.3": 1}
    # the CDP phone on the Cisco is recorded as a leaf, not crawled
    assert any(n.remote_name == "SEP001122334455" for _, n in out.leaves)


@pytest.mark.parametrize(
    ("kw", "visited"),
    [
        ({"max_depth": 0}, ["10.20.0.1"]),
        ({"scope": ["10.20.0.1/32"]}, ["10.20.0.1"]),
        ({"excludes": ["10.20.0.2/32"]}, ["10.20.0.1", "10.20.0.3"]),
        ({"max_queue": 1}, ["10.20.0.1"]),
        (
            {"follow": lambda n: n.remote_name == "eos-a.campus.example.edu"},
            ["10.20.0.1", "10.20.0.2"],
        ),
    ],
    ids=["depth", "scope", "exclude", "queue", "follow"],
)
def test_bounds(kw: dict, visited: list[str]) -> None:
    rec = Recorder()
    crawl_sync(["10.20.0.1"], rec, **{"scope": ["10.20.0.0/24"], **kw})
    assert sorted(rec.calls) == visited


def test_same_device_under_another_address_is_not_visited_twice() -> None:
    a = _fact("10.20.0.1")
    # the seed itself, seen again through a second address (its chassis MAC gives it away)
    a.neighbors.append(
        NeighborFact(
            protocol="lldp",
            local_port="Vlan20",
            remote_name="sw-access-1",
            remote_chassis_id=a.chassis_mac,
            remote_mgmt_ip="10.20.0.201",
            remote_capabilities=["bridge"],
        )
    )
    rec = Recorder({"10.20.0.1": a})
    crawl_sync(["10.20.0.1"], rec, scope=["10.20.0.0/24"])
    assert "10.20.0.201" not in rec.calls


def test_failures_do_not_stop_the_crawl() -> None:
    a = _fact("10.20.0.1")
    a.neighbors.append(
        NeighborFact(
            protocol="lldp",
            local_port="Gi1/0/2",
            remote_name="dead-sw",
            remote_mgmt_ip="10.20.0.99",
            remote_capabilities=["bridge"],
        )
    )
    rec = Recorder({"10.20.0.1": a})
    out = crawl_sync(["10.20.0.1"], rec, scope=["10.20.0.0/24"])
    dead = next(r for r in out.results if r.target == "10.20.0.99")
    assert dead.error_kind == "unreachable"
    assert {r.target for r in out.results if r.ok} == {"10.20.0.1", "10.20.0.2", "10.20.0.3"}


def test_neighbour_platform_hints_from_parsed_descriptions() -> None:
    """What crawl_ssh uses to pick a neighbour's platform without autodetection."""
    cisco = _fact("10.20.0.1")
    texts: dict[str, list[str]] = {}
    for n in cisco.neighbors:
        if n.remote_mgmt_ip:
            texts.setdefault(n.remote_mgmt_ip, []).extend(
                t for t in (n.remote_descr, n.remote_platform) if t
            )
    hints = {ip: platform_from_description(" ".join(t)) for ip, t in texts.items()}
    assert hints["10.20.0.2"] == "arista_eos"
    assert hints["10.20.0.3"] == "huawei_vrp"  # from the CDP entry (LLDP says only the model)
    assert platform_from_description(_fact("10.20.0.3").neighbors[0].remote_descr) == "cisco_xe"


def test_bad_scope_is_a_scope_error() -> None:
    with pytest.raises(ScopeError):
        crawl_sync(["10.20.0.1"], Recorder(), scope=["campus"])
