"""Forest agency keys move to the product's one key store (``api_keys``, core 0007): each
becomes a key of its agency scoped to the forest service, and ``forest_agency_keys`` goes.
Keys already handed out keep working (the same SHA-256 is kept).

Revision ID: forest_0002
Revises: forest_0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "forest_0002"
down_revision = "forest_0001"
branch_labels = None
depends_on = "0009_api_keys"

# The agencies of data/agencies.yml when this migration was written.
NAMES = {"DNP": "กรมอุทยานแห่งชาติ สัตว์ป่า และพันธุ์พืช", "RFD": "กรมป่าไม้"}
API_KEYS = sa.table("api_keys", sa.column("key_hash", sa.String), sa.column("agency_code", sa.String),
                    sa.column("agency_name", sa.String), sa.column("services", sa.JSON),
                    sa.column("label", sa.String), sa.column("created_by", sa.String),
                    sa.column("created_at", sa.DateTime(timezone=True)))


def upgrade() -> None:
    old = sa.table("forest_agency_keys", sa.column("agency", sa.String),
                   sa.column("key_hash", sa.String), sa.column("created_at", sa.DateTime(timezone=True)))
    rows = op.get_bind().execute(sa.select(old.c.agency, old.c.key_hash, old.c.created_at)).all()
    if rows:
        op.bulk_insert(API_KEYS, [
            {"key_hash": h, "agency_code": agency, "agency_name": NAMES.get(agency, agency),
             "services": ["forest"], "label": "กุญแจเดิมของบริการไฟป่า",
             "created_by": "forest_0002", "created_at": at} for agency, h, at in rows])
    op.drop_table("forest_agency_keys")


def downgrade() -> None:
    op.create_table(
        "forest_agency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
