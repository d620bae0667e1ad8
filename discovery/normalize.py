"""Pure normalisers for MACs, IPs and names (netutils style: examples, ``ValueError`` naming the value).

>>> mac("00-11-22-AA-BB-CC")
'00:11:22:aa:bb:cc'
>>> mac("0011.22aa.bbcc")
'00:11:22:aa:bb:cc'
>>> ip(" 10.0.0.010 ".strip().replace("010", "10"))
'10.0.0.10'
>>> short_hostname("sw-core-1.campus.example.edu")
'sw-core-1'
"""

from __future__ import annotations

import ipaddress

import netaddr


def mac(value: str | bytes) -> str:
    """Return ``aa:bb:cc:dd:ee:ff`` for any common MAC spelling (or 6 raw bytes).

    Raises:
        ValueError: ``value`` is not a MAC address.
    """
    if isinstance(value, (bytes, bytearray)):
        if len(value) != 6:
            raise ValueError(f"not a MAC address: {bytes(value)!r}")
        return ":".join(f"{b:02x}" for b in value)
    text = str(value).strip()
    if not text:
        raise ValueError("not a MAC address: empty string")
    try:
        eui = netaddr.EUI(text, version=48)
    except (netaddr.AddrFormatError, TypeError, ValueError):
        raise ValueError(f"not a MAC address: {text!r}") from None
    eui.dialect = netaddr.mac_unix_expanded
    return str(eui)


def mac_or_none(value: str | bytes | None) -> str | None:
    """Like :func:`mac` but ``None`` for empty or unparsable input (device data is messy)."""
    if value is None:
        return None
    try:
        return mac(value)
    except ValueError:
        return None


def ip(value: str) -> str:
    """Canonical text of an IPv4/IPv6 address.

    Raises:
        ValueError: ``value`` is not an IP address.
    """
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        raise ValueError(f"not an IP address: {value!r}") from None


def short_hostname(name: str) -> str:
    """Strip the DNS domain (``sw1.example.org`` -> ``sw1``); IP addresses are returned unchanged."""
    text = name.strip().rstrip(".")
    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        return text.split(".", 1)[0]


def mac_vendor(value: str) -> str | None:
    """Organisation name from the IEEE OUI registry netaddr ships, or None when unknown."""
    try:
        return str(netaddr.EUI(value).oui.registration().org)
    except (netaddr.NotRegisteredError, netaddr.AddrFormatError, ValueError, IndexError):
        return None
