"""How a run holds CIs in memory: the row layout (:data:`ROW_COLS`), the CI columns it writes
(:data:`CI_COLS`), and :class:`CIStore`, whose loaded CIs stay plain row tuples until the run
first touches one.

Must not import the database layer beyond the models' enums.
"""

from __future__ import annotations

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


R_NAME, R_LOC, R_SEAT, R_STATUS, R_MISSED, R_SRCS = range(N_ATTR, N_ATTR + 6)


R_IP = ATTRIBUTES.index("ip")


TAKE_ROW = operator.itemgetter(*ROW_COLS)


LAST = operator.itemgetter(-1)


NONES = (None,) * N_ATTR


def unobserved(values: tuple[Any, ...]) -> tuple[bool, ...]:
    """Which of a fact's attribute values it did not observe (the fact's shape, for memos)."""
    return tuple(map(operator.is_, values, NONES))


ACTIVE = CIStatus.ACTIVE.value


assert ROW_COLS[N_ATTR : N_ATTR + 10] == (
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
