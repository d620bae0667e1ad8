"""Alembic from inside the package: the migrations build exactly the models' schema, on SQLite
and real PostgreSQL, and refuse databases they do not own."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from netcmdb.cmdb.db import (
    SCHEMA_HEAD,
    current_revision,
    ensure_schema,
    head_revision,
    make_engine,
    upgrade,
)
from netcmdb.cmdb.models import Base
from netcmdb.errors import CmdbError


def test_migrated_schema_matches_the_models(engine):
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_from_nothing_and_again(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no alembic.ini anywhere near the cwd
    eng = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    assert current_revision(eng) is None
    assert upgrade(eng) == (None, head_revision())
    assert upgrade(eng) == (head_revision(), head_revision())
    ensure_schema(eng)  # a no-op now
    eng.dispose()


def test_refuses_a_foreign_database_and_a_newer_schema(tmp_path):
    foreign = create_engine(f"sqlite:///{tmp_path / 'f.sqlite'}")
    with foreign.begin() as c:
        c.execute(text("CREATE TABLE ci (x INTEGER)"))
    with pytest.raises(CmdbError, match="no netcmdb schema version"):
        upgrade(foreign)
    adopted = make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")
    Base.metadata.create_all(adopted)  # what a script or another area's test may do
    assert upgrade(adopted) == (None, head_revision())
    assert current_revision(adopted) == head_revision()
    newer = make_engine(f"sqlite:///{tmp_path / 'n.sqlite'}")
    upgrade(newer)
    with newer.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(CmdbError, match="newer than this netcmdb"):
        upgrade(newer)


def test_schema_head_constant_is_alembics_head():
    # ensure_schema's fast path trusts SCHEMA_HEAD; a new migration must bump it.
    assert SCHEMA_HEAD == head_revision()
