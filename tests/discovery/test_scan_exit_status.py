"""`netcmdb scan --snmp`: exit status 1 when no target answered, still one line per target;
0 when at least one answered. Served by snmpsim on 127.0.0.1 (packets to loopback only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def sim():  # type: ignore[no-untyped-def]
    from netcmdb.demo.sim.snmpsim_runner import SnmpSimulator, have_snmpsim

    if not have_snmpsim():
        pytest.skip("snmpsim/pysmi not installed")
    try:
        import snmpsim_data
    except ImportError:
        pytest.skip("snmpsim-data not installed")
    rec = Path(snmpsim_data.__file__).parent / "data" / "os" / "linux" / "unknown-006.snmprec.bz2"
    s = SnmpSimulator()
    s.add_recording(rec, name="box")
    s.start()
    yield s
    s.cleanup()


def _scan(tmp_path: Path, port: int, community: str, *extra: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    env = {**os.environ, "NETCMDB_CONFIG": str(tmp_path / "none.toml")}
    env.pop("NETCMDB_SNMP_COMMUNITY", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "netcmdb",
            "--db",
            f"sqlite:///{tmp_path / 'c.sqlite'}",
            "scan",
            "127.0.0.1",
            "--snmp",
            "--snmp-port",
            str(port),
            "--community",
            community,
            "--timeout",
            "0.3",
            "--retries",
            "0",
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_every_target_failed_exits_1_with_its_line(sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = _scan(tmp_path, sim.port, "not-the-community")
    assert r.returncode == 1, r.stderr
    assert "127.0.0.1" in r.stdout and "timeout" in r.stdout
    assert "Traceback" not in r.stderr
    j = _scan(tmp_path, sim.port, "not-the-community", "--no-store", "--json")
    assert j.returncode == 1, j.stderr
    [res] = json.loads(j.stdout)["results"]
    assert res["target"] == "127.0.0.1" and res["error_kind"] == "timeout"


def test_a_target_that_answers_exits_0(sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = _scan(tmp_path, sim.port, "box", "--no-store", "--json")
    assert r.returncode == 0, r.stderr
    [res] = json.loads(r.stdout)["results"]
    assert res["device"]["device_class"] == "server"
    assert res["device"]["class_reason"] == "Net-SNMP on Linux (x86): a host"
