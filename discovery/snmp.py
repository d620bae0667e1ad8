"""SNMP discovery: collect one device's system, interfaces, addresses, ARP, inventory, FDB and
LLDP/CDP neighbours into a :class:`~netcmdb.discovery.facts.DeviceFact`, for many devices at once.

Three layers, so each can be tested on its own:

* transport (:class:`SnmpSession`): pysnmp 7 asyncio; v1/v2c/v3; one GET probe, then an adaptive
  multi-column GETBULK walk (GETNEXT fallback), per-device timeout/retries;
* parsing (:func:`parse_device`): a pure function from the raw OID values (:class:`RawDevice`) to
  facts. Vendor knowledge comes from tables (:mod:`netcmdb.discovery.snmp_oids`,
  :mod:`netcmdb.discovery.vendors`); the LLDP local port is resolved through lldpLocPortTable,
  never by guessing that lldpRemLocalPortNum is an ifIndex or a bridge port;
* orchestration (:func:`collect`, :func:`collect_many`, the ``snmp`` scanner): credentials tried in
  order (last one that worked first), failures are per host.

Must not import ``netcmdb.cmdb`` and never prints.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from netcmdb.discovery import snmp_oids as O
from netcmdb.discovery import snmp_wire as W
from netcmdb.discovery.base import ScanOptions, register_scanner
from netcmdb.discovery.facts import (
    ArpEntry,
    DeviceClass,
    DeviceFact,
    FdbEntry,
    InterfaceFact,
    NeighborFact,
    ScanResult,
    Source,
)
from netcmdb.discovery.normalize import decode_text, mac_or_none
from netcmdb.discovery.vendors import IDENT_SCALARS, port_key, quirk
from netcmdb.discovery.vendors.identify import Evidence, identify
from netcmdb.errors import (
    N_,
    AuthenticationError,
    ConfigError,
    DiscoveryError,
    ScanTimeout,
    ScopeError,
    message_of,
)
from netcmdb.net.scope import Admitted, ScopeRules, admitted

Index = tuple[int, ...]

# ================================================================================================
# credentials
# ================================================================================================

AUTH_PROTOCOLS = {
    "md5": "usmHMACMD5AuthProtocol",
    "sha": "usmHMACSHAAuthProtocol",
    "sha1": "usmHMACSHAAuthProtocol",
    "sha224": "usmHMAC128SHA224AuthProtocol",
    "sha256": "usmHMAC192SHA256AuthProtocol",
    "sha384": "usmHMAC256SHA384AuthProtocol",
    "sha512": "usmHMAC384SHA512AuthProtocol",
    "none": "usmNoAuthProtocol",
}
PRIV_PROTOCOLS = {
    "des": "usmDESPrivProtocol",
    "3des": "usm3DESEDEPrivProtocol",
    "aes": "usmAesCfb128Protocol",
    "aes128": "usmAesCfb128Protocol",
    "aes192": "usmAesCfb192Protocol",
    "aes256": "usmAesCfb256Protocol",
    "aes192c": "usmAesBlumenthalCfb192Protocol",
    "aes256c": "usmAesBlumenthalCfb256Protocol",
    "none": "usmNoPrivProtocol",
}


@dataclass(frozen=True, slots=True)
class SnmpCredential:
    """One credential set. ``repr`` never shows secrets (they must not reach logs or the DB)."""

    version: str = "2c"  # "1" | "2c" | "3"
    community: str = field(default="public", repr=False)
    user: str | None = None
    auth_proto: str | None = None
    auth_key: str | None = field(default=None, repr=False)
    priv_proto: str | None = None
    priv_key: str | None = field(default=None, repr=False)
    context: str = ""  # SNMPv3 context name (e.g. a VRF or, on snmpsim, the recording)

    def __post_init__(self) -> None:
        if self.version not in ("1", "2c", "3"):
            raise ConfigError(
                "SNMP version must be 1, 2c or 3, not {version!r}", version=self.version
            )
        if self.version == "3":
            if not self.user:
                raise ConfigError("SNMPv3 needs a user name (--v3-user)")
            if self.auth_proto and self.auth_proto.lower() not in AUTH_PROTOCOLS:
                raise ConfigError(
                    "unknown SNMPv3 auth protocol {auth_proto!r} (known: {auth_protocols})",
                    auth_proto=self.auth_proto,
                    auth_protocols=", ".join(sorted(AUTH_PROTOCOLS)),
                )
            if self.priv_proto and self.priv_proto.lower() not in PRIV_PROTOCOLS:
                raise ConfigError(
                    "unknown SNMPv3 privacy protocol {priv_proto!r} (known: {priv_protocols})",
                    priv_proto=self.priv_proto,
                    priv_protocols=", ".join(sorted(PRIV_PROTOCOLS)),
                )
            if self.priv_key and not self.auth_key:
                raise ConfigError("SNMPv3 privacy needs an auth key too (authPriv)")

    @property
    def label(self) -> str:
        """A secret-free description for errors and reports."""
        if self.version == "3":
            return f"v3 user {self.user}"
        return f"v{self.version} community"

    def auth_data(self) -> Any:
        from pysnmp.hlapi.v3arch.asyncio import auth

        if self.version == "3":
            kw: dict[str, Any] = {}
            if self.auth_key:
                kw["authKey"] = self.auth_key
                proto = AUTH_PROTOCOLS[(self.auth_proto or "sha").lower()]
                kw["authProtocol"] = getattr(auth, proto)
            if self.priv_key:
                kw["privKey"] = self.priv_key
                proto = PRIV_PROTOCOLS[(self.priv_proto or "aes").lower()]
                kw["privProtocol"] = getattr(auth, proto)
            return auth.UsmUserData(self.user, **kw)
        return auth.CommunityData(self.community, mpModel=0 if self.version == "1" else 1)


def credentials_from(
    communities: Sequence[str] = (),
    *,
    v3_user: str | None = None,
    v3_auth_proto: str | None = None,
    v3_auth_key: str | None = None,
    v3_priv_proto: str | None = None,
    v3_priv_key: str | None = None,
    env: Mapping[str, str] | None = None,
) -> list[SnmpCredential]:
    """Credential sets in the order to try: v3 first (if given), then each community.

    Communities also come from ``NETCMDB_SNMP_COMMUNITY`` (comma separated) so that secrets need
    not appear in shell history; with nothing given, ``public`` is tried.
    """
    env = os.environ if env is None else env
    creds: list[SnmpCredential] = []
    if v3_user:
        creds.append(
            SnmpCredential(
                "3",
                user=v3_user,
                auth_proto=v3_auth_proto,
                auth_key=v3_auth_key,
                priv_proto=v3_priv_proto,
                priv_key=v3_priv_key,
            )
        )
    comms = list(communities)
    if not comms and env.get("NETCMDB_SNMP_COMMUNITY"):
        comms = [c for c in env["NETCMDB_SNMP_COMMUNITY"].split(",") if c]
    if not comms and not creds:
        comms = ["public"]
    creds.extend(SnmpCredential("2c", community=c) for c in comms)
    return creds


class CredentialMemory:
    """Remembers which credential worked per device (and overall) so it is tried first next time."""

    def __init__(self) -> None:
        self._per_host: dict[str, SnmpCredential] = {}
        self._last: SnmpCredential | None = None

    def order(self, host: str, creds: Sequence[SnmpCredential]) -> list[SnmpCredential]:
        first = [c for c in (self._per_host.get(host), self._last) if c is not None and c in creds]
        seen: list[SnmpCredential] = []
        for c in [*first, *creds]:
            if c not in seen:
                seen.append(c)
        return seen

    def worked(self, host: str, cred: SnmpCredential) -> None:
        self._per_host[host] = cred
        self._last = cred


# ================================================================================================
# transport
# ================================================================================================


def _py(value: Any) -> Any:
    """pyasn1/pysnmp value -> plain Python (bytes, int, dotted str); None for the SNMP exceptions.

    Values decoded by :mod:`snmp_wire` already are plain Python (or its exception sentinels)."""
    if value is None or isinstance(value, (bytes, str, int)):
        return value
    cls = value.__class__.__name__
    if cls in ("NoSuchObject", "NoSuchInstance", "EndOfMibView", "Null"):
        return None
    if cls == "IpAddress":
        return str(ipaddress.IPv4Address(bytes(value.asOctets())))
    if cls == "ObjectIdentifier" or cls == "ObjectName":
        return ".".join(str(x) for x in value)
    if hasattr(value, "asOctets"):
        return bytes(value.asOctets())
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


def _oid_tuple(oid: str) -> Index:
    return tuple(int(x) for x in oid.strip(".").split("."))


#: varbinds asked for in a walk's first GETBULK (later ones use the session's budget)
FIRST_BUDGET = 64
#: most rows one column may return: a bound on a misbehaving agent beyond the loop guard
ROW_LIMIT = 1_000_000


class SnmpSession:
    """One device, one credential: GET and adaptive multi-column walks.

    Uses pysnmp's command generators directly with raw varbinds (no MIB lookups), which is several
    times faster than the high-level ``*_cmd`` helpers when hundreds of devices are walked.

    ``host`` is an :class:`~netcmdb.net.scope.Admitted` target (what :func:`collect` passes), or
    text checked here by ``rules`` (default: private addresses only): a refused host raises
    ScopeError before any socket exists, and the session only ever talks to the checked address.

    Raises:
        ScopeError: ``host`` is refused by the scope rules.
    """

    def __init__(
        self,
        engine: Any,
        host: str | Admitted,
        port: int,
        cred: SnmpCredential,
        *,
        timeout: float,
        retries: int,
        budget: int = 64,
        wire: bool = True,
        rules: ScopeRules | None = None,
    ) -> None:
        self.engine = engine
        self.target = admitted(host, rules)
        self.port = port
        self.cred = cred
        self.timeout = timeout
        self.retries = retries
        self.budget = budget  # varbinds wanted per GETBULK response
        self.bulk = cred.version != "1"
        self.wire = wire  # v1/v2c through the lean codec (snmp_wire) instead of pysnmp
        self.requests = 0
        self._target_name: str | None = None

    @property
    def host(self) -> str:
        """The checked address this session talks to."""
        return self.target.address

    async def _target(self) -> str:
        if self._target_name is None:
            from pysnmp.hlapi.v3arch.asyncio import UdpTransportTarget
            from pysnmp.hlapi.v3arch.asyncio.cmdgen import LCD

            target = await UdpTransportTarget.create(
                (self.host, self.port), timeout=self.timeout, retries=self.retries
            )
            self._target_name, _ = LCD.configure(self.engine, self.cred.auth_data(), target, "")
        return self._target_name

    async def _send(
        self, kind: str, oids: Sequence[Index], reps: int = 0
    ) -> list[tuple[Index, Any]]:
        if self.wire and self.cred.version != "3":
            return await self._send_wire(kind, oids, reps)
        from pysnmp.entity.rfc3413 import cmdgen
        from pysnmp.proto.rfc1902 import Null, ObjectName

        target = await self._target()
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()

        def cb(
            _eng: Any, _h: Any, err_ind: Any, err_stat: Any, err_idx: Any, vbs: Any, _ctx: Any
        ) -> None:
            if not fut.done():
                fut.set_result((err_ind, err_stat, err_idx, vbs))

        vbs = [(ObjectName(o), Null("")) for o in oids]
        ctx = self.cred.context if self.cred.version == "3" else ""
        self.requests += 1
        if kind == "get":
            cmdgen.GetCommandGenerator().send_varbinds(self.engine, target, None, ctx, vbs, cb)
        elif kind == "next":
            cmdgen.NextCommandGenerator().send_varbinds(self.engine, target, None, ctx, vbs, cb)
        else:
            cmdgen.BulkCommandGenerator().send_varbinds(
                self.engine, target, None, ctx, 0, reps, vbs, cb
            )
        err_ind, err_stat, _err_idx, out = await fut
        if err_ind:
            text = str(err_ind)
            if "timeout" in text.lower() or "timed out" in text.lower():
                raise ScanTimeout(
                    "{host}: no SNMP answer ({label})", host=self.host, label=self.cred.label
                )
            if any(
                w in text.lower()
                for w in ("unknown user", "digest", "decryption", "authorization", "unknown engine")
            ):
                raise AuthenticationError(
                    "{host}: SNMP authentication failed ({label}): {text}",
                    host=self.host,
                    label=self.cred.label,
                    text=text,
                )
            raise DiscoveryError("{host}: SNMP error: {text}", host=self.host, text=text)
        if err_stat and int(err_stat) != 0:
            status = err_stat.prettyPrint() if hasattr(err_stat, "prettyPrint") else str(err_stat)
            raise _PduError(status)
        return [(tuple(name), val) for name, val in out]

    async def _send_wire(
        self, kind: str, oids: Sequence[Index], reps: int
    ) -> list[tuple[Index, Any]]:
        """v1/v2c through :mod:`snmp_wire` (same values and errors as the pysnmp path)."""
        client = _wire_client(self.engine)
        pdu = W.GET if kind == "get" else W.GETNEXT if kind == "next" else W.GETBULK
        self.requests += 1
        try:
            status, _idx, vbs = await client.request(
                self.target,
                self.port,
                0 if self.cred.version == "1" else 1,
                self.cred.community.encode(),
                pdu,
                oids,
                max_repetitions=reps,
                timeout=self.timeout,
                retries=self.retries,
            )
        except W.WireTimeout:
            raise ScanTimeout(
                "{host}: no SNMP answer ({label})", host=self.host, label=self.cred.label
            ) from None
        except OSError as exc:
            raise DiscoveryError("{host}: SNMP error: {exc}", host=self.host, exc=exc) from None
        if status:
            raise _PduError(W.ERROR_STATUS[status] if status < len(W.ERROR_STATUS) else str(status))
        return vbs

    async def get(self, oids: Sequence[str]) -> dict[str, Any]:
        """GET scalars; missing ones are absent from the result (v1 noSuchName is tolerated)."""
        try:
            vbs = await self._send("get", [_oid_tuple(o) for o in oids])
        except _PduError:
            if len(oids) == 1:
                return {}
            out: dict[str, Any] = {}
            for o in oids:  # v1 agents fail the whole PDU for one unknown OID
                out.update(await self.get([o]))
            return out
        return {".".join(map(str, n)): _py(v) for n, v in vbs if _py(v) is not None}

    async def walk(
        self, columns: Sequence[str], warnings: list[str] | None = None, row_limit: int = ROW_LIMIT
    ) -> dict[str, dict[Index, Any]]:
        """Walk many table columns at once (GETBULK; GETNEXT when bulk is refused).

        Each request carries every column that is not finished; max-repetitions adapts so that a
        response holds about ``budget`` varbinds. A ``tooBig`` halves the budget.

        An agent that answers an OID that does not increase (Ruijie, BDCOM, ZTE do) is followed
        on, as net-snmp's ``-Cc`` does, keeping every row: the walk of that column stops only
        when it leaves the column, when the agent returns an OID it already returned (loop
        guard) or after ``row_limit`` rows. Each of these is appended to ``warnings``.
        """
        warnings = warnings if warnings is not None else []
        backwards: dict[int, int] = {}
        roots = [_oid_tuple(c) for c in columns]
        result: dict[str, dict[Index, Any]] = {c: {} for c in columns}
        cursor: dict[int, Index] = dict(enumerate(roots))
        active = list(range(len(roots)))
        first = True
        while active:
            reqs = [cursor[i] for i in active]
            if self.bulk:
                # The first request finds the short columns (e.g. one LLDP neighbour): asking for
                # the full budget there would mostly fetch rows past their end.
                budget = min(self.budget, FIRST_BUDGET) if first else self.budget
                first = False
                reps = max(1, budget // len(active))
                try:
                    vbs = await self._send("bulk", reqs, reps)
                except _PduError as exc:
                    if "tooBig" in str(exc) and self.budget > 4:
                        self.budget //= 2
                        continue
                    self.bulk = False
                    continue
                except ScanTimeout:
                    if self.budget > 8:  # big responses lost on the way: ask for less
                        self.budget //= 4
                        self.bulk = self.budget > 8
                        continue
                    raise
            else:
                try:
                    vbs = await self._send("next", reqs)
                except _PduError:
                    if len(active) == 1:
                        break
                    vbs = []
                    for r in reqs:  # v1 noSuchName ends only that column
                        try:
                            vbs.extend(await self._send("next", [r]))
                        except _PduError:
                            vbs.append((r, None))
            done: set[int] = set()
            n = len(active)
            for pos, (name, val) in enumerate(vbs):
                i = active[pos % n]
                if i in done:
                    continue
                root = roots[i]
                py = _py(val) if val is not None else None
                if (
                    val is None
                    or val.__class__.__name__ == "EndOfMibView"
                    or name[: len(root)] != root
                ):
                    done.add(i)
                    continue
                rows = result[columns[i]]
                sub = name[len(root) :]
                if sub in rows:
                    warnings.append(
                        f"{self.host}: walk of {columns[i]}: the agent returned "
                        f"{'.'.join(map(str, name))} a second time; stopped there "
                        f"(loop guard) with {len(rows)} rows"
                    )
                    done.add(i)
                    continue
                if name <= cursor[i]:
                    backwards[i] = backwards.get(i, 0) + 1
                rows[sub] = py
                cursor[i] = name
                if len(rows) >= row_limit:
                    warnings.append(
                        f"{self.host}: walk of {columns[i]}: stopped at the row "
                        f"limit ({row_limit} rows)"
                    )
                    done.add(i)
            if not vbs:
                done.update(active)
            active = [i for i in active if i not in done]
        for i, n in sorted(backwards.items()):
            warnings.append(
                f"{self.host}: walk of {columns[i]}: the agent returned {n} "
                f"OID(s) that do not increase; walked on past them (as net-snmp -Cc), "
                f"{len(result[columns[i]])} rows kept"
            )
        return result


def _wire_client(engine: Any) -> W.WireClient:
    """The lean v1/v2c client that lives (and is closed) with a pysnmp engine."""
    client = getattr(engine, "_netcmdb_wire", None)
    if client is None:
        client = W.WireClient()
        engine._netcmdb_wire = client
    return client


class _PduError(Exception):
    """An SNMP error-status in a response (tooBig, genErr, noSuchName...)."""


def _engine() -> Any:
    """One pysnmp engine per event loop (the engine's dispatcher binds to the running loop)."""
    from pysnmp.hlapi.v3arch.asyncio import SnmpEngine

    return SnmpEngine()


# ================================================================================================
# raw data and parsing (pure)
# ================================================================================================


@dataclass(slots=True)
class RawDevice:
    """The raw answers of one device: scalars by OID, table columns by OID then index."""

    scalars: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, dict[Index, Any]] = field(default_factory=dict)
    #: what the walk had to work around (non-increasing OIDs, row limits), for the device result
    warnings: list[str] = field(default_factory=list)

    def col(self, oid: str) -> dict[Index, Any]:
        return self.columns.get(oid, {})


