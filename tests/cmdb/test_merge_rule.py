"""The merge rule is written once (``merge_action`` / ``name_action``) and every path of the
reconciler agrees with it: the slow merge of a record, the "nothing changed" proof of a rescan
(``Run.unchanged``, which the forked rescan helper runs as ``unchanged_key``), and the row of a CI a
fact just created (``Run.fresh_row``). Property tests over random source priorities, stored CIs
and facts: no database (the run's in-memory state only).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netcmdb.cmdb.reconcile import (
    ATTRIBUTES,
    DEFAULT_SOURCE_PRIORITY,
    KEEP,
    RETAG,
    TAKE,
    ReconcileConfig,
    merge_action,
    outranks,
    store,
)
from netcmdb.cmdb.reconcile.identify import observe
from netcmdb.cmdb.reconcile.run import Run
from netcmdb.discovery.facts import DeviceClass, DeviceFact

SOURCES = sorted(DEFAULT_SOURCE_PRIORITY)
DISCOVERED = [s for s in SOURCES if s not in ("manual", "import")]

#: random priorities: every source but manual gets a rank (manual stays first, as config does)
priorities = st.fixed_dictionaries({s: st.integers(1, 6) for s in SOURCES if s != "manual"}).map(
    lambda d: {"manual": 0, **d}
)


def oracle(cur: Any, cur_src: str | None, value: Any, src: str, prio: dict[str, int]):
    """The rule as docs/cmdb.md states it, written independently: (value, source) after."""
    rank = lambda s: 99 if s is None else prio.get(s, 98)  # noqa: E731
    may = src == "manual" if cur_src == "manual" else rank(src) <= rank(cur_src)
    if cur == value:
        return cur, (src if may else cur_src)
    if cur is None or may:
        return value, src
    return cur, cur_src


@given(
    prio=priorities,
    cur=st.sampled_from([None, "a", "b"]),
    cur_src=st.sampled_from([None, *SOURCES]),
    value=st.sampled_from(["a", "b"]),
    src=st.sampled_from(SOURCES),
)
def test_merge_action_is_the_documented_rule(prio, cur, cur_src, value, src):
    cfg = ReconcileConfig(source_priority=prio)
    act = merge_action(cur, cur_src, value, src, cfg)
    after = {KEEP: (cur, cur_src), RETAG: (cur, src), TAKE: (value, src)}[act]
    want = oracle(cur, cur_src, value, src, prio)
    assert after == want
    assert (act == TAKE) == (want[0] != cur)
    if act == RETAG:
        assert outranks(src, cur_src, cfg) and cur_src != src


# a small world: few values per attribute so that facts often equal the stored CI
_VALUES = {
    "class": st.sampled_from([None, "switch", "pc"]),
    "vendor": st.sampled_from([None, "Huawei", "H3C"]),
    "model": st.sampled_from([None, "S5735"]),
    "platform": st.none(),
    "os": st.sampled_from([None, "VRP"]),
    "os_version": st.sampled_from([None, "1", "2"]),
    "serial": st.sampled_from([None, "SN1"]),
    "ip": st.sampled_from([None, "10.0.0.1", "10.0.0.2"]),
    "mac": st.sampled_from([None, "00:11:22:33:44:55"]),
    "description": st.sampled_from([None, "d"]),
    "contact": st.none(),
    "location_text": st.sampled_from([None, "D010210-001", "D010211"]),
}
assert tuple(_VALUES) == ATTRIBUTES

_TAGS = st.one_of(
    st.none(),
    st.sampled_from(["manual", "import"]),
    st.builds(
        lambda b, s: f"{b}:{s}",
        st.sampled_from(["hostname", "dns", "ip"]),
        st.sampled_from(DISCOVERED),
    ),
)


@st.composite
def stored_ci(draw):  # type: ignore[no-untyped-def]
    ci = {a: draw(v) for a, v in _VALUES.items()}
    if ci["class"] is None:
        ci["class"] = "other"
    srcs = {}
    for a in (*ATTRIBUTES, "location_id", "seat"):
        s = draw(st.sampled_from([None, *SOURCES]))
        if s is not None:
            srcs[a] = s
    tag = draw(_TAGS)
    if tag is not None:
        srcs["name"] = tag
    ci.update(
        name=draw(st.sampled_from(["sw-1", "sw-2", "10.0.0.1"])),
        location_id=draw(st.sampled_from([None, 1, 2])),
        seat=draw(st.sampled_from([None, 1, 2])),
        status="active",
        missed_runs=0,
        attr_sources=srcs,
        role=None,
        owner=None,
        label=None,
        min_up=None,
    )
    return ci


def parse(text: str) -> dict[str, Any] | None:
    """``D0102RR-SSS`` or ``D0102RR`` (no seat): building 01, floor 02, room RR."""
    if not text.startswith("D0102"):
        return None
    room, _, seat = text[5:].partition("-")
    return {"building": "01", "floor": "02", "room": room, "seat": seat or None}


def fact_of(draw, source: str) -> DeviceFact:  # type: ignore[no-untyped-def]
    cls = draw(st.sampled_from([None, DeviceClass.SWITCH, DeviceClass.PC]))
    return DeviceFact(
        source=source,
        device_class=cls,
        vendor=draw(_VALUES["vendor"]),
        model=draw(_VALUES["model"]),
        os=draw(_VALUES["os"]),
        os_version=draw(_VALUES["os_version"]),
        serial="SN1",  # identifies the stored CI
        ip=draw(_VALUES["ip"]),
        mac=draw(_VALUES["mac"]),
        description=draw(_VALUES["description"]),
        hostname=draw(st.sampled_from([None, "sw-1", "sw-2"])),
        sys_location=draw(_VALUES["location_text"]),
    )


def new_run(cfg: ReconcileConfig) -> Run:
    run = Run(None, cfg, 1, datetime.now(UTC), parse)  # type: ignore[arg-type]
    run.locations = {("01", "02", "10"): 1, ("01", "02", "11"): 2}
    return run


def load(run: Run, ci: dict[str, Any], key: int = 7) -> None:
    """Put ``ci`` into the run as a loaded row, identified by serial SN1."""
    row = [ci[c] for c in store.ROW_COLS]
    row[store.R_SRCS] = dict(ci["attr_sources"])
    run.cis.rows[key] = (*row, key)
    run.index.load_kind("serial", {"SN1": key})
    if ci["ip"]:
        run.index.load_kind("ip", {ci["ip"]: key})


@given(prio=priorities, ci=stored_ci(), data=st.data())
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_every_path_agrees_with_the_one_rule(prio, ci, data):
    cfg = ReconcileConfig(source_priority=prio)
    source = data.draw(st.sampled_from(SOURCES))
    fact = fact_of(data.draw, source)
    run = new_run(cfg)
    _ids, values, named = observe(fact, cfg)
    if data.draw(st.booleans()):
        # a rescan's usual case: the CI holds what the fact says, set by this source or by one
        # that outranks it (a person's edit)
        srcs = ci["attr_sources"]
        for a, v in zip(ATTRIBUTES, values):
            if v is not None:
                ci[a] = v
                srcs[a] = data.draw(st.sampled_from([source, "manual", "import"]))
        if named is not None:
            ci["name"] = named[1]
            srcs["name"] = data.draw(st.sampled_from([f"{named[0]}:{source}", "manual"]))
        placed = run.fact_location(fact)
        if placed is not None:
            ci["location_id"], srcs["location_id"] = placed[0], source
            if placed[1] is not None:
                ci["seat"], srcs["seat"] = placed[1], data.draw(st.sampled_from([source, "manual"]))
    load(run, ci)
    row = run.cis.rows[7]
    unchanged = run.unchanged(row, fact, source, values, named)
    same_ids = all(run.index.get(k, v) == 7 for k, vs in _ids.items() for v in vs)
    # the rescan helper's read-only answer is the same proof
    assert run.unchanged_key(fact) == (7 if unchanged and same_ids else 0)

    record = run.cis[7]
    before = {**record, "attr_sources": dict(record["attr_sources"])}
    run.merge(7, record, fact, source, values, named)
    after = {**record, "attr_sources": dict(record["attr_sources"])}
    nothing = after == before and not run.changes and 7 not in run.dirty

    # 1. each observed attribute ends as the documented rule says
    for a, v in zip(ATTRIBUTES, values):
        if v is None:
            continue
        want = oracle(before[a], before["attr_sources"].get(a), v, source, prio)
        assert (after[a], after["attr_sources"].get(a)) == want, a
    # 2. "unchanged" is a proof: merge then changes nothing
    if unchanged:
        assert nothing
    # 3. and it is exact when every observed value and the name are the stored ones
    equal = all(v is None or v == before[a] for a, v in zip(ATTRIBUTES, values))
    equal = equal and (named is None or named[1] == before["name"])
    placed = run.fact_location(fact)
    if placed is not None:
        equal = equal and placed[0] == before["location_id"]
        equal = equal and (placed[1] is None or placed[1] == before["seat"])
    if equal and nothing:
        assert unchanged


@given(prio=priorities, data=st.data())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_a_fresh_row_is_a_merge_into_an_empty_ci(prio, data):
    cfg = ReconcileConfig(source_priority=prio)
    source = data.draw(st.sampled_from(SOURCES))
    fact = fact_of(data.draw, source)
    _ids, values, named = observe(fact, cfg)
    fresh = new_run(cfg).fresh_row(fact, source, values, named)
    run = new_run(cfg)
    key = run.new_ci(source)
    run.merge(key, run.cis[key], fact, source, values, named)
    merged = store.TAKE_ROW(run.cis[key])
    assert merged == fresh
    assert list(merged[store.R_SRCS]) == list(fresh[store.R_SRCS])  # same key order, same JSON
