"""identifiers keyed by (kind, value); run events stored as ranges of CI ids

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 06:20:00

Why: a 100k-device run wrote 400k identifier rows into three b-trees (rowid table, unique index,
ci_id index) and 100k run-event rows into four. Identifiers are now keyed by themselves
(``WITHOUT ROWID`` on SQLite); run events cover runs of consecutive CI ids, so a rescan of
unchanged CIs is one row. Existing rows are carried over: events are grouped into ranges of
consecutive ids with the same run and event (gaps-and-islands with a window function).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID_KIND = sa.Enum(
    "serial",
    "mac",
    "ip",
    "hostname",
    name="id_kind",
    native_enum=False,
    create_constraint=True,
    length=20,
)
_EVENT = sa.Enum(
    "new",
    "changed",
    "seen",
    "missing",
    name="run_event_kind",
    native_enum=False,
    create_constraint=True,
    length=20,
)


def _create_identifier() -> None:
    op.create_table(
        "identifier",
        sa.Column("kind", _ID_KIND, nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("ci_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ci_id"], ["ci.id"], name=op.f("fk_identifier_ci_id_ci"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("kind", "value", name=op.f("pk_identifier")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_identifier_ci_id"), "identifier", ["ci_id"], unique=False)


def _create_run_event() -> None:
    op.create_table(
        "run_event",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("first_ci_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_ci_id", sa.Integer(), nullable=False),
        sa.Column("event", _EVENT, nullable=False),
        sa.CheckConstraint("last_ci_id >= first_ci_id", name=op.f("ck_run_event_range")),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["scan_run.id"],
            name=op.f("fk_run_event_run_id_scan_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "first_ci_id", name=op.f("pk_run_event")),
        sqlite_with_rowid=False,
    )


def upgrade() -> None:
    # copy out, drop, recreate under the final names, copy back (same on SQLite and PostgreSQL)
    op.execute("CREATE TABLE _identifier_0002 AS SELECT kind, value, ci_id FROM identifier")
    op.execute(
        "CREATE TABLE _run_event_0002 AS "
        "SELECT run_id, event, MIN(ci_id) AS first_ci_id, MAX(ci_id) AS last_ci_id FROM ("
        " SELECT run_id, ci_id, event, ci_id - ROW_NUMBER() OVER ("
        "  PARTITION BY run_id, event ORDER BY ci_id) AS grp FROM run_event) AS islands "
        "GROUP BY run_id, event, grp"
    )
    op.drop_table("identifier")
    op.drop_table("run_event")
    _create_identifier()
    _create_run_event()
    op.execute(
        "INSERT INTO identifier (kind, value, ci_id) "
        "SELECT kind, value, ci_id FROM _identifier_0002 ORDER BY kind, value"
    )
    op.execute(
        "INSERT INTO run_event (run_id, first_ci_id, last_ci_id, event) "
        "SELECT run_id, first_ci_id, last_ci_id, event FROM _run_event_0002 "
        "ORDER BY run_id, first_ci_id"
    )
    op.drop_table("_identifier_0002")
    op.drop_table("_run_event_0002")


def downgrade() -> None:
    op.execute("CREATE TABLE _identifier_0001 AS SELECT kind, value, ci_id FROM identifier")
    op.execute(
        "CREATE TABLE _run_event_0001 AS SELECT r.run_id AS run_id, ci.id AS ci_id, "
        "r.event AS event FROM run_event r JOIN ci "
        "ON ci.id BETWEEN r.first_ci_id AND r.last_ci_id"
    )
    op.drop_table("identifier")
    op.drop_table("run_event")
    op.create_table(
        "identifier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ci_id", sa.Integer(), nullable=False),
        sa.Column("kind", _ID_KIND, nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["ci_id"], ["ci.id"], name=op.f("fk_identifier_ci_id_ci"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identifier")),
        sa.UniqueConstraint("kind", "value", name="uq_identifier_kind_value"),
    )
    op.create_index(op.f("ix_identifier_ci_id"), "identifier", ["ci_id"], unique=False)
    op.create_table(
        "run_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("ci_id", sa.Integer(), nullable=False),
        sa.Column("event", _EVENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["ci_id"], ["ci.id"], name=op.f("fk_run_event_ci_id_ci"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["scan_run.id"],
            name=op.f("fk_run_event_run_id_scan_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_event")),
        sa.UniqueConstraint("run_id", "ci_id", name="uq_run_event_run_ci"),
    )
    op.create_index(op.f("ix_run_event_ci_id"), "run_event", ["ci_id"], unique=False)
    op.create_index(op.f("ix_run_event_run_id"), "run_event", ["run_id"], unique=False)
    op.execute(
        "INSERT INTO identifier (kind, value, ci_id) "
        "SELECT kind, value, ci_id FROM _identifier_0001"
    )
    op.execute(
        "INSERT INTO run_event (run_id, ci_id, event) "
        "SELECT run_id, ci_id, event FROM _run_event_0001 ORDER BY run_id, ci_id"
    )
    op.drop_table("_identifier_0001")
    op.drop_table("_run_event_0001")