def text(value: Any) -> str | None:
    """Device value -> str (OCTET STRING bytes through :func:`decode_text`); None if empty."""
    if value is None:
        return None
    s = decode_text(value) if isinstance(value, bytes) else str(value)
    s = s.replace("\x00", "").strip()
    return s or None


def mac_of(value: Any) -> str | None:
    """A MAC from 6 raw bytes or from text in any spelling (``58:69:6c:6:82:3c`` too)."""
    if value is None:
        return None
    if isinstance(value, bytes) and len(value) == 6:
        m = mac_or_none(value)
    else:
        m = mac_or_none(text(value))
    if m in (None, "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"):
        return None
    return m


def _ip_of(addr_type: int | None, raw: Sequence[int] | bytes) -> str | None:
    b = bytes(raw)
    if len(b) == 4 and addr_type in (None, 1):
        return str(ipaddress.IPv4Address(b))
    if len(b) == 16 and addr_type in (None, 2):
        return str(ipaddress.IPv6Address(b))
    return None


_IFNAME_KINDS = [(re.compile(p, re.I), k) for p, k in O.IFNAME_KINDS]


def _if_kind(name: str, iftype: int | None) -> str:
    for rx, kind in _IFNAME_KINDS:
        if rx.match(name):
            return kind
    return O.IF_KINDS.get(iftype or 0, "other") if iftype is not None else "ethernet"


