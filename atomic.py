"""The one way netcmdb writes an output file: all or nothing, never through a planted link.

Every export, label sheet, picture, impact report and cache file goes through here:

- the data is written to a temporary file in the target's own directory (so the final rename is
  atomic), created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` under a random name: a file or symlink
  someone planted at a predictable name is never opened, followed or overwritten;
- the temporary file is created with mode ``0666`` filtered by the user's umask, like any file
  the user's shell would create (so label, impact, graph and JSON outputs all get the same mode);
- only when the writer returned is it renamed over the target (``os.replace``: a symlink at the
  target itself is replaced, not followed); on any failure it is removed.

A reader therefore sees the old file or the new one, never half of one. A kill -9 between
creation and rename can leave one ``.<name>.<random>.tmp`` file beside the target (never the
target half-written).

Library module: never prints. Must not import the CLI, the database layer or scanners.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from netcmdb.errors import ExportError, NetcmdbError

_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def _parent(target: Path, error: type[NetcmdbError]) -> Path:
    parent = target.parent
    try:
        if not parent.is_dir():
            raise error(f"{target}: directory {parent} does not exist")
        if target.is_dir():
            raise error(f"{target} is a directory")
    except OSError as exc:  # a name too long, a path through a file...
        raise error(f"{str(target)[:80]}: cannot write: {exc.strerror or exc}") from None
    return parent


def create_temp(target: Path, error: type[NetcmdbError] = ExportError) -> Path:
    """Create an empty, new file beside ``target`` (random name, exclusive, umask mode)."""
    parent = _parent(target, error)
    for _ in range(100):
        tmp = parent / f".{target.name[:200]}.{secrets.token_hex(8)}.tmp"
        try:
            os.close(os.open(tmp, _FLAGS, 0o666))
        except FileExistsError:
            continue
        except OSError as exc:
            raise error(f"{target}: cannot write: {exc.strerror or exc}") from None
        return tmp
    raise error(f"{target}: cannot create a temporary file in {parent}")  # pragma: no cover


@contextmanager
def atomic_path(path: str | Path, error: type[NetcmdbError] = ExportError) -> Iterator[Path]:
    """Yield a fresh temporary path beside ``path``; rename it onto ``path`` on success.

    The writer may open the yielded path by name (reportlab, graphviz, openpyxl...).

    Raises:
        error: the directory is missing, not writable, or the rename failed (one line).
    """
    target = Path(path)
    tmp = create_temp(target, error)
    try:
        yield tmp
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise error(f"{target}: cannot write: {exc.strerror or exc}") from None
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def write_atomic(
    path: str | Path, data: str | bytes, error: type[NetcmdbError] = ExportError
) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` all or nothing."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path, error) as tmp:
        try:
            with open(tmp, "r+b") as fh:
                fh.write(raw)
        except OSError as exc:
            raise error(f"{path}: cannot write: {exc.strerror or exc}") from None


@contextmanager
def atomic_dir(path: str | Path, error: type[NetcmdbError] = ExportError) -> Iterator[Path]:
    """Yield a temporary directory beside ``path``; on success move its files into ``path``
    (created if missing; files of the same name are replaced, others left alone)."""
    target = Path(path)
    parent = target.parent
    try:
        if target.exists() and not target.is_dir():
            raise error(f"{target} exists and is not a directory")
        if not parent.is_dir():
            raise error(f"{target}: directory {parent} does not exist")
    except OSError as exc:
        raise error(f"{str(target)[:80]}: cannot write: {exc.strerror or exc}") from None
    tmp = parent / f".{target.name[:200]}.{secrets.token_hex(8)}.tmp"
    try:
        tmp.mkdir(mode=0o777)
    except OSError as exc:
        raise error(f"{target}: cannot write: {exc.strerror or exc}") from None
    try:
        yield tmp
        try:
            target.mkdir(exist_ok=True)
            for f in sorted(tmp.iterdir()):
                os.replace(f, target / f.name)
        except OSError as exc:
            raise error(f"{target}: cannot write: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
