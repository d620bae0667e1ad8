"""Reading files a user hands us (imports, templates, rules, nmap XML): bounded and one-line.

A path may name anything: ``/dev/zero``, a FIFO, a directory, a 40 GB file. Every reader of a
user-given file goes through :func:`read_capped`, which reads at most ``limit`` bytes (and says
so when there is more) and turns every ``OSError`` into the caller's one-line error type.

Library module: never prints. Must not import the CLI, the database layer or scanners.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from netcmdb.errors import ImportFormatError, NetcmdbError

#: The largest import file read (bytes): 100k CIs of netcmdb/1 JSON are about 40 MB. Override
#: with ``NETCMDB_MAX_INPUT_MB``.
DEFAULT_LIMIT = 512 * 1024 * 1024


def input_limit() -> int:
    """The byte limit for one input file (``NETCMDB_MAX_INPUT_MB`` or 512 MiB)."""
    raw = os.environ.get("NETCMDB_MAX_INPUT_MB")
    if raw:
        try:
            mb = float(raw)
        except ValueError:
            mb = -1
        if not 0 < mb <= 1 << 20:
            raise NetcmdbError(
                "NETCMDB_MAX_INPUT_MB must be a number of megabytes, got {raw!r}", raw=raw
            )
        return int(mb * 1024 * 1024)
    return DEFAULT_LIMIT


def read_capped(
    path: str | Path, *, limit: int | None = None, error: type[NetcmdbError] = ImportFormatError
) -> bytes:
    """The bytes of ``path``, refusing more than ``limit`` (default :func:`input_limit`).

    Raises:
        error: unreadable, a directory, or larger than the limit (one line naming the path).
    """
    p = Path(path)
    cap = input_limit() if limit is None else limit
    try:
        with open(p, "rb") as fh:
            data = fh.read(cap + 1)
    except IsADirectoryError:
        raise error(f"{p}: is a directory, not a file") from None
    except OSError as exc:
        raise error(f"{p}: cannot read: {exc.strerror or exc}") from None
    if len(data) > cap:
        raise error(
            f"{p}: larger than {cap // (1024 * 1024) or cap} "
            f"{'MiB' if cap >= 1024 * 1024 else 'bytes'} (the limit for one input file; "
            "NETCMDB_MAX_INPUT_MB raises it)"
        )
    return data


def read_text(
    path: str | Path, *, limit: int | None = None, error: type[NetcmdbError] = ImportFormatError
) -> str:
    """:func:`read_capped` decoded as UTF-8 (a BOM is dropped); binary files are refused."""
    data = read_capped(path, limit=limit, error=error)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start}); is it a binary file?") from None
    if "\x00" in text:
        raise error(f"{path}: holds NUL characters; is it a binary file?")
    return text


_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def lone_surrogate(obj: Any) -> str | None:
    """The path (``cis[3].name``) of the first string in a decoded JSON value that holds a lone
    surrogate (``"\\ud800"`` decodes to one; no database can store it), else None.

    Iterative, so a deeply nested document cannot exhaust the stack.
    """
    stack: list[tuple[str, Any]] = [("", obj)]
    while stack:
        where, v = stack.pop()
        if isinstance(v, str):
            if not _encodes(v):
                return where or "the document"
        elif isinstance(v, dict):
            for k, x in v.items():
                if isinstance(k, str) and not _encodes(k):
                    return f"{where}.{k!a}".lstrip(".")
                stack.append((f"{where}.{k}".lstrip("."), x))
        elif isinstance(v, list):
            stack.extend((f"{where}[{i}]", x) for i, x in enumerate(v))
    return None


def _encodes(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def maybe_surrogates(text: str) -> bool:
    """Cheap pre-check: can decoding this JSON text produce a surrogate at all?"""
    return _ESCAPED_SURROGATE.search(text) is not None
