"""net/scope.py, the one scope module (pure): table-driven cases, hypothesis properties and the
module's doctests. Nothing here opens a socket: names go through an injected resolver."""

from __future__ import annotations

import doctest
import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netcmdb.errors import ScopeError
from netcmdb.net import scope as scope_mod
from netcmdb.net.scope import (
    DEFAULT_MAX_HOSTS,
    CrawlScope,
    ScopeRules,
    crawl_scope,
    expand,
    in_scope,
    is_excluded,
    is_public,
    parse_spec,
    plan,
    read_target_file,
)

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
    assert (
        expand([f"@{f}"])
        == expand([f"file:{f}"])
        == ["10.1.0.1", "10.1.0.2", "10.1.0.9", "10.1.0.10"]
    )
    ex = tmp_path / "ex.txt"
    ex.write_text("10.1.0.2\n")
    assert expand([f"@{f}"], [f"@{ex}"]) == ["10.1.0.1", "10.1.0.9", "10.1.0.10"]
    with pytest.raises(ScopeError, match="cannot read target file"):
        expand([f"@{tmp_path / 'missing.txt'}"])


def test_plan_covers_exactly_the_probed_blocks() -> None:
    scope = plan(["10.0.0.0/24"], ["10.0.0.128/25"])
    assert scope.covered == [
        "10.0.0.1/32",
        "10.0.0.2/31",
        "10.0.0.4/30",
        "10.0.0.8/29",
        "10.0.0.16/28",
        "10.0.0.32/27",
        "10.0.0.64/26",
    ]
    assert len(scope.addresses) == 127
    assert sum(ipaddress.ip_network(c).num_addresses for c in scope.excluded) == 127  # .128-.254


@pytest.mark.parametrize(
    ("ip", "scope", "excludes", "expected"),
    [
        ("10.1.2.3", ["10.1.0.0/16"], [], True),
        ("10.1.2.3", ["10.1.0.0/16"], ["10.1.2.0/24"], False),
        ("10.1.2.3", ["10.1.0.0/16"], ["10.1.2.1-5"], False),
        ("10.1.2.6", ["10.1.0.0/16"], ["10.1.2.1-5"], True),
        ("10.2.0.1", ["10.1.0.0/16"], [], False),
        ("fd00::5", ["fd00::/64"], [], True),
        ("10.1.2.3", ["fd00::/64"], [], False),
        ("garbage", ["0.0.0.0/0"], [], False),
        ("10.1.2.3 ", ["10.1.2.3"], [], True),
    ],
)
def test_in_scope_table(ip: str, scope: list[str], excludes: list[str], expected: bool) -> None:
    assert in_scope(ip, scope, excludes) is expected


@pytest.mark.parametrize(
    ("ip", "public"),
    [
        ("8.8.8.8", True),
        ("1.1.1.1", True),
        ("10.0.0.1", False),
        ("172.31.255.255", False),
        ("172.32.0.1", True),
        ("192.168.0.1", False),
        ("100.64.0.1", False),
        ("169.254.1.1", False),
        ("127.0.0.1", False),
        ("2001:db8::1", False),
        ("2606:4700::1111", True),
        ("fd12::1", False),
    ],
)
def test_is_public(ip: str, public: bool) -> None:
    assert is_public(ip) is public


ipv4 = st.integers(
    min_value=int(ipaddress.IPv4Address("10.0.0.0")),
    max_value=int(ipaddress.IPv4Address("10.255.255.255")),
)


@settings(max_examples=200, deadline=None)
@given(
    start=ipv4, length=st.integers(0, 300), ex_start=ipv4, ex_len=st.integers(0, 300), probe=ipv4
)
def test_expand_and_in_scope_agree(
    start: int, length: int, ex_start: int, ex_len: int, probe: int
) -> None:
    """Whatever the ranges: expansion == brute-force set algebra, and in_scope agrees."""
    end = min(start + length, int(ipaddress.IPv4Address("10.255.255.255")))
    ex_end = min(ex_start + ex_len, int(ipaddress.IPv4Address("10.255.255.255")))

    def a(n: int) -> str:
        return str(ipaddress.IPv4Address(n))

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


