"""The generic BFS (discovery.crawl) on recorded neighbour tables: bounds, loops, identity.

The SSH end-to-end crawl over real fakenos devices is in test_ssh_live.py; here `collect`
returns the parsed recordings of data/ssh so every bound can be checked quickly and exactly.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from netcmdb.discovery.cli_parsers import build_device_fact
from netcmdb.discovery.crawl import crawl
from netcmdb.discovery.facts import DeviceFact, NeighborFact, ScanResult
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
    return build_device_fact(platform, outputs, ip=ip,
                             prompt_hostname=prompt.read_text().strip() if prompt.exists() else None)


class Recorder:
    def __init__(self, facts: dict[str, DeviceFact] | None = None) -> None:
        self.calls: list[str] = []
        self.lock = threading.Lock()
        self.facts = facts

    def __call__(self, target: str) -> ScanResult:
        with self.lock:
            self.calls.append(target)
        if self.facts is not None and target in self.facts:
            return ScanResult(target, device=self.facts[target])
        if target in BY_IP:
            return ScanResult(target, device=_fact(target))
        return ScanResult(target, error=f"{target}: connection refused", error_kind="unreachable")


def test_whole_topology_once_each() -> None:
    rec = Recorder()
    results = list(crawl(["10.20.0.1"], rec, scope=["10.20.0.0/24"], max_depth=5, concurrency=4))
    assert sorted(rec.calls) == ["10.20.0.1", "10.20.0.2", "10.20.0.3"]  # no revisit in a loop
    depth = {r.target: r.device.extra["crawl_depth"] for r in results}
    assert depth == {"10.20.0.1": "0", "10.20.0.2": "1", "10.20.0.3": "1"}


@pytest.mark.parametrize(
    ("kw", "visited"),
    [
        ({"max_depth": 0}, ["10.20.0.1"]),
        ({"scope": ["10.20.0.1/32"]}, ["10.20.0.1"]),
        ({"excludes": ["10.20.0.2/32"]}, ["10.20.0.1", "10.20.0.3"]),
        ({"max_queue": 1}, ["10.20.0.1"]),
        ({"follow": lambda n: n.remote_name == "eos-a.campus.example.edu"},
         ["10.20.0.1", "10.20.0.2"]),
    ],
    ids=["depth", "scope", "exclude", "queue", "follow"],
)
def test_bounds(kw: dict, visited: list[str]) -> None:
    rec = Recorder()
    args = {"scope": ["10.20.0.0/24"], **kw}
    list(crawl(["10.20.0.1"], rec, **args))
    assert sorted(rec.calls) == visited


def test_phone_out_of_scope_not_followed_and_queue_warning() -> None:
    rec = Recorder()
    results = list(crawl(["10.20.0.1"], rec, scope=["10.0.0.0/8"], max_queue=2))
    # the CDP phone at 10.30.0.55 is in scope but the queue is full after one neighbour
    seed = next(r for r in results if r.target == "10.20.0.1")
    assert any(w.startswith("crawl: queue limit 2 reached") for w in seed.device.warnings)
    assert "10.30.0.55" not in rec.calls


def test_same_device_under_another_address_is_not_visited_twice() -> None:
    a = _fact("10.20.0.1")
    # an extra LLDP entry: the seed itself, seen again through its second address
    a.neighbors.append(NeighborFact(protocol="lldp", local_port="Vlan20", remote_name="sw-access-1",
                                    remote_mgmt_ip="10.20.0.201"))
    rec = Recorder({"10.20.0.1": a})
    list(crawl(["10.20.0.1"], rec, scope=["10.20.0.0/24"]))
    assert "10.20.0.201" not in rec.calls


def test_failures_do_not_stop_the_crawl() -> None:
    a = _fact("10.20.0.1")
    a.neighbors.append(NeighborFact(protocol="lldp", local_port="Gi1/0/2", remote_name="dead-sw",
                                    remote_mgmt_ip="10.20.0.99"))
    rec = Recorder({"10.20.0.1": a})
    results = list(crawl(["10.20.0.1"], rec, scope=["10.20.0.0/24"]))
    dead = next(r for r in results if r.target == "10.20.0.99")
    assert dead.error_kind == "unreachable"
    assert {r.target for r in results if r.ok} == {"10.20.0.1", "10.20.0.2", "10.20.0.3"}


def test_bad_scope_is_a_scope_error() -> None:
    with pytest.raises(ScopeError, match="bad scope network"):
        list(crawl(["10.20.0.1"], Recorder(), scope=["campus"]))
