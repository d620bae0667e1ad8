"""Labeling fixtures: a temp SQLite CMDB (schema via Alembic); helpers creating rooms and CIs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from netcmdb.cmdb.db import make_engine, session_scope, upgrade
from netcmdb.cmdb.models import CI, Location


@pytest.fixture
def db_path(tmp_path: Any) -> str:
    return str(tmp_path / "cmdb.sqlite")


@pytest.fixture
def engine(db_path: str) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{db_path}")
    upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def add_room(engine: Engine) -> Callable[..., int]:
    def add(building: str, floor: str, room: str, name: str | None = None) -> int:
        with session_scope(engine) as s:
            loc = Location(building=building, floor=floor, room=room, name=name)
            s.add(loc)
            s.flush()
            return loc.id

    return add


@pytest.fixture
def add_ci(engine: Engine) -> Callable[..., int]:
    def add(name: str, location_id: int | None = None, **kw: Any) -> int:
        with session_scope(engine) as s:
            ci = CI(name=name, location_id=location_id, **kw)
            s.add(ci)
            s.flush()
            return ci.id

    return add
