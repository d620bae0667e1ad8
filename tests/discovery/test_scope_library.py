"""Scope safety for library callers: every public collection entry point refuses before a socket.

No CLI here: a program that calls the scanners, the SNMP/SSH collectors or the crawls directly
gets the same refusals. ``no_sockets`` makes opening any socket fail the test, so "refused before
the first packet" is checked, not assumed. (The capture-based proofs on a namespace lab are in
test_scope_lab.py.)
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from netcmdb.discovery.base import ScanOptions, get_scanner
from netcmdb.discovery.crawl import crawl_sync
from netcmdb.discovery.credentials import Secret, SshCredentials
from netcmdb.discovery.facts import DeviceFact, NeighborFact, ScanResult, Source
from netcmdb.discovery.snmp import SnmpConfig, collect, collect_many, crawl_snmp
from netcmdb.discovery.ssh import SshSettings, collect_device, crawl_ssh
from netcmdb.discovery.ssh import collect_many as ssh_collect_many
from netcmdb.errors import ScopeError
from netcmdb.net.scope import ScopeRules


@pytest.fixture()
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Opening an IP socket (or resolving a name) fails the test; the event loop's own
    socketpair (made from existing descriptors) is allowed."""
    real = socket.socket

    class Guarded(real):  # type: ignore[misc,valid-type]
        def __init__(
            self, family: int = -1, type: int = -1, proto: int = -1, fileno: int | None = None
        ) -> None:
            if fileno is None and family in (-1, socket.AF_INET, socket.AF_INET6, socket.AF_PACKET):
                raise AssertionError("a network socket was opened")
            super().__init__(family, type, proto, fileno)

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("a connection or name lookup was attempted")

    monkeypatch.setattr(socket, "socket", Guarded)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield


BAD = [
    (["8.8.8.8"], "8.8.8.8 is public"),
    (["1.1.1.0/24"], "1.1.1.1 is public"),
    (["255.255.255.255"], "never contacted"),
    (["10.0.0.0/33"], "not a target"),
    (["10.99.255.1", "224.0.0.5"], "multicast"),
]


def _ssh_settings(**kw: object) -> SshSettings:
    return SshSettings(credentials=SshCredentials("admin", Secret("pw"), None, origin="test"), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("targets", "message"), BAD)
@pytest.mark.parametrize("method", ["arp", "icmp", "tcp", "snmp", "ssh"])
def test_registry_scanners_refuse(
    no_sockets: None, method: str, targets: list[str], message: str
) -> None:
    if method in ("arp", "icmp", "tcp") and "/" in targets[0]:
        message = "not a target" if "/33" in targets[0] else message
    opts = ScanOptions(
        extra={
            "ports": "22",
            "resolve": False,
            "icmp_method": "dgram",
            "ssh_credentials": _ssh_settings().credentials,
        }
    )
    with pytest.raises(ScopeError, match=message):
        list(get_scanner(method).scan(targets, opts))


@pytest.mark.parametrize(("targets", "message"), BAD)
def test_collectors_and_crawls_refuse(no_sockets: None, targets: list[str], message: str) -> None:
    with pytest.raises(ScopeError, match=message):
        asyncio.run(collect_many(targets, SnmpConfig()))
    with pytest.raises(ScopeError, match=message):
        list(ssh_collect_many(targets, _ssh_settings()))
    with pytest.raises(ScopeError, match=message):
        crawl_snmp(targets, SnmpConfig())
    with pytest.raises(ScopeError, match=message):
        crawl_ssh(targets, _ssh_settings())


def test_max_hosts_is_one_limit_for_every_collector(no_sockets: None) -> None:
    rules = ScopeRules(max_hosts=10)
    for call in (
        lambda: asyncio.run(collect_many(["10.0.0.0/16"], SnmpConfig(scope=rules))),
        lambda: list(ssh_collect_many(["10.0.0.0/16"], _ssh_settings(scope=rules))),
        lambda: list(get_scanner("icmp").scan(["10.0.0.0/28"], ScanOptions(max_hosts=10))),
    ):
        with pytest.raises(ScopeError, match="more than --max-hosts 10"):
            call()


def test_one_device_collectors_refuse_per_host(no_sockets: None) -> None:
    """collect()/collect_device() for one host: a refused host is a result, never a packet."""
    r = asyncio.run(collect("8.8.8.8", SnmpConfig()))
    assert r.error_kind == "refused" and "--allow-public" in (r.error or "")
    r = asyncio.run(collect("10.1.2.3", SnmpConfig(scope=ScopeRules(excludes=("10.1.2.0-9",)))))
    assert r.error_kind == "excluded"
    r = collect_device("255.255.255.255:22", _ssh_settings())
    assert r.error_kind == "refused" and "never contacted" in (r.error or "")
    r = collect_device("10.1.2.3", _ssh_settings(scope=ScopeRules(excludes=("10.1.2.3",))))
    assert r.error_kind == "excluded"


def _switch(name: str, ip: str, neighbours: list[tuple[str, str]]) -> DeviceFact:
    return DeviceFact(
        source=Source.SNMP,
        ip=ip,
        hostname=name,
        addresses=[ip],
        neighbors=[
            NeighborFact(
                protocol="lldp",
                local_port=f"xe{i}",
                remote_name=n,
                remote_mgmt_ip=a,
                remote_capabilities=["bridge"],
            )
            for i, (n, a) in enumerate(neighbours)
        ],
    )


def test_crawl_without_scope_is_bounded_and_hostile_neighbours_are_skipped() -> None:
    """The issue's library run: a fake neighbour steered an unbounded crawl to 8.8.8.8."""
    net = {
        "10.99.255.1": _switch(
            "core",
            "10.99.255.1",
            [
                ("a", "10.99.255.2"),
                ("evil1", "8.8.8.8"),
                ("evil2", "255.255.255.255"),
                ("evil3", "192.168.1.1"),
                ("evil4", "10.99.255.3 "),
                ("evil5", "sw.example"),
                ("evil6", "::ffff:8.8.4.4"),
                ("evil7", "10.99.255.1-9"),
            ],
        ),
        "10.99.255.2": _switch("a", "10.99.255.2", [("core", "10.99.255.1")]),
        "10.99.255.3": _switch("c", "10.99.255.3", []),
    }
    calls: list[str] = []

    def collect_fake(addr: str) -> ScanResult:
        calls.append(addr)
        return (
            ScanResult(addr, device=net[addr])
            if addr in net
            else ScanResult(addr, error="timeout", error_kind="timeout")
        )

    out = crawl_sync(["10.99.255.1"], collect_fake)
    assert sorted(calls) == ["10.99.255.1", "10.99.255.2", "10.99.255.3"]  # .3 canonicalised
    assert out.scope == {
        "cidrs": ["10.0.0.0/8"],
        "origin": "seeds",
        "excludes": [],
        "allow_public": False,
    }
    why = dict(out.skipped)
    assert "8.8.8.8 is public" in why["8.8.8.8"] and "neighbour of core" in why["8.8.8.8"]
    assert "never contacted" in why["255.255.255.255"]
    assert "outside the crawl scope (10.0.0.0/8, from the seeds)" in why["192.168.1.1"]
    assert "not an address" in why["sw.example"] and "not an address" in why["10.99.255.1-9"]
    assert "8.8.4.4 is public" in why["::ffff:8.8.4.4"]
    # an explicit wide scope does not lift the public rule
    calls.clear()
    crawl_sync(["10.99.255.1"], collect_fake, scope=["0.0.0.0/0"])
    assert "8.8.8.8" not in calls and "255.255.255.255" not in calls
