"""item: a pg_trgm index on the title, for PostgreSQL's search

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

The dashboard lists the items whose title holds the searched word before those whose body alone
does (monitor.store.search). With an index on the title, a word common in bodies and rare in
titles finds its few title matches without reading every item whose body holds it. Only where
migration 0005 could create pg_trgm; SQLite's FTS5 table serves the title as it is.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = bind.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    ).scalar()
    if schema is not None:
        op.execute(f'CREATE INDEX ix_item_search_title ON item USING gin (title "{schema}".gin_trgm_ops)')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_item_search_title")
