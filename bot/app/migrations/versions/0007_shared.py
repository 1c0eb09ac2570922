"""What the processes of a deployment share in the app database: photos citizens send
(bot.app.uploads; any web app stores them, any action server on any machine reads them) and
leases for the work that runs once per deployment (bot.kernel.lease).

Revision ID: 0007_shared
Revises: 0006_console
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_shared"
down_revision = "0006_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("ref", sa.String(33), primary_key=True),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_uploads_created_at", "uploads", ["created_at"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_index("ix_uploads_created_at", table_name="uploads")
    op.drop_table("uploads")
