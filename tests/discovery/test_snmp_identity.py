"""Every recording we have, identified right or honestly ``other``, every table read to the end.

Data driven (NAPALM style): ``data/snmp_identity/<case>/expected.json`` per recording of PyPI
``snmpsim-data`` and ../shared/testdata/snmprec, generated once with
``NETCMDB_REGEN_EXPECTED=1``, then reviewed by hand against the recording (``review`` says what
was checked and what the recording does not tell: a field the recording does not hold is
``null``, never a guess). One snmpsim serves all recordings (one community each), see
``recordings.py``. Recordings that are not installed skip.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "nct_recordings", Path(__file__).with_name("recordings.py")
)
assert _spec and _spec.loader
R = importlib.util.module_from_spec(_spec)
# registered by name: recordings.py hands its functions to worker processes, and pickle finds a
# function through its module's name (an empty cache, i.e. a fresh machine, took that path)
sys.modules[_spec.name] = R
_spec.loader.exec_module(R)

DATA = Path(__file__).parent / "data" / "snmp_identity"
REGEN = os.environ.get("NETCMDB_REGEN_EXPECTED") == "1"
CASES = sorted(
    {p.name for p in DATA.glob("*") if (p / "expected.json").exists()}
    | (set(R.all_recordings()) if REGEN else set())
)
FIELDS = (
    "device_class",
    "class_reason",
    "vendor",
    "platform",
    "os",
    "os_version",
    "model",
    "serial",
)
# The first test pays for the module fixture: on a fresh machine (empty recording cache) that is
# reducing 142 recordings and collecting them all, 3+ minutes beside other work; more than the
# suite's 300 s per-test timeout. The tests themselves are quick.
pytestmark = pytest.mark.timeout(1200)


@pytest.fixture(scope="module")
def collected():  # type: ignore[no-untyped-def]
    from netcmdb.demo.sim.snmpsim_runner import have_snmpsim

    if not have_snmpsim():
        pytest.skip("snmpsim/pysmi not installed")
    cases = R.all_recordings()
    if not cases:
        pytest.skip("no recordings installed")
    if not REGEN:
        cases = {c: p for c, p in cases.items() if c in CASES}
    return R.collect_all(cases), R.reduced_recordings(cases)


def test_every_installed_recording_has_expected_data(collected) -> None:  # type: ignore[no-untyped-def]
    missing = sorted(set(R.all_recordings()) - set(CASES))
    assert not missing, f"recordings without expected data: {missing}"


@pytest.mark.parametrize("case", CASES)
def test_recording_identity(case: str, collected) -> None:  # type: ignore[no-untyped-def]
    results, _files = collected
    if case not in results:
        pytest.skip(f"recording for {case} not installed")
    got = R.identity_of(results[case])
    exp_file = DATA / case / "expected.json"
    if REGEN:
        old = json.loads(exp_file.read_text()) if exp_file.exists() else {}
        new = {
            "source": R.source_of(case),
            "review": old.get("review", "TO REVIEW"),
            **{k: v for k, v in got.items() if k != "walk_warnings"},
            "walk_warnings": len(got.get("walk_warnings", [])),
        }
        exp_file.parent.mkdir(parents=True, exist_ok=True)
        exp_file.write_text(json.dumps(new, indent=1, ensure_ascii=False) + "\n")
    expected = json.loads(exp_file.read_text())
    assert expected["review"] != "TO REVIEW", f"{case}: expected data not reviewed yet"
    if "error_kind" in expected:
        assert got.get("error_kind") == expected["error_kind"], got
        return
    for key in FIELDS:
        assert got[key] == expected[key], f"{case}: {key}"
    assert len(got["walk_warnings"]) == expected["walk_warnings"]
    assert got["device_class"] != "other" or got["class_reason"], "other needs a reason"


def _rows_in_recording(path: Path, columns: list[str]) -> dict[str, tuple[int, bool]]:
    """Per column: distinct OIDs in the recording, and whether they are in increasing order
    without duplicates (only then can a walk be asked to return each of them)."""
    seen: dict[str, list[tuple[int, ...]]] = {c: [] for c in columns}
    starts = tuple(c + "." for c in columns)
    with open(path, encoding="latin-1") as f:
        for line in f:
            oid = line.split("|", 1)[0]
            if oid.startswith(starts):
                for c in columns:
                    if oid.startswith(c + "."):
                        seen[c].append(tuple(int(x) for x in oid.split(".")))
    out = {}
    for c, oids in seen.items():
        ordered = all(a < b for a, b in zip(oids, oids[1:]))
        out[c] = (len(set(oids)), ordered)
    return out


@pytest.mark.parametrize("case", CASES)
def test_no_table_is_cut_short(case: str, collected) -> None:  # type: ignore[no-untyped-def]
    """Every walked column returns every row of the recording when the recording holds them in
    order. Where it does not (agents with non-increasing OIDs: Ruijie N18010 LLDP 151 rows, ARP
    ~17k; BDCOM FDB 721; ZTE FDB 236; duplicate OIDs) the rows a walk can reach are pinned in
    expected.json (``disordered_rows``, reviewed) and the walk's warnings say so."""
    from netcmdb.discovery import snmp_oids as O

    results, files = collected
    if case not in results:
        pytest.skip(f"recording for {case} not installed")
    r = results[case]
    if not r.ok:
        pytest.skip(f"{case}: no system group, nothing walked")
    got = {
        c: int(n)
        for c, n in (kv.split("=") for kv in r.device.extra.get("snmp_rows", "").split() if kv)
    }
    want = _rows_in_recording(files[case], list(O.WALK_COLUMNS))
    exp_file = DATA / case / "expected.json"
    expected = json.loads(exp_file.read_text())
    disordered = {c: got.get(c, 0) for c, (n, ordered) in want.items() if not ordered}
    if REGEN:
        expected["disordered_rows"] = disordered
        exp_file.write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")
    short = {
        c: (got.get(c, 0), n) for c, (n, ordered) in want.items() if ordered and got.get(c, 0) < n
    }
    assert not short, f"{case}: columns cut short (got, in recording): {short}"
    assert disordered == expected.get("disordered_rows", {}), case
