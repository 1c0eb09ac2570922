"""Motortaxi skill tables: riders, complaints, shared trips, reported positions.

Revision ID: motortaxi_0001
Revises: 0001_core
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "motortaxi_0001"
down_revision = "0001_core"
branch_labels = ("motortaxi",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "motortaxi_riders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(8), nullable=False, unique=True),
        sa.Column("licence_no", sa.String(32), nullable=False, unique=True),
        sa.Column("licence_expiry", sa.Date(), nullable=True),
        sa.Column("first_name", sa.String(80), nullable=False),
        sa.Column("last_name", sa.String(80), nullable=False),
        sa.Column("plate", sa.String(32), nullable=False),
        sa.Column("plate_province", sa.String(64), nullable=False),
        sa.Column("win_name", sa.String(160), nullable=False),
        sa.Column("district", sa.String(80), nullable=False),
        sa.Column("province", sa.String(80), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("qr_token", sa.String(64), nullable=False, unique=True),
        sa.Column("source", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "motortaxi_complaints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("rider_id", sa.Integer(), sa.ForeignKey("motortaxi_riders.id"), nullable=True),
        sa.Column("rider_code", sa.String(16), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("place", sa.String(300), nullable=False),
        sa.Column("occurred_at", sa.String(64), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("distance_km", sa.Float(), nullable=True),
        sa.Column("paid_baht", sa.Integer(), nullable=True),
        sa.Column("legal_fare_baht", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("staff_note", sa.String(500), nullable=False),
        sa.Column("request_key", sa.String(120), nullable=True, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_motortaxi_complaints_sender_id", "motortaxi_complaints", ["sender_id"])
    op.create_table(
        "motortaxi_trips",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("rider_id", sa.Integer(), sa.ForeignKey("motortaxi_riders.id"), nullable=False),
        sa.Column("start_place", sa.String(300), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_motortaxi_trips_sender_id", "motortaxi_trips", ["sender_id"])
    op.create_table(
        "motortaxi_positions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rider_id", sa.Integer(),
                  sa.ForeignKey("motortaxi_riders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("rider_id", "recorded_at", name="uq_motortaxi_position"),
    )
    op.create_index("ix_motortaxi_positions_recorded", "motortaxi_positions", ["recorded_at"])


def downgrade() -> None:
    op.drop_table("motortaxi_positions")
    op.drop_table("motortaxi_trips")
    op.drop_table("motortaxi_complaints")
    op.drop_table("motortaxi_riders")
