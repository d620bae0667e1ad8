"""journal notes, lifecycle, departments and contacts by building/room, asset codes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 18:00:00

Adds (issue 16):

* ``note``: the per-CI journal (never edited in place; ``ci_id`` SET NULL on delete, the CI's name
  kept beside it);
* ``building`` (code, name, department, contact) and ``location.department`` / ``.contact``;
* ``ci.department``, ``ci.lifecycle`` (+ ``lifecycle_date``: what a person set, beside discovery's
  ``status``) and ``ci.asset_code`` (unique where set, a partial index).

On SQLite every new ``ci`` column is an ``ALTER TABLE ... ADD COLUMN`` (the lifecycle CHECK as a
column constraint, an OR chain like 0003's): no table rebuild, so 0003's constraint text stays.
On PostgreSQL the search indexes are pg_trgm GIN indexes (``ix_trgm_*``; SQLite's FTS5 tables
are created by :mod:`netcmdb.cmdb.search` on first use and are not part of the models).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIFECYCLE = ("in_stock", "in_use", "repair", "retired")
_NOTE_KINDS = ("info", "fault", "repair", "change")
#: frozen copy of netcmdb.cmdb.search.CI_DOCUMENT (a test keeps them equal)
_PG_CI_DOCUMENT = (
    "(coalesce(name, '') || ' ' || coalesce(label, '') || ' ' || coalesce(asset_code, '') || ' '"
    " || coalesce(serial, '') || ' ' || coalesce(ip, '') || ' ' || coalesce(mac, '') || ' '"
    " || coalesce(description, ''))"
)


def _or_chain(column: str, values: Sequence[str]) -> str:
    return " OR ".join(f"{column} = '{v}'" for v in values)


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.create_table(
        "building",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_building")),
        sa.UniqueConstraint("code", name="uq_building_code"),
    )
    op.add_column("location", sa.Column("department", sa.String(length=200), nullable=True))
    op.add_column("location", sa.Column("contact", sa.String(length=200), nullable=True))
    op.add_column("ci", sa.Column("department", sa.String(length=200), nullable=True))
    lifecycle_ck = f"lifecycle IS NULL OR {_or_chain('lifecycle', _LIFECYCLE)}"
    if sqlite:
        op.execute(
            f"ALTER TABLE ci ADD COLUMN lifecycle VARCHAR(20) "
            f"CONSTRAINT ck_ci_ci_lifecycle CHECK ({lifecycle_ck})"
        )
    else:
        op.add_column("ci", sa.Column("lifecycle", sa.String(length=20), nullable=True))
        op.create_check_constraint("ck_ci_ci_lifecycle", "ci", lifecycle_ck)
    op.add_column("ci", sa.Column("lifecycle_date", sa.Date(), nullable=True))
    op.add_column("ci", sa.Column("asset_code", sa.String(length=64), nullable=True))
    op.create_index(
        "uq_ci_asset_code",
        "ci",
        ["asset_code"],
        unique=True,
        sqlite_where=sa.text("asset_code IS NOT NULL"),
        postgresql_where=sa.text("asset_code IS NOT NULL"),
    )
    op.create_table(
        "note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ci_id", sa.Integer(), nullable=True),
        sa.Column("ci_name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_or_chain("kind", _NOTE_KINDS), name=op.f("ck_note_note_kind")),
        sa.ForeignKeyConstraint(
            ["ci_id"], ["ci.id"], name=op.f("fk_note_ci_id_ci"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note")),
    )
    op.create_index("ix_note_ci", "note", ["ci_id", "at"], unique=False)
    op.create_index("ix_note_at", "note", ["at"], unique=False)
    if not sqlite:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_trgm_note_text ON note USING gin (text gin_trgm_ops)")
        op.execute(
            f"CREATE INDEX ix_trgm_ci_document ON ci USING gin (({_PG_CI_DOCUMENT}) gin_trgm_ops)"
        )


def downgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if not sqlite:
        op.execute("DROP INDEX IF EXISTS ix_trgm_ci_document")
    op.drop_index("ix_note_at", table_name="note")
    op.drop_index("ix_note_ci", table_name="note")
    op.drop_table("note")
    op.drop_index("uq_ci_asset_code", table_name="ci")
    if sqlite:
        for table in ("search_ci", "search_note", "search_state"):  # made by cmdb/search.py
            op.execute(f"DROP TABLE IF EXISTS {table}")
        for col in ("asset_code", "lifecycle_date", "lifecycle", "department"):
            op.execute(f"ALTER TABLE ci DROP COLUMN {col}")
        for col in ("contact", "department"):
            op.execute(f"ALTER TABLE location DROP COLUMN {col}")
    else:
        op.drop_constraint("ck_ci_ci_lifecycle", "ci", type_="check")
        for col in ("asset_code", "lifecycle_date", "lifecycle", "department"):
            op.drop_column("ci", col)
        for col in ("contact", "department"):
            op.drop_column("location", col)
    op.drop_table("building")
