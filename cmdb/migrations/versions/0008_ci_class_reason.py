"""ci_class_reason: why discovery gave a CI its class

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 18:30:00

Why: issue 18 asks ``ci show`` to say why a device got its class (the evidence identification
recorded on the fact: UPS-MIB, bridge ports, a sysObjectID rule...). A side table keeps the
reconciler's per-CI record at its size.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ci_class_reason",
        sa.Column("ci_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["ci_id"], ["ci.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ci_id"),
    )


def downgrade() -> None:
    op.drop_table("ci_class_reason")
