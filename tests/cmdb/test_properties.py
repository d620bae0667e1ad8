"""Property tests (hypothesis): MAC/IP normalisation and the identification rules."""

from __future__ import annotations

import ipaddress
import os
import shutil
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from netcmdb.cmdb.db import make_engine, session_scope
from netcmdb.cmdb.models import CI
from netcmdb.cmdb.reconcile import (
    DEFAULT_JUNK_SERIALS,
    IdentityIndex,
    ReconcileConfig,
    clean_serial,
    fact_identifiers,
    ingest,
    is_identifying_mac,
    port_key,
)
from netcmdb.discovery.facts import DeviceFact, Source
from netcmdb.net.normalize import ip, mac, mac_or_none

macs = st.binary(min_size=6, max_size=6)


def spellings(raw: bytes) -> list[str]:
    h = raw.hex()
    pairs = [h[i : i + 2] for i in range(0, 12, 2)]
    return [
        ":".join(pairs),
        "-".join(pairs).upper(),
        f"{h[0:4]}.{h[4:8]}.{h[8:12]}",
        h.upper(),
        "-".join([h[0:4], h[4:8], h[8:12]]),
    ]


@given(macs)
def test_every_mac_spelling_normalises_to_one_form(raw):
    want = ":".join(f"{b:02x}" for b in raw)
    assert mac(raw) == want
    for s in spellings(raw):
        assert mac(s) == want
    assert mac(want) == want  # idempotent


@given(st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)))
def test_ip_canonical_form_round_trips(addr):
    text = str(addr)
    assert ip(text) == text
    assert ip(f"  {text} ") == text
    if addr.version == 6:
        assert ip(addr.exploded.upper()) == text
    assert ipaddress.ip_address(ip(text)) == addr


@given(st.text(max_size=20).filter(lambda s: not _parses_as_ip(s)))
def test_non_ips_raise_value_error_naming_the_value(s):
    try:
        ip(s)
    except ValueError as exc:
        assert repr(s) in str(exc)
    else:  # pragma: no cover - the filter guarantees we never get here
        raise AssertionError(s)


def _parses_as_ip(s: str) -> bool:
    try:
        ipaddress.ip_address(s.strip())
        return True
    except ValueError:
        return False


@given(
    st.sampled_from(sorted(DEFAULT_JUNK_SERIALS)), st.sampled_from(["", " ", "  "]), st.booleans()
)
def test_junk_serials_are_never_identifiers(junk, pad, upper):
    value = pad + (junk.upper() if upper else junk) + pad
    assert clean_serial(value) is None
    assert "serial" not in fact_identifiers(DeviceFact(source=Source.SSH, serial=value))


@given(
    st.sampled_from(["GigabitEthernet", "GE", "Gi", "gigabitethernet"]),
    st.lists(st.integers(0, 99), min_size=1, max_size=3),
)
def test_port_key_ignores_vendor_spelling(prefix, nums):
    tail = "/".join(map(str, nums))
    assert port_key(prefix + tail) == port_key("GigabitEthernet" + tail)


# --- identification -------------------------------------------------------------------------

device = st.fixed_dictionaries(
    {
        "serial": st.from_regex(r"[A-Z]{3}[0-9]{4}[A-Z0-9]{3}", fullmatch=True),
        # unicast and not a shared virtual MAC (those never identify, by design)
        "mac": macs.map(lambda b: bytes([b[0] & 0xFC]) + b[1:]).filter(
            lambda b: is_identifying_mac(mac(b))
        ),
        "hostname": st.from_regex(r"[a-z]{2,6}-[0-9]{1,3}", fullmatch=True),
        "ip": st.ip_addresses(v=4).map(str),
    }
)


@st.composite
def sightings(draw):
    """One device seen by several sources, each reporting a non-empty subset of identifiers
    that always shares at least one with what was seen before (so a human could join them)."""
    dev = draw(device)
    keys = ["serial", "mac", "hostname", "ip"]
    seen: set[str] = set()
    facts = []
    for _ in range(draw(st.integers(1, 5))):
        subset = set(draw(st.lists(st.sampled_from(keys), min_size=1, max_size=4, unique=True)))
        if seen and not (subset & seen):
            subset.add(draw(st.sampled_from(sorted(seen))))
        seen |= subset
        kw = {k: dev[k] for k in subset}
        if "mac" in kw:
            kw["mac"] = mac(kw["mac"])
        facts.append(DeviceFact(source=draw(st.sampled_from(list(Source))), **kw))
    return facts


@settings(max_examples=60)
@given(sightings())
def test_overlapping_sightings_identify_one_device(facts):
    index = IdentityIndex(ReconcileConfig())
    keys = set()
    for n, f in enumerate(facts):
        ids = fact_identifiers(f)
        key = index.identify(ids)
        if key is None:
            key = -(n + 1)
        for kind, values in ids.items():
            for v in values:
                index.assign(kind, v, key)
        keys.add(key)
    assert len(keys) == 1