def test_doctests() -> None:
    result = doctest.testmod(scope_mod)
    assert result.attempted > 10 and result.failed == 0


def no_dns(name: str) -> list[str]:
    raise AssertionError(f"resolver called for {name!r}")


FAKE_DNS = {
    "sw-core.lab": ["10.99.255.1"],
    "google.example": ["8.8.8.8"],
    "bcast.example": ["255.255.255.255"],
    "v6only.lab": ["fd00::7"],
}


def fake_dns(name: str) -> list[str]:
    if name not in FAKE_DNS:
        raise ScopeError(f"{name}: name does not resolve; give its address")
    return FAKE_DNS[name]


# Every bad case of issue 17 section 1 (as the SNMP/SSH target forms: names allowed), plus the
# usual suspects. Each is refused before a resolver or socket is touched, with one line.
REFUSED = [
    (["8.8.8.8"], {}, "8.8.8.8 is public"),
    (["1.1.1.0/24"], {}, "1.1.1.1 is public"),
    (["255.255.255.255"], {}, "255.255.255.255 is multicast/broadcast"),
    (["255.255.255.255"], {"allow_public": True}, "multicast/broadcast"),
    (["224.0.0.5"], {"allow_public": True}, "multicast"),
    (["0.0.0.0"], {}, "never contacted"),
    (["10.0.0.0/16"], {"max_hosts": 10}, "65534 addresses to contact is more than --max-hosts 10"),
    (["10.0.0.0/33"], {}, "not a target: '10.0.0.0/33'"),
    (["10.99.255.1-400"], {}, "above 255"),
    (["10.0.0.300"], {}, "not a target"),
    (["10.0.0.1:0"], {}, "ports are 1-65535"),
    (["10.0.0.0/24:22"], {}, "a port goes with one address"),
    (["sw\x1b]0;x"], {}, "control characters"),
    (["a b"], {}, "not a target"),
    ([], {}, "no targets"),
]


