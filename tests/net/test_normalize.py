"""net/normalize.py: its doctests, table-driven cases, and the one multicast rule."""

from __future__ import annotations

import doctest

import pytest

from netcmdb.net import normalize as N


def test_doctests() -> None:
    res = doctest.testmod(N)
    assert res.attempted > 10 and res.failed == 0


@pytest.mark.parametrize(
    "raw,want",
    [
        ("00:11:22:AA:BB:CC", "00:11:22:aa:bb:cc"),
        ("00-11-22-aa-bb-cc", "00:11:22:aa:bb:cc"),
        ("0011.22AA.BBCC", "00:11:22:aa:bb:cc"),
        ("001122aabbcc", "00:11:22:aa:bb:cc"),
        ("0011-22aa-bbcc", "00:11:22:aa:bb:cc"),
        ("001122:aabbcc", "00:11:22:aa:bb:cc"),
        ("58:69:6c:6:82:3c", "58:69:6c:06:82:3c"),  # SNMP agents drop leading zeros
        ("58 69 6c 06 82 3c", "58:69:6c:06:82:3c"),
        ("  00:11:22:aa:bb:cc\t", "00:11:22:aa:bb:cc"),
        (b"\x00\x11\x22\xaa\xbb\xcc", "00:11:22:aa:bb:cc"),
    ],
)
def test_mac_spellings(raw: str | bytes, want: str) -> None:
    assert N.mac(raw) == want
    assert N.mac(want) == want


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "00:11:22:33:44",
        "00:11:22:33:44:55:66",
        "zz:11:22:33:44:55",
        "0011.22aa.bbcc.dd",
        b"\x00\x11",
    ],
)
def test_bad_macs_name_the_value(raw: str | bytes) -> None:
    with pytest.raises(ValueError, match="not a MAC address"):
        N.mac(raw)
    assert N.mac_or_none(raw) is None


@pytest.mark.parametrize(
    "m,group",
    [
        ("01:00:5e:00:00:01", True),
        ("33:33:00:00:00:01", True),
        ("ff:ff:ff:ff:ff:ff", True),
        ("00:11:22:33:44:55", False),
        ("02:00:00:00:00:01", False),
        ("0f:00:00:00:00:00", True),
    ],
)
def test_is_multicast(m: str, group: bool) -> None:
    assert N.is_multicast(m) is group


@pytest.mark.parametrize(
    "raw,want",
    [
        (" 10.0.0.1 ", "10.0.0.1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("::ffff:10.0.0.1", "::ffff:a00:1"),
    ],
)
def test_ip(raw: str, want: str) -> None:
    assert N.ip(raw) == want


@pytest.mark.parametrize("raw", ["10.0.0.256", "x", "", "010.0.0.1"])
def test_bad_ip(raw: str) -> None:
    with pytest.raises(ValueError, match="not an IP address"):
        N.ip(raw)
    assert N.ip_or_none(raw) is None


@pytest.mark.parametrize(
    "raw,want",
    [
        ("fdo2112x0ab", "FDO2112X0AB"),
        ("0000-0000", None),
        ("...", None),
        ("11111111", None),
        ("", None),
        (None, None),
        (" sn 1 ", "SN 1"),
    ],
)
def test_serial_or_none(raw: str | None, want: str | None) -> None:
    assert N.serial_or_none(raw) == want


def test_discovery_and_cmdb_use_the_one_home() -> None:
    from netcmdb.cmdb import reconcile
    from netcmdb.discovery import normalize as discovery_normalize
    from netcmdb.discovery import snmp, sweep

    assert discovery_normalize.mac is N.mac and discovery_normalize.mac_or_none is N.mac_or_none
    assert reconcile.clean_serial("fdo2112x0ab") == N.serial("fdo2112x0ab")
    assert snmp.mac_of("58:69:6c:6:82:3c") == N.mac("58:69:6c:6:82:3c")
    assert sweep.norm_mac(b"\x00\x11\x22\xaa\xbb\xcc") == "00:11:22:aa:bb:cc"
