"""Lifecycle states a person sets (in_stock, in_use, repair, retired + the date) and
``ci replace`` (a new machine takes an old one's place at the same desk).

The lifecycle is beside discovery's ``status`` (active / missing): the reconciler never writes it,
and a run that sees a retired CI again reports it (:func:`netcmdb.cmdb.reconcile.retired_seen`).
Every change is a :class:`~netcmdb.cmdb.models.Change` row (through
:func:`netcmdb.cmdb.query.set_manual`) and a journal note says why.

Must not import the CLI or scanners; never prints.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from netcmdb.cmdb.journal import add_note
from netcmdb.cmdb.models import CI, CIStatus, Lifecycle
from netcmdb.cmdb.query import set_manual
from netcmdb.errors import CmdbError

STATES: tuple[str, ...] = tuple(s.value for s in Lifecycle)
#: what ``ci replace`` hands from the old CI to the new one, in this order
REPLACED_ATTRS = ("location", "seat", "label", "asset_code", "department", "contact")


def lifecycle_state(value: str) -> Lifecycle:
    """The :class:`Lifecycle` called ``value`` (``in-use`` and ``in_use`` both work).

    Raises:
        CmdbError: not a lifecycle state.
    """
    try:
        return Lifecycle(value.strip().lower().replace("-", "_"))
    except ValueError:
        raise CmdbError(
            "unknown lifecycle state {value!r} (one of: {states})",
            value=value,
            states=", ".join(STATES),
        ) from None


def set_lifecycle(
    session: Session,
    ci: CI,
    state: str,
    *,
    on: date | None = None,
    by: str | None = None,
    why: str | None = None,
) -> list[dict[str, Any]]:
    """Set ``ci``'s lifecycle state (dated ``on``, default today) and note it in its journal.

    Returns:
        The changes made (attribute, old, new); empty when it already was in that state.
    """
    new = lifecycle_state(state)
    changes = set_manual(
        session, ci, {"lifecycle": new.value, "lifecycle_date": on or date.today()}
    )
    if any(c["attribute"] == "lifecycle" for c in changes):
        text = f"lifecycle: {changes[0]['old'] or '-'} → {new.value}"
        add_note(session, ci, f"{text}: {why}" if why else text, kind="change", author=by)
    return changes


def _is_retired(ci: CI) -> bool:
    return ci.lifecycle == Lifecycle.RETIRED or ci.status == CIStatus.RETIRED


def replace_ci(
    session: Session, old: CI, new: CI, *, on: date | None = None, by: str | None = None
) -> dict[str, Any]:
    """``new`` takes ``old``'s room, seat, label, asset code, department and contact; ``old``
    becomes retired. In the caller's transaction: all of it or nothing.

    Both histories get the changes (source ``replace``) and both journals a ``change`` note
    naming the other CI.

    Raises:
        CmdbError: the same CI twice, ``old`` already retired, or ``new`` already carrying a
            label or asset code of its own (clear it first with ``ci set``).
    """
    if old.id == new.id:
        raise CmdbError("cannot replace {name!r} by itself", name=old.name)
    if _is_retired(old):
        raise CmdbError("{name!r} is already retired; nothing to replace", name=old.name)
    for attr in ("label", "asset_code"):
        if getattr(new, attr):
            raise CmdbError(
                ("{name!r} already has {attr} {value}; clear it first (ci set) or pick another CI"),
                name=new.name,
                attr=attr.replace("_", " "),
                value=getattr(new, attr),
            )
    day = on or date.today()
    loc = old.location
    taken: dict[str, Any] = {
        "location": (loc.building, loc.floor, loc.room) if loc else None,
        "seat": old.seat,
        "label": old.label,
        "asset_code": old.asset_code,
        "department": old.department,
        "contact": old.contact,
    }
    # the old CI lets go first: label and asset code are unique
    old_changes = set_manual(
        session,
        old,
        {
            "label": None,
            "asset_code": None,
            "seat": None,
            "lifecycle": Lifecycle.RETIRED.value,
            "lifecycle_date": day,
        },
        source="replace",
    )
    session.flush()
    values = {k: v for k, v in taken.items() if v is not None or k in ("location",)}
    if values.get("location") is None:
        values.pop("location")
    values["lifecycle"] = Lifecycle.IN_USE.value
    values["lifecycle_date"] = day
    new_changes = set_manual(session, new, values, source="replace")
    add_note(
        session,
        old,
        f"replaced by {new.name} (#{new.id})"
        + (f", which took label {taken['label']}" if taken["label"] else ""),
        kind="change",
        author=by,
    )
    add_note(
        session,
        new,
        f"replaces {old.name} (#{old.id})" + (f" at {taken['label']}" if taken["label"] else ""),
        kind="change",
        author=by,
    )
    return {
        "old": {"id": old.id, "name": old.name, "changes": old_changes},
        "new": {"id": new.id, "name": new.name, "changes": new_changes},
        "took": {k: v if k != "location" or v is None else "/".join(v) for k, v in taken.items()},
    }