@pytest.mark.parametrize(("specs", "kw", "message"), REFUSED)
def test_refused_with_one_line_and_no_lookup(specs: list[str], kw: dict, message: str) -> None:
    with pytest.raises(ScopeError) as info:
        plan(specs, resolve=no_dns, **kw)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_at_file_targets_are_read_not_resolved(tmp_path) -> None:
    f = tmp_path / "targets.txt"
    f.write_text("10.99.255.1-2\n8.8.8.8\n")
    with pytest.raises(ScopeError, match="8.8.8.8 is public"):
        plan([f"@{f}"], resolve=no_dns)
    with pytest.raises(ScopeError, match="cannot read target file"):
        plan([f"@{tmp_path / 'targets-missing.txt'}"], resolve=no_dns)
    big = tmp_path / "big.txt"
    big.write_bytes(b"10.0.0.1\n" * (scope_mod.MAX_TARGET_FILE_BYTES // 9 + 1))
    with pytest.raises(ScopeError, match="larger than"):
        plan([f"@{big}"], resolve=no_dns)
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ScopeError, match="not UTF-8"):
        plan([f"@{binary}"], resolve=no_dns)


def test_names_resolve_once_and_the_address_is_checked() -> None:
    p = plan(["sw-core.lab", "10.99.255.2:2222", "[fd00::1]:22"], resolve=fake_dns)
    assert p.addresses == ["10.99.255.1", "10.99.255.2", "fd00::1"]
    assert p.names == {"10.99.255.1": "sw-core.lab"}
    assert p.targets() == ["10.99.255.1", "10.99.255.2:2222", "[fd00::1]:22"]
    with pytest.raises(ScopeError, match="8.8.8.8 is public"):
        plan(["google.example"], resolve=fake_dns)
    with pytest.raises(ScopeError, match="multicast/broadcast"):
        plan(["bcast.example"], resolve=fake_dns)
    with pytest.raises(ScopeError, match="does not resolve"):
        plan(["nowhere.lab"], resolve=fake_dns)
    # an excluded name is dropped like an excluded address
    assert plan(["sw-core.lab", "10.99.255.3"], ["10.99.255.1"], resolve=fake_dns).addresses == [
        "10.99.255.3"
    ]
    # a dry run does not resolve (a DNS query is a packet): the name is listed, and counted
    dry = plan(["sw-core.lab", "10.99.255.3"], resolve=None)
    assert dry.unresolved == ["sw-core.lab"] and dry.addresses == ["10.99.255.3"]
    with pytest.raises(ScopeError, match="more than --max-hosts 1"):
        plan(["sw-core.lab", "10.99.255.3"], max_hosts=1, resolve=None)


def test_sweeps_take_addresses_only() -> None:
    for spec in ("sw-core.lab", "10.0.0.1:22"):
        with pytest.raises(ScopeError, match="not a target"):
            expand([spec])


# The same syntax means the same thing as target, as exclude and as crawl scope.
SAME_SYNTAX = ["10.99.255.2-3", "10.99.255.2/31", "10.99.255.2,10.99.255.3"]


@pytest.mark.parametrize("spec", SAME_SYNTAX)
def test_one_syntax_for_targets_excludes_and_scopes(spec: str) -> None:
    assert expand(["10.99.255.1-4"], [spec]) == ["10.99.255.1", "10.99.255.4"]
    assert expand([spec]) == ["10.99.255.2", "10.99.255.3"]
    rules = ScopeRules(excludes=(spec,))
    assert [rules.why_not(f"10.99.255.{i}") is None for i in range(1, 5)] == [
        True,
        False,
        False,
        True,
    ]
    cs = CrawlScope((spec,), "given")
    assert [cs.why_not(f"10.99.255.{i}") is None for i in range(1, 5)] == [False, True, True, False]


@pytest.mark.parametrize(
    ("target", "kw", "expected"),
    [
        ("10.99.255.1", {}, ("10.99.255.1", None)),
        ("10.99.255.1:2222", {}, ("10.99.255.1", 2222)),
        ("sw-core.lab:22", {}, ("10.99.255.1", 22)),
        ("8.8.8.8", {"allow_public": True}, ("8.8.8.8", None)),
        ("127.0.0.1", {}, ("127.0.0.1", None)),
    ],
)
def test_admit_one_target(target: str, kw: dict, expected: tuple) -> None:
    assert ScopeRules(**kw).admit(target, fake_dns) == expected


@pytest.mark.parametrize(
    ("target", "kw", "message"),
    [
        ("8.8.8.8", {}, "needs --allow-public"),
        ("google.example", {}, "google.example: 8.8.8.8 is public"),
        ("10.99.255.1", {"excludes": ("10.99.255.0/24",)}, "10.99.255.1 is excluded"),
        ("255.255.255.255", {"allow_public": True}, "never contacted"),
        ("10.0.0.0/24", {}, "several addresses"),
        ("10.0.0.0/33", {}, "not a target"),
    ],
)
def test_admit_refuses(target: str, kw: dict, message: str) -> None:
    with pytest.raises(ScopeError, match=message):
        ScopeRules(**kw).admit(target, fake_dns)


def test_bad_rules_fail_up_front() -> None:
    with pytest.raises(ScopeError, match="not a target: 'campus'"):
        ScopeRules(excludes=("campus",))
    with pytest.raises(ScopeError, match="--max-hosts"):
        ScopeRules(max_hosts=0)
    with pytest.raises(ScopeError, match="not a target"):
        crawl_scope(["10.0.0.1"], ["10.0.0.0/33"])


@pytest.mark.parametrize(
    ("seeds", "scope", "configured", "cidrs", "origin"),
    [
        (["10.99.255.1"], None, None, ("10.0.0.0/8",), "seeds"),
        (
            ["10.99.255.1", "192.168.1.1:2222"],
            None,
            None,
            ("10.0.0.0/8", "192.168.0.0/16"),
            "seeds",
        ),
        (["127.77.0.1"], None, None, ("127.0.0.0/8",), "seeds"),
        (["10.99.255.1"], ["10.99.255.0/24"], ["10.0.0.0/8"], ("10.99.255.0/24",), "given"),
        (["10.99.255.1"], [], ["10.99.0.0/16"], ("10.99.0.0/16",), "config"),
    ],
)
def test_crawl_scope_is_bounded_and_stated(seeds, scope, configured, cidrs, origin) -> None:
    cs = crawl_scope(seeds, scope, configured)
    assert (cs.cidrs, cs.origin) == (cidrs, origin)
    assert cs.as_dict()["cidrs"] == list(cidrs)


@pytest.mark.parametrize(
    ("addr", "reason"),
    [
        ("10.99.255.9", None),
        ("8.8.8.8", "8.8.8.8 is public"),  # even inside a 0.0.0.0/0 scope (next test)
        ("255.255.255.255", "never contacted"),
        ("172.16.0.1", "outside the crawl scope (10.0.0.0/8, from the seeds)"),
        ("10.99.255.4", "10.99.255.4 is excluded"),
    ],
)
def test_hostile_neighbour_addresses(addr: str, reason: str | None) -> None:
    cs = crawl_scope(["10.99.255.1"], rules=ScopeRules(excludes=("10.99.255.2-4",)))
    got = cs.why_not(addr)
    assert got is None if reason is None else reason in got
    wide = crawl_scope(["10.99.255.1"], ["0.0.0.0/0"])
    assert "is public" in wide.why_not("8.8.8.8")
    assert wide.why_not("8.8.8.8") is not None and wide.why_not("224.0.0.1") is not None


def test_crawl_with_only_names_needs_a_scope() -> None:
    with pytest.raises(ScopeError, match="give --scope"):
        crawl_scope(["sw-core.lab"])


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        (["::ffff:8.8.4.4"], "8.8.4.4 is public"),
        (["::ffff:255.255.255.255"], "never contacted"),
        (["::ffff:224.0.0.0/124"], "multicast"),
        (["::/64"], "mixes IPv4-mapped"),
    ],
)
def test_ipv4_mapped_ipv6_is_judged_as_the_ipv4_it_reaches(
    targets: list[str], message: str
) -> None:
    """A dual-stack socket sends ::ffff:a.b.c.d as IPv4 to a.b.c.d: the rules judge that address
    (the plan path used to count ::ffff:0:0/96 as private and let 8.8.4.4 through)."""
    with pytest.raises(ScopeError, match=message):
        ScopeRules().plan(targets, resolve=None)
    with pytest.raises(ScopeError, match=message):
        ScopeRules().contact_list(targets)


def test_ipv4_mapped_excludes_and_targets_meet() -> None:
    assert ScopeRules(excludes=("::ffff:10.0.0.2",)).contact_list(["10.0.0.1-3"]) == (
        ["10.0.0.1", "10.0.0.3"],
        ["10.0.0.2"],
    )
    assert ScopeRules(excludes=("10.0.0.0/24",)).contact_list(["::ffff:10.0.0.2"]) == (
        [],
        ["::ffff:10.0.0.2"],
    )
    assert is_excluded("::ffff:10.0.0.2", ["10.0.0.0/24"])
    assert is_public("::ffff:8.8.8.8")
    # an exclude may span mapped and plain IPv6 (it only removes)
    assert ScopeRules(excludes=("::/0",)).contact_list(["10.0.0.1", "fd00::1"]) == (
        ["10.0.0.1"],
        ["fd00::1"],
    )
