"""Import nmap's XML output (``nmap -oX``) as the same typed facts our own sweeps yield.

Admins already have years of nmap runs; ``netcmdb import nmap FILE.xml`` turns one into
:class:`ScanResult` objects (hosts, MACs and vendor, hostnames, open ports, OS guess) that the
CMDB ingests like any scan.

The file is untrusted input. It is parsed with the stdlib's expat, the defusedxml way: a bare
``<!DOCTYPE nmaprun>`` (which nmap always writes) is allowed, but internal DTD subsets, entity
declarations and external entities are refused (no billion laughs, no XXE), and the tree is built
by hand so nothing is ever fetched or expanded. Any problem raises
:class:`~netcmdb.errors.ImportFormatError` naming the file, the line and what is wrong.

Must not import the CMDB or the CLI.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from netcmdb.discovery.facts import DeviceClass, DeviceFact, ScanResult, Source
from netcmdb.discovery.normalize import mac_or_none, mac_vendor
from netcmdb.errors import ImportFormatError

#: nmap ``osclass type`` -> our device class (data, not code).
OS_TYPE_CLASS: dict[str, DeviceClass] = {
    "router": DeviceClass.ROUTER,
    "switch": DeviceClass.SWITCH,
    "firewall": DeviceClass.FIREWALL,
    "wap": DeviceClass.AP,
    "printer": DeviceClass.PRINTER,
    "print server": DeviceClass.PRINTER,
    "phone": DeviceClass.PHONE,
    "voip phone": DeviceClass.PHONE,
    "voip adapter": DeviceClass.PHONE,
    "power-device": DeviceClass.UPS,
    "general purpose": DeviceClass.OTHER,
}

MAX_BYTES = 512 << 20  # refuse absurd files before reading them


@dataclass(slots=True)
class _Node:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[_Node] = field(default_factory=list)

    def find(self, tag: str) -> _Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> list[_Node]:
        return [c for c in self.children if c.tag == tag]


class _Refused(Exception):
    pass


def _parse_tree(data: bytes, name: str) -> _Node:
    """Build a minimal element tree with expat, refusing DTD subsets and entities."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[_Node] = []
    root: list[_Node] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        node = _Node(tag, attrs, parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(_tag: str) -> None:
        stack.pop()

    def doctype(_name: str, sysid: str | None, pubid: str | None, internal: int) -> None:
        if sysid or pubid or internal:
            raise _Refused("DOCTYPE with an external DTD or internal subset is not allowed")

    def entity_decl(*_a: object) -> None:
        raise _Refused("entity declarations are not allowed")

    def external_ref(*_a: object) -> int:
        raise _Refused("external entities are not allowed")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity_decl
    parser.UnparsedEntityDeclHandler = entity_decl
    parser.ExternalEntityRefHandler = external_ref
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise ImportFormatError(
            (
                "{name}: not valid XML: {value} (line {lineno}, column {offset}); is the nmap "
                "run complete?"
            ),
            name=name,
            value=expat.errors.messages[exc.code],
            lineno=exc.lineno,
            offset=exc.offset,
        ) from None
    except _Refused as exc:
        raise ImportFormatError(
            "{name}: refused unsafe XML at line {currentlinenumber}: {exc}",
            name=name,
            currentlinenumber=parser.CurrentLineNumber,
            exc=exc,
        ) from None
    if not root:
        raise ImportFormatError("{name}: empty XML document", name=name)
    return root[0]


def parse(path: str | Path) -> list[ScanResult]:
    """Read an nmap XML file into one :class:`ScanResult` per host element.

    Up hosts carry a :class:`DeviceFact` (``source=nmap``); down hosts (listed with ``-v``) get
    ``error_kind="timeout"``.

    Raises:
        ImportFormatError: unreadable, not XML, unsafe XML, not nmap output, or a host
            without a usable address (the message names file and line).
    """
    p = Path(path)
    name = str(p)
    from netcmdb.inputs import read_capped

    return parse_bytes(read_capped(p), name)


def parse_bytes(data: bytes, name: str = "<nmap xml>") -> list[ScanResult]:
    """Like :func:`parse`, for XML already in memory."""
    root = _parse_tree(data, name)
    if root.tag != "nmaprun":
        raise ImportFormatError(
            (
                "{name}: not an nmap XML file (root element <{tag}>, expected <nmaprun>; produce "
                "it with nmap -oX)"
            ),
            name=name,
            tag=root.tag,
        )
    return [_host(h, name) for h in root.findall("host")]


def _host(h: _Node, name: str) -> ScanResult:
    ip = mac = vendor = None
    addresses: list[str] = []
    for a in h.findall("address"):
        kind, addr = a.attrs.get("addrtype", ""), a.attrs.get("addr", "")
        if kind in ("ipv4", "ipv6"):
            try:
                text = str(ipaddress.ip_address(addr))
            except ValueError:
                raise ImportFormatError(
                    "{name}: line {line}: bad {kind} address {addr!r}",
                    name=name,
                    line=a.line,
                    kind=kind,
                    addr=addr,
                ) from None
            addresses.append(text)
            ip = ip or text
        elif kind == "mac":
            mac = mac_or_none(addr)
            if mac is None:
                raise ImportFormatError(
                    "{name}: line {line}: bad MAC address {addr!r}",
                    name=name,
                    line=a.line,
                    addr=addr,
                )
            vendor = a.attrs.get("vendor") or None
    if ip is None:
        raise ImportFormatError(
            "{name}: line {line}: <host> without an IPv4/IPv6 address", name=name, line=h.line
        )
    status = h.find("status")
    state = status.attrs.get("state", "up") if status is not None else "up"
    if state != "up":
        reason = status.attrs.get("reason", "") if status is not None else ""
        return ScanResult(
            ip, error=f"nmap: host {state} ({reason or 'no reason given'})", error_kind="timeout"
        )
    fact = DeviceFact(source=Source.NMAP, ip=ip, mac=mac, addresses=addresses)
    if mac:  # the IEEE registry (as our sweeps), nmap's own table when it has nothing
        fact.mac_vendor = mac_vendor(mac) or vendor
        if vendor:
            fact.extra["nmap_mac_vendor"] = vendor
    if status is not None and status.attrs.get("reason"):
        fact.extra["nmap_reason"] = status.attrs["reason"]
    hostnames = h.find("hostnames")
    for hn in hostnames.findall("hostname") if hostnames is not None else []:
        hname, htype = hn.attrs.get("name"), hn.attrs.get("type")
        if not hname:
            continue
        if htype == "PTR" and fact.dns_name is None:
            fact.dns_name = hname
        elif htype == "user" and fact.hostname is None:
            fact.extra["nmap_target_name"] = hname
    ports = h.find("ports")
    for port in ports.findall("port") if ports is not None else []:
        st = port.find("state")
        if port.attrs.get("protocol") != "tcp" or st is None or st.attrs.get("state") != "open":
            continue
        portid = port.attrs.get("portid", "")
        if not (portid.isascii() and portid.isdigit() and 1 <= int(portid) <= 65535):
            raise ImportFormatError(
                "{name}: line {line}: bad port id {value!r} (a TCP port is 1..65535)",
                name=name,
                line=port.line,
                value=portid[:20],
            )
        fact.open_ports.append(int(portid))
        svc = port.find("service")
        if svc is not None and svc.attrs.get("name"):
            fact.extra[f"service_{port.attrs['portid']}"] = svc.attrs["name"]
    fact.open_ports.sort()
    _os_guess(h, fact)
    times = h.find("times")
    if times is not None and times.attrs.get("srtt", "").isdigit():
        fact.rtt_ms = int(times.attrs["srtt"]) / 1000.0
    return ScanResult(ip, device=fact)


def _os_guess(h: _Node, fact: DeviceFact) -> None:
    """The best ``osmatch`` (highest accuracy) -> os / os_version / vendor / class."""
    os_node = h.find("os")
    if os_node is None:
        return
    matches = os_node.findall("osmatch")

    def acc(n: _Node) -> int:
        v = n.attrs.get("accuracy", "0")
        return int(v) if v.isdigit() else 0

    if not matches:
        return
    best = max(matches, key=acc)
    fact.extra["os_match"] = best.attrs.get("name", "")
    fact.extra["os_accuracy"] = best.attrs.get("accuracy", "")
    classes = best.findall("osclass")
    if classes:
        c = max(classes, key=acc)
        fact.os = c.attrs.get("osfamily") or None
        fact.os_version = c.attrs.get("osgen") or None
        fact.vendor = fact.vendor or c.attrs.get("vendor") or None
        kind = (c.attrs.get("type") or "").lower()
        if kind in OS_TYPE_CLASS and OS_TYPE_CLASS[kind] is not DeviceClass.OTHER:
            fact.device_class = OS_TYPE_CLASS[kind]
