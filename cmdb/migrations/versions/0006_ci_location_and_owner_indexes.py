"""indexes on ci.location_id and ci.owner

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 18:10:00

Why: the web's room pages and building-filtered CI lists select CIs by location (without an
index a 100k-CI list page scanned the table for its count), and the search box finds owners by
the distinct owner values (an index-only read) instead of a LIKE over every CI.
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_ci_location_id', 'ci', ['location_id'])
    op.create_index('ix_ci_owner', 'ci', ['owner'])


def downgrade() -> None:
    op.drop_index('ix_ci_owner', table_name='ci')
    op.drop_index('ix_ci_location_id', table_name='ci')
