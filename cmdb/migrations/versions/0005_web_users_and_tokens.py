"""web users and API tokens for netcmdb serve

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 17:45:00

Why: ``netcmdb serve`` needs logins for browser writes and bearer tokens for the REST API and
remote collectors. Passwords are stored as argon2 hashes, tokens as their SHA-256 only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROLE = "role = 'reader' OR role = 'editor' OR role = 'admin'"


def _role(name: str) -> sa.Enum:
    return sa.Enum(
        "reader",
        "editor",
        "admin",
        name=name,
        native_enum=False,
        create_constraint=False,
        length=20,
    )


def upgrade() -> None:
    op.create_table(
        "web_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", _role("web_user_role"), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_ROLE, name=op.f("ck_web_user_web_user_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_user")),
        sa.UniqueConstraint("name", name="uq_web_user_name"),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", _role("api_token_role"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_ROLE, name=op.f("ck_api_token_api_token_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("name", name="uq_api_token_name"),
        sa.UniqueConstraint("token_hash", name="uq_api_token_token_hash"),
    )


def downgrade() -> None:
    op.drop_table("api_token")
    op.drop_table("web_user")
