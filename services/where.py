"""``where``: the switch port a MAC / IP / name sits on now, and where it was seen before.

Must not import click, rich or a web framework.
"""

from __future__ import annotations

from typing import Any

from netcmdb.services.context import Cmdb


def where(cmdb: Cmdb, query: str) -> dict[str, Any]:
    """``{"host", "macs", "now": [...], "history": [...]}`` as ``netcmdb where --json``."""
    from netcmdb.cmdb.where import where as cmdb_where

    with cmdb.session() as s:
        return cmdb_where(s, query)
