"""Operator console (bot.app.console): staff users, audit log, login failures, live handoff
(who holds a conversation, its priority, its transcript).

Revision ID: 0006_console
Revises: 0005_reply_prefs
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_console"
down_revision = "0005_reply_prefs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "staff_audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
    )
    op.create_index("ix_staff_audit_at", "staff_audit", ["at"])
    op.create_table(
        "staff_login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_staff_login_failures_key_at", "staff_login_failures", ["key", "at"])
    # plain ADD COLUMN (no batch copy: the partial unique index of 0001 stays as it is)
    for column in (
        sa.Column("claimed_by", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("service", sa.String(32), nullable=False, server_default=""),
        sa.Column("first_reply_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("timeout_told", sa.Boolean(), nullable=False, server_default=sa.false()),
    ):
        op.add_column("handoff_requests", column)
    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("handoff_id", sa.Integer(),
                  sa.ForeignKey("handoff_requests.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_handoff_messages_handoff", "handoff_messages", ["handoff_id", "id"])


def downgrade() -> None:
    op.drop_table("handoff_messages")
    with op.batch_alter_table("handoff_requests") as batch:
        for name in ("timeout_told", "closed_at", "first_reply_at", "service", "priority",
                     "claimed_at", "claimed_by"):
            batch.drop_column(name)
    op.drop_table("staff_login_failures")
    op.drop_table("staff_audit")
    op.drop_table("staff_users")