def parse_interfaces(raw: RawDevice) -> dict[int, InterfaceFact]:
    """IF-MIB (+ IP addresses and LAG membership) by ifIndex."""
    idx: set[int] = set()
    for c in (O.IF_DESCR, O.IF_NAME, O.IF_TYPE, O.IF_PHYS_ADDRESS):
        idx.update(i[0] for i in raw.col(c) if len(i) == 1)
    out: dict[int, InterfaceFact] = {}
    for n in sorted(idx):
        k = (n,)
        name = text(raw.col(O.IF_NAME).get(k)) or text(raw.col(O.IF_DESCR).get(k)) or f"ifIndex{n}"
        speed = raw.col(O.IF_HIGH_SPEED).get(k)
        if not speed:
            low = raw.col(O.IF_SPEED).get(k)
            speed = int(low) // 1_000_000 if isinstance(low, int) and low else None
        oper = raw.col(O.IF_OPER_STATUS).get(k)
        admin = raw.col(O.IF_ADMIN_STATUS).get(k)
        out[n] = InterfaceFact(
            name=name,
            ifindex=n,
            descr=text(raw.col(O.IF_DESCR).get(k)),
            alias=text(raw.col(O.IF_ALIAS).get(k)),
            mac=mac_of(raw.col(O.IF_PHYS_ADDRESS).get(k)),
            speed_mbps=int(speed) if speed else None,
            oper_up=None if oper is None else oper == 1,
            admin_up=None if admin is None else admin == 1,
            kind=_if_kind(name, raw.col(O.IF_TYPE).get(k)),
        )
    for ipidx, ifi in sorted(raw.col(O.IP_AD_ENT_IF_INDEX).items()):
        if len(ipidx) == 4 and isinstance(ifi, int) and ifi in out:
            out[ifi].ips.append(".".join(map(str, ipidx)))
    for member, agg in raw.col(O.DOT3AD_AGG_PORT_ATTACHED_AGG_ID).items():
        if (
            len(member) == 1
            and isinstance(agg, int)
            and agg
            and agg != member[0]
            and member[0] in out
            and agg in out
        ):
            out[member[0]].lag_parent = out[agg].name
    return out


