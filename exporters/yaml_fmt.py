"""YAML export of the netcmdb/1 document (same structure as the JSON format, friendlier to read
and to diff in git).

Uses PyYAML's safe dumper (libyaml when present): only plain maps, lists and scalars are written,
never Python tags, so ``yaml.safe_load`` reads the file back to exactly the document. Text is made
representable first: lone surrogates (invalid UTF-8 from devices) become U+FFFD; every other
character, control characters included, survives (YAML escapes what it must).

Must not import ``cli``, ``discovery`` or the database layer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from netcmdb.errors import ExportError, ImportFormatError
from netcmdb.exporters.document import FORMAT, check_document

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, Mapping):
        return {str(_clean(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return _clean(str(value))  # datetimes, enums: as text, like the JSON format


def dumps(doc: Mapping[str, Any]) -> str:
    """The document as YAML text (keys in document order, Unicode kept readable)."""
    check_document(doc)
    return yaml.dump(
        _clean(doc),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1000,
    )


def write_yaml(doc: Mapping[str, Any], path: str | Path) -> None:
    """Write :func:`dumps` to ``path`` (UTF-8)."""
    text = dumps(doc)
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ExportError(
            "cannot write {path}: {strerror}", path=path, strerror=exc.strerror
        ) from exc


def loads(text: str) -> dict[str, Any]:
    """Parse YAML written by :func:`dumps` back to a document.

    Raises:
        ImportFormatError: not YAML, or not a netcmdb/1 document.
    """
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        raise ImportFormatError("not valid YAML: {exc}", exc=exc) from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ImportFormatError("not a {format} document", format=FORMAT)
    return doc
