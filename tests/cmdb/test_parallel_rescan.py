"""The forked "nothing changed" check of big runs (``ReconcileConfig.parallel_min_facts``, off by
default): a run with it gives exactly the CMDB and run summary the one-by-one path gives, on a mix
of unchanged, changed, moved, new and repeated facts; a failing helper falls back; a threaded
caller never forks. Real SQLite files and real ``os.fork``; nothing is mocked (the spies only
count calls)."""

from __future__ import annotations

import logging
import shutil
import sys
import threading

import pytest
from sqlalchemy import select

from netcmdb.cmdb.db import make_engine, session_scope
from netcmdb.cmdb.models import CI, Change, Identifier, RunEvent
from netcmdb.cmdb.reconcile import ReconcileConfig, ingest
from netcmdb.cmdb.reconcile.precheck import Precheck
from netcmdb.cmdb.reconcile.run import Run
from netcmdb.discovery.facts import DeviceClass, DeviceFact, InterfaceFact, Source

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the helper forks on Linux only")

N = 240


def pc(i: int, **kw) -> DeviceFact:  # type: ignore[no-untyped-def]
    base = dict(
        source=Source.SNMP,
        ip=f"10.1.{i // 250}.{i % 250 + 1}",
        mac=f"02:00:00:00:{i >> 8:02x}:{i & 255:02x}",
        hostname=f"pc-{i:04d}",
        serial=f"SN{i:06d}",
        vendor="Lenovo",
        model="M720",
        os="Windows",
        os_version="10",
        device_class=DeviceClass.PC,
    )
    base.update(kw)
    return DeviceFact(**base)


def second_run() -> list[DeviceFact]:
    """Every kind of fact, with the interesting ones in the second half (the helper's half)."""
    facts = [pc(i) for i in range(N)]
    facts[5] = pc(5, os_version="11")  # changed, first half
    facts[10] = pc(N + 2, mac=pc(200).mac)  # new, first half, takes pc-200's MAC
    facts[130] = pc(130, os_version="11")  # changed, second half
    facts[140] = pc(140, ip="10.1.0.8")  # takes pc-7's address (identifier moves)
    facts[150] = pc(150, interfaces=[InterfaceFact(name="eth1", mac="02:00:00:aa:00:01")])
    facts[160] = pc(5)  # pc-5 again, after a change to it
    facts.append(pc(5, os_version="11"))  # and once more, as changed
    facts.append(pc(N + 1))  # a new device
    facts.append(pc(170))  # a repeat of an unchanged one
    return facts


def snapshot(engine):  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        cis = sorted(
            (
                c.id,
                c.name,
                c.ip,
                c.mac,
                c.serial,
                c.os_version,
                c.status,
                c.missed_runs,
                tuple(sorted(c.attr_sources.items())),
            )
            for c in s.scalars(select(CI))
        )
        ids = sorted(
            tuple(r) for r in s.execute(select(Identifier.kind, Identifier.value, Identifier.ci_id))
        )
        changes = sorted(
            (c.ci_id, c.attribute, c.old, c.new, c.source) for c in s.scalars(select(Change))
        )
        events = sorted(
            tuple(r)
            for r in s.execute(
                select(RunEvent.run_id, RunEvent.first_ci_id, RunEvent.last_ci_id, RunEvent.event)
            )
        )
    return cis, ids, changes, events


@pytest.fixture
def twin_engines(tmp_path, sqlite_template):  # type: ignore[no-untyped-def]
    """Two identical CMDBs holding the first run's CIs."""
    shutil.copyfile(sqlite_template, tmp_path / "a.sqlite")
    a = make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")
    with session_scope(a) as s:
        ingest(
            s,
            [pc(i) for i in range(N)],
            source="snmp",
            targets=["10.1.0.0/16"],
            methods=["snmp"],
            config=ReconcileConfig(parallel_min_facts=0),
        )
    a.dispose()
    shutil.copyfile(tmp_path / "a.sqlite", tmp_path / "b.sqlite")
    engines = [make_engine(f"sqlite:///{tmp_path / n}") for n in ("a.sqlite", "b.sqlite")]
    yield engines
    for e in engines:
        e.dispose()


