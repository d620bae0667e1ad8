"""``netcmdb search``: substring search over CIs, journal notes and rooms (the one search service;
the CLI and the web UI both call :func:`search`).

Indexes, not table scans:

* SQLite: two FTS5 tables with the ``trigram`` tokenizer, ``search_ci`` (one document per CI:
  name, label, asset code, serial, IP, MAC, description, department) and ``search_note`` (one per
  note, contentless: notes are never edited). They are *not* kept by triggers (an FTS trigger on
  ``ci`` made 100k inserts 20x slower, and a first scan must stay within seconds); instead
  :func:`refresh` catches them up from watermarks before a search — new notes and CIs by id,
  changed CIs through their ``change`` rows — in one ``INSERT ... SELECT`` each. Nothing to catch
  up (the usual case) costs three ``max(id)`` look-ups. The tables are created on first use and
  are not part of the models (``db.schema_diff`` ignores ``search_*``).
* Queries of three or more characters are an FTS5 phrase (a substring, ASCII case-insensitive).
  Two-character queries — most Chinese words (硬盘, 蓝屏) — have no trigram of their own, so every
  indexed text ends in a sentinel character (every occurrence of a two-character word is then the
  start of some trigram) and the query becomes an ``OR`` of the index's own trigrams that start
  with it, read from the ``fts5vocab`` table by a range on the term (an index seek, not a scan).
* PostgreSQL: ``ILIKE`` over pg_trgm GIN indexes (migration 0004). pg_trgm cannot use its index
  for a pattern under three characters, so two-character queries are answered by a scan there.
* Rooms and buildings (a few hundred rows) are matched with ``LIKE``.

Must not import the CLI, the web app or scanners.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from netcmdb.errors import CmdbError

#: the shortest query answered from the indexes
MIN_QUERY_CHARS = 2
MAX_QUERY_CHARS = 200
#: appended to every indexed SQLite document (see the module docstring); U+001F never occurs in
#: stored text (the journal strips control characters)
SENTINEL = "\x1f"
#: at most this many index trigrams stand in for a two-character query
MAX_PREFIX_TERMS = 5000
#: CI columns a change of which re-indexes the CI (the attributes of the document)
CI_DOCUMENT_COLUMNS = ("name", "label", "asset_code", "serial", "ip", "mac", "description", "owner")
#: the text indexed for a CI, as SQL on ``ci`` (PostgreSQL indexes exactly this expression:
#: the newest migration that builds ``ix_trgm_ci_document`` holds a frozen copy, a test keeps
#: the two equal). SQLite rebuilds ``search_ci`` when the column list changes
#: (:data:`DOCUMENT_VERSION`).
CI_DOCUMENT = "(" + " || ' ' || ".join(f"coalesce({c}, '')" for c in CI_DOCUMENT_COLUMNS) + ")"
#: bump with CI_DOCUMENT_COLUMNS: SQLite's search_ci is rebuilt when the stored version differs
DOCUMENT_VERSION = 2
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SearchHit:
    """One thing a search found.

    Attributes:
        kind: ``ci``, ``note`` or ``room``.
        id: the CI's, note's or room's (location's) id.
        ci_id: the CI the hit belongs to (a note's CI; None for rooms and orphaned notes).
        title: the CI's name (for a note: its CI's name), or the room code.
        text: what matched: the note's text, or the CI's searchable attributes.
        at: a note's time (ISO 8601 UTC), else None.
        detail: ``kind`` of a note, ``class`` / ``label`` / ``asset_code`` / ``ip`` of a CI,
            ``name`` / ``department`` of a room.
    """

    kind: str
    id: int
    ci_id: int | None
    title: str
    text: str
    at: str | None
    detail: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def normalize_query(q: str) -> str:
    """The query as searched: no control characters, whitespace collapsed, lower-case.

    >>> normalize_query("  蓝屏\\t 重启 ")
    '蓝屏 重启'

    Raises:
        CmdbError: shorter than :data:`MIN_QUERY_CHARS` or longer than :data:`MAX_QUERY_CHARS`.
    """
    out = _SPACES.sub(" ", _CONTROL.sub(" ", q or "")).strip().lower()
    if len(out) < MIN_QUERY_CHARS:
        raise CmdbError(
            "a search needs at least {min_query_chars} characters, got {q!r}",
            min_query_chars=MIN_QUERY_CHARS,
            q=q,
        )
    if len(out) > MAX_QUERY_CHARS:
        raise CmdbError(
            "a search has at most {max_query_chars} characters", max_query_chars=MAX_QUERY_CHARS
        )
    return out


#: a MAC or part of one, in any notation (00e0.fc00.0001, 00-E0-FC, 00e0fc000001)
_MACISH = re.compile(r"^[0-9a-f]{2}([-:. ]?[0-9a-f]{2}){2,5}$|^[0-9a-f]{4}(\.[0-9a-f]{4}){1,2}$")


def mac_spelling(q: str) -> str:
    """A (normalised) query that looks like a MAC or part of one, in the stored spelling
    (lower-case, colons), so every notation finds it; other queries unchanged.

    >>> mac_spelling("00e0.fc00.0001"), mac_spelling("00-E0-FC".lower()), mac_spelling("机房")
    ('00:e0:fc:00:00:01', '00:e0:fc', '机房')
    """
    if not _MACISH.match(q):
        return q
    hexd = re.sub(r"[-:. ]", "", q)
    return ":".join(hexd[i : i + 2] for i in range(0, len(hexd), 2))


def search(
    session: Session,
    query: str,
    *,
    limit: int = 50,
    kinds: tuple[str, ...] = ("ci", "note", "room"),
) -> list[SearchHit]:
    """CIs, notes and rooms whose text contains ``query`` (CIs first, then notes newest first,
    then rooms), at most ``limit`` of each kind. A MAC in any notation finds CIs by their stored
    MAC (:func:`mac_spelling`).

    On SQLite this first catches the indexes up (:func:`refresh`, its own short transaction).

    Raises:
        CmdbError: the query is too short or too long.
    """
    q = normalize_query(query)
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        refresh(session)
    hits: list[SearchHit] = []
    if "ci" in kinds:
        cq = mac_spelling(q)
        hits += _sqlite_cis(conn, cq, limit) if sqlite else _pg_cis(conn, cq, limit)
    if "note" in kinds:
        hits += _sqlite_notes(conn, q, limit) if sqlite else _pg_notes(conn, q, limit)
    if "room" in kinds:
        hits += _rooms(conn, q, limit)
    return hits


# ---- SQLite: FTS5 trigram indexes, caught up from watermarks ----

_DDL = (
    (
        "CREATE TABLE IF NOT EXISTS search_state (name VARCHAR(16) PRIMARY KEY, value INTEGER NOT "
        "NULL)"
    ),
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_ci USING fts5(body, tokenize='trigram')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_ci_vocab USING fts5vocab(search_ci, 'row')",
    (
        "CREATE VIRTUAL TABLE IF NOT EXISTS search_note USING fts5(body, content='', "
        "tokenize='trigram')"
    ),
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_note_vocab USING fts5vocab(search_note, 'row')",
)


def _watermarks(conn: Connection) -> dict[str, int]:
    return {k: int(v) for k, v in conn.execute(text("SELECT name, value FROM search_state"))}


def _maxima(conn: Connection) -> dict[str, int]:
    row = conn.execute(
        text(
            "SELECT (SELECT max(id) FROM ci), (SELECT max(id) FROM change), "
            "(SELECT max(id) FROM note)"
        )
    ).one()
    return {"ci": row[0] or 0, "change": row[1] or 0, "note": row[2] or 0}


def refresh(session: Session) -> dict[str, int]:
    """Bring the SQLite search indexes up to date; returns how many documents were (re)indexed.

    Runs in its own connection and transaction whose first statement is a write, so two
    processes refreshing at once take turns (SQLite's busy timeout) instead of one failing.
    """
    engine = session.get_bind()
    if not isinstance(engine, Engine):  # a session bound to a connection: use its engine
        engine = engine.engine
    with engine.connect() as probe:
        have = probe.execute(
            text(
                "SELECT count(*) FROM sqlite_master WHERE name IN "
                "('search_state', 'search_ci', 'search_note')"
            )
        ).scalar()
        if have == 3:
            wm = _watermarks(probe)
            if wm.pop("ci_doc", 0) == DOCUMENT_VERSION and {
                k: v for k, v in wm.items() if k != "lock"
            } == _maxima(probe):
                return {"ci": 0, "note": 0}
    with engine.begin() as conn:
        for ddl in _DDL:
            conn.exec_driver_sql(ddl)
        conn.exec_driver_sql("INSERT OR IGNORE INTO search_state VALUES ('lock', 0)")
        conn.exec_driver_sql("UPDATE search_state SET value = value + 1 WHERE name = 'lock'")
        wm = _watermarks(conn)
        if wm.get("ci_doc", 0) != DOCUMENT_VERSION:  # the CI document changed: index anew
            conn.exec_driver_sql("DELETE FROM search_ci")
            wm["ci"] = wm["change"] = 0
            conn.execute(
                text(
                    "INSERT INTO search_state (name, value) VALUES ('ci_doc', :v) "
                    "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
                ),
                {"v": DOCUMENT_VERSION},
            )
        done = _catch_up(conn, wm, _maxima(conn))
    return done


def _catch_up(conn: Connection, wm: dict[str, int], top: dict[str, int]) -> dict[str, int]:
    ci_wm, ch_wm, note_wm = wm.get("ci", 0), wm.get("change", 0), wm.get("note", 0)
    n_note = n_ci = 0
    if top["note"] > note_wm:
        n_note = conn.execute(
            text(
                "INSERT INTO search_note (rowid, body) SELECT id, text || :s FROM note "
                "WHERE id > :lo AND id <= :hi"
            ),
            {"s": SENTINEL, "lo": note_wm, "hi": top["note"]},
        ).rowcount
    if top["change"] > ch_wm and ci_wm:
        cols = ", ".join(f"'{c}'" for c in CI_DOCUMENT_COLUMNS)
        changed = (
            f"SELECT DISTINCT ci_id FROM change WHERE id > :lo AND id <= :hi AND "
            f"ci_id <= :ci AND attribute IN ({cols})"
        )
        args = {"lo": ch_wm, "hi": top["change"], "ci": ci_wm}
        conn.execute(text(f"DELETE FROM search_ci WHERE rowid IN ({changed})"), args)
        n_ci += conn.execute(
            text(
                f"INSERT INTO search_ci (rowid, body) SELECT id, {CI_DOCUMENT} || :s "
                f"FROM ci WHERE id IN ({changed})"
            ),
            {**args, "s": SENTINEL},
        ).rowcount
    if top["ci"] > ci_wm:
        n_ci += conn.execute(
            text(
                f"INSERT INTO search_ci (rowid, body) SELECT id, {CI_DOCUMENT} || :s "
                f"FROM ci WHERE id > :lo AND id <= :hi"
            ),
            {"s": SENTINEL, "lo": ci_wm, "hi": top["ci"]},
        ).rowcount
    for name in ("ci", "change", "note"):
        conn.execute(
            text(
                "INSERT INTO search_state (name, value) VALUES (:n, :v) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
            ),
            {"n": name, "v": top[name]},
        )
    return {"ci": n_ci, "note": n_note}


def _fts_query(conn: Connection, vocab: str, q: str) -> str | None:
    """The FTS5 MATCH expression for ``q`` (None: the index holds no such text)."""
    if len(q) >= 3:
        return '"' + q.replace('"', '""') + '"'
    upper = q[:-1] + chr(ord(q[-1]) + 1)
    terms = conn.execute(
        text(f"SELECT term FROM {vocab} WHERE term >= :lo AND term < :hi LIMIT {MAX_PREFIX_TERMS}"),
        {"lo": q, "hi": upper},
    ).scalars()
    ors = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
    return ors or None


def _sqlite_cis(conn: Connection, q: str, limit: int) -> list[SearchHit]:
    match = _fts_query(conn, "search_ci_vocab", q)
    if match is None:
        return []
    rows = conn.execute(
        text(
            f"SELECT ci.id, ci.name, ci.class, ci.label, ci.asset_code, ci.ip, {CI_DOCUMENT} "
            f"FROM (SELECT rowid AS rid FROM search_ci WHERE search_ci MATCH :m "
            f"ORDER BY rowid LIMIT :n) AS f JOIN ci ON ci.id = f.rid ORDER BY ci.id"
        ),
        {"m": match, "n": limit * 2},
    ).all()
    # a CI deleted, or changed without a change row, drops out here: the live row decides
    return [_ci_hit(r, r[6]) for r in rows if q in r[6].lower()][:limit]


def _ci_hit(r: Any, body: str) -> SearchHit:
    return SearchHit(
        "ci",
        r[0],
        r[0],
        r[1],
        " ".join(body.split()),
        None,
        {"class": r[2], "label": r[3], "asset_code": r[4], "ip": r[5]},
    )


def _sqlite_notes(conn: Connection, q: str, limit: int) -> list[SearchHit]:
    match = _fts_query(conn, "search_note_vocab", q)
    if match is None:
        return []
    rows = conn.execute(
        text(
            "SELECT note.id, note.ci_id, coalesce(ci.name, note.ci_name), note.text, note.at, "
            "note.kind FROM (SELECT rowid AS rid FROM search_note WHERE search_note MATCH :m "
            "ORDER BY rowid DESC LIMIT :n) AS f JOIN note ON note.id = f.rid "
            "LEFT JOIN ci ON ci.id = note.ci_id ORDER BY note.id DESC"
        ),
        {"m": match, "n": limit},
    ).all()
    return [_note_hit(r) for r in rows]


def _note_hit(r: Any) -> SearchHit:
    from netcmdb.cmdb.query import _iso

    at = r[4]
    if isinstance(at, str):  # raw SQLite text
        from datetime import datetime

        at = datetime.fromisoformat(at)
    return SearchHit("note", r[0], r[1], r[2], r[3], _iso(at), {"kind": r[5]})


# ---- PostgreSQL: pg_trgm ----


def _like(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _pg_cis(conn: Connection, q: str, limit: int) -> list[SearchHit]:
    rows = conn.execute(
        text(
            f"SELECT id, name, class, label, asset_code, ip, {CI_DOCUMENT} FROM ci "
            f"WHERE {CI_DOCUMENT} ILIKE :p ORDER BY id LIMIT :n"
        ),
        {"p": _like(q), "n": limit},
    ).all()
    return [_ci_hit(r, r[6]) for r in rows]


def _pg_notes(conn: Connection, q: str, limit: int) -> list[SearchHit]:
    rows = conn.execute(
        text(
            "SELECT note.id, note.ci_id, coalesce(ci.name, note.ci_name), note.text, note.at, "
            "note.kind FROM note LEFT JOIN ci ON ci.id = note.ci_id WHERE note.text ILIKE :p "
            "ORDER BY note.id DESC LIMIT :n"
        ),
        {"p": _like(q), "n": limit},
    ).all()
    return [_note_hit(r) for r in rows]


# ---- rooms (small tables) ----


def _rooms(conn: Connection, q: str, limit: int) -> list[SearchHit]:
    p = _like(q)
    rows = conn.execute(
        text(
            "SELECT id, building, floor, room, name, department, contact FROM location WHERE "
            "lower(building || floor || room || ' ' || coalesce(name, '') || ' ' || "
            "coalesce(department, '') || ' ' || coalesce(contact, '')) LIKE :p ESCAPE '\\' "
            "ORDER BY building, floor, room LIMIT :n"
        ),
        {"p": p, "n": limit},
    ).all()
    return [
        SearchHit(
            "room",
            r[0],
            None,
            f"{r[1]}{r[2]}{r[3]}",
            " ".join(x for x in (r[4], r[5], r[6]) if x),
            None,
            {
                "name": r[4],
                "department": r[5],
                "contact": r[6],
                "building": r[1],
                "floor": r[2],
                "room": r[3],
            },
        )
        for r in rows
    ]
