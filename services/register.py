"""The asset register import (xlsx, or CSV in UTF-8 / GB18030, Chinese headers) for every face.

Returns what ``netcmdb import xlsx --json`` prints. Must not import click, rich or a web
framework.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from netcmdb.errors import ConfigError, ImportFormatError
from netcmdb.services.context import Cmdb


def profile(cmdb: Cmdb, name: str) -> dict[str, str]:
    """The saved column map ``[register.profiles.NAME]`` (HEADER = "field") of the config.

    Raises:
        ConfigError: no such profile, or one that is not a table of strings.
    """
    profiles = (cmdb.config.get("register") or {}).get("profiles") or {}
    prof = profiles.get(name)
    if not isinstance(prof, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in prof.items()
    ):
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigError(
            (
                '--profile {name}: no [register.profiles.{name}] table of HEADER = "field" in '
                "the config (profiles: {known})"
            ),
            name=name,
            known=known,
        )
    return dict(prof)


def import_register(
    cmdb: Cmdb,
    path: str | Path,
    *,
    sheet: str | None = None,
    maps: Sequence[str] = (),
    profile_name: str | None = None,
    update_only: bool = False,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Read the register at ``path`` (``.csv``: UTF-8 with or without BOM, or GB18030; else
    xlsx, ``sheet`` or the first), check every row, then apply it in one transaction.

    ``maps`` (``"设备名称=name"``) beat ``profile_name``'s map, which beats the built-in Chinese
    headers. Returns ``{"dry_run", "source", "new", "changed", "unchanged", "unmatched",
    "ignored_columns"}``; with ``dry_run`` what would happen (nothing written).

    Raises:
        ImportFormatError: an unreadable file, ``sheet`` for a CSV, a bad row (by its sheet row
            number; then nothing is written). ConfigError: an unknown profile.
    """
    from netcmdb.cmdb.register import import_register as apply
    from netcmdb.cmdb.register import parse_maps, read_csv, read_xlsx
    from netcmdb.services.labels import rule_of

    mapping = profile(cmdb, profile_name) if profile_name else {}
    mapping.update(parse_maps(maps))
    is_csv = str(path).lower().endswith(".csv")
    if sheet is not None and is_csv:
        raise ImportFormatError("--sheet is for .xlsx files")
    table = read_csv(path) if is_csv else read_xlsx(path, sheet)
    rule = rule_of(cmdb)
    with cmdb.session() as s:
        res = apply(
            s,
            table,
            maps=mapping,
            parse_room=rule.parse_room,
            update_only=update_only,
            dry_run=dry_run,
        )
        if dry_run:
            s.rollback()
    return {"dry_run": dry_run, "source": table.source, **res.as_dict()}
