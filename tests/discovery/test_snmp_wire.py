"""The lean v1/v2c codec (discovery/snmp_wire.py) against pysnmp/pyasn1's own BER codec.

Messages are built and parsed by pysnmp (the reference implementation the collector used before)
and by snmp_wire; both must agree value for value. The end-to-end agreement on real recordings
is in test_snmp_recordings.py (v2c through snmp_wire vs v3 through pysnmp).
"""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("pysnmp")

from pyasn1.codec.ber import decoder, encoder  # noqa: E402
from pysnmp.proto import api, rfc1902  # noqa: E402

from netcmdb.discovery import snmp_wire as W  # noqa: E402
from netcmdb.discovery.snmp import _py  # noqa: E402

heads = st.sampled_from([(1, 3), (0, 39), (2, 999), (1, 0)])
oids = st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=20).flatmap(
    lambda tail: heads.map(lambda h: h + tuple(tail))
)

values = st.one_of(
    st.integers(-(2**31), 2**31 - 1).map(rfc1902.Integer32),
    st.binary(max_size=300).map(rfc1902.OctetString),
    st.integers(0, 2**32 - 1).map(rfc1902.Counter32),
    st.integers(0, 2**32 - 1).map(rfc1902.Gauge32),
    st.integers(0, 2**32 - 1).map(rfc1902.TimeTicks),
    st.integers(0, 2**64 - 1).map(rfc1902.Counter64),
    st.binary(min_size=4, max_size=4).map(rfc1902.IpAddress),
    oids.map(rfc1902.ObjectIdentifier),
    st.binary(max_size=20).map(rfc1902.Opaque),
)


def _pysnmp_response(community: bytes, rid: int, status: int, vbs: list) -> bytes:
    p = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    pdu = p.GetResponsePDU()
    p.apiPDU.set_defaults(pdu)
    p.apiPDU.set_request_id(pdu, rid)
    p.apiPDU.set_error_status(pdu, status)
    p.apiPDU.set_varbinds(pdu, vbs)
    msg = p.Message()
    p.apiMessage.set_defaults(msg)
    p.apiMessage.set_community(msg, community)
    p.apiMessage.set_pdu(msg, pdu)
    return encoder.encode(msg)


@settings(max_examples=150, deadline=None)
@given(
    community=st.binary(min_size=1, max_size=40),
    rid=st.integers(0, 2**31 - 1),
    status=st.integers(0, 18),
    vbs=st.lists(st.tuples(oids, values), max_size=70),
)
def test_decode_response_matches_pysnmp(  # type: ignore[no-untyped-def]
    community, rid, status, vbs
) -> None:
    wire = _pysnmp_response(community, rid, status, vbs)
    version, tag, comm, got_rid, got_status, _idx, got = W.decode_response(wire)
    assert (version, tag, comm, got_rid, got_status) == (1, W.RESPONSE, community, rid, status)
    assert [n for n, _ in got] == [o for o, _ in vbs]
    assert [v for _, v in got] == [_py(v) for _, v in vbs]


def test_exception_values_are_what_the_walk_expects() -> None:
    p = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    vbs = [
        ((1, 3, 6, 1), rfc1902.Null("")),
        ((1, 3, 6, 2), p.NoSuchObject("")),
        ((1, 3, 6, 3), p.NoSuchInstance("")),
        ((1, 3, 6, 4), p.EndOfMibView("")),
    ]
    got = W.decode_response(_pysnmp_response(b"public", 7, 0, vbs))[6]
    assert [v.__class__.__name__ for _, v in got] == [v.__class__.__name__ for _, v in vbs]
    assert all(_py(v) is None for _, v in got)


@settings(max_examples=100, deadline=None)
@given(
    version=st.sampled_from([0, 1]),
    community=st.binary(max_size=300),
    rid=st.integers(0, 2**31 - 1),
    reps=st.integers(0, 10_000),
    names=st.lists(oids, min_size=1, max_size=40),
    pdu=st.sampled_from([W.GET, W.GETNEXT, W.GETBULK]),
)
def test_encode_request_parses_with_pysnmp(  # type: ignore[no-untyped-def]
    version, community, rid, reps, names, pdu
) -> None:
    if version == 0 and pdu == W.GETBULK:
        return  # no GETBULK in SNMPv1
    p = api.PROTOCOL_MODULES[version]
    msg, rest = decoder.decode(
        W.encode_request(version, community, pdu, rid, names, 0, reps if pdu == W.GETBULK else 0),
        asn1Spec=p.Message(),
    )
    assert rest == b""
    assert bytes(p.apiMessage.get_community(msg)) == community
    req = p.apiMessage.get_pdu(msg)
    assert int(p.apiPDU.get_request_id(req)) == rid
    assert [tuple(n) for n, _ in p.apiPDU.get_varbinds(req)] == names
    if pdu == W.GETBULK:
        assert int(p.apiBulkPDU.get_max_repetitions(req)) == reps


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_garbage_is_a_wire_error_never_a_crash(data: bytes) -> None:
    try:
        W.decode_response(data)
    except W.WireError:
        pass


def test_truncations_of_a_real_response_are_rejected() -> None:
    wire = _pysnmp_response(
        b"public", 1, 0, [((1, 3, 6, 1, 2, 1, 1, 5, 0), rfc1902.OctetString(b"sw-a"))]
    )
    for n in range(len(wire)):
        with pytest.raises(W.WireError):
            W.decode_response(wire[:n])


def test_client_times_out_against_a_silent_port_and_drops_foreign_answers() -> None:
    import socket

    async def run() -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
            silent.bind(("127.0.0.1", 0))
            port = silent.getsockname()[1]
            c = W.WireClient()
            try:
                task = asyncio.ensure_future(
                    c.request(
                        "127.0.0.1",
                        port,
                        1,
                        b"public",
                        W.GET,
                        [(1, 3, 6, 1, 2, 1, 1, 5, 0)],
                        timeout=0.3,
                        retries=1,
                    )
                )
                await asyncio.sleep(0.1)
                data, addr = silent.recvfrom(4096)
                rid = W.decode_response(data)[3]
                # the right request-id, but a wrong community: must be ignored
                silent.sendto(_pysnmp_response(b"other", rid, 0, []), addr)
                with pytest.raises(W.WireTimeout):
                    await task
            finally:
                c.close()

    asyncio.run(run())


def test_client_resolves_a_name_and_matches_the_answer_by_address() -> None:
    """Answers come from an address: a target given by name must still match them."""
    import socket

    async def run() -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as agent:
            agent.bind(("127.0.0.1", 0))
            agent.setblocking(False)
            port = agent.getsockname()[1]
            loop = asyncio.get_running_loop()
            c = W.WireClient()
            try:
                task = asyncio.ensure_future(
                    c.request(
                        "localhost",
                        port,
                        1,
                        b"public",
                        W.GET,
                        [(1, 3, 6, 1, 2, 1, 1, 5, 0)],
                        timeout=2,
                        retries=0,
                    )
                )
                data, addr = await loop.sock_recvfrom(agent, 4096)
                rid = W.decode_response(data)[3]
                agent.sendto(
                    _pysnmp_response(
                        b"public",
                        rid,
                        0,
                        [((1, 3, 6, 1, 2, 1, 1, 5, 0), rfc1902.OctetString(b"sw-a"))],
                    ),
                    addr,
                )
                status, _idx, vbs = await task
                assert (status, vbs) == (0, [((1, 3, 6, 1, 2, 1, 1, 5, 0), b"sw-a")])
            finally:
                c.close()

    asyncio.run(run())
