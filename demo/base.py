"""The demo's step protocol: :class:`Step`, the shared :class:`Demo` state and :class:`Skip`.

Its own module so that step modules (``export_steps``, ``snmp_campus``, ``sweep``) and
``netcmdb.demo`` can all import it without an import circle. Imports nothing from netcmdb at
module level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine


class Skip(Exception):
    """A step that cannot run in this environment; the message says why."""


@dataclass
class Demo:
    """State shared by the steps."""

    outdir: Path
    db_path: Path
    engine: Engine | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Demo], str]


def example_campus_path() -> Path:
    """The bundled example campus (package data ``netcmdb/data/example-campus.json``)."""
    return Path(str(resources.files("netcmdb") / "data" / "example-campus.json"))