def parse_arp(raw: RawDevice, ifs: dict[int, InterfaceFact]) -> list[ArpEntry]:
    """ipNetToMediaTable and ipNetToPhysicalTable, invalid rows dropped, duplicates merged."""
    seen: dict[tuple[str, str], ArpEntry] = {}
    types = raw.col(O.IP_NET_TO_MEDIA_TYPE)
    for i, phys in sorted(raw.col(O.IP_NET_TO_MEDIA_PHYS).items()):
        if len(i) != 5 or types.get(i) == 2:
            continue
        m, addr = mac_of(phys), ".".join(map(str, i[1:]))
        if m:
            seen.setdefault((addr, m), ArpEntry(ip=addr, mac=m, interface=_ifname(ifs, i[0])))
    types = raw.col(O.IP_NET_TO_PHYSICAL_TYPE)
    for i, phys in sorted(raw.col(O.IP_NET_TO_PHYSICAL_PHYS).items()):
        if len(i) < 3 or types.get(i) == 2 or i[2] != len(i) - 3:
            continue
        ip = _ip_of(i[1], i[3:])
        m = mac_of(phys)
        if ip and m:
            seen.setdefault((ip, m), ArpEntry(ip=ip, mac=m, interface=_ifname(ifs, i[0])))
    return sorted(
        seen.values(),
        key=lambda a: (ipaddress.ip_address(a.ip).version, ipaddress.ip_address(a.ip), a.mac),
    )


def _ifname(ifs: dict[int, InterfaceFact], ifindex: int) -> str | None:
    f = ifs.get(ifindex)
    return f.name if f else None


def bridge_port_map(raw: RawDevice) -> dict[int, int]:
    """Bridge port number -> ifIndex (dot1dBasePortIfIndex; Huawei's hwL2IfPortIfIndex fills
    gaps)."""
    out = {
        i[0]: v
        for i, v in raw.col(O.DOT1D_BASE_PORT_IF_INDEX).items()
        if len(i) == 1 and isinstance(v, int)
    }
    for i, v in raw.col(O.HW_L2IF_PORT_IF_INDEX).items():
        if len(i) == 1 and isinstance(v, int):
            out.setdefault(i[0], v)
    return out


def parse_fdb(
    raw: RawDevice, ifs: dict[int, InterfaceFact], platform: str | None, warnings: list[str]
) -> list[FdbEntry]:
    """Q-BRIDGE (per VLAN) then BRIDGE-MIB forwarding tables; self/invalid/own MACs dropped."""
    ports = bridge_port_map(raw)
    own = {f.mac for f in ifs.values() if f.mac}
    base = mac_of(raw.scalars.get(O.DOT1D_BASE_BRIDGE_ADDRESS))
    if base:
        own.add(base)
    fdb_to_vlan: dict[int, int] = {}
    if not quirk("fdb_id_is_vlan", platform):
        for i, fid in raw.col(O.DOT1Q_VLAN_FDB_ID).items():
            if len(i) == 2 and isinstance(fid, int) and fid:
                fdb_to_vlan.setdefault(fid, i[1])
    entries: dict[tuple[str, int | None], FdbEntry] = {}
    unmapped: set[int] = set()
    dropped = 0

    def add(m: str | None, port: Any, status: int | None, vlan: int | None) -> None:
        nonlocal dropped
        st = O.FDB_STATUS.get(status or 3, "other")
        if not m or st in ("self", "invalid") or m in own:
            return
        if not isinstance(port, int) or port <= 0:
            dropped += 1
            return
        ifi = ports.get(port)
        name = _ifname(ifs, ifi) if ifi is not None else None
        if name is None:
            unmapped.add(port)
        key = (m, vlan)
        entries.setdefault(
            key, FdbEntry(mac=m, port=name, vlan=vlan, status="static" if st == "mgmt" else st)
        )

    qstatus = raw.col(O.DOT1Q_TP_FDB_STATUS)
    for i, port in sorted(raw.col(O.DOT1Q_TP_FDB_PORT).items()):
        if len(i) != 7:
            continue
        vlan = fdb_to_vlan.get(i[0], i[0]) or None
        add(mac_of(bytes(i[1:])), port, qstatus.get(i), vlan)
    seen_macs = {m for m, _ in entries}
    dstatus = raw.col(O.DOT1D_TP_FDB_STATUS)
    for i, port in sorted(raw.col(O.DOT1D_TP_FDB_PORT).items()):
        if len(i) != 6:
            continue
        m = mac_of(bytes(i))
        if m not in seen_macs:
            add(m, port, dstatus.get(i), None)
    if unmapped:
        warnings.append(
            f"FDB: bridge ports without ifIndex mapping: {', '.join(map(str, sorted(unmapped)))}"
        )
    if dropped:
        warnings.append(f"FDB: {dropped} entries on no port (port 0/-1) skipped")
    return sorted(entries.values(), key=lambda e: (e.port or "", e.vlan or 0, e.mac))


