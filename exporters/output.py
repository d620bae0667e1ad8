"""Writing export files all-or-nothing: the names the exporters used before :mod:`netcmdb.atomic`.

Kept so ``cli.py`` keeps working until its split; new code imports :mod:`netcmdb.atomic`.
"""

from __future__ import annotations

from netcmdb.atomic import atomic_dir
from netcmdb.atomic import atomic_path as atomic_file

__all__ = ["atomic_dir", "atomic_file"]
