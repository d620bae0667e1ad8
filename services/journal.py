"""The journal (a CI's problem library) and the search box for every face.

Returns what ``netcmdb note add|list --json`` and ``netcmdb search --json`` print. Must not
import click, rich or a web framework.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from netcmdb.services.context import Cmdb

#: the kinds of note
KINDS = ("info", "fault", "repair", "change")


def add_note(
    cmdb: Cmdb, target: str, text: str, *, kind: str = "info", author: str | None = None
) -> dict[str, Any]:
    """Append ``text`` to the journal of ``target`` (name, label, IP, MAC or #id); notes are
    never edited (a correction is a new note). Returns the note."""
    from netcmdb.cmdb.journal import add_note as add
    from netcmdb.cmdb.query import find_ci

    with cmdb.session() as s:
        return add(s, find_ci(s, target), text, kind=kind, author=author)


def list_notes(
    cmdb: Cmdb,
    target: str | None = None,
    *,
    since: str | None = None,
    until: str | None = None,
    kinds: Sequence[str] = (),
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Notes of ``target`` (or of every CI), oldest first; ``since`` / ``until`` are days
    (``2026-11-01``, ``until`` inclusive); ``limit`` keeps the newest."""
    from netcmdb.cmdb.journal import list_notes as query
    from netcmdb.cmdb.journal import parse_day
    from netcmdb.cmdb.query import find_ci

    start = parse_day(since, what="--since") if since is not None else None
    end = parse_day(until, what="--until", end=True) if until is not None else None
    with cmdb.session() as s:
        notes = query(
            s,
            ci=find_ci(s, target) if target else None,
            kinds=tuple(kinds) or None,
            since=start,
            until=end,
        )
    return notes[-limit:] if limit else notes


def search(cmdb: Cmdb, text: str, *, limit: int = 50) -> list[dict[str, Any]]:
    """CIs, journal notes and rooms containing ``text`` (the text index: FTS5 trigram on
    SQLite, pg_trgm on PostgreSQL), at most ``limit`` of each kind. A room is titled with the
    label rule's room code (``D010210``), the code people type into ``--room``."""
    from netcmdb.cmdb.search import search as text_search
    from netcmdb.errors import LabelError
    from netcmdb.services.labels import rule_of

    with cmdb.session() as s:
        hits = [h.as_dict() for h in text_search(s, text, limit=limit)]
    rule = rule_of(cmdb) if any(h["kind"] == "room" for h in hits) else None
    for h in hits:
        if h["kind"] == "room" and rule is not None:
            d = h["detail"]
            try:
                h["title"] = rule.format_room(
                    *rule.normalize_room(d["building"], d["floor"], d["room"])
                )
            except LabelError:
                pass  # a room the rule cannot write: its stored parts stay the title
    return hits
