"""Vendor registry, identification order, text decoding and the -Cc walk, without a network.

Table-driven (netutils style): each row is one case and could fail on its own.
"""

from __future__ import annotations

import asyncio
import doctest

import pytest

from netcmdb.discovery import normalize, vendors
from netcmdb.discovery.vendors import identify as identify_mod
from netcmdb.discovery.vendors.identify import Evidence, identify


def test_doctests() -> None:
    for mod in (vendors, identify_mod, normalize):
        r = doctest.testmod(mod)
        assert r.failed == 0 and r.attempted > 0, mod.__name__


@pytest.mark.parametrize(
    "raw,text",
    [
        ("中文".encode(), "中文"),
        ("中文".encode("gbk"), "中文"),
        ("中文".encode("gbk") + b"\xff", "中文\\xff"),  # GBK then a stray byte: no Latin-1
        (b"caf\xe9", "caf\\xe9"),
        (b"", ""),
        (b"\xff\xfe\xfd", "\\xff\\xfe\\xfd"),
        ("机房 D0102".encode("gb18030"), "机房 D0102"),
    ],
)
def test_decode_text(raw: bytes, text: str) -> None:
    assert normalize.decode_text(raw) == text


def test_every_enterprise_says_how_it_was_verified() -> None:
    for e in vendors.ENTERPRISES.values():
        assert e.source == "iana" or e.source.startswith(("rec:", "https://")), e


def test_every_rule_names_known_platforms_and_classes() -> None:
    from netcmdb.discovery.facts import DeviceClass

    classes = {c.value for c in DeviceClass}
    for r in vendors.RULES:
        assert r.platform is None or r.platform in vendors.PLATFORMS, r
        assert r.device_class is None or r.device_class in classes, r
        assert r.hint_class is None or r.hint_class in classes, r
        assert r.why
    for mc in vendors.MODEL_CLASSES:
        assert mc.platform in vendors.PLATFORMS and mc.device_class in classes, mc


def test_port_prefixes_are_one_table() -> None:
    from netcmdb.cmdb.reconcile import port_key

    longs = [a for a, _ in vendors.PORT_PREFIXES]
    assert len(longs) == len(set(longs))
    assert port_key("GigabitEthernet0/0/1") == port_key("GE0/0/1") == "gi0/0/1"
    assert port_key("Bridge-Aggregation1") == port_key("Eth-Trunk1") == "po1"


@pytest.mark.parametrize(
    "ev,cls,reason_part",
    [
        # UPS-MIB beats the agent's enterprise (Huawei UPS5000 on Net-SNMP)
        (
            Evidence(
                "1.3.6.1.4.1.8072.3.2.10",
                "Linux GSE200M 2.6.27 armv5tejl",
                ups_manufacturer="HUAWEI",
                ups_model="UPS5000",
            ),
            "ups",
            "UPS-MIB",
        ),
        # Printer-MIB rows make a printer whatever the enterprise
        (Evidence("1.3.6.1.4.1.99999", "box", printer_mib=True), "printer", "Printer-MIB"),
        # a product-line rule beats bridge ports (a Cisco WLC has bridge ports)
        (Evidence("1.3.6.1.4.1.9.1.1069", "Cisco Controller", 2, 2, 8), "other", "controller"),
        # the model: a Huawei ME60 answering only with its ENTITY chassis
        (
            Evidence("1.3.6.1.4.1.2011.2.89.5", "", 78, 1, 0, chassis_descr="ME60-X8 frame"),
            "router",
            "ME60",
        ),
        # bridge ports
        (Evidence("1.3.6.1.4.1.99999", "x", 78, 1, 24), "switch", "24 bridge ports"),
        # forwarding without bridge ports and without host sysServices
        (Evidence("1.3.6.1.4.1.99999", "x", 6, 1, 0), "router", "ipForwarding"),
        # a host that forwards is not called a router
        (Evidence("1.3.6.1.4.1.99999", "x", 79, 1, 0), "other", "no evidence"),
        # sysServices last
        (Evidence("1.3.6.1.4.1.99999", "x", 2, 2, 0), "switch", "sysServices 2"),
        # the enterprise alone says nothing for a multi-product vendor (Huawei 2011)
        (Evidence("1.3.6.1.4.1.2011.2.999", "x", None, None, 0), "other", "no evidence"),
    ],
)
def test_class_from_evidence_in_order(ev: Evidence, cls: str, reason_part: str) -> None:
    got = identify(ev)
    assert got.device_class == cls, got
    assert reason_part in got.class_reason, got


