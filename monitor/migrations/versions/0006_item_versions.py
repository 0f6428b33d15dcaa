"""item_version: the content versions of items as they were fetched

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

Every item stored before gets its current content as its first version, fetched when the item
was last updated (or first seen); the attachments keep only the label, URL and hash of each file,
as the recorder writes them (monitor.store.versions).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_COLUMNS = "item_id, number, fetched_at, title_raw, body_raw, lead, attachments, fingerprint, from_detail"
_ATTACHMENTS = {
    "sqlite": (
        "(SELECT json_group_array(json_object('label', coalesce(json_extract(value, '$.label'), ''),"
        " 'url', coalesce(json_extract(value, '$.url'), ''), 'sha256', coalesce(json_extract(value, '$.sha256'), '')))"
        " FROM json_each(item.attributes, '$.attachments'))"
    ),
    "postgresql": (
        "(SELECT coalesce(jsonb_agg(jsonb_build_object('label', coalesce(file->>'label', ''),"
        " 'url', coalesce(file->>'url', ''), 'sha256', coalesce(file->>'sha256', ''))), '[]'::jsonb)"
        " FROM jsonb_array_elements(CASE WHEN jsonb_typeof(item.attributes->'attachments') = 'array'"
        " THEN item.attributes->'attachments' ELSE '[]'::jsonb END) AS file)"
    ),
}


def upgrade() -> None:
    op.create_table(
        "item_version",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("title_raw", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("body_raw", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("lead", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("attachments", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("from_detail", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.PrimaryKeyConstraint("item_id", "number"),
    )
    attachments = _ATTACHMENTS[op.get_bind().dialect.name]
    op.execute(
        f"INSERT INTO item_version ({_COLUMNS}) SELECT id, 1, coalesce(updated_at, first_seen_at), title_raw, body_raw, lead,"
        f" {attachments}, content_fingerprint, detail_fetched_at IS NOT NULL FROM item"
    )


def downgrade() -> None:
    op.drop_table("item_version")
