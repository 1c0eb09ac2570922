"""Short replies per user (bot.kernel.short): the choice and what is still to be read.

Revision ID: 0005_reply_prefs
Revises: 0004_typed_answers
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_reply_prefs"
down_revision = "0004_typed_answers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reply_prefs",
        sa.Column("sender_id", sa.String(128), primary_key=True),
        sa.Column("short", sa.Boolean(), nullable=False),
        sa.Column("pending", sa.JSON(), nullable=False),
        sa.Column("last", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reply_prefs")
