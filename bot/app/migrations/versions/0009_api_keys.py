"""Per-agency API keys (bot.kernel.apikeys): one key store for every service's staff API,
replacing the shared STAFF_TOKEN and the forest and disaster skills' own key tables (their
keys move here in forest_0002 and disaster_0002).

Revision ID: 0009_api_keys
Revises: 0008_console_more
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_api_keys"
down_revision = "0008_console_more"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("agency_code", sa.String(32), nullable=False),
        sa.Column("agency_name", sa.String(200), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_keys_agency_code", "api_keys", ["agency_code"])


def downgrade() -> None:
    op.drop_table("api_keys")
