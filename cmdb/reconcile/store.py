"""How a run holds CIs in memory: the row layout (:data:`ROW_COLS`), the CI columns it writes
(:data:`CI_COLS`), :class:`CIStore`, whose loaded CIs stay plain row tuples until the run first
touches one, and :class:`SourcesPool`, the ``attr_sources`` dicts CIs share.

Must not import the database layer beyond the models' enums.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from typing import Any

from netcmdb.cmdb.models import CIClass, CIStatus
from netcmdb.cmdb.reconcile.config import ATTRIBUTES

#: a loaded CI row: the reconciled attributes first (compared with a fact's as one tuple
#: slice), then what the rescan check and miss counting read, then the rest; the id is last
ROW_COLS: tuple[str, ...] = (
    *ATTRIBUTES,
    "name",
    "location_id",
    "seat",
    "status",
    "missed_runs",
    "attr_sources",
    "role",
    "owner",
    "label",
    "min_up",
)


#: the CI columns a run writes (every column of a record; ``attr_sources`` last: the writer
#: dumps it to JSON apart)
CI_COLS: tuple[str, ...] = (*(c for c in ROW_COLS if c != "attr_sources"), "attr_sources")

N_ATTR = len(ATTRIBUTES)


R_NAME, R_LOC, R_SEAT, R_STATUS, R_MISSED, R_SRCS = map(
    ROW_COLS.index, ("name", "location_id", "seat", "status", "missed_runs", "attr_sources")
)


R_IP = ATTRIBUTES.index("ip")


TAKE_ROW = operator.itemgetter(*ROW_COLS)


LAST = operator.itemgetter(-1)


NONES = (None,) * N_ATTR


def unobserved(values: tuple[Any, ...]) -> tuple[bool, ...]:
    """Which of a fact's attribute values it did not observe (the fact's shape, for memos)."""
    return tuple(map(operator.is_, values, NONES))


ACTIVE = CIStatus.ACTIVE.value


class CIStore(dict):  # type: ignore[type-arg]
    """A run's CI records by key: ``dict[int, dict[str, Any]]`` whose loaded CIs stay raw row
    tuples (``rows``) until the run first reads one as a record.

    A rescan of 100k unchanged devices compares each fact with its row and never builds the
    100k records (a third of the rescan's time, and ~50 MB, when every row became a dict).
    """

    def __init__(self, srcs_dict: Callable[[Any], dict[str, str]]) -> None:
        super().__init__()
        self.rows: dict[int, tuple[Any, ...]] = {}
        self._srcs_dict = srcs_dict

    def __missing__(self, key: int) -> dict[str, Any]:
        row = self.rows[key]
        ci = dict(zip(ROW_COLS, row))  # stops before the trailing id
        ci["attr_sources"] = self._srcs_dict(row[R_SRCS])
        self[key] = ci
        return ci

    def peek(self, key: int, index: int) -> Any:
        """Column ``ROW_COLS[index]`` of a CI, without turning its row into a record."""
        ci = dict.get(self, key)
        return ci[ROW_COLS[index]] if ci is not None else self.rows[key][index]

    def every(self) -> dict[int, dict[str, Any]]:
        """Every CI as a record (imports looking CIs up by name or label)."""
        for key in self.rows:
            self[key]  # noqa: B018 - materialises
        return self


#: a CI created by this run before any fact is merged into it (copied: one dict per CI)
NEW_CI: dict[str, Any] = {
    **dict.fromkeys(CI_COLS),
    "class": CIClass.OTHER.value,
    "status": CIStatus.ACTIVE.value,
    "missed_runs": 0,
}


class SourcesPool:
    """The run's ``attr_sources`` dicts (attribute -> the source that set it), one per distinct
    content, shared by every CI that has it and copied before one CI's change (copy on write).

    100k CIs have a handful of distinct attr_sources: one dict per distinct stored value and one
    per shape of new CI, instead of one per CI (tens of MB, and much of a rescan's time).
    """

    def __init__(self) -> None:
        #: the shared dicts by id (each kept alive by a table below, so ids stay unique)
        self.shared: dict[int, dict[str, str]] = {}
        #: distinct stored texts by the number a loaded row holds (SQLite: bulk.load_ci_rows)
        self.numbered: dict[int, str] = {}
        self._by_stored: dict[Any, dict[str, str]] = {}
        self._by_items: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}

    def is_shared(self, srcs: Any) -> bool:
        """True for a dict of this pool (never change it in place: :meth:`own` first)."""
        return id(srcs) in self.shared

    def parsed(self, stored: Any) -> dict[str, str]:
        """The shared dict of a loaded row's attr_sources: JSON text, its number (SQLite), a
        dict (PostgreSQL), or a dict of this pool (a row this run made)."""
        if type(stored) is dict and id(stored) in self.shared:
            return stored
        if type(stored) is int:
            stored = self.numbered[stored]
        k = stored if isinstance(stored, str) else tuple(sorted((stored or {}).items()))
        p = self._by_stored.get(k)
        if p is None:
            p = self._by_stored[k] = (
                json.loads(stored) if isinstance(stored, str) else dict(stored or {})
            )
            self.shared[id(p)] = p
        return p

    def intern(self, srcs: dict[str, str]) -> dict[str, str]:
        """The pool's dict with the same items in the same order (``srcs`` itself, now shared,
        when the pool has none): the CI that holds it must not change it in place."""
        sig = tuple(srcs.items())
        shared = self._by_items.get(sig)
        if shared is None:
            shared = self._by_items[sig] = srcs
            self.shared[id(srcs)] = srcs
        return shared

    def own(self, ci: dict[str, Any]) -> dict[str, str]:
        """The CI record's attr_sources, made its own copy first if it is shared."""
        srcs = ci["attr_sources"]
        if id(srcs) in self.shared:
            srcs = ci["attr_sources"] = srcs.copy()
        return srcs
