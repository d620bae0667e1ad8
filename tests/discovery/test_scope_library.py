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


# ---------------------------------------------------------------------------------------------
# The lowest send levels: a library caller that skips every collector still meets the rules
# ---------------------------------------------------------------------------------------------


@pytest.fixture()
def no_packets(no_sockets: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """no_sockets, plus: no subprocess (``ping``) may start."""

    async def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("a subprocess was started")

    monkeypatch.setattr(asyncio, "create_subprocess_exec", refuse)
    yield


REFUSED_LOW = [
    ("8.8.8.8", "8.8.8.8 is public"),
    ("192.0.2.300", "not a target"),
    ("255.255.255.255", "never contacted"),
    ("224.0.0.5", "never contacted"),
    ("::ffff:8.8.4.4", "8.8.4.4 is public"),
    ("10.0.0.0/30", "several addresses"),
]


@pytest.mark.parametrize(("host", "message"), REFUSED_LOW)
def test_snmp_session_and_wire_client_refuse_before_a_socket(
    no_packets: None, host: str, message: str
) -> None:
    from netcmdb.discovery import snmp_wire as W
    from netcmdb.discovery.snmp import SnmpCredential, SnmpSession

    with pytest.raises(ScopeError, match=message):
        SnmpSession(None, host, 161, SnmpCredential(), timeout=1, retries=0)
    client = W.WireClient()
    with pytest.raises(ScopeError, match=message):
        asyncio.run(
            client.request(
                host, 161, 1, b"public", W.GET, [(1, 3, 6, 1, 2, 1, 1, 5, 0)], timeout=1, retries=0
            )
        )
    assert client._transport is None  # the UDP socket was never made


@pytest.mark.parametrize(("host", "message"), REFUSED_LOW)
def test_ssh_opener_and_host_key_fetch_refuse_before_a_connection(
    no_packets: None, host: str, message: str
) -> None:
    from netcmdb.discovery import ssh

    settings = _ssh_settings(platform="cisco_ios")
    for call in (
        lambda: ssh._open(host, 22, settings),
        lambda: ssh.ensure_host_key(host, 22, settings),
        lambda: ssh._fetch_host_key(host, 22, 1.0),
    ):
        with pytest.raises(ScopeError, match=message):
            call()


@pytest.mark.parametrize(("host", "message"), REFUSED_LOW[:5])
def test_sweep_senders_refuse_before_a_socket(no_packets: None, host: str, message: str) -> None:
    from netcmdb.discovery import sweep
    from netcmdb.discovery.ratelimit import ProbePolicy, TokenBucket

    opts = ScanOptions()
    policy, bucket = ProbePolicy(timeout_s=0.1, retries=0), TokenBucket(100)
    ips = ["10.1.2.3", host]
    for call in (
        lambda: sweep.arp_sweep_iface("lo", ips, policy, bucket, opts, {}),
        lambda: sweep.IcmpScanner()._socket_sweep(ips, "dgram", policy, bucket, opts, {}),
        lambda: sweep._ping_subprocesses(ips, policy, bucket, opts),
        lambda: asyncio.run(sweep.TcpScanner()._run(ips, [22], policy, bucket, opts)),
        lambda: sweep.netbios_names(ips, bucket=bucket),
    ):
        with pytest.raises(ScopeError, match=message):
            call()


def test_low_levels_take_the_rules_they_are_given(no_packets: None) -> None:
    """The rules passed down are the caller's: an exclude holds at the send level too, and a
    checked target cannot be forged by constructing the token by hand."""
    from netcmdb.discovery import sweep
    from netcmdb.discovery.ratelimit import ProbePolicy, TokenBucket
    from netcmdb.discovery.snmp import SnmpCredential, SnmpSession
    from netcmdb.net.scope import Admitted, admitted

    rules = ScopeRules(excludes=("10.1.2.0/24",))
    with pytest.raises(ScopeError, match="10.1.2.3 is excluded"):
        SnmpSession(None, "10.1.2.3", 161, SnmpCredential(), timeout=1, retries=0, rules=rules)
    with pytest.raises(ScopeError, match="10.1.2.3 is excluded"):
        from netcmdb.discovery import ssh

        ssh._open("10.1.2.3", 22, _ssh_settings(scope=rules))
    # a batch sender drops excluded addresses: nothing left, so no socket either
    opts = ScanOptions(excludes=["10.1.2.0/24"])
    policy, bucket = ProbePolicy(timeout_s=0.1, retries=0), TokenBucket(100)
    assert sweep.arp_sweep_iface("lo", ["10.1.2.3"], policy, bucket, opts, {}) == {}
    assert sweep.netbios_names(["10.1.2.3"], bucket=bucket, rules=opts.rules) == {}
    with pytest.raises(ScopeError, match="cannot be made by hand"):
        Admitted("8.8.8.8")
    # a private address is admitted (the session exists; nothing is sent until get/walk)
    sess = SnmpSession(None, "10.1.2.3", 161, SnmpCredential(), timeout=1, retries=0)
    assert sess.host == "10.1.2.3" and sess.target == admitted("10.1.2.3")
    # --allow-public is the caller's to give, and only then does a public address pass
    assert admitted("8.8.8.8", ScopeRules(allow_public=True)).address == "8.8.8.8"


def test_a_name_is_checked_by_the_address_it_resolves_to() -> None:
    from netcmdb.net.scope import admitted

    with pytest.raises(ScopeError, match="evil.example: 8.8.8.8 is public"):
        admitted("evil.example", resolve=lambda _n: ["8.8.8.8"])
    assert admitted("sw1.campus:2222", resolve=lambda _n: ["10.9.9.9"]).address == "10.9.9.9"


#: Calls that open a network socket, connect, send or start a prober.
_SENDERS = {
    "socket",
    "create_connection",
    "create_datagram_endpoint",
    "open_connection",
    "create_subprocess_exec",
    "ConnectHandler",
    "SSHDetect",
    "Transport",
    "urlopen",
    "_OPENER.open",  # web/push.py's urllib opener (it refuses redirects)
    "gethostbyaddr",
    "UdpTransportTarget.create",
}
#: Functions that hold a sender call without the gate, and why that is safe.
_NOT_SENDING = {
    "discovery/sweep.py:_have_raw": "opens and closes a raw socket to test the privilege",
    "discovery/sweep.py:source_ip_for": "UDP connect() sends nothing; asks the kernel's route",
    "discovery/sweep.py:IcmpScanner._choose": "opens and closes a socket to test the privilege",
    "discovery/sweep.py:reverse_dns": "PTR queries go to the system resolver, not the address",
    "discovery/snmp_wire.py:WireClient._ensure": "binds the socket; only the gated request() "
    "calls it",
    "discovery/snmp.py:SnmpSession._target": "self.target was admitted in __init__",
    "web/push.py:push_facts": "the user's own netcmdb server (--push URL), not a scan target",
}


def test_every_sender_goes_through_the_gate() -> None:
    """A function anywhere in the product (every module but the lab's simulators in demo/)
    that opens a socket, connects or starts a prober calls net.scope's gate (``admitted`` /
    ``cleared``) itself -- or is listed above with the reason it sends nothing to a target. A
    new sender added without the gate fails here."""
    import ast
    from pathlib import Path

    import netcmdb

    root = Path(netcmdb.__file__).resolve().parent
    found: dict[str, bool] = {}
    skip = {".venv", ".lint", "tests", "benchmarks", "demo"}  # demo/: the lab's own simulators
    product = sorted(root.glob("*.py")) + [
        p
        for d in sorted(root.iterdir())
        if d.is_dir() and d.name not in skip and not d.name.startswith(".")
        for p in sorted(d.rglob("*.py"))
    ]
    assert root / "web" / "push.py" in product and root / "discovery" / "ssh.py" in product
    for path in product:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(root).as_posix()
        funcs: list[tuple[str, ast.AST]] = []
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                funcs.append((node.name, node))
            elif isinstance(node, ast.ClassDef):
                funcs.extend(
                    (f"{node.name}.{m.name}", m)
                    for m in node.body
                    if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))
                )
        for name, fn in funcs:
            called: set[str] = set()
            for c in ast.walk(fn):
                if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute):
                    called.add(c.func.attr)
                    if isinstance(c.func.value, ast.Name):
                        called.add(f"{c.func.value.id}.{c.func.attr}")
                elif isinstance(c, ast.Call) and isinstance(c.func, ast.Name):
                    called.add(c.func.id)
            if called & _SENDERS:
                found[f"{rel}:{name}"] = bool(called & {"admitted", "cleared"})
    ungated = sorted(k for k, gated in found.items() if not gated and k not in _NOT_SENDING)
    assert ungated == [], f"senders without the scope gate: {ungated}"
    assert {k for k, gated in found.items() if gated} >= {
        "discovery/ssh.py:_open",
        "discovery/ssh.py:_fetch_host_key",
        "discovery/sweep.py:arp_sweep_iface",
        "discovery/sweep.py:netbios_names",
        "discovery/sweep.py:IcmpScanner._socket_sweep",
        "discovery/sweep.py:_ping_subprocesses",
        "discovery/sweep.py:TcpScanner._run",
    }
    assert set(_NOT_SENDING) <= set(found), "stale entries in _NOT_SENDING"
