"""A temp SQLite CMDB and a tiny ORM builder for hand-made topologies."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine

from netcmdb.cmdb.db import ensure_schema, make_engine, session_scope
from netcmdb.cmdb.models import CI, Location, Relationship


class Cmdb:
    """Creates CIs and relationships through the ORM, one transaction per call."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine, self.url = engine, url

    def add(
        self,
        cis: list[dict],
        links: Sequence[tuple] = (),
        deps: Sequence[tuple] = (),
        members: Sequence[tuple] = (),
    ) -> None:
        with session_scope(self.engine) as s:
            locs: dict[tuple[str, str, str], Location] = {}
            by_name: dict[str, CI] = {}
            for spec in cis:
                spec = dict(spec)
                room = spec.pop("room", None)
                if room:
                    # "D010210": house label rule, building 01, floor 02, room 10
                    key = (room[1:3], room[3:5], room[5:7])
                    if key not in locs:
                        locs[key] = Location(building=key[0], floor=key[1], room=key[2])
                    spec["location"] = locs[key]
                ci = CI(**spec)
                s.add(ci)
                by_name[ci.name] = ci
            s.flush()
            for link in links:
                a, b = by_name[link[0]], by_name[link[1]]
                pa = link[2] if len(link) > 2 else ""
                pb = link[3] if len(link) > 3 else ""
                if a.id > b.id:
                    a, b, pa, pb = b, a, pb, pa
                s.add(
                    Relationship(
                        kind="connected_to",
                        source_ci_id=a.id,
                        source_port=pa,
                        target_ci_id=b.id,
                        target_port=pb,
                    )
                )
            for src, dst in deps:
                s.add(
                    Relationship(
                        kind="depends_on",
                        source_ci_id=by_name[src].id,
                        target_ci_id=by_name[dst].id,
                    )
                )
            for m, g in members:
                s.add(
                    Relationship(
                        kind="member_of", source_ci_id=by_name[m].id, target_ci_id=by_name[g].id
                    )
                )


@pytest.fixture
def cmdb(tmp_path: Path) -> Iterator[Cmdb]:
    url = f"sqlite:///{tmp_path / 'cmdb.sqlite'}"
    engine = make_engine(url)
    ensure_schema(engine)
    yield Cmdb(engine, url)
    engine.dispose()
