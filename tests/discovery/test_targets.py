"""Target parsing and scope safety (pure): table-driven cases plus hypothesis properties."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netcmdb.discovery.targets import (
    DEFAULT_MAX_HOSTS,
    expand,
    in_scope,
    is_public,
    parse_spec,
    read_target_file,
    resolve_scope,
)
from netcmdb.errors import ScopeError

EXPAND_CASES = [
    (["10.0.0.1"], [], ["10.0.0.1"]),
    (["10.0.0.1-3"], [], ["10.0.0.1", "10.0.0.2", "10.0.0.3"]),
    (["10.0.0.254-10.0.1.1"], [], ["10.0.0.254", "10.0.0.255", "10.0.1.0", "10.0.1.1"]),
    (["192.168.1.0/30"], [], ["192.168.1.1", "192.168.1.2"]),  # network/broadcast dropped
    (["192.168.1.8/31"], [], ["192.168.1.8", "192.168.1.9"]),  # RFC 3021 point-to-point
    (["10.0.0.0/29"], ["10.0.0.2-5"], ["10.0.0.1", "10.0.0.6"]),
    (["10.0.0.0/24"], ["10.0.0.0/25"], [f"10.0.0.{i}" for i in range(128, 255)]),
    (["10.0.0.5", "10.0.0.1-6", "10.0.0.5"], [], [f"10.0.0.{i}" for i in range(1, 7)]),
    (["10.0.0.1,10.0.0.3"], [], ["10.0.0.1", "10.0.0.3"]),
    (["fd00::1-fd00::3"], ["fd00::2"], ["fd00::1", "fd00::3"]),
    (["100.64.0.1"], [], ["100.64.0.1"]),  # CGNAT is not public
]


@pytest.mark.parametrize(("specs", "excludes", "expected"), EXPAND_CASES)
def test_expand_table(specs: list[str], excludes: list[str], expected: list[str]) -> None:
    assert expand(specs, excludes) == expected


ERROR_CASES = [
    (["foo.example"], {}, "not a target"),
    (["10.0.0.1-300"], {}, "above 255"),
    (["10.0.0.9-3"], {}, "below the start"),
    (["10.0.0.1-fd00::1"], {}, "mixes IPv4 and IPv6"),
    (["10.0.0.0/8"], {}, "--max-hosts"),
    (["10.0.0.0/24"], {"max_hosts": 100}, "254 addresses"),
    (["8.8.8.8"], {}, "--allow-public"),
    (["10.255.255.250-11.0.0.5"], {}, "11.0.0.0/30 is public"),  # straddles 10/8's end
    (["224.0.0.1"], {"allow_public": True}, "multicast"),
    ([], {}, "no targets"),
    ([""], {}, "no targets"),
    (["  "], {}, "no targets"),
]


@pytest.mark.parametrize(("specs", "kw", "message"), ERROR_CASES)
def test_scope_errors_say_what_to_do(specs: list[str], kw: dict, message: str) -> None:
    with pytest.raises(ScopeError) as info:
        expand(specs, **kw)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_public_allowed_with_flag_and_excludes_count_before_limit() -> None:
    assert len(expand(["8.8.8.0/24"], allow_public=True)) == 254
    # 10.0.0.0/15 minus 10.1.0.0/16 is 65,536 addresses: allowed at the default limit
    assert len(expand(["10.0.0.0/15"], ["10.1.0.0/16"])) == DEFAULT_MAX_HOSTS - 1


def test_target_file(tmp_path) -> None:
    f = tmp_path / "targets.txt"
    f.write_text("# campus\n10.1.0.1-2  # core\n10.1.0.9, 10.1.0.10\n\n")
    assert read_target_file(f) == ["10.1.0.1-2", "10.1.0.9", "10.1.0.10"]
    assert expand([f"@{f}"]) == expand([f"file:{f}"]) == [
        "10.1.0.1", "10.1.0.2", "10.1.0.9", "10.1.0.10"]
    ex = tmp_path / "ex.txt"
    ex.write_text("10.1.0.2\n")
    assert expand([f"@{f}"], [f"@{ex}"]) == ["10.1.0.1", "10.1.0.9", "10.1.0.10"]
    with pytest.raises(ScopeError, match="cannot read target file"):
        expand([f"@{tmp_path / 'missing.txt'}"])


def test_resolve_scope_covers_exactly_the_probed_blocks() -> None:
    scope = resolve_scope(["10.0.0.0/24"], ["10.0.0.128/25"])
    assert scope.covered == ["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/30", "10.0.0.8/29",
                             "10.0.0.16/28", "10.0.0.32/27", "10.0.0.64/26"]
    assert len(scope.addresses) == 127


@pytest.mark.parametrize(("ip", "scope", "excludes", "expected"), [
    ("10.1.2.3", ["10.1.0.0/16"], [], True),
    ("10.1.2.3", ["10.1.0.0/16"], ["10.1.2.0/24"], False),
    ("10.1.2.3", ["10.1.0.0/16"], ["10.1.2.1-5"], False),
    ("10.1.2.6", ["10.1.0.0/16"], ["10.1.2.1-5"], True),
    ("10.2.0.1", ["10.1.0.0/16"], [], False),
    ("fd00::5", ["fd00::/64"], [], True),
    ("10.1.2.3", ["fd00::/64"], [], False),
    ("garbage", ["0.0.0.0/0"], [], False),
    ("10.1.2.3 ", ["10.1.2.3"], [], True),
])
def test_in_scope_table(ip: str, scope: list[str], excludes: list[str], expected: bool) -> None:
    assert in_scope(ip, scope, excludes) is expected


@pytest.mark.parametrize(("ip", "public"), [
    ("8.8.8.8", True), ("1.1.1.1", True), ("10.0.0.1", False), ("172.31.255.255", False),
    ("172.32.0.1", True), ("192.168.0.1", False), ("100.64.0.1", False), ("169.254.1.1", False),
    ("127.0.0.1", False), ("2001:db8::1", False), ("2606:4700::1111", True), ("fd12::1", False),
])
def test_is_public(ip: str, public: bool) -> None:
    assert is_public(ip) is public


ipv4 = st.integers(min_value=int(ipaddress.IPv4Address("10.0.0.0")),
                   max_value=int(ipaddress.IPv4Address("10.255.255.255")))


@settings(max_examples=200, deadline=None)
@given(start=ipv4, length=st.integers(0, 300), ex_start=ipv4, ex_len=st.integers(0, 300),
       probe=ipv4)
def test_expand_and_in_scope_agree(start: int, length: int, ex_start: int, ex_len: int,
                                   probe: int) -> None:
    """Whatever the ranges: expansion == brute-force set algebra, and in_scope agrees."""
    end = min(start + length, int(ipaddress.IPv4Address("10.255.255.255")))
    ex_end = min(ex_start + ex_len, int(ipaddress.IPv4Address("10.255.255.255")))
    a = lambda n: str(ipaddress.IPv4Address(n))  # noqa: E731
    spec, ex = f"{a(start)}-{a(end)}", f"{a(ex_start)}-{a(ex_end)}"
    got = expand([spec], [ex])
    brute = [a(n) for n in range(start, end + 1) if not ex_start <= n <= ex_end]
    assert got == brute
    for n in (probe, start, end, ex_start):
        assert in_scope(a(n), [spec], [ex]) is (a(n) in set(brute))


@settings(max_examples=100, deadline=None)
@given(net=st.integers(0, 2**24 - 1), plen=st.integers(24, 32))
def test_cidr_never_yields_network_or_broadcast(net: int, plen: int) -> None:
    base = ipaddress.IPv4Address(int(ipaddress.IPv4Address("10.0.0.0")) + net)
    cidr = ipaddress.IPv4Network(f"{base}/{plen}", strict=False)
    got = expand([str(cidr)])
    assert all(ipaddress.IPv4Address(g) in cidr for g in got)
    if plen <= 30:
        assert str(cidr.network_address) not in got
        assert str(cidr.broadcast_address) not in got
        assert len(got) == cidr.num_addresses - 2
    else:
        assert len(got) == cidr.num_addresses


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789abcdef.:/-, x", max_size=30))
def test_parse_spec_only_raises_scope_error(text: str) -> None:
    try:
        parse_spec(text)
    except ScopeError as exc:
        assert str(exc)
