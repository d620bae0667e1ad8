"""The journal: dated notes per CI (the customer's 问题库, NetBox's journal entries).

A note is never edited in place: a correction is a new note. Notes hang on the CI's id, so they
follow the CI through renames and identifier merges; the CI's name when the note was written is
kept beside it (``ci_name``) so a note stays readable if its CI is ever deleted.

Used by the CLI (``netcmdb note``), ``ci show``, the JSON export/import, the period report and
:mod:`netcmdb.cmdb.search`. Returns plain dicts. Must not import the CLI or scanners.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from netcmdb.cmdb.models import CI, Note, NoteKind, utcnow
from netcmdb.cmdb.query import note_dict
from netcmdb.errors import CmdbError

#: the longest note accepted (a paragraph or a pasted error log, not a file)
MAX_NOTE_CHARS = 4000
MAX_AUTHOR_CHARS = 200
#: C0/C1 control characters except tab and newline: never stored (terminal safety)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
KINDS: tuple[str, ...] = tuple(k.value for k in NoteKind)


def clean_text(value: str, *, what: str, limit: int) -> str:
    """``value`` stripped, without control characters; refused when empty or too long.

    >>> clean_text("  硬盘坏了\\x1b[31m ", what="note", limit=100)
    '硬盘坏了[31m'

    Raises:
        CmdbError: empty after cleaning, or longer than ``limit``.
    """
    text = _CONTROL.sub("", value or "").strip()
    if not text:
        raise CmdbError("the {what} is empty", what=what)
    if len(text) > limit:
        raise CmdbError(
            "the {what} has {n_text} characters (at most {limit})",
            what=what,
            n_text=len(text),
            limit=limit,
        )
    return text


def note_kind(value: str | None) -> NoteKind:
    """The :class:`NoteKind` called ``value`` (default ``info``).

    Raises:
        CmdbError: not one of :data:`KINDS`.
    """
    if value is None:
        return NoteKind.INFO
    try:
        return NoteKind(value.strip().lower())
    except ValueError:
        raise CmdbError(
            "unknown note kind {value!r} (one of: {kinds})", value=value, kinds=", ".join(KINDS)
        ) from None


def parse_day(value: str, *, what: str = "date", end: bool = False) -> datetime:
    """A ``YYYY-MM-DD`` (or ISO date-time) as an aware UTC datetime; ``end`` gives the day's end.

    >>> parse_day("2026-11-01").isoformat()
    '2026-11-01T00:00:00+00:00'

    Raises:
        CmdbError: not a date.
    """
    v = (value or "").strip()
    try:
        if len(v) == 10:
            d = date.fromisoformat(v)
            dt = datetime.combine(d, time.max if end else time.min)
        else:
            dt = datetime.fromisoformat(v)
    except ValueError:
        raise CmdbError(
            "{what} must look like 2026-11-01, got {value!r}", what=what, value=value
        ) from None
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


def add_note(
    session: Session,
    ci: CI,
    text: str,
    *,
    kind: str | None = None,
    author: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Append a note to ``ci``'s journal (in the caller's transaction) and return it.

    Raises:
        CmdbError: empty or too long text, unknown kind.
    """
    note = Note(
        ci_id=ci.id,
        ci_name=ci.name,
        kind=note_kind(kind),
        text=clean_text(text, what="note", limit=MAX_NOTE_CHARS),
        author=(clean_text(author, what="author", limit=MAX_AUTHOR_CHARS) if author else None),
        at=at or utcnow(),
    )
    session.add(note)
    session.flush()
    return note_dict(note, ci.name)


def list_notes(
    session: Session,
    *,
    ci: CI | None = None,
    ci_ids: Iterable[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    kinds: Iterable[str] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Notes, oldest first, filtered by CI, period (``since`` <= at <= ``until``) and kinds."""
    q = select(Note, CI.name).outerjoin(CI, CI.id == Note.ci_id)
    if ci is not None:
        q = q.where(Note.ci_id == ci.id)
    if ci_ids is not None:
        q = q.where(Note.ci_id.in_(list(ci_ids)))
    if since is not None:
        q = q.where(Note.at >= since)
    if until is not None:
        q = q.where(Note.at <= until)
    if kinds:
        q = q.where(Note.kind.in_([note_kind(k) for k in kinds]))
    q = q.order_by(Note.at, Note.id)
    if limit:
        q = q.limit(limit)
    return [note_dict(n, name) for n, name in session.execute(q)]
