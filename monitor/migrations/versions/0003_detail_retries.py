"""items: detail pages retried after failures

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("awaiting_detail", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("detail_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("detail_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("detail_retry_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_item_detail_retry_at"), ["detail_retry_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_detail_retry_at"))
        batch_op.drop_column("detail_retry_at")
        batch_op.drop_column("detail_error")
        batch_op.drop_column("detail_attempts")
        batch_op.drop_column("awaiting_detail")
