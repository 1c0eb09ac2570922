"""Disaster agency keys move to the product's one key store (``api_keys``, core 0007): each
becomes a key of its organisation's code scoped to the disaster service (revoked ones stay
revoked), and ``disaster_agency_keys`` goes. Keys already handed out keep working.

Revision ID: disaster_0002
Revises: disaster_0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "disaster_0002"
down_revision = "disaster_0001"
branch_labels = None
depends_on = "0009_api_keys"

API_KEYS = sa.table("api_keys", sa.column("key_hash", sa.String), sa.column("agency_code", sa.String),
                    sa.column("agency_name", sa.String), sa.column("services", sa.JSON),
                    sa.column("label", sa.String), sa.column("created_by", sa.String),
                    sa.column("created_at", sa.DateTime(timezone=True)),
                    sa.column("revoked_at", sa.DateTime(timezone=True)))


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    keys = sa.table("disaster_agency_keys", sa.column("org_id", sa.Integer),
                    sa.column("key_hash", sa.String), sa.column("label", sa.String),
                    sa.column("created_at", when), sa.column("revoked_at", when))
    orgs = sa.table("disaster_organisations", sa.column("id", sa.Integer),
                    sa.column("code", sa.String), sa.column("name_th", sa.String))
    rows = op.get_bind().execute(
        sa.select(orgs.c.code, orgs.c.name_th, keys.c.key_hash, keys.c.label, keys.c.created_at,
                  keys.c.revoked_at).join_from(keys, orgs, orgs.c.id == keys.c.org_id)).all()
    if rows:
        op.bulk_insert(API_KEYS, [
            {"agency_code": code, "agency_name": name[:200], "key_hash": h, "services": ["disaster"],
             "label": label, "created_by": "disaster_0002", "created_at": at, "revoked_at": revoked}
            for code, name, h, label, at, revoked in rows])
    op.drop_table("disaster_agency_keys")


def downgrade() -> None:
    op.create_table(
        "disaster_agency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["disaster_organisations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
