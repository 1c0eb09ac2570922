"""Outbox of proactive messages (bot.kernel.notify).

Revision ID: 0002_notifications
Revises: 0001_core
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_notifications"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("buttons", sa.JSON(), nullable=False),
        sa.Column("image_url", sa.String(500), nullable=True),
        sa.Column("dedupe_key", sa.String(200), nullable=True, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_notifications_sender_id", "notifications", ["sender_id"])
    op.create_index("ix_notifications_status_sender", "notifications", ["status", "sender_id"])


def downgrade() -> None:
    op.drop_table("notifications")
