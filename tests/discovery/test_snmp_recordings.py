"""Recordings of real devices served by snmpsim on 127.0.0.1, collected by the SNMP scanner.

NAPALM style: each ``data/snmp/<case>/`` holds ``case.json`` (which recording: the LibreNMS set in
../shared/testdata/snmprec or PyPI ``snmpsim-data``) and ``expected.json`` (what the collector
must decode: vendor, platform, class, serial, interfaces, LLDP/CDP/FDB/ARP rows). A new vendor
quirk is a new folder. Recordings that are not installed skip cleanly.

``NETCMDB_REGEN_EXPECTED=1`` rewrites expected.json (then review every change by hand against the
raw .snmprec before committing).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "snmp"
SHARED = Path(os.environ.get("NETCMDB_SNMPREC_DIR", "/work/shared/testdata/snmprec"))
CASES = sorted(p.name for p in DATA.iterdir() if (p / "case.json").exists())


def _snmpsim_data_dir() -> Path | None:
    try:
        import snmpsim_data
    except ImportError:
        return None
    return Path(snmpsim_data.__file__).parent / "data"


def source_path(case: str) -> Path | None:
    src = json.loads((DATA / case / "case.json").read_text())["source"]
    kind, rel = src.split(":", 1)
    base = SHARED if kind == "shared" else _snmpsim_data_dir()
    if base is None:
        return None
    p = base / rel
    return p if p.exists() else None


def project(dev) -> dict:  # type: ignore[no-untyped-def]
    """The part of a DeviceFact that expected.json pins down (everything decoded from tables)."""
    from netcmdb.discovery.factsjson import device_to_dict

    d = device_to_dict(dev)
    keep = [
        "hostname",
        "vendor",
        "model",
        "platform",
        "os",
        "os_version",
        "serial",
        "chassis_mac",
        "mac",
        "device_class",
        "sys_object_id",
        "sys_location",
        "addresses",
        "stack_members",
        "neighbors",
        "fdb",
        "arp",
        "warnings",
    ]
    out = {k: d[k] for k in keep}
    out["interfaces"] = [
        [
            i["ifindex"],
            i["name"],
            i["kind"],
            i["mac"],
            i["speed_mbps"],
            i["oper_up"],
            i["alias"],
            i["lag_parent"],
            i["ips"],
        ]
        for i in d["interfaces"]
    ]
    return out


@pytest.fixture(scope="module")
def collected():
    from netcmdb.demo.sim.snmpsim_runner import SnmpSimulator, have_snmpsim
    from netcmdb.discovery.snmp import SnmpConfig, SnmpCredential, collect

    if not have_snmpsim():
        pytest.skip("snmpsim/pysmi not installed")
    present = {c: source_path(c) for c in CASES}
    present = {c: p for c, p in present.items() if p is not None}
    if not present:
        pytest.skip("no recordings installed")
    sim = SnmpSimulator()
    try:
        for case, path in present.items():
            sim.add_recording(path, name=case)
        sim.start()

        async def run_all():  # type: ignore[no-untyped-def]
            from netcmdb.discovery.snmp import _close, _engine

            eng = _engine()
            sem = asyncio.Semaphore(8)

            async def one(case: str):  # type: ignore[no-untyped-def]
                cfg = SnmpConfig(
                    credentials=[SnmpCredential(community=case)],
                    port=sim.port,
                    timeout_s=15,
                    retries=1,
                )
                async with sem:
                    return case, await collect("127.0.0.1", cfg, eng)

            try:
                return dict(await asyncio.gather(*(one(c) for c in present)))
            finally:
                _close(eng)

        results = asyncio.run(run_all())
        results["_port"] = sim.port  # type: ignore[assignment]
        yield results
    finally:
        sim.cleanup()


@pytest.mark.parametrize("case", CASES)
def test_recording_decodes_exactly(case: str, collected) -> None:  # type: ignore[no-untyped-def]
    if case not in collected:
        pytest.skip(f"recording for {case} not installed")
    r = collected[case]
    assert r.ok, r.error
    got = project(r.device)
    exp_file = DATA / case / "expected.json"
    if os.environ.get("NETCMDB_REGEN_EXPECTED") == "1":
        exp_file.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n")
    expected = json.loads(exp_file.read_text())
    for key in expected:
        assert got[key] == expected[key], f"{case}: {key} differs"
    assert set(got) == set(expected)


def test_v3_sha256_aes256_against_snmpsim(collected) -> None:  # type: ignore[no-untyped-def]
    """SNMPv3 authPriv (SHA-256 + AES-256) with the recording chosen by the v3 context name;
    a wrong key is an auth failure, never a device."""
    from netcmdb.discovery.snmp import SnmpConfig, SnmpCredential, collect

    case = next(
        (c for c in ("huawei_vrp_s5720_librenms", "cisco_c3750_cdp") if c in collected), None
    )
    if case is None:
        pytest.skip("no recording for the v3 test")
    port = collected["_port"]
    good = SnmpCredential(
        "3",
        user="simulator",
        auth_proto="sha256",
        auth_key="auctoritas",
        priv_proto="aes256",
        priv_key="privatus",
        context=case,
    )
    r = asyncio.run(
        collect("127.0.0.1", SnmpConfig(credentials=[good], port=port, timeout_s=15, retries=0))
    )
    assert r.ok, r.error
    assert r.device.sys_object_id == collected[case].device.sys_object_id
    assert len(r.device.interfaces) == len(collected[case].device.interfaces)
    bad = SnmpCredential(
        "3",
        user="simulator",
        auth_proto="sha256",
        auth_key="notthekey",
        priv_proto="aes256",
        priv_key="privatus",
        context=case,
    )
    r = asyncio.run(
        collect("127.0.0.1", SnmpConfig(credentials=[bad], port=port, timeout_s=2, retries=0))
    )
    assert not r.ok and r.error_kind in ("auth", "timeout")


def test_v1_getnext_fallback_decodes_the_same(collected) -> None:  # type: ignore[no-untyped-def]
    """SNMPv1 has no GETBULK: the walk falls back to GETNEXT (and v1's whole-PDU noSuchName on
    a GET of missing scalars is retried per OID); the facts must be identical to v2c's."""
    from netcmdb.discovery.snmp import SnmpConfig, SnmpCredential, collect

    case = "ubiquiti_edgeswitch_lldp_librenms"
    if case not in collected:
        pytest.skip("recording not installed")
    cfg = SnmpConfig(
        credentials=[SnmpCredential("1", community=case)],
        port=collected["_port"],
        timeout_s=15,
        retries=1,
    )
    r = asyncio.run(collect("127.0.0.1", cfg))
    assert r.ok, r.error
    assert project(r.device) == project(collected[case].device)
    assert int(r.device.extra["snmp_requests"]) > int(collected[case].device.extra["snmp_requests"])
