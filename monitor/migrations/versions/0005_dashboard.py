"""dashboard: users, label corrections, full-text search of items

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

Search is kept by the database itself, so the pipeline writes items as before: on SQLite an FTS5
table with the trigram tokenizer (Japanese has no spaces to split words at), filled by triggers;
on PostgreSQL a pg_trgm GIN index, where the extension can be created (it may need a superuser:
without it, search still works, by a scan).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE item_search USING fts5(title, body, content='item', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER item_search_insert AFTER INSERT ON item BEGIN "
    "INSERT INTO item_search(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER item_search_delete AFTER DELETE ON item BEGIN "
    "INSERT INTO item_search(item_search, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER item_search_update AFTER UPDATE OF title, body ON item BEGIN "
    "INSERT INTO item_search(item_search, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO item_search(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "INSERT INTO item_search(item_search) VALUES ('rebuild')",
)


def upgrade() -> None:
    op.create_table(
        "dashboard_user",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "label_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_label_correction_item_id"), "label_correction", ["item_id"], unique=False)
    op.create_index("ix_item_source_first_seen", "item", ["source_id", "first_seen_at"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in _SQLITE_SEARCH:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        _postgresql_trigram_index(bind)


def _postgresql_trigram_index(bind: sa.Connection) -> None:
    try:
        with bind.begin_nested():
            # In public, not in the first schema of the search path: one shared by all of a server's schemas.
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    except sa.exc.DBAPIError:
        pass  # no right to create it: search scans instead
    schema = bind.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    ).scalar()
    if schema is not None:
        opclass = f'"{schema}".gin_trgm_ops'
        op.execute(f"CREATE INDEX ix_item_search_text ON item USING gin ((title || ' ' || body) {opclass})")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS item_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS item_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_item_search_text")
    op.drop_index("ix_item_source_first_seen", table_name="item")
    op.drop_index(op.f("ix_label_correction_item_id"), table_name="label_correction")
    op.drop_table("label_correction")
    op.drop_table("dashboard_user")
