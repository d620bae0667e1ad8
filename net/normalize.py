"""Pure normalisers for MAC addresses, IP addresses, serial numbers and host names.

The one home of these rules (netutils' ``mac.py`` is the model): pure functions, examples that
pytest runs (``tests/net/test_normalize.py``), ``ValueError`` naming the bad value. Discovery
and the CMDB both go through them; hot loops may keep an inline fast path for the canonical
spelling only if a test checks it against these functions (``tests/cmdb/test_properties.py``).

Must not import anything from netcmdb but ``errors``; netaddr is imported only for spellings
the fast parser does not know.

>>> mac("00-11-22-AA-BB-CC"), mac("0011.22aa.bbcc"), mac("58:69:6c:6:82:3c")
('00:11:22:aa:bb:cc', '00:11:22:aa:bb:cc', '58:69:6c:06:82:3c')
>>> ip(" 10.0.0.10 "), serial("  foc1234x ")
('10.0.0.10', 'FOC1234X')
"""

from __future__ import annotations

import ipaddress
import re

__all__ = [
    "ip",
    "ip_or_none",
    "is_multicast",
    "mac",
    "mac_from_bytes",
    "mac_or_none",
    "serial",
    "serial_or_none",
    "short_hostname",
]

#: six groups of one or two hex digits (``0:1:2:a:b:c``, ``58 69 6c 6 82 3c`` from devices)
_GROUPS = re.compile(r"[0-9A-Fa-f]{1,2}(?:[:\- ][0-9A-Fa-f]{1,2}){5}")
#: ``0011.22aa.bbcc`` (Cisco), ``0011-22aa-bbcc``, ``001122aabbcc``, ``001122:aabbcc``
_PLAIN = re.compile(
    r"([0-9A-Fa-f]{4})[.\-]?([0-9A-Fa-f]{4})[.\-]?([0-9A-Fa-f]{4})"
    r"|([0-9A-Fa-f]{6})[:\-]?([0-9A-Fa-f]{6})"
)
_CANON = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")


def mac_from_bytes(raw: bytes) -> str:
    """``aa:bb:cc:dd:ee:ff`` from 6 raw bytes (an SNMP OCTET STRING, an ARP reply).

    >>> mac_from_bytes(bytes([0, 0x11, 0x22, 0xaa, 0xbb, 0xcc]))
    '00:11:22:aa:bb:cc'
    >>> mac_from_bytes(b"abc")
    Traceback (most recent call last):
    ...
    ValueError: not a MAC address: b'abc' (6 bytes needed)
    """
    if len(raw) != 6:
        raise ValueError(f"not a MAC address: {bytes(raw)!r} (6 bytes needed)")
    return ":".join(f"{b:02x}" for b in raw)


def mac(value: str | bytes) -> str:
    """Return ``aa:bb:cc:dd:ee:ff`` for any common MAC spelling (or 6 raw bytes).

    >>> [mac(s) for s in ("00:11:22:AA:BB:CC", "00 11 22 aa bb cc", "001122aabbcc",
    ...                   "0011-22aa-bbcc", "001122-aabbcc")]  # doctest: +NORMALIZE_WHITESPACE
    ['00:11:22:aa:bb:cc', '00:11:22:aa:bb:cc', '00:11:22:aa:bb:cc', '00:11:22:aa:bb:cc',
     '00:11:22:aa:bb:cc']
    >>> mac("00:11:22:33:44")
    Traceback (most recent call last):
    ...
    ValueError: not a MAC address: '00:11:22:33:44'

    Raises:
        ValueError: ``value`` is not a MAC address (the message names it).
    """
    if isinstance(value, (bytes, bytearray)):
        return mac_from_bytes(bytes(value))
    text = str(value).strip()
    if not text:
        raise ValueError("not a MAC address: empty string")
    if _CANON.fullmatch(text):
        return text
    if _GROUPS.fullmatch(text):
        return ":".join(p.zfill(2) for p in re.split(r"[:\- ]", text)).lower()
    m = _PLAIN.fullmatch(text)
    if m:
        h = "".join(g for g in m.groups() if g).lower()
        return ":".join(h[i : i + 2] for i in range(0, 12, 2))
    return _mac_other(text)


