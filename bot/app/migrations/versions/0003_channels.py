"""Channels: processed platform events, per-contact state, notification claims (bot.app.channels.models).

Revision ID: 0003_channels
Revises: 0002_notifications
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_channels"
down_revision = "0002_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_events",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_channel_events_received_at", "channel_events", ["received_at"])
    op.create_table(
        "channel_contacts",
        sa.Column("sender_id", sa.String(128), primary_key=True),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "notification_claims",
        sa.Column("notification_id", sa.Integer(),
                  sa.ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retry_after", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("notification_claims")
    op.drop_table("channel_contacts")
    op.drop_table("channel_events")
