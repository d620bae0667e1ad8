"""A cached impact precomputation, so ``netcmdb impact`` on a big CMDB starts in a blink.

Only for SQLite files: the cache key is the database path plus the size, modification time
(nanoseconds) and inode of the file and of its ``-wal`` file — any committed write changes one of
them. Other backends (PostgreSQL) always build from the database. On a hit neither SQLAlchemy nor
the database is touched.

The cache is a pickle in the user cache dir, written atomically with mode 0600; it is loaded only
when owned by the current user and not writable by others (a pickle is code, so a file someone
else could plant is never read). The pickle is stored behind its SHA-256: any load failure (a
flipped byte, a truncated file, an unpickling error) is a cache miss — the file is removed and the
engine rebuilt from the database.

Must not import (at module level): ``sqlalchemy``, ``cmdb``, ``cli``. Never prints.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

from netcmdb.atomic import atomic_path
from netcmdb.errors import NetcmdbError
from netcmdb.topology.impact import ImpactEngine

FORMAT = 3  # bump when the pickled structures change
MAGIC = b"netcmdb-impact\n"  # then the SHA-256 of the pickle, then the pickle
KEEP = 4  # cache files kept (newest first)


def resolve_url(url: str | None) -> str:
    """The CMDB URL the CLI will use (kept in step with ``cmdb.db.default_url``; tested)."""
    if url:
        return url
    env = os.environ.get("NETCMDB_DB")
    if env:
        return env
    import platformdirs

    return f"sqlite:///{Path(platformdirs.user_data_dir('netcmdb')) / 'netcmdb.sqlite'}"


def sqlite_file(url: str) -> Path | None:
    """The database file of a ``sqlite:///path`` URL (None for memory DBs and other backends)."""
    if not url.startswith("sqlite"):
        return None
    _, sep, rest = url.partition(":///")
    if not sep or not rest or rest.startswith(":memory:"):
        return None
    return Path(rest.split("?", 1)[0])


def _key(url: str, path: Path, roots: Sequence[str]) -> str | None:
    parts = [str(FORMAT), url, "\0".join(roots)]
    for p in (path, Path(f"{path}-wal")):
        try:
            st = p.stat()
        except FileNotFoundError:
            parts.append("-")
            continue
        parts.append(f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}")
    if parts[3] == "-":
        return None
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _cache_dir() -> Path:
    import platformdirs

    return Path(os.environ.get("NETCMDB_CACHE_DIR") or platformdirs.user_cache_dir("netcmdb"))


def _trusted(p: Path) -> bool:
    st = p.stat()
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _load(raw: bytes) -> object:
    """The pickled engine, or None when the file is not exactly what we wrote (flipped bytes,
    truncated, another format): checked by its digest before unpickling."""
    head = len(MAGIC)
    if raw[:head] != MAGIC:
        return None
    digest, payload = raw[head : head + 32], raw[head + 32 :]
    if hashlib.sha256(payload).digest() != digest:
        return None
    return pickle.loads(payload)


def cached_engine(
    url: str | None, roots: Sequence[str], build: Callable[[], ImpactEngine]
) -> ImpactEngine:
    """The engine for this CMDB state: from the cache when the SQLite file is unchanged."""
    url = resolve_url(url)
    path = sqlite_file(url)
    key = _key(url, path, roots) if path is not None else None
    if key is None:
        return build()
    directory = _cache_dir()
    target = directory / f"impact-{key}.pickle"
    try:
        if target.exists() and _trusted(target):
            engine = _load(target.read_bytes())
            if isinstance(engine, ImpactEngine):
                return engine
            target.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - flipped bytes raise anything: a miss, then rebuilt
        try:
            target.unlink(missing_ok=True)
        except OSError:
            pass
    engine = build()
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with atomic_path(target) as tmp:
            os.chmod(tmp, 0o600)  # a pickle is code: only we may write or read it
            with open(tmp, "r+b") as fh:
                payload = pickle.dumps(engine, protocol=pickle.HIGHEST_PROTOCOL)
                fh.write(MAGIC + hashlib.sha256(payload).digest() + payload)
        old = sorted(
            directory.glob("impact-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True
        )
        for p in old[KEEP:]:
            p.unlink(missing_ok=True)
    except (OSError, NetcmdbError):
        pass  # a read-only cache dir only costs speed
    return engine
