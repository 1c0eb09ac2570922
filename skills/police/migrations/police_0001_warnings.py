"""Police skill tables: crime warnings per district and district subscriptions.

Revision ID: police_0001
Revises: 0001_core
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "police_0001"
down_revision = "0001_core"
branch_labels = ("police",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "police_warnings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("district_code", sa.String(16), nullable=False),
        sa.Column("district_th", sa.String(80), nullable=False),
        sa.Column("province_th", sa.String(80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("issued_by", sa.String(160), nullable=False),
        sa.Column("request_key", sa.String(120), nullable=True, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_police_warnings_district_code", "police_warnings", ["district_code"])
    op.create_table(
        "police_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("district_code", sa.String(16), nullable=False),
        sa.Column("district_th", sa.String(80), nullable=False),
        sa.Column("province_th", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("sender_id", "district_code", name="uq_police_subscription"),
    )
    op.create_index("ix_police_subscriptions_district", "police_subscriptions", ["district_code"])


def downgrade() -> None:
    op.drop_table("police_subscriptions")
    op.drop_table("police_warnings")
