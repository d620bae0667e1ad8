"""Pure parts of the sweep: frames (cross-checked with scapy's independent implementation),
rate limiting, retry policy, port lists, OUI lookups, NetBIOS parsing, scan profiles."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet import ICMP
from scapy.layers.l2 import ARP, Ether
from scapy.layers.netbios import NBNSHeader, NBNSNodeStatusResponse
from scapy.layers.netbios import NBNSNodeStatusResponseService as Svc

from netcmdb.config import load_config
from netcmdb.discovery.normalize import mac_vendor
from netcmdb.discovery.profiles import default_scopes, profile_from_config, profile_from_mapping
from netcmdb.discovery.ratelimit import ProbePolicy, TokenBucket
from netcmdb.discovery.sweep import (
    arp_request,
    echo_request,
    mac_vendors,
    nbstat_query,
    parse_arp_reply,
    parse_nbstat,
    parse_ports,
)
from netcmdb.errors import ConfigError


def test_arp_request_is_what_scapy_reads() -> None:
    frame = arp_request(bytes.fromhex("0298fffffffe"), "10.98.255.254", "10.98.0.7")
    pkt = Ether(frame)
    assert pkt.dst == "ff:ff:ff:ff:ff:ff" and pkt.src == "02:98:ff:ff:ff:fe"
    assert pkt[ARP].op == 1 and pkt[ARP].pdst == "10.98.0.7" and pkt[ARP].psrc == "10.98.255.254"
    assert pkt[ARP].hwsrc == "02:98:ff:ff:ff:fe"


def test_arp_reply_parsed_only_when_addressed_to_us() -> None:
    me = bytes([10, 98, 255, 254])
    reply = bytes(
        Ether(dst="02:98:ff:ff:ff:fe", src="00:e0:fc:00:00:01")
        / ARP(
            op=2,
            hwsrc="00:e0:fc:00:00:01",
            psrc="10.98.0.7",
            hwdst="02:98:ff:ff:ff:fe",
            pdst="10.98.255.254",
        )
    )
    assert parse_arp_reply(reply, me) == ("10.98.0.7", "00:e0:fc:00:00:01")
    other = bytes(Ether() / ARP(op=2, psrc="10.98.0.7", pdst="10.98.0.99"))
    assert parse_arp_reply(other, me) is None
    request = bytes(Ether() / ARP(op=1, psrc="10.98.0.7", pdst="10.98.255.254"))
    assert parse_arp_reply(request, me) is None
    assert parse_arp_reply(reply[:30], me) is None


@given(ident=st.integers(0, 0xFFFF), seq=st.integers(0, 0xFFFF), payload=st.binary(max_size=40))
def test_echo_request_checksum_matches_scapy(ident: int, seq: int, payload: bytes) -> None:
    raw = echo_request(ident, seq, payload)
    pkt = ICMP(raw)
    assert (pkt.type, pkt.id, pkt.seq) == (8, ident, seq)
    recomputed = ICMP(bytes(ICMP(type=8, id=ident, seq=seq) / payload)).chksum
    assert pkt.chksum == recomputed


def test_token_bucket_paces_to_rate() -> None:
    now = [0.0]
    b = TokenBucket(100, burst=5, clock=lambda: now[0])
    taken = sum(b.try_take() for _ in range(50))
    assert taken == 5  # the burst, then nothing without time passing
    sent = 0
    for _ in range(1000):  # one simulated second in 1 ms steps
        now[0] += 0.001
        while b.try_take():
            sent += 1
    assert 99 <= sent <= 101
    with pytest.raises(ValueError):
        TokenBucket(0)


def test_probe_policy_is_clamped_and_patient_on_the_last_round() -> None:
    p = ProbePolicy(timeout_s=2.0, min_wait_s=0.25, early_wait_s=0.05)
    assert p.round_wait([]) == 2.0  # nothing heard: the full timeout
    assert p.round_wait([0.001] * 9 + [0.5]) == 0.25  # one slow host does not stretch it
    assert p.round_wait([0.001] * 9, final=False) == 0.05
    assert p.round_wait([1.0] * 5) == 2.0  # a slow network gets up to --timeout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22", [22]),
        ("443,22,80-82", [22, 80, 81, 82, 443]),
        (" 22 , 22 ", [22]),
        ([8080, 22], [22, 8080]),
    ],
)
def test_parse_ports(text, expected) -> None:  # type: ignore[no-untyped-def]
    assert parse_ports(text) == expected


@pytest.mark.parametrize("bad", ["0", "65536", "80-22", "http", "", "22,,x"])
def test_parse_ports_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_ports(bad)


def test_fast_oui_lookup_agrees_with_normalize() -> None:
    rng = random.Random(7)
    macs = ["00:e0:fc:98:00:10", "3c:8c:40:98:00:13", "02:98:00:00:00:0b", "00:50:c2:00:10:00"]
    macs += [
        ":".join(
            f"{rng.randrange(256) & 0xFC:02x}" if i == 0 else f"{rng.randrange(256):02x}"
            for i in range(6)
        )
        for _ in range(120)
    ]
    few = mac_vendors(macs[:10])  # searched one by one
    many = mac_vendors(macs)  # one pass over the index
    for m in macs:
        assert many[m] == mac_vendor(m), m
    for m in macs[:10]:
        assert few[m] == mac_vendor(m), m
    assert many["00:e0:fc:98:00:10"] == "HUAWEI TECHNOLOGIES CO.,LTD"


def test_nbstat_query_and_response_against_scapy() -> None:
    q = nbstat_query(0xBEEF)
    assert q[:2] == b"\xbe\xef" and q[12:15] == b"\x20CK" and q[-4:] == b"\x00\x21\x00\x01"
    resp = bytes(
        NBNSHeader(NAME_TRN_ID=0xBEEF, RESPONSE=1, ANCOUNT=1)
        / NBNSNodeStatusResponse(
            RR_NAME=b"*",
            NODE_NAME=[
                Svc(NETBIOS_NAME=b"PC-LAB-042", NAME_FLAGS=0x04),
                Svc(NETBIOS_NAME=b"CAMPUS", NAME_FLAGS=0x84),
                Svc(NETBIOS_NAME=b"PC-LAB-042", SUFFIX=0x20, NAME_FLAGS=0x04),
            ],
            MAC_ADDRESS="00:e0:fc:12:34:56",
        )
    )
    assert parse_nbstat(resp) == ("PC-LAB-042", "CAMPUS", "00:e0:fc:12:34:56")
    assert parse_nbstat(resp[:60]) == (None, None, None)


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_nbstat_parser_never_raises_on_garbage(data: bytes) -> None:
    name, group, mac = parse_nbstat(data)
    assert name is None or isinstance(name, str)


def test_profile_validation() -> None:
    p = profile_from_mapping(
        "nightly",
        {
            "targets": ["10.0.0.0/24"],
            "methods": ["arp", "tcp"],
            "tcp_ports": [22, 80],
            "rate": 200,
            "timeout": 0.5,
            "credentials": ["snmp:campus-ro"],
        },
    )
    assert (p.methods, p.tcp_ports, p.rate, p.timeout) == (["arp", "tcp"], "22,80", 200, 0.5)
    for bad, msg in (
        ({"methods": ["nmap"]}, "unknown method"),
        ({"rate": -1}, "non-negative"),
        ({"targets": "10.0.0.1", "speed": 1}, "unknown key"),
        ({"credentials": ["snmp:x community=public"]}, "never secrets"),
        ({"allow_public": "yes"}, "true or false"),
    ):
        with pytest.raises(ConfigError, match=msg):
            profile_from_mapping("p", bad)


def test_profile_from_the_config_file(tmp_path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[scan]\nscopes = ["10.0.0.0/16"]\nexcludes = ["10.0.0.1"]\n'
        '[scan.profiles.nightly]\ntargets = ["10.0.0.0/24"]\nmethods = ["icmp"]\n'
    )
    data = load_config(cfg)  # the foundation's loader accepts the layout
    prof, excludes = profile_from_config(data, "nightly")
    assert prof.targets == ["10.0.0.0/24"] and excludes == ["10.0.0.1"]
    assert default_scopes(data) == ["10.0.0.0/16"]
    with pytest.raises(ConfigError, match="defined: nightly"):
        profile_from_config(data, "weekly")
    with pytest.raises(ConfigError, match="unknown key"):
        profile_from_config({"scan": {"profiles": {"x": {"rate": 1, "sped": 2}}}}, "x")


@pytest.mark.parametrize("method", ["arp", "icmp", "tcp"])
def test_scanners_never_probe_excluded_targets(method: str) -> None:
    """Defence in depth for library callers (crawlers): excludes win inside the scanner too."""
    from netcmdb.discovery.base import ScanOptions, get_scanner

    targets = ["10.123.0.1", "10.123.0.2"]
    opts = ScanOptions(
        excludes=["10.123.0.0/24"], extra={"ports": "80", "resolve": False, "icmp_method": "dgram"}
    )
    res = list(get_scanner(method).scan(targets, opts))
    assert [r.target for r in res] == targets
    assert all(r.error_kind == "excluded" and not r.alive for r in res)
