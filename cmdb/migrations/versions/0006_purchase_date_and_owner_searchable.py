"""ci.purchase_date (the register's 购置日期); owner in the PostgreSQL search index

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 18:05:00

* ``ci.purchase_date``: the asset register's purchase date (``import xlsx``), for the period
  report's asset statistics. An ``ADD COLUMN`` (no SQLite table rebuild).
* PostgreSQL: ``ix_trgm_ci_document`` is rebuilt over the search document with ``owner`` (the
  web UI searches owners). SQLite's FTS tables notice the new document version themselves
  (``cmdb/search.py``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _document(columns: Sequence[str]) -> str:
    return "(" + " || ' ' || ".join(f"coalesce({c}, '')" for c in columns) + ")"


#: frozen copies of netcmdb.cmdb.search.CI_DOCUMENT before and after (a test keeps the new one
#: equal to the module's)
_OLD_COLUMNS = ("name", "label", "asset_code", "serial", "ip", "mac", "description")
_NEW_COLUMNS = ("name", "label", "asset_code", "serial", "ip", "mac", "description", "owner")
_PG_CI_DOCUMENT = _document(_NEW_COLUMNS)


def _pg_index(columns: Sequence[str]) -> None:
    op.execute("DROP INDEX IF EXISTS ix_trgm_ci_document")
    op.execute(
        f"CREATE INDEX ix_trgm_ci_document ON ci USING gin (({_document(columns)}) gin_trgm_ops)"
    )


def upgrade() -> None:
    op.add_column("ci", sa.Column("purchase_date", sa.Date(), nullable=True))
    if op.get_bind().dialect.name != "sqlite":
        _pg_index(_NEW_COLUMNS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        _pg_index(_OLD_COLUMNS)
        op.drop_column("ci", "purchase_date")
    else:
        op.execute("ALTER TABLE ci DROP COLUMN purchase_date")