class Spy:
    """Counts calls of a real method (and of forks that started), leaving the behaviour alone."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ingested = 0
        self.started = 0
        ingest_fact, start = Run.ingest_fact, Precheck.start.__func__

        def counting_ingest(run, fact, **kw):  # type: ignore[no-untyped-def]
            self.ingested += 1
            return ingest_fact(run, fact, **kw)

        def counting_start(cls, check, facts):  # type: ignore[no-untyped-def]
            pre = start(cls, check, facts)
            self.started += pre is not None
            return pre

        monkeypatch.setattr(Run, "ingest_fact", counting_ingest)
        monkeypatch.setattr(Precheck, "start", classmethod(counting_start))


def run_on(engine, facts, cfg):  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return ingest(
            s, facts, source="snmp", targets=["10.1.0.0/16"], methods=["snmp"], config=cfg
        )


def test_parallel_check_gives_exactly_the_one_by_one_result(twin_engines, monkeypatch):
    serial_eng, parallel_eng = twin_engines
    facts = second_run()
    one_by_one = run_on(serial_eng, facts, ReconcileConfig(parallel_min_facts=0))
    spy = Spy(monkeypatch)
    parallel = run_on(parallel_eng, facts, ReconcileConfig(parallel_min_facts=10))
    assert spy.started == 1
    # the helper proved most second-half facts unchanged: they were never ingested one by one
    assert len(facts) // 2 + 5 <= spy.ingested < len(facts) - 100
    assert (parallel.new, parallel.changed, parallel.missing, parallel.seen) == (
        one_by_one.new,
        one_by_one.changed,
        one_by_one.missing,
        one_by_one.seen,
    )
    assert parallel.new == [f"pc-{N + 2:04d}", f"pc-{N + 1:04d}"]
    assert set(parallel.changed) >= {"pc-0005", "pc-0130", "pc-0140"}
    a, b = snapshot(serial_eng), snapshot(parallel_eng)
    assert a[0] == b[0] and a[1] == b[1] and a[2] == b[2]
    # run events differ only in the run id numbering, which is the same here
    assert a[3] == b[3]
    ids = dict(((k, v), c) for k, v, c in b[1])
    assert ids[("ip", "10.1.0.8")] == ids[("serial", "SN000140")]  # the moved address
    assert ids[("mac", pc(200).mac)] == ids[("serial", "SN000200")]  # taken back in order


def test_a_failing_helper_falls_back_to_one_by_one(twin_engines, monkeypatch, caplog):
    serial_eng, parallel_eng = twin_engines
    facts = second_run()
    one_by_one = run_on(serial_eng, facts, ReconcileConfig(parallel_min_facts=0))

    def broken(run, fact):  # type: ignore[no-untyped-def]
        raise RuntimeError("helper breaks")  # raised in the child only

    monkeypatch.setattr(Run, "unchanged_key", broken)
    spy = Spy(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="netcmdb.cmdb.reconcile"):
        parallel = run_on(parallel_eng, facts, ReconcileConfig(parallel_min_facts=10))
    assert spy.started == 1 and spy.ingested == len(facts)
    assert "parallel unchanged-fact check failed" in caplog.text
    assert (parallel.new, parallel.changed) == (one_by_one.new, one_by_one.changed)
    assert snapshot(serial_eng)[:3] == snapshot(parallel_eng)[:3]


def test_no_fork_with_other_threads_or_below_the_threshold(twin_engines, monkeypatch):
    _, eng = twin_engines
    spy = Spy(monkeypatch)
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        run_on(eng, second_run(), ReconcileConfig(parallel_min_facts=10))
    finally:
        stop.set()
        t.join()
    assert spy.started == 0 and spy.ingested == len(second_run())
    run_on(eng, second_run(), ReconcileConfig(parallel_min_facts=10_000))
    assert spy.started == 0
    run_on(eng, second_run(), ReconcileConfig(parallel_min_facts=10))
    assert spy.started == 1


def test_off_by_default_and_set_from_the_config_file():
    from netcmdb.config import reconcile_config
    from netcmdb.errors import ConfigError

    assert ReconcileConfig().parallel_min_facts == 0
    assert reconcile_config({}).parallel_min_facts == 0
    assert reconcile_config({"cmdb": {"parallel_min_facts": 20000}}).parallel_min_facts == 20000
    with pytest.raises(ConfigError, match="parallel_min_facts|invalid literal"):
        reconcile_config({"cmdb": {"parallel_min_facts": "many"}})
