"""One run's state (:class:`Run`): the CMDB loaded once, facts identified and merged in memory,
everything written at the end (:mod:`netcmdb.cmdb.reconcile.write`).

:class:`Run` is the reconciler's public Run API for callers that build a run themselves (the
importer): :meth:`Run.ingest_fact`, :meth:`Run.find_by_name`, :meth:`Run.give`,
:meth:`Run.relate`, :meth:`Run.link`; start and end it with
:func:`netcmdb.cmdb.reconcile.begin_run` / :func:`netcmdb.cmdb.reconcile.finish_run`.

Must not import scanners or anything above ``cmdb``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy.orm import Session

from netcmdb.cmdb.models import CIClass
from netcmdb.cmdb.reconcile.bulk import load_ci_rows, load_identifiers, load_locations
from netcmdb.cmdb.reconcile.config import ATTRIBUTES, MISSING, LocationParser, ReconcileConfig
from netcmdb.cmdb.reconcile.identify import IdentityIndex, observe, source_text
from netcmdb.cmdb.reconcile.merge import (
    KEEP,
    RETAG,
    TAKE,
    given_name_action,
    merge_action,
    name_action,
)
from netcmdb.cmdb.reconcile.precheck import Precheck
from netcmdb.cmdb.reconcile.store import (
    ACTIVE,
    LAST,
    N_ATTR,
    NEW_CI,
    R_LOC,
    R_NAME,
    R_SEAT,
    R_SRCS,
    ROW_COLS,
    TAKE_ROW,
    CIStore,
    SourcesPool,
    unobserved,
)
from netcmdb.discovery.facts import ArpEntry, DeviceFact, FdbEntry
from netcmdb.errors import IntegrityError


def _loc_tuple(parsed: Any) -> tuple[tuple[str, str, str], int | None, str | None] | None:
    if parsed is None:
        return None
    get = parsed.get if isinstance(parsed, Mapping) else (lambda k: getattr(parsed, k, None))
    b, f, r = get("building"), get("floor"), get("room")
    if not b or f is None or r is None:
        return None
    seat = get("seat")
    try:
        seat = int(seat) if seat is not None and seat != "" else None
    except (TypeError, ValueError):
        seat = None
    return (str(b), str(f), str(r)), seat, get("name")


def _text(v: Any) -> str | None:
    return None if v is None else str(v)


class Run:
    """State of one ingest: everything loaded once, changed in memory, written at the end."""

    def __init__(
        self,
        session: Session,
        cfg: ReconcileConfig,
        run_id: int,
        now: datetime,
        location_parser: LocationParser | None,
    ) -> None:
        self.s = session
        self.cfg = cfg
        self.run_id = run_id
        self.now = now
        self.location_parser = location_parser
        #: every attr_sources dict of the run, shared between CIs with the same ones
        self.sources = SourcesPool()
        self.cis = CIStore(self.sources.parsed)
        self.index = IdentityIndex(cfg)
        self.locations: dict[tuple[str, str, str], int] = {}
        self.new_locations: dict[tuple[str, str, str], tuple[int, str | None]] = {}
        self.next_tmp = -1
        self.new_keys: list[int] = []
        self.dirty: set[int] = set()
        self.seen: set[int] = set()
        self.changes: list[dict[str, Any]] = []
        self.changed_keys: set[int] = set()
        self.links: list[tuple[int, str, int, str, str]] = []  # a, a_port, b, b_port, source
        self.sightings: list[tuple[int, FdbEntry]] = []
        self.arp: list[ArpEntry] = []
        self.interfaces: dict[int, list[Any]] = {}
        self.rels: list[tuple[str, int, int, str]] = []
        self._names: dict[str, int | None] | None = None
        self._labels: dict[str, int] | None = None
        self.explicit_status: set[int] = set()
        self.facts_by_key: dict[int, DeviceFact] = {}  # [snmp] this run's facts by CI key
        #: end hosts placed by this run: host key -> {(switch or placeholder key, port)}
        self.host_links: dict[int, set[tuple[int, str]]] = {}
        #: switches whose FDB this run read, and the placeholders it used
        self.fdb_switches: set[int] = set()
        self.placeholders: set[int] = set()
        self.host_absent: set[int] = set()  # hosts whose switch no longer reports them
        self.moved: list[int] = []
        self.gateways: list[int] = []
        #: end-host cable plans (endhosts.plan_host_links makes them, write_host_links writes
        #: them): relationship ids to end, ids to stamp, links to add
        self.link_del: list[int] = []
        self.link_touch: list[int] = []
        self.link_add: list[tuple[int, int, str]] = []  # host, other, other's port
        self._loc_cache: dict[str, Any] = {}
        self._sources_ok: dict[tuple[Any, ...], bool] = {}
        #: attr_sources of CIs created by this run, by shape (see fresh_row)
        self._fresh_srcs: dict[tuple[Any, ...], dict[str, str]] = {}

    # -- loading -------------------------------------------------------------------------------
    def load(self) -> None:
        """Load every CI (as row tuples in :data:`ROW_COLS` order, see :class:`CIStore`), every
        identifier and every location, with no per-row Python work
        (:mod:`netcmdb.cmdb.reconcile.bulk`)."""
        conn = self.s.connection()
        rows, self.sources.numbered = load_ci_rows(conn, ROW_COLS)
        self.cis.rows = dict(zip(map(LAST, rows), rows))
        del rows
        for kind, pairs in load_identifiers(conn):
            self.index.load_kind(kind, pairs)
        self.locations = load_locations(conn)

    # -- facts ---------------------------------------------------------------------------------
    def new_ci(self, source: str) -> int:
        key = self.next_tmp
        self.next_tmp -= 1
        ci = NEW_CI.copy()
        ci["attr_sources"] = {}
        self.cis[key] = ci
        self.new_keys.append(key)
        return key

    def ingest_fact(
        self, fact: DeviceFact, *, extra: Mapping[str, Any] | None = None, by_name: bool = False
    ) -> int:
        """Identify ``fact`` (new CI when nothing matches), merge it, return the CI key.

        ``extra`` carries what only a human knows (import files): name, role, owner, label,
        location, seat, min_up, status. ``by_name`` lets an exact CI name identify as a last resort
        (import files name services and clusters that have no other identifier).
        """
        source = source_text(fact)
        ids, values, named = observe(fact, self.cfg)
        index = self.index
        key = index.identify(ids)
        if key is None and by_name and extra and extra.get("name"):
            key = self.find_by_name(extra["name"])
        fresh = key is None
        if key is None:
            if extra:
                key = self.new_ci(source)
            else:  # a row, like a loaded CI's: made a record only if the run touches it again
                key = self.next_tmp
                self.next_tmp -= 1
                self.new_keys.append(key)
        self.seen.add(key)
        # identifiers: move/add; the IP identifier follows the CI's current address
        by_kind = index.by_kind
        if key < 0 and not index.strong_built and not index.removed:
            # a CI created in this run: what assign() does, without a call per identifier
            # (not recorded in ``assigned``: write() finds them as the values at keys < 0).
            # An identifier a loaded CI holds is moved by assign() (its stored row goes).
            for kind, vals in ids.items():
                d = by_kind[kind]
                for v in vals:
                    old = d.get(v)
                    if old != key:
                        if old is None or old < 0:
                            d[v] = key
                        else:
                            index.assign(kind, v, key)
        else:
            for kind, vals in ids.items():
                d = by_kind[kind]
                for v in vals:
                    if d.get(v) != key:
                        index.assign(kind, v, key)
        cis = self.cis
        if fresh and not extra:
            cis.rows[key] = self.fresh_row(fact, source, values, named)
        elif (
            not extra
            and key > 0
            and key not in cis
            and self.unchanged(cis.rows[key], fact, source, values, named)
        ):
            pass  # a loaded CI this fact leaves as it is: its row is never made a record
        elif fresh:
            cis[key].update(zip(ROW_COLS, self.fresh_row(fact, source, values, named)))
        else:
            self.merge(key, cis[key], fact, source, values, named)
        if extra:
            self.give(key, extra, source)
        if key < 0 and key in cis:  # a new CI as a record: shares an identical attr_sources
            ci = cis[key]
            if not self.sources.is_shared(ci["attr_sources"]):
                ci["attr_sources"] = self.sources.intern(ci["attr_sources"])
        if fact.interfaces:
            self.interfaces[key] = fact.interfaces
        return key

    def ingest_facts(self, facts: Sequence[DeviceFact]) -> list[int]:
        """:meth:`ingest_fact` for each fact, in order; the CI keys.

        A rescan spends most of its time proving, fact by fact, that nothing changed. In a big
        enough run into a loaded CMDB, a forked helper process (a copy-on-write snapshot of the
        loaded state, no pickling) does that proof for the second half of the facts on the other
        core while this process ingests the first half. A fact the helper found unchanged is
        then only marked seen, provided nothing the proof relied on has changed since: its CI
        is still the row as loaded and no identifier has moved. Every other fact, and every
        fact when the helper fails, goes through :meth:`ingest_fact` as usual, so the result
        is the same as ingesting all facts in order.
        """
        n = len(facts)
        half = n // 2
        pre = None
        if (
            self.cfg.parallel_min_facts
            and n >= self.cfg.parallel_min_facts
            and len(self.cis.rows) >= half
        ):
            pre = Precheck.start(self.unchanged_key, facts[half:])
        if pre is None:
            return [self.ingest_fact(f) for f in facts]
        keys = [self.ingest_fact(f) for f in facts[:half]]
        found = pre.collect()
        if found is None:
            keys.extend(self.ingest_fact(f) for f in facts[half:])
            return keys
        # every identifier of a flagged fact pointed at its CI (unchanged_key checks that), so
        # the proof still holds while that CI has neither gained nor lost an identifier and is
        # still the row as loaded
        touched, cis, seen = self.index.touched, self.cis, self.seen
        for fact, key in zip(facts[half:], found, strict=True):
            if key and key not in touched and key not in cis:
                seen.add(key)
                keys.append(key)
            else:
                keys.append(self.ingest_fact(fact))
        return keys

    def unchanged_key(self, fact: DeviceFact) -> int:
        """The loaded CI that ``fact`` identifies and would leave exactly as it is, else 0.

        Read-only: the same steps as :meth:`ingest_fact` up to its "nothing to do" branch.
        """
        if fact.interfaces:
            return 0
        source = source_text(fact)
        ids, values, named = observe(fact, self.cfg)
        key = self.index.identify(ids)
        if key is None or key < 0 or key in self.cis:
            return 0
        by_kind = self.index.by_kind
        for kind, vals in ids.items():
            d = by_kind[kind]
            for v in vals:
                if d.get(v) != key:
                    return 0
        return key if self.unchanged(self.cis.rows[key], fact, source, values, named) else 0

    def fresh_row(
        self, fact: DeviceFact, source: str, values: tuple[Any, ...], named: tuple[str, str] | None
    ) -> tuple[Any, ...]:
        """:meth:`merge` for a CI this fact just created, as a row in ``ROW_COLS`` order.

        Every observed value is taken as is: the result is what ``merge`` gives an empty CI (no
        history, no dirty flag: new CIs are inserted whole). Its ``attr_sources`` depends only on
        the source and on which values were observed, so CIs of the same shape share one dict
        (copied before any change).
        """
        mask = unobserved(values)
        if mask[0]:
            values = (CIClass.OTHER.value, *values[1:])
        lid = seat = None
        loc: bool | None = None
        placed = self.fact_location(fact)
        if placed is not None:
            lid, seat = placed
            loc = seat is not None
        basis = name = None
        if named is not None:
            basis, name = named
        sig = (source, mask, basis, loc)
        srcs = self._fresh_srcs.get(sig)
        if srcs is None:
            # same key order as merge() produces: attributes, name, location, seat
            made = {a: source for a, empty in zip(ATTRIBUTES, mask) if not empty}
            if basis is not None:
                made["name"] = f"{basis}:{source}"
            if loc is not None:
                made["location_id"] = source
                if loc:
                    made["seat"] = source
            srcs = self._fresh_srcs[sig] = self.sources.intern(made)
        return (*values, name, lid, seat, ACTIVE, 0, srcs, None, None, None, None)

    def find_by_name(self, name: str) -> int | None:
        """The one CI called ``name`` (None when none or several)."""
        if self._names is None:
            self._names = {}
            for k, c in self.cis.every().items():
                if c["name"] is not None:
                    self._names[c["name"]] = None if c["name"] in self._names else k
        return self._names.get(name)

    def give(self, key: int, extra: Mapping[str, Any], source: str) -> None:
        """Merge what a person gives about CI ``key`` (an import row: name, role, owner,
        label, location, seat, min_up, status) with ``source``'s priority (history recorded).

        Raises:
            IntegrityError: the label already belongs to another CI.
        """
        ci = self.cis[key]
        srcs = self.sources.own(ci)
        name: str | None = extra.get("name")
        act = (
            given_name_action(ci["name"], srcs.get("name"), name, source, self.cfg)
            if name
            else KEEP
        )
        if act:
            if act == TAKE:
                old = ci["name"]
                ci["name"] = name
                if self._names is not None:
                    self._names[name] = key  # type: ignore[index]
                if key > 0:
                    self.changed_keys.add(key)
                    self.changes.append(
                        {
                            "ci_id": key,
                            "attribute": "name",
                            "old": old,
                            "new": name,
                            "source": source,
                        }
                    )
            srcs["name"] = source
            self.dirty.add(key)
        if extra.get("status"):
            self.explicit_status.add(key)
        for attr in ("role", "owner", "seat", "min_up", "status"):
            v = extra.get(attr)
            if v is not None and v != "":
                self.set_attr(key, ci, attr, v, source, srcs)
        loc = extra.get("location")
        if loc is not None:
            bfr, lname = loc
            self.set_attr(key, ci, "location_id", self.location_id(bfr, lname), source, srcs)
        label = extra.get("label")
        if label:
            owner = self.label_owner().get(label)
            if owner is not None and owner != key:
                raise IntegrityError(
                    "label {label} already belongs to CI {name!r}",
                    label=label,
                    name=self.cis[owner]["name"],
                )
            self.set_attr(key, ci, "label", label, source, srcs)
            if ci["label"] == label:
                self._labels[label] = key  # type: ignore[index]

    def label_owner(self) -> dict[str, int]:
        if self._labels is None:
            self._labels = {c["label"]: k for k, c in self.cis.every().items() if c["label"]}
        return self._labels

    def relate(self, kind: str, src_key: int, tgt_key: int, source: str) -> None:
        """Record a ``depends_on`` / ``member_of`` relationship (written at the end)."""
        self.rels.append((kind, src_key, tgt_key, source))

    def link(self, a: int, a_port: str, b: int, b_port: str, source: str) -> None:
        """Record a cable (``connected_to``) between CI keys ``a`` and ``b`` (written at the
        end, merged with what LLDP/CDP saw: one row per cable). A file's or a person's link
        (source ``import``/``manual``) names both ends' ports with authority."""
        self.links.append((a, a_port, b, b_port, source))

    def set_attr(
        self, key: int, ci: dict[str, Any], attr: str, value: Any, source: str, srcs: dict[str, str]
    ) -> None:
        """Merge one observed value into ``ci`` by :func:`merge_action` (history for stored CIs)."""
        cur = ci[attr]
        act = merge_action(cur, srcs.get(attr), value, source, self.cfg)
        if act == KEEP:
            return
        srcs[attr] = source
        self.dirty.add(key)
        if act == RETAG:
            return
        ci[attr] = value
        if key > 0:
            self.changed_keys.add(key)
            self.changes.append(
                {
                    "ci_id": key,
                    "attribute": attr,
                    "old": _text(cur),
                    "new": _text(value),
                    "source": source,
                }
            )
            if attr == "ip" and cur:
                self.index.drop("ip", cur, key)

    def merge(
        self,
        key: int,
        ci: dict[str, Any],
        fact: DeviceFact,
        source: str,
        values: tuple[Any, ...] | None = None,
        named: tuple[str, str] | None | object = MISSING,
    ) -> None:
        """Merge ``fact``'s observations into ``ci`` by source priority, recording history.

        ``values`` and ``named`` are :func:`observe`'s (computed here when not given).
        """
        if values is None or named is MISSING:
            _ids, values, named = observe(fact, self.cfg)
        srcs = ci["attr_sources"]
        if self.sources.is_shared(srcs):
            # attr_sources shared with other CIs since load: a rescan that changes nothing
            # leaves it shared (no per-CI copy); anything else gets a private copy first
            if self.unchanged(TAKE_ROW(ci), fact, source, values, named):  # type: ignore[arg-type]
                return
            srcs = ci["attr_sources"] = srcs.copy()
        for attr, v in zip(ATTRIBUTES, values):
            if v is not None:  # None: not observed
                self.set_attr(key, ci, attr, v, source, srcs)
        self.merge_name(key, ci, fact, source, srcs, named)  # type: ignore[arg-type]
        placed = self.fact_location(fact)
        if placed is not None:
            lid, seat = placed
            self.set_attr(key, ci, "location_id", lid, source, srcs)
            if seat is not None:
                self.set_attr(key, ci, "seat", seat, source, srcs)

    def fact_location(self, fact: DeviceFact) -> tuple[int, int | None] | None:
        """``(location key, seat)`` from the fact's sysLocation (a location new to the CMDB gets a
        temporary key), or None when it has none or the parser does not understand it."""
        if not fact.sys_location or self.location_parser is None:
            return None
        parsed = self.parse_location(fact.sys_location)
        if parsed is None:
            return None
        bfr, seat, lname = parsed
        lid = self.locations.get(bfr)
        return (lid if lid is not None else self.location_id(bfr, lname)), seat

    def parse_location(self, text_: str) -> Any:
        """``sys_location`` through the location parser (cached: many devices share one)."""
        parsed = self._loc_cache.get(text_, MISSING)
        if parsed is MISSING:
            try:
                parsed = _loc_tuple(self.location_parser(text_))  # type: ignore[misc]
            except (ValueError, TypeError, KeyError, AttributeError):
                parsed = None
            self._loc_cache[text_] = parsed
        return parsed

    def unchanged(
        self,
        row: tuple[Any, ...],
        fact: DeviceFact,
        source: str,
        values: tuple[Any, ...],
        named: tuple[str, str] | None,
    ) -> bool:
        """True when :meth:`merge` would provably change nothing (read-only; exact when every
        observed value and the name equal the stored ones, conservative otherwise).

        ``row`` is a CI in ``ROW_COLS`` order (a loaded row, or a record through TAKE_ROW).
        Values are compared per fact; whether ``source`` set every observed one depends only on
        the stored attr_sources, the source and the shape of the fact, so that answer is
        memoised (a rescan of 100k unchanged devices asks it a handful of times).
        """
        if row[:N_ATTR] != values:
            for v, cur in zip(values, row):
                if v is not None and cur != v:
                    return False
        basis = None
        if named is not None:
            basis, name = named
            if row[R_NAME] != name:
                return False
        loc: bool | None = None
        if fact.sys_location and self.location_parser is not None:
            parsed = self.parse_location(fact.sys_location)
            if parsed is not None:
                bfr, seat, _lname = parsed
                lid = self.locations.get(bfr)
                if lid is None or row[R_LOC] != lid:
                    return False
                loc = seat is not None
                if loc and row[R_SEAT] != seat:
                    return False
        stored = row[R_SRCS]
        if type(stored) is int or isinstance(stored, str):
            skey: Any = stored
        elif self.sources.is_shared(stored):
            skey = id(stored)
        else:
            skey = None  # a private dict (changed earlier in this run): not memoised
        memo_key = (skey, source, unobserved(values), basis, loc)
        ok = self._sources_ok.get(memo_key) if skey is not None else None
        if ok is None:
            # every observed value equals the stored one (checked above): merge_action then
            # depends only on the stored sources, so the answer is the same for every fact
            # of this shape
            srcs = stored if isinstance(stored, dict) else self.sources.parsed(stored)
            sget, cfg = srcs.get, self.cfg
            ok = (
                not any(
                    merge_action(v, sget(a), v, source, cfg)
                    for a, v in zip(ATTRIBUTES, values)
                    if v is not None
                )
                and (basis is None or not name_action(name, sget("name"), basis, name, source, cfg))
                and (
                    loc is None
                    or not (
                        merge_action(lid, sget("location_id"), lid, source, cfg)
                        or (loc and merge_action(seat, sget("seat"), seat, source, cfg))
                    )
                )
            )
            if skey is not None:
                self._sources_ok[memo_key] = ok
        return ok

    def merge_name(
        self,
        key: int,
        ci: dict[str, Any],
        fact: DeviceFact,
        source: str,
        srcs: dict[str, str],
        named: tuple[str, str] | None | object = MISSING,
    ) -> None:
        if named is MISSING:
            named = observe(fact, self.cfg)[2]
        if named is None:
            return
        basis, name = cast("tuple[str, str]", named)
        act = name_action(ci["name"], srcs.get("name"), basis, name, source, self.cfg)
        if act == KEEP:
            return
        srcs["name"] = f"{basis}:{source}"
        self.dirty.add(key)
        if act == RETAG:
            return
        old = ci["name"]
        ci["name"] = name
        if key > 0:
            self.changed_keys.add(key)
            self.changes.append(
                {"ci_id": key, "attribute": "name", "old": old, "new": name, "source": source}
            )

    def location_id(self, bfr: tuple[str, str, str], name: str | None) -> int:
        lid = self.locations.get(bfr)
        if lid is None:
            lid = self.next_tmp
            self.next_tmp -= 1
            self.locations[bfr] = lid
            self.new_locations[bfr] = (lid, name)
        return lid
