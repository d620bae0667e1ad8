"""Discovery's text helpers: MAC vendor look-ups (IEEE OUI registry) and device text decoding.

MAC / IP / host-name normalising lives in :mod:`netcmdb.net.normalize` (re-exported here).

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

from collections.abc import Iterable
from pathlib import Path

import netaddr

# MAC / IP / host-name normalising has one home, netcmdb.net.normalize; these names stay
# importable from here for discovery code.
from netcmdb.net.normalize import ip, mac, mac_or_none, short_hostname

__all__ = ["decode_text", "ip", "mac", "mac_or_none", "mac_vendor", "mac_vendors", "short_hostname"]


def mac_vendor(value: str) -> str | None:
    """Organisation name from the IEEE OUI registry netaddr ships, or None when unknown."""
    try:
        return str(netaddr.EUI(value).oui.registration().org)
    except (netaddr.NotRegisteredError, netaddr.AddrFormatError, ValueError, IndexError):
        return None


_OUI_IDX: bytes | None = None


def mac_vendors(macs: Iterable[str]) -> dict[str, str | None]:
    """Vendor of each MAC, same answer as :func:`netcmdb.discovery.normalize.mac_vendor`.

    (Used by sweeps and by the end hosts a crawl places.) Why not just call it: netaddr parses
    its whole 40,000-row OUI index on first use (0.25 s), a quarter of an ARP sweep's budget. A
    sweep needs a few hundred lookups, so this searches netaddr's own index file for just those
    OUIs and reads the same registry records. Falls back to ``mac_vendor`` if netaddr's data
    files are not where expected.
    """
    global _OUI_IDX
    by_oui: dict[int, list[str]] = {}
    for m in macs:
        by_oui.setdefault(int(m.replace(":", "")[:6], 16), []).append(m)
    out: dict[str, str | None] = {}
    try:
        import importlib.util

        spec = importlib.util.find_spec("netaddr")  # locate, do not import (0.1 s)
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("netaddr not found")
        base = Path(list(spec.submodule_search_locations)[0]) / "eui"
        if _OUI_IDX is None:
            _OUI_IDX = b"\n" + (base / "oui.idx").read_bytes()
        index: dict[bytes, bytes] | None = None
        if len(by_oui) > 32:  # many vendors: one pass over the index beats many searches
            index = {}
            for line in _OUI_IDX.split(b"\n"):
                k, _, rest = line.partition(b",")
                index.setdefault(k, rest)
        with open(base / "oui.txt", "rb") as txt:
            for key, group in by_oui.items():
                if index is not None:
                    loc = index.get(b"%d" % key)
                else:
                    pos = _OUI_IDX.find(b"\n%d," % key)
                    loc = (
                        None
                        if pos < 0
                        else _OUI_IDX[pos + 1 : _OUI_IDX.find(b"\n", pos + 1)].split(b",", 1)[1]
                    )
                org = None
                if loc:
                    off, size = loc.split(b",")[:2]
                    txt.seek(int(off))
                    rec = txt.read(int(size)).decode("utf-8")
                    org = next(
                        (ln.strip().split(None, 2)[2] for ln in rec.split("\n") if "(hex)" in ln),
                        None,
                    )
                for m in group:
                    out[m] = org or None
    except (OSError, ValueError, IndexError, ImportError):
        return {m: mac_vendor(m) for m in macs}
    return out


def _private_use(s: str) -> int:
    """Characters in Unicode private-use areas: what GB18030 makes of binary junk."""
    return sum(1 for ch in s if "\ue000" <= ch <= "\uf8ff" or ch >= "\U000f0000")


def decode_text(raw: bytes) -> str:
    """Device OCTET STRING -> text: UTF-8, then GB18030, else the bytes shown escaped.

    The one decoding rule for text from devices (sysDescr, sysLocation, ifAlias, LLDP names...).
    Chinese gear sends GBK/GB18030; a string that is neither UTF-8 nor GB18030 is not guessed
    (no Latin-1 mojibake): the decoder that leaves fewer bytes undecoded wins and each byte it
    cannot decode is shown as ``\\xNN``. GB18030 "text" made of private-use characters is
    binary, not text. Never raises.

    >>> decode_text("中文".encode("utf-8"))
    '中文'
    >>> decode_text("中文".encode("gbk"))
    '中文'
    >>> decode_text("中文".encode("gbk") + b"\\xff")
    '中文\\\\xff'
    >>> decode_text(b"caf\\xe9")
    'caf\\\\xe9'
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        s = raw.decode("gb18030")
        if not _private_use(s):
            return s
    except UnicodeDecodeError:
        pass
    utf = raw.decode("utf-8", errors="backslashreplace")
    gb = raw.decode("gb18030", errors="backslashreplace")
    literal = raw.count(b"\\x")
    bad_utf = utf.count("\\x") - literal
    bad_gb = gb.count("\\x") - literal + 2 * _private_use(gb)
    return gb if bad_gb < bad_utf else utf