@settings(max_examples=60)
@given(
    st.lists(device, min_size=2, max_size=6, unique_by=lambda d: (d["serial"], d["mac"])),
    st.permutations(range(6)),
)
def test_distinct_serials_and_macs_never_merge_even_sharing_name_and_ip(devs, order):
    # same hostname and IP for all (a replaced box, a reused lease): strong ids keep them apart
    index = IdentityIndex(ReconcileConfig())
    keys = []
    for n in [i for i in order if i < len(devs)]:
        d = devs[n]
        f = DeviceFact(
            source=Source.SNMP,
            serial=d["serial"],
            mac=mac(d["mac"]),
            hostname="same-name",
            ip="10.0.0.1",
        )
        ids = fact_identifiers(f)
        key = index.identify(ids)
        if key is None:
            key = -(n + 1)
        for kind, values in ids.items():
            for v in values:
                index.assign(kind, v, key)
        keys.append(key)
    assert len(set(keys)) == len(devs)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sightings())
def test_ingesting_sightings_in_separate_runs_makes_one_ci(sqlite_template, facts):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "cmdb.sqlite")
        shutil.copyfile(sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        try:
            for f in facts:
                with session_scope(engine) as s:
                    ingest(s, [f], source=f.source.value, targets=[], methods=["test"], covered=[])
            with session_scope(engine) as s:
                assert s.scalar(select(func.count()).select_from(CI)) == 1
                # the same facts again never add anything
                summary = ingest(s, facts, source="test", targets=[], methods=["test"], covered=[])
            assert summary.new == []
        finally:
            engine.dispose()


# ---- the reconciler's one-pass normalisation agrees with the reference helpers ------------

_texts = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(
        [
            "To Be Filled By O.E.M.",
            "0000000000",
            "XXXX",
            "localhost",
            "Switch",
            " sw-1 ",
            "sw-1.corp.cn.",
            "10.0.0.1",
            "N/A",
            "000-00",
            "ß",
            "²",
        ]
    ),
    st.text(max_size=12),
    st.text(alphabet="0123456789ABCDEFabcdefxX.-: ", max_size=14),
)
_mac_texts = st.one_of(
    st.none(),
    st.just(""),
    macs.flatmap(lambda raw: st.sampled_from(spellings(raw))),
    st.sampled_from(
        [
            "00:00:5e:00:01:0a",
            "01:00:5e:00:00:01",
            "ff:ff:ff:ff:ff:ff",
            "00:00:0c:9f:f0:01",
            "AA:BB:CC:DD:EE:0F",
            "not-a-mac",
        ]
    ),
)
_ip_texts = st.one_of(
    st.none(),
    st.just(""),
    st.ip_addresses().map(str),
    st.sampled_from(["010.0.0.1", " 10.0.0.1", "::ffff:10.0.0.1", "x"]),
)


@given(
    serial=_texts,
    hostname=_texts,
    netbios=_texts,
    dns=_texts,
    ip_=_ip_texts,
    mac_=_mac_texts,
    chassis=_mac_texts,
    cli_config=st.booleans(),
)
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_one_pass_observe_matches_the_reference_normalisers(
    serial, hostname, netbios, dns, ip_, mac_, chassis, cli_config
):
    from netcmdb.cmdb.reconcile.identify import canon_ip as _canon_ip
    from netcmdb.cmdb.reconcile.identify import canon_mac as _mac
    from netcmdb.cmdb.reconcile.identify import clean_hostname
    from netcmdb.cmdb.reconcile.identify import observe as _observe

    def ref_ip(v: str | None) -> str | None:  # net.normalize.ip, None when it refuses
        try:
            return ip(v) if v else None
        except ValueError:
            return None

    for m in (mac_, chassis):  # the inline fast paths agree with the one home of the rules
        assert _mac(m) == (mac_or_none(m) if m else None)
    assert _canon_ip(ip_) == ref_ip(ip_)

    f = DeviceFact(
        source=Source.SNMP,
        serial=serial,
        hostname=hostname,
        netbios_name=netbios,
        dns_name=dns,
        ip=ip_,
        mac=mac_,
        chassis_mac=chassis,
    )
    # the CLI's config always builds its own junk sets (built-in names plus [cmdb] junk_hostnames)
    from netcmdb.config import reconcile_config

    cfg = (
        reconcile_config({"cmdb": {"junk_hostnames": ["pc", "sw-1"]}})
        if cli_config
        else ReconcileConfig()
    )
    ids, values, named = _observe(f, cfg)
    junk = cfg.junk_hostnames
    ref: dict[str, list[str]] = {}
    if clean_serial(serial):
        ref["serial"] = [clean_serial(serial)]
    ref_macs: list[str] = []
    for m in (_mac(chassis), _mac(mac_)):
        if m and is_identifying_mac(m) and m not in ref_macs:
            ref_macs.append(m)
    if ref_macs:
        ref["mac"] = ref_macs
    if clean_hostname(hostname, junk):
        ref["hostname"] = [clean_hostname(hostname, junk).casefold()]  # type: ignore[union-attr]
    if _canon_ip(ip_):
        ref["ip"] = [_canon_ip(ip_)]
    assert ids == ref
    assert values[6:9] == (clean_serial(serial), _canon_ip(ip_), _mac(mac_) or _mac(chassis))
    own = clean_hostname(hostname) or clean_hostname(netbios)
    ref_named = (
        ("hostname", own)
        if own
        else ("dns", clean_hostname(dns, frozenset()))
        if dns and clean_hostname(dns, frozenset())
        else ("ip", _canon_ip(ip_))
        if _canon_ip(ip_)
        else None
    )
    assert named == ref_named