def decode_lldp_id(subtype: int | None, value: Any, *, chassis: bool) -> tuple[str | None, str]:
    """LLDP chassis/port ID -> (human text, kind). MACs normalised, addresses as dotted text."""
    table = O.LLDP_CHASSIS_SUBTYPES if chassis else O.LLDP_PORT_SUBTYPES
    kind = table.get(subtype or 0, "unknown")
    if kind == "mac":
        m = mac_of(value)
        if m:
            return m, kind
    if kind == "network_address" and isinstance(value, bytes) and len(value) in (5, 17):
        addr = _ip_of(value[0], value[1:])
        if addr:
            return addr, kind
    if isinstance(value, bytes) and value and not _printable(value):
        m = mac_of(value)
        return (m, "mac") if m else (value.hex(":"), kind)
    return text(value), kind


def _printable(b: bytes) -> bool:
    try:
        s = b.decode("utf-8")
    except UnicodeDecodeError:
        try:
            s = b.decode("gb18030")
        except UnicodeDecodeError:
            return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in s.rstrip("\x00"))


def decode_lldp_caps(value: Any) -> list[str]:
    """lldpSystemCapabilitiesMap BITS -> names. Also reads the "28 2 4" text some captures hold."""
    if value is None:
        return []
    b = value if isinstance(value, bytes) else str(value).encode()
    if b and _printable(b) and re.fullmatch(rb"[0-9A-Fa-f]{1,2}( [0-9A-Fa-f]{1,2})*", b.strip()):
        b = bytes(int(t, 16) for t in b.split())
    if not b:
        return []
    first = b[0]
    return [name for bit, name in enumerate(O.LLDP_CAPABILITIES) if first & (0x80 >> bit)]


def _resolve_local_port(
    locport: tuple[int | None, str | None, str | None] | None, ifs: dict[int, InterfaceFact]
) -> InterfaceFact | None:
    """lldpLocPortTable row -> our interface, by what the device says the port *is*.

    lldpLocPortId (subtype ifName/local/alias -> ifName, ifDescr, ifAlias; subtype MAC -> the one
    interface with that MAC), then lldpLocPortDesc; then the same names compared through
    :func:`~netcmdb.discovery.vendors.port_key` (Ruijie says ``Gi1/1/1`` in lldpLocPortId and
    ``GigabitEthernet 1/1/1`` in ifDescr). Never by number.
    """
    if locport is None:
        return None
    subtype, pid, desc = locport
    if subtype == 3 and pid:  # MAC
        hits = [f for f in ifs.values() if f.mac == pid]
        if len(hits) == 1:
            return hits[0]
    for value in (pid, desc):
        if not value:
            continue
        for attr in ("name", "descr", "alias"):
            hits = [f for f in ifs.values() if getattr(f, attr) == value]
            if len(hits) == 1:
                return hits[0]
    key = port_key(pid) if subtype in (5, 7, 1) and pid else ""
    if key and any(ch.isdigit() for ch in key):
        for attr in ("name", "descr"):
            hits = [f for f in ifs.values() if port_key(getattr(f, attr)) == key]
            if len(hits) == 1:
                return hits[0]
    return None


def parse_lldp(
    raw: RawDevice, ifs: dict[int, InterfaceFact], warnings: list[str], platform: str | None = None
) -> list[NeighborFact]:
    locports: dict[int, tuple[int | None, str | None, str | None]] = {}
    for col in (O.LLDP_LOC_PORT_ID, O.LLDP_LOC_PORT_DESC, O.LLDP_LOC_PORT_ID_SUBTYPE):
        for i in raw.col(col):
            if len(i) == 1:
                st = raw.col(O.LLDP_LOC_PORT_ID_SUBTYPE).get(i)
                pid, _ = decode_lldp_id(st, raw.col(O.LLDP_LOC_PORT_ID).get(i), chassis=False)
                locports[i[0]] = (st, pid, text(raw.col(O.LLDP_LOC_PORT_DESC).get(i)))
    fallback_ifindex = not locports and platform in O.LLDP_LOCPORT_IS_IFINDEX
    mgmt: dict[tuple[int, int], str] = {}
    for i in sorted(raw.col(O.LLDP_REM_MAN_ADDR_IF_SUBTYPE)):
        if len(i) >= 6 and i[4] == len(i) - 5:
            addr = _ip_of(i[3], i[5:])
            if addr:
                key = (i[1], i[2])
                if key not in mgmt or ":" in mgmt[key]:  # prefer IPv4
                    mgmt[key] = addr
    rows: dict[tuple[int, int], Index] = {}
    for col in (
        O.LLDP_REM_CHASSIS_ID,
        O.LLDP_REM_PORT_ID,
        O.LLDP_REM_SYS_NAME,
        O.LLDP_REM_CHASSIS_ID_SUBTYPE,
    ):
        for i in raw.col(col):
            if len(i) == 3:
                key = (i[1], i[2])
                if key not in rows or i[0] > rows[key][0]:
                    rows[key] = i
    out: list[NeighborFact] = []
    empty = 0
    for (locnum, remidx), i in sorted(rows.items()):
        g = lambda c, i=i: raw.col(c).get(i)  # noqa: E731
        chassis, ckind = decode_lldp_id(
            g(O.LLDP_REM_CHASSIS_ID_SUBTYPE), g(O.LLDP_REM_CHASSIS_ID), chassis=True
        )
        port, pkind = decode_lldp_id(
            g(O.LLDP_REM_PORT_ID_SUBTYPE), g(O.LLDP_REM_PORT_ID), chassis=False
        )
        name = text(g(O.LLDP_REM_SYS_NAME))
        if not (chassis or port or name):
            empty += 1  # a row with nothing that names the neighbour: nothing to link to
            continue
        if fallback_ifindex:
            local = ifs.get(locnum)
            if local is not None:
                warnings.append(
                    f"LLDP: no lldpLocPortTable; local port {locnum} read as "
                    f"ifIndex ({platform} quirk) = {local.name}"
                )
        else:
            local = _resolve_local_port(locports.get(locnum), ifs)
        who = name or chassis or "?"
        if local is None:
            warnings.append(
                f"LLDP: neighbour {who} on local port number {locnum}: "
                f"not resolvable through lldpLocPortTable; skipped"
            )
            continue
        if local.kind in ("loopback", "bridge"):
            warnings.append(
                f"LLDP: neighbour {who} reported on {local.kind} interface {local.name}; not a link"
            )
            continue
        out.append(
            NeighborFact(
                protocol="lldp",
                local_port=local.name,
                remote_name=name,
                remote_chassis_id=chassis,
                remote_chassis_id_kind=ckind,
                remote_port=port,
                remote_port_kind=pkind,
                remote_port_descr=text(g(O.LLDP_REM_PORT_DESC)),
                remote_mgmt_ip=mgmt.get((locnum, remidx)),
                remote_descr=text(g(O.LLDP_REM_SYS_DESC)),
                remote_capabilities=decode_lldp_caps(g(O.LLDP_REM_SYS_CAP_ENABLED)),
            )
        )
    if empty:
        warnings.append(f"LLDP: {empty} remote rows without chassis ID, port ID or name skipped")
    return out


