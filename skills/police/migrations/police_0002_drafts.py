"""Police warnings: drafts (written in the operator console, published there later).

Revision ID: police_0002
Revises: police_0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "police_0002"
down_revision = "police_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("police_warnings") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False,
                                   server_default="published"))


def downgrade() -> None:
    with op.batch_alter_table("police_warnings") as batch:
        batch.drop_column("status")
