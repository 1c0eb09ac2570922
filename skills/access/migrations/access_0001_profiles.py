"""Access skill table: the guided flow's answers a user agreed to keep.

Revision ID: access_0001
Revises: 0001_core
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "access_0001"
down_revision = "0001_core"
branch_labels = ("access",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_profiles",
        sa.Column("sender_id", sa.String(128), primary_key=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("access_profiles")
