"""ci.location_text: the device's own location text (SNMP sysLocation), kept verbatim

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 18:15:00

Why: a sysLocation that no room pattern understands ("Server room, 2nd floor", "3号楼机房") used
to be dropped; it is now kept on the CI (shown by ci show, the exports and the report) so a person
can still find the device, and a later pattern can place it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ci", sa.Column("location_text", sa.String(length=255), nullable=True))


def downgrade() -> None:
    op.drop_column("ci", "location_text")