def decode_cdp_caps(value: Any) -> list[str]:
    if not isinstance(value, bytes) or not value:
        return []
    n = int.from_bytes(value[-4:], "big")
    return sorted({name for bit, name in O.CDP_CAPABILITIES_BITS.items() if n & bit})


def parse_cdp(
    raw: RawDevice, ifs: dict[int, InterfaceFact], warnings: list[str]
) -> list[NeighborFact]:
    """cdpCacheTable; its first index *is* the ifIndex by definition of CISCO-CDP-MIB."""
    keys: set[Index] = set()
    for c in (O.CDP_DEVICE_ID, O.CDP_DEVICE_PORT, O.CDP_ADDRESS):
        keys.update(i for i in raw.col(c) if len(i) == 2)
    out = []
    for i in sorted(keys):
        g = lambda c, i=i: raw.col(c).get(i)  # noqa: E731
        name = text(g(O.CDP_DEVICE_ID))
        local = ifs.get(i[0])
        if local is None:
            warnings.append(f"CDP: neighbour {name} on unknown ifIndex {i[0]}; skipped")
            continue
        if local.kind in ("loopback", "bridge"):
            warnings.append(
                f"CDP: neighbour {name} reported on {local.kind} interface {local.name}; not a link"
            )
            continue
        addr_raw, atype = g(O.CDP_ADDRESS), g(O.CDP_ADDRESS_TYPE)
        addr = None
        if isinstance(addr_raw, bytes) and atype in (1, None):
            addr = _ip_of(None, addr_raw)
        caps = decode_cdp_caps(g(O.CDP_CAPABILITIES))
        out.append(
            NeighborFact(
                protocol="cdp",
                local_port=local.name,
                remote_name=name,
                remote_port=text(g(O.CDP_DEVICE_PORT)),
                remote_port_kind="ifname",
                remote_mgmt_ip=addr,
                remote_platform=text(g(O.CDP_PLATFORM)),
                remote_descr=text(g(O.CDP_VERSION)),
                remote_capabilities=caps,
            )
        )
    return out


def parse_entity(
    raw: RawDevice,
) -> tuple[str | None, str | None, str | None, str | None, list[dict[str, str]]]:
    """ENTITY-MIB -> (serial, model, software, manufacturer, stack members).

    Chassis rows are class 3; recordings without the class column fall back to the first row that
    has a serial. Several chassis (under a class-11 stack row, or simply several) are a stack.
    """
    cls = raw.col(O.ENT_CLASS)
    serials = raw.col(O.ENT_SERIAL)
    rows = sorted(
        {i for c in (O.ENT_DESCR, O.ENT_SERIAL, O.ENT_MODEL, O.ENT_NAME) for i in raw.col(c)}
    )
    chassis = [i for i in rows if cls.get(i) == O.ENT_CLASS_CHASSIS]
    if not chassis and not cls:
        chassis = [i for i in rows if text(serials.get(i))][:1]
    if not chassis:
        return None, None, None, None, []
    members = []
    for i in chassis:
        m = {
            "serial": text(serials.get(i)) or "",
            "model": text(raw.col(O.ENT_MODEL).get(i)) or "",
            "name": text(raw.col(O.ENT_NAME).get(i)) or "",
        }
        members.append(m)
    first = next((i for i in chassis if text(serials.get(i))), chassis[0])
    serial = text(serials.get(first))
    model = text(raw.col(O.ENT_MODEL).get(first))
    sw = text(raw.col(O.ENT_SOFTWARE_REV).get(first))
    mfg = text(raw.col(O.ENT_MFG).get(first))
    stack = members if len(chassis) > 1 else []
    return serial, model, sw, mfg, stack


def evidence_of(raw: RawDevice) -> Evidence:
    """What the raw answers say about identity (see :mod:`netcmdb.discovery.vendors.identify`)."""
    sc = raw.scalars
    oid = sc.get(O.SYS_OBJECT_ID)
    ev = Evidence(
        sys_object_id=oid if isinstance(oid, str) else None, sys_descr=text(sc.get(O.SYS_DESCR))
    )
    svc, fwd = sc.get(O.SYS_SERVICES), sc.get(O.IP_FORWARDING)
    ev.sys_services = svc if isinstance(svc, int) else None
    ev.ip_forwarding = fwd if isinstance(fwd, int) else None
    ev.bridge_ports = len(raw.col(O.DOT1D_BASE_PORT_IF_INDEX))
    ev.ups_manufacturer = text(sc.get(O.UPS_IDENT_MANUFACTURER))
    ev.ups_model = text(sc.get(O.UPS_IDENT_MODEL))
    ev.ups_software = text(sc.get(O.UPS_IDENT_SOFTWARE))
    ev.ups_agent_software = text(sc.get(O.UPS_IDENT_AGENT_SOFTWARE))
    batt = sc.get(O.UPS_BATTERY_STATUS)
    ev.ups_battery_status = batt if isinstance(batt, int) else None
    for table in IDENT_SCALARS.values():
        vals = {k: text(sc.get(o)) for k, o in table.items() if k != "kind"}
        if vals.get("model") or vals.get("serial"):
            ev.power_kind = table["kind"]
            ev.power_model = vals.get("model")
            ev.power_serial = vals.get("serial")
            ev.power_firmware = vals.get("firmware")
            ev.power_manufacturer = vals.get("manufacturer")
            break
    prt = [text(v) for _, v in sorted(raw.col(O.PRT_GENERAL_SERIAL).items())]
    ev.printer_mib = bool(raw.col(O.PRT_GENERAL_SERIAL))
    ev.printer_serial = next((v for v in prt if v), None)
    serial, model, sw, mfg, _stack, cdescr = _entity_chassis(raw)
    ev.chassis_serial, ev.chassis_model, ev.chassis_software = serial, model, sw
    ev.chassis_mfg, ev.chassis_descr = mfg, cdescr
    return ev


def _entity_chassis(
    raw: RawDevice,
) -> tuple[str | None, str | None, str | None, str | None, list[dict[str, str]], str | None]:
    serial, model, sw, mfg, stack = parse_entity(raw)
    cls = raw.col(O.ENT_CLASS)
    descr = next(
        (
            text(raw.col(O.ENT_DESCR).get(i))
            for i, c in sorted(cls.items())
            if c == O.ENT_CLASS_CHASSIS and text(raw.col(O.ENT_DESCR).get(i))
        ),
        None,
    )
    return serial, model, sw, mfg, stack, descr


