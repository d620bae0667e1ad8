"""Every SNMP recording we have (PyPI ``snmpsim-data`` and ../shared/testdata/snmprec), served by
one snmpsim process (one community per recording) and collected by the SNMP scanner.

Used by ``test_snmp_identity.py`` and by ``python tests/discovery/recordings.py`` (the scorecard).
The big recordings (1.4 GB of text in all) are reduced before serving to the subtrees the
collector reads (:func:`collector_prefixes`) plus, for every kept line, the line after it, so
that a GETNEXT from any kept OID gets exactly the answer the full recording gives (snmpsim
answers the next line *of the file*, which is how agents with non-increasing OIDs are recorded).
Reduced copies are cached by source size/mtime and prefix set (``NETCMDB_RECORDING_CACHE``).
"""

from __future__ import annotations

import asyncio
import bz2
import hashlib
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

SHARED = Path(os.environ.get("NETCMDB_SNMPREC_DIR", "/work/shared/testdata/snmprec"))
CACHE = Path(os.environ.get("NETCMDB_RECORDING_CACHE", f"/tmp/netcmdb-recordings-{os.getuid()}"))


def snmpsim_data_dir() -> Path | None:
    try:
        import snmpsim_data
    except ImportError:
        return None
    return Path(snmpsim_data.__file__).parent / "data"


def all_recordings() -> dict[str, Path]:
    """Case name -> recording path, for every recording installed (possibly none)."""
    out: dict[str, Path] = {}
    base = snmpsim_data_dir()
    if base is not None:
        for p in sorted(base.rglob("*.snmprec*")):
            rel = p.relative_to(base).as_posix().split(".snmprec")[0]
            out["sd__" + rel.replace("/", "__")] = p
    if SHARED.is_dir():
        for p in sorted(SHARED.glob("*.snmprec")):
            out["librenms__" + p.name[: -len(".snmprec")]] = p
    return out


def source_of(case: str) -> str:
    """The portable name of a case's recording (as written in expected data)."""
    if case.startswith("sd__"):
        return "snmpsim-data:" + case[4:].replace("__", "/")
    return "shared:" + case.split("__", 1)[1] + ".snmprec"


def collector_prefixes() -> tuple[str, ...]:
    """Every OID (prefix) the SNMP collector GETs or walks."""
    from netcmdb.discovery import snmp_oids as O

    oids = {
        *O.PROBE_SCALARS,
        *O.EXTRA_SCALARS,
        *O.STANDARD_IDENT_SCALARS,
        *O.VENDOR_SERIAL_SCALARS.values(),
        *O.IDENT_SCALAR_OIDS,
        *O.WALK_COLUMNS,
    }
    return tuple(sorted(oids))


def _reduce(args: tuple[str, str, tuple[str, ...]]) -> str:
    src, dst, prefixes = args
    opener: Any = bz2.open if src.endswith(".bz2") else open
    tmp = dst + ".tmp"
    with opener(src, "rt", encoding="latin-1") as fin, open(tmp, "w", encoding="latin-1") as out:
        keep_next = False
        for line in fin:
            if line.startswith(prefixes) or keep_next:
                out.write(line)
                keep_next = line.startswith(prefixes)
            else:
                keep_next = False
    os.replace(tmp, dst)
    return dst


def reduced_recordings(cases: dict[str, Path], workers: int = 2) -> dict[str, Path]:
    """Case -> a reduced copy of its recording (built once, then cached)."""
    prefixes = collector_prefixes()
    tag = hashlib.sha256("\n".join(prefixes).encode()).hexdigest()[:12]
    CACHE.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    todo = []
    for case, src in cases.items():
        st = src.stat()
        dst = CACHE / f"{case}.{tag}.{st.st_size}.{int(st.st_mtime)}.snmprec"
        out[case] = dst
        if not dst.exists():
            todo.append((str(src), str(dst), prefixes))
    if todo:
        todo.sort(key=lambda t: -os.path.getsize(t[0]))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_reduce, todo))
    return out


def collect_all(cases: dict[str, Path] | None = None, *, concurrency: int = 8) -> dict[str, Any]:
    """Serve every recording from one snmpsim and collect each (case -> ScanResult)."""
    from netcmdb.demo.sim.snmpsim_runner import SnmpSimulator
    from netcmdb.discovery.snmp import SnmpConfig, SnmpCredential, _close, _engine, collect

    cases = all_recordings() if cases is None else cases
    files = reduced_recordings(cases)
    sim = SnmpSimulator()
    try:
        for case, path in files.items():
            sim.add_recording(path, name=case)
        sim.start(timeout=600)

        async def run_all() -> dict[str, Any]:
            eng = _engine()
            sem = asyncio.Semaphore(concurrency)

            async def one(case: str) -> tuple[str, Any]:
                cfg = SnmpConfig(
                    credentials=[SnmpCredential(community=case)],
                    port=sim.port,
                    timeout_s=30,
                    retries=1,
                )
                async with sem:
                    return case, await collect("127.0.0.1", cfg, eng)

            try:
                return dict(await asyncio.gather(*(one(c) for c in files)))
            finally:
                _close(eng)

        return asyncio.run(run_all())
    finally:
        sim.cleanup()


def identity_of(result: Any) -> dict[str, Any]:
    """The identity part of a result (what expected data pins down)."""
    if not result.ok:
        return {"error_kind": result.error_kind, "error": result.error}
    d = result.device
    return {
        "device_class": str(d.device_class) if d.device_class else None,
        "class_reason": getattr(d, "class_reason", None),
        "vendor": d.vendor,
        "platform": d.platform,
        "os": d.os,
        "os_version": d.os_version,
        "model": d.model,
        "serial": d.serial,
        "walk_warnings": [w for w in d.warnings if ": walk of " in w],
    }


if __name__ == "__main__":  # the scorecard: python tests/discovery/recordings.py [out.json]
    res = collect_all()
    table = {case: identity_of(r) for case, r in sorted(res.items())}
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n")
    for case, row in table.items():
        print(
            f"{case:60} {row.get('device_class')!s:8} {row.get('vendor')!s:16} "
            f"{row.get('model')!s:24} {row.get('serial')!s:22} {row.get('class_reason')}"
        )