class _ScriptedAgent:
    """Stands in for SnmpSession._send: each OID's successor is scripted (``nxt``), the way the
    agents of issue 18 answer (snmpsim: the next line of the recording, not the next greater
    OID). ``None`` ends the MIB view."""

    def __init__(
        self, first: tuple[int, ...], nxt: dict[tuple[int, ...], tuple[int, ...] | None]
    ) -> None:
        self.first, self.nxt = first, nxt

    async def send(self, kind: str, reqs, reps: int = 0):  # type: ignore[no-untyped-def]
        out = []
        for r in reqs:
            for _ in range(max(1, reps)):
                n = self.nxt.get(r, None) if r in self.nxt else self.first
                if n is None:
                    out.append((r, None))
                    break
                out.append((n, 1))
                r = n
        return out


def _walk(order: list[tuple[int, ...]], row_limit: int = 1000):  # type: ignore[no-untyped-def]
    """Walk one column of an agent that answers the OIDs in ``order``, one after the other."""
    from netcmdb.discovery.snmp import SnmpCredential, SnmpSession

    nxt: dict[tuple[int, ...], tuple[int, ...] | None] = {}
    for a, b in zip(order, order[1:] + [None]):  # type: ignore[operator]
        nxt.setdefault(a, b)
    agent = _ScriptedAgent(order[0], nxt)
    sess = SnmpSession(None, "192.0.2.1", 161, SnmpCredential(), timeout=1, retries=0)
    sess._send = agent.send  # type: ignore[method-assign]
    warnings: list[str] = []
    res = asyncio.run(sess.walk(["1.3.6.1.9"], warnings=warnings, row_limit=row_limit))
    return res["1.3.6.1.9"], warnings


def test_walk_goes_on_past_non_increasing_oids_and_warns() -> None:
    col = (1, 3, 6, 1, 9)
    oids = [col + (5,), col + (6,), col + (2,), col + (3,), col + (9,), (1, 3, 6, 1, 10, 1)]
    rows, warnings = _walk(oids)
    assert sorted(rows) == [(2,), (3,), (5,), (6,), (9,)]  # every row, none dropped
    assert len(warnings) == 1 and "do not increase" in warnings[0] and "5 rows" in warnings[0]


def test_walk_loop_guard_stops_on_a_repeated_oid() -> None:
    col = (1, 3, 6, 1, 9)
    # 5 -> 6 -> 3 -> 5 -> ...: the agent loops for ever
    order = [col + (5,), col + (6,), col + (3,)]
    from netcmdb.discovery.snmp import SnmpCredential, SnmpSession

    nxt = {order[0]: order[1], order[1]: order[2], order[2]: order[0]}
    agent = _ScriptedAgent(order[0], nxt)  # type: ignore[arg-type]
    sess = SnmpSession(None, "192.0.2.1", 161, SnmpCredential(), timeout=1, retries=0)
    sess._send = agent.send  # type: ignore[method-assign]
    warnings: list[str] = []
    rows = asyncio.run(sess.walk(["1.3.6.1.9"], warnings=warnings))["1.3.6.1.9"]
    assert sorted(rows) == [(3,), (5,), (6,)]
    assert any("a second time" in w and "loop guard" in w for w in warnings)


def test_walk_row_limit_is_a_warning_not_silence() -> None:
    col = (1, 3, 6, 1, 9)
    rows, warnings = _walk([col + (i,) for i in range(1, 50)], row_limit=10)
    assert len(rows) == 10
    assert any("row limit (10 rows)" in w for w in warnings)


def test_ordered_walk_has_no_warning() -> None:
    col = (1, 3, 6, 1, 9)
    rows, warnings = _walk([col + (i,) for i in range(1, 30)] + [(1, 3, 6, 1, 10)])
    assert len(rows) == 29 and warnings == []


@pytest.mark.parametrize(
    "locport,want",
    [
        ((5, "Gi1/1/1", "GigabitEthernet "), "GigabitEthernet 1/1/1"),  # Ruijie N18010
        ((5, "GigabitEthernet 1/1/2", None), "GigabitEthernet 1/1/2"),  # exact still first
        ((7, "1", None), None),  # a bare number is never taken for a port
        ((5, "Te9/9/9", None), None),  # no such port
    ],
)
def test_lldp_local_port_by_canonical_name(locport, want) -> None:  # type: ignore[no-untyped-def]
    from netcmdb.discovery.facts import InterfaceFact
    from netcmdb.discovery.snmp import _resolve_local_port

    ifs = {i: InterfaceFact(name=f"GigabitEthernet 1/1/{i}", ifindex=i) for i in (1, 2, 3)}
    got = _resolve_local_port(locport, ifs)
    assert (got.name if got else None) == want