def parse_device(ip: str | None, raw: RawDevice) -> DeviceFact:
    """Raw SNMP answers -> a DeviceFact (pure; identity from :func:`vendors.identify.identify`)."""
    sc = raw.scalars
    ev = evidence_of(raw)
    who = identify(ev)
    warnings: list[str] = list(raw.warnings)
    ifs = parse_interfaces(raw)
    dev = DeviceFact(
        source=Source.SNMP,
        ip=ip,
        hostname=text(sc.get(O.SYS_NAME)),
        description=ev.sys_descr,
        sys_object_id=ev.sys_object_id,
        sys_location=text(sc.get(O.SYS_LOCATION)),
        contact=text(sc.get(O.SYS_CONTACT)),
        vendor=who.vendor,
        platform=who.platform,
        os=who.os,
        os_version=who.os_version,
        model=who.model,
    )
    if isinstance(sc.get(O.SYS_UPTIME), int):
        dev.uptime_s = sc[O.SYS_UPTIME] / 100.0
    dev.interfaces = [ifs[k] for k in sorted(ifs)]
    dev.addresses = sorted(
        {a for f in ifs.values() for a in f.ips if not a.startswith("127.")},
        key=ipaddress.ip_address,
    )
    dev.chassis_mac = mac_of(sc.get(O.DOT1D_BASE_BRIDGE_ADDRESS)) or (
        mac_of(sc.get(O.LLDP_LOC_CHASSIS_ID))
        if sc.get(O.LLDP_LOC_CHASSIS_ID_SUBTYPE) == 4
        else None
    )
    if ip:
        dev.mac = next((f.mac for f in ifs.values() if ip in f.ips and f.mac), None)
    dev.mac = dev.mac or dev.chassis_mac
    _s, _m, _sw, _mfg, stack = parse_entity(raw)
    dev.stack_members = stack
    # serials: ENTITY chassis first, then vendor power MIBs, private-MIB scalars/columns,
    # then the Printer-MIB
    serial = who.serial
    if not serial:
        for k in O.SERIAL_SCALAR_ORDER:
            serial = text(sc.get(O.VENDOR_SERIAL_SCALARS[k]))
            if serial:
                break
    if not serial:
        for c in O.VENDOR_SERIAL_COLUMNS.values():
            serial = next((text(v) for _, v in sorted(raw.col(c).items()) if text(v)), None)
            if serial:
                break
    dev.serial = serial or ev.printer_serial
    cls = who.device_class
    if cls == "printer" and not dev.model:
        dev.model = next(
            (
                text(raw.col(O.HR_DEVICE_DESCR).get(i))
                for i, v in sorted(raw.col(O.HR_DEVICE_TYPE).items())
                if v == O.HR_DEVICE_PRINTER
            ),
            None,
        )
    dev.device_class = DeviceClass(cls)
    dev.class_reason = who.class_reason
    # routing evidence for the reconciler's gateway rule (sysServices bit 3, IP-MIB ipForwarding)
    if ev.sys_services is not None:
        dev.extra["sys_services"] = str(ev.sys_services)
    if ev.ip_forwarding is not None:
        dev.extra["ip_forwarding"] = "1" if ev.ip_forwarding == 1 else "2"
    dev.fdb = parse_fdb(raw, ifs, who.platform, warnings)
    dev.arp = parse_arp(raw, ifs)
    dev.neighbors = parse_lldp(raw, ifs, warnings, who.platform) + parse_cdp(raw, ifs, warnings)
    dev.warnings = warnings
    return dev


# ================================================================================================
# orchestration
# ================================================================================================


@dataclass(slots=True)
class SnmpConfig:
    """Per-scan SNMP settings (credentials in the order to try)."""

    credentials: list[SnmpCredential] = field(default_factory=lambda: [SnmpCredential()])
    port: int = 161
    timeout_s: float = 1.0
    retries: int = 1
    concurrency: int = 64
    budget: int = 64
    #: v1/v2c through the lean codec (:mod:`snmp_wire`); False: pysnmp for every version
    wire: bool = True
    memory: CredentialMemory = field(default_factory=CredentialMemory)
    #: host -> port override (a simulator may serve devices on several ports)
    ports: dict[str, int] = field(default_factory=dict)
    #: table columns to walk (default: :data:`snmp_oids.WALK_COLUMNS` + vendor extras)
    columns: list[str] | None = None
    #: excludes, --allow-public, --max-hosts: checked before the first packet to any host
    scope: ScopeRules = field(default_factory=ScopeRules)


def _refused(host: str, exc: ScopeError, t0: float) -> ScanResult:
    """A host the scope rules refuse: a per-host result, and not one packet sent."""
    kind = "excluded" if " is excluded" in str(exc) else "refused"
    return ScanResult(
        target=host, error=message_of(exc), error_kind=kind, duration_s=time.monotonic() - t0
    )


async def collect(host: str, cfg: SnmpConfig, engine: Any | None = None) -> ScanResult:
    """Probe then walk one device; every failure becomes a ScanResult with ``error_kind``.

    ``host`` (address, name or ``host:port``) is checked against ``cfg.scope`` first; a refused
    host gets error_kind ``excluded``/``refused`` and no packet. A name is resolved once and
    the checked address is the one queried.
    """
    t0 = time.monotonic()
    try:
        checked = admitted(host, cfg.scope)
    except ScopeError as exc:
        return _refused(host, exc, t0)
    addr = checked.address
    engine = engine or _engine()
    port = checked.port or cfg.ports.get(host, cfg.ports.get(addr, cfg.port))
    last_err: DiscoveryError | None = None
    kind = "timeout"
    for cred in cfg.memory.order(host, cfg.credentials):
        sess = SnmpSession(
            engine,
            checked,
            port,
            cred,
            timeout=cfg.timeout_s,
            retries=cfg.retries,
            budget=cfg.budget,
            wire=cfg.wire,
        )
        try:
            scalars = await sess.get(O.PROBE_SCALARS)
            if O.SYS_OBJECT_ID not in scalars and O.SYS_DESCR not in scalars:
                raise DiscoveryError("{host}: SNMP agent without a system group", host=host)
        except ScanTimeout as exc:
            last_err, kind = exc, "timeout"
            continue
        except AuthenticationError as exc:
            last_err, kind = exc, "auth"
            continue
        except DiscoveryError as exc:
            last_err, kind = exc, "other"
            continue
        cfg.memory.worked(host, cred)
        try:
            scalars.update(
                await sess.get(
                    O.EXTRA_SCALARS
                    + O.STANDARD_IDENT_SCALARS
                    + [O.VENDOR_SERIAL_SCALARS[k] for k in O.SERIAL_SCALAR_ORDER]
                    + O.IDENT_SCALAR_OIDS
                )
            )
            cols = list(cfg.columns if cfg.columns is not None else O.WALK_COLUMNS)
            walk_warnings: list[str] = []
            columns = await sess.walk(cols, warnings=walk_warnings)
        except DiscoveryError as exc:
            return ScanResult(
                target=host,
                error=N_("{exc} (during the walk)", exc=exc),
                error_kind="timeout" if isinstance(exc, ScanTimeout) else "other",
                duration_s=time.monotonic() - t0,
            )
        try:
            dev = parse_device(
                addr, RawDevice(scalars=scalars, columns=columns, warnings=walk_warnings)
            )
        except Exception as exc:  # device data is untrusted: one bad device, not a dead scan
            return ScanResult(
                target=host,
                error=N_("{host}: could not decode SNMP data: {exc}", host=host, exc=str(exc)),
                error_kind="parse",
                duration_s=time.monotonic() - t0,
            )
        dev.extra["snmp_credential"] = cred.label
        dev.extra["snmp_requests"] = str(sess.requests)
        dev.extra["snmp_rows"] = " ".join(f"{c}={len(v)}" for c, v in columns.items() if v)
        return ScanResult(target=host, device=dev, duration_s=time.monotonic() - t0)
    msg = message_of(last_err) if last_err else N_("{host}: no SNMP credentials to try", host=host)
    if kind == "timeout" and len(cfg.credentials) > 1:
        msg = N_(
            "{host}: no SNMP answer with any of {n} credential sets",
            host=host,
            n=len(cfg.credentials),
        )
    return ScanResult(target=host, error=msg, error_kind=kind, duration_s=time.monotonic() - t0)


