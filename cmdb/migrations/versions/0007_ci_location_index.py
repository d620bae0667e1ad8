"""an index on ci.location_id

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 18:10:00

Why: the web's room pages and building-filtered CI lists select CIs by location; without an
index a 100k-CI list page scanned the whole table for its count.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_ci_location_id", "ci", ["location_id"])


def downgrade() -> None:
    op.drop_index("ix_ci_location_id", table_name="ci")
