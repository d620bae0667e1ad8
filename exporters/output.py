"""Writing export files all-or-nothing: a failed export never leaves a half-written file.

Writers write to a temporary sibling; it replaces the target only when the writer returned.

Must not import ``cli``, ``discovery`` or the database layer.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from netcmdb.errors import ExportError


@contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success."""
    target = Path(path)
    parent = target.parent
    if not parent.is_dir():
        raise ExportError(f"directory {parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield a temporary directory next to ``path``; on success move its files into ``path``
    (created if missing; files of the same name are replaced, others left alone)."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target} exists and is not a directory")
    parent = target.parent
    if not parent.is_dir():
        raise ExportError(f"directory {parent} does not exist")
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    try:
        yield tmp
        target.mkdir(exist_ok=True)
        for f in sorted(tmp.iterdir()):
            os.replace(f, target / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