async def collect_many(
    hosts: Iterable[str], cfg: SnmpConfig, progress: Any | None = None
) -> list[ScanResult]:
    """Collect many devices concurrently (bounded by ``cfg.concurrency``), results in host order.

    ``hosts`` take every :mod:`netcmdb.net.scope` form (addresses, CIDRs, ranges, @files, names,
    ``host:port``); excluded ones come back as ``excluded`` results, never contacted.

    Raises:
        ScopeError: a refused target (public, multicast/broadcast, more than max_hosts, not a
            target) -- before any packet.
    """
    hosts, dropped = cfg.scope.contact_list(list(hosts), names=True)
    t0 = time.monotonic()
    excluded = [_refused(h, ScopeError("{h} is excluded", h=h), t0) for h in dropped]
    if not hosts:
        return excluded
    engine = _engine()
    sem = asyncio.Semaphore(max(1, cfg.concurrency))
    done = 0

    async def one(h: str) -> ScanResult:
        nonlocal done
        async with sem:
            r = await collect(h, cfg, engine)
        done += 1
        if progress:
            progress(done, len(hosts), h)
        return r

    try:
        return list(await asyncio.gather(*(one(h) for h in hosts))) + excluded
    finally:
        _close(engine)


def _close(engine: Any) -> None:
    client = getattr(engine, "_netcmdb_wire", None)
    if client is not None:
        client.close()
    try:
        engine.close_dispatcher()
    except Exception:  # pragma: no cover - best effort
        pass


def config_from_options(options: ScanOptions) -> SnmpConfig:
    ex = options.extra
    creds = ex.get("snmp_credentials") or credentials_from(ex.get("communities", ()))
    return SnmpConfig(
        credentials=list(creds),
        port=int(ex.get("snmp_port", 161)),
        timeout_s=options.timeout_s,
        retries=options.retries,
        concurrency=options.concurrency,
        ports=dict(ex.get("snmp_ports", {})),
        scope=options.rules,
    )


@register_scanner("snmp")
class SnmpScanner:
    """The ``snmp`` scanner: ``ScanOptions.extra`` takes ``communities``, ``snmp_credentials``
    (a list of :class:`SnmpCredential`), ``snmp_port`` and ``snmp_ports`` (host -> port)."""

    name = "snmp"

    def __init__(self) -> None:
        self.memory = CredentialMemory()

    def scan(self, targets: Sequence[str], options: ScanOptions) -> Iterator[ScanResult]:
        cfg = config_from_options(options)
        cfg.memory = self.memory
        yield from asyncio.run(collect_many(targets, cfg, options.progress))


async def snmp_crawl(
    seeds: Sequence[str],
    cfg: SnmpConfig,
    *,
    scope: Any | None = None,
    excludes: Iterable[str] | None = None,
    max_depth: int | None = None,
    max_queue: int = 10_000,
    follow: Any | None = None,
    progress: Any | None = None,
) -> Any:
    """Crawl LLDP/CDP neighbours from ``seeds`` over SNMP (one engine for the whole crawl).

    Bounded by ``scope`` (a :class:`~netcmdb.net.scope.CrawlScope` or specs; default: the
    non-public blocks the seeds sit in) under ``cfg.scope`` plus ``excludes``.

    Raises:
        ScopeError: a refused seed or a malformed scope/exclude -- before any packet.
    """
    from dataclasses import replace

    from netcmdb.discovery.crawl import crawl, plan_crawl

    if excludes:
        cfg = replace(
            cfg, scope=replace(cfg.scope, excludes=(*cfg.scope.excludes, *map(str, excludes)))
        )
    plan_crawl(seeds, scope=scope, rules=cfg.scope)  # refuse before the engine opens a socket
    engine = _engine()
    try:
        return await crawl(
            seeds,
            lambda h: collect(h, cfg, engine),
            scope=scope,
            rules=cfg.scope,
            max_depth=max_depth,
            max_queue=max_queue,
            follow=follow,
            concurrency=cfg.concurrency,
            progress=progress,
        )
    finally:
        _close(engine)


def crawl_snmp(seeds: Sequence[str], cfg: SnmpConfig, **kw: Any) -> Any:
    """Synchronous :func:`snmp_crawl` (returns a :class:`~netcmdb.discovery.crawl.CrawlResult`)."""
    return asyncio.run(snmp_crawl(seeds, cfg, **kw))


def credentials_from_config(
    config: dict[str, Any], env: Mapping[str, str] | None = None
) -> list[SnmpCredential]:
    """SNMP credential sets from the config file's ``[credentials.<name>]`` tables, in file order.

    Keys: ``snmp_version`` ("2c" | "3" | "1"), ``community`` or ``community_env`` (name of an
    environment variable), ``v3_user``, ``v3_auth_proto``, ``v3_auth_key``/``v3_auth_key_env``,
    ``v3_priv_proto``, ``v3_priv_key``/``v3_priv_key_env``. Tables without SNMP keys are skipped.

    Raises:
        ConfigError: a referenced environment variable is not set.
    """
    env = os.environ if env is None else env
    out: list[SnmpCredential] = []

    def secret(name: str, table: dict[str, Any], key: str) -> str | None:
        if table.get(key):
            return str(table[key])
        ref = table.get(f"{key}_env")
        if ref:
            if ref not in env:
                raise ConfigError(
                    "[credentials.{name}] {key}_env: environment variable {ref} is not set",
                    name=name,
                    key=key,
                    ref=ref,
                )
            return env[ref]
        return None

    for name, table in (config.get("credentials") or {}).items():
        if not isinstance(table, dict):
            continue
        version = str(table.get("snmp_version", "3" if table.get("v3_user") else ""))
        if not version and not any(k in table for k in ("community", "community_env")):
            continue
        version = version or "2c"
        if version == "3":
            out.append(
                SnmpCredential(
                    "3",
                    user=table.get("v3_user"),
                    auth_proto=table.get("v3_auth_proto"),
                    auth_key=secret(name, table, "v3_auth_key"),
                    priv_proto=table.get("v3_priv_proto"),
                    priv_key=secret(name, table, "v3_priv_key"),
                )
            )
        else:
            comm = secret(name, table, "community")
            if comm:
                out.append(SnmpCredential(version, community=comm))
    return out