def _mac_other(text: str) -> str:
    """Rarer spellings netaddr knows (``0x001122aabbcc``...); the same canonical form."""
    import netaddr

    try:
        eui = netaddr.EUI(text, version=48)
    except (netaddr.AddrFormatError, TypeError, ValueError):
        raise ValueError(f"not a MAC address: {text!r}") from None
    eui.dialect = netaddr.mac_unix_expanded
    return str(eui)


def mac_or_none(value: str | bytes | None) -> str | None:
    """Like :func:`mac` but ``None`` for empty or unparsable input (device data is messy).

    >>> mac_or_none("0011.22aa.bbcc"), mac_or_none("n/a"), mac_or_none(None)
    ('00:11:22:aa:bb:cc', None, None)
    """
    if value is None:
        return None
    try:
        return mac(value)
    except ValueError:
        return None


def is_multicast(canonical_mac: str) -> bool:
    """True for a group (multicast or broadcast) MAC: the I/G bit of the first octet.

    >>> is_multicast("01:00:5e:00:00:01"), is_multicast("ff:ff:ff:ff:ff:ff")
    (True, True)
    >>> is_multicast("00:11:22:33:44:55")
    False
    """
    return bool(int(canonical_mac[:2], 16) & 1)


def ip(value: str) -> str:
    """Canonical text of an IPv4/IPv6 address.

    >>> ip(" 10.0.0.1 "), ip("2001:DB8::0:1")
    ('10.0.0.1', '2001:db8::1')
    >>> ip("10.0.0.256")
    Traceback (most recent call last):
    ...
    ValueError: not an IP address: '10.0.0.256'

    Raises:
        ValueError: ``value`` is not an IP address.
    """
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        raise ValueError(f"not an IP address: {value!r}") from None


def ip_or_none(value: str | None) -> str | None:
    """Like :func:`ip` but ``None`` for empty or unparsable input; ``10.0.0.1/24`` -> the
    address.

    >>> ip_or_none("10.0.0.1/24"), ip_or_none("x"), ip_or_none("")
    ('10.0.0.1', None, None)
    """
    if not value:
        return None
    try:
        return ip(str(value).split("/")[0])
    except ValueError:
        return None


def serial(value: str) -> str:
    """A serial number as an identifier: stripped, upper-case.

    >>> serial("  foc1234x ")
    'FOC1234X'
    >>> serial("  ")
    Traceback (most recent call last):
    ...
    ValueError: not a serial number: '  '
    """
    text = str(value).strip()
    if not text:
        raise ValueError(f"not a serial number: {value!r}")
    return text.upper()


def serial_or_none(value: str | None, junk: frozenset[str] = frozenset()) -> str | None:
    """:func:`serial`, or None for nothing, a placeholder (all zeros, dots or dashes, one
    repeated character) or a value in ``junk`` (compared case-insensitively).

    >>> serial_or_none("0000-0000"), serial_or_none("XXXXXXXX"), serial_or_none(None)
    (None, None, None)
    >>> serial_or_none("To Be Filled By O.E.M.", frozenset({"to be filled by o.e.m."}))
    >>> serial_or_none("fdo2112x0ab")
    'FDO2112X0AB'
    """
    if value is None:
        return None
    text = str(value).strip()
    if text.casefold() in junk or not text.strip("0 .-_"):
        return None
    if len(set(text)) == 1:  # "XXXXXXXX", "11111111"
        return None
    return text.upper()


def short_hostname(name: str) -> str:
    """Strip the DNS domain (``sw1.example.org`` -> ``sw1``); IP addresses are kept unchanged.

    >>> short_hostname("sw-core-1.campus.example.edu."), short_hostname("10.0.0.1")
    ('sw-core-1', '10.0.0.1')
    """
    text = name.strip().rstrip(".")
    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        return text.split(".", 1)[0]
