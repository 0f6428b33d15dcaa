"""delivery: threads, health, digests

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("day", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("window_start", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("window_end", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "day", name="uq_digest_channel_day"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        # Existing rows are item alerts; new NOT NULL columns need a default for them.
        batch_op.add_column(
            sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False, server_default="alert")
        )
        batch_op.alter_column("event_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.alter_column("item_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.drop_index(batch_op.f("ix_outbox_item_id"))
        batch_op.create_index("ix_outbox_item_channel", ["item_id", "channel"], unique=False)

    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consecutive_empty", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("health", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="ok"))
        batch_op.add_column(sa.Column("broken_since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("broken_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("broken_reason")
        batch_op.drop_column("broken_since")
        batch_op.drop_column("health")
        batch_op.drop_column("consecutive_empty")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_item_channel")
        batch_op.create_index(batch_op.f("ix_outbox_item_id"), ["item_id"], unique=False)
        batch_op.alter_column("item_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column("event_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("kind")

    op.drop_table("digest")
