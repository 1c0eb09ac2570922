"""Operator console, more: a live handoff transferred to an agency (whose staff, scoped to
their services, then see and answer it).

Revision ID: 0008_console_more
Revises: 0007_shared
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_console_more"
down_revision = "0007_shared"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (no batch copy: the partial unique index of 0001 stays as it is)
    op.add_column("handoff_requests",
                  sa.Column("agency", sa.String(32), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("handoff_requests") as batch:
        batch.drop_column("agency")
