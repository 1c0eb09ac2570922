"""Complaint record: the rider's plate or stand when the code is unknown, and the day.

Revision ID: motortaxi_0002
Revises: motortaxi_0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "motortaxi_0002"
down_revision = "motortaxi_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("motortaxi_complaints") as batch:
        batch.add_column(sa.Column("rider_hint", sa.String(160), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("occurred_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("motortaxi_complaints") as batch:
        batch.drop_column("occurred_on")
        batch.drop_column("rider_hint")
