"""Disaster registry tables: organisations, sites, catalogue, stock, assets, people and
their expertise, requests with pledges, audit trail, merge proposals, help cases, agency keys.

Revision ID: disaster_0001
Revises: 0001_core
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "disaster_0001"
down_revision = "0001_core"
branch_labels = ("disaster",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disaster_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_disaster_audit_entity", "disaster_audit", ["entity", "entity_id"], unique=False
    )
    op.create_table(
        "disaster_help_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("place_th", sa.String(length=300), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("staff_note", sa.String(length=500), nullable=False),
        sa.Column("request_key", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_key"),
    )
    op.create_index(
        op.f("ix_disaster_help_cases_sender_id"), "disaster_help_cases", ["sender_id"], unique=False
    )
    op.create_table(
        "disaster_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_th", sa.String(length=128), nullable=False),
        sa.Column("base_unit", sa.String(length=32), nullable=False),
        sa.Column("expires", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "disaster_merge_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("left_id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entity", "left_id", "right_id", name="uq_disaster_merge"),
    )
    op.create_table(
        "disaster_organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_th", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("acronym", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("source_agency", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=120), nullable=False),
        sa.Column("last_verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["disaster_organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("source_agency", "source_id", name="uq_disaster_org_src"),
    )
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
    op.create_table(
        "disaster_item_packs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["disaster_items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "name", name="uq_disaster_pack"),
    )
    op.create_table(
        "disaster_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_org_id", sa.Integer(), nullable=True),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("notify_to", sa.String(length=128), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("place_th", sa.String(length=300), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("needed_by", sa.Date(), nullable=True),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["requester_org_id"],
            ["disaster_organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "disaster_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name_th", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("district_code", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("occupancy", sa.Integer(), nullable=True),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("source_agency", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=120), nullable=False),
        sa.Column("last_verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["disaster_organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_agency", "source_id", name="uq_disaster_site_src"),
    )
    op.create_index(
        "ix_disaster_sites_lat_lon", "disaster_sites", ["latitude", "longitude"], unique=False
    )
    op.create_index(
        "ix_disaster_sites_province",
        "disaster_sites",
        ["province_code", "district_code"],
        unique=False,
    )
    op.create_table(
        "disaster_assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("name_th", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("condition", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source_agency", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=120), nullable=False),
        sa.Column("last_verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["disaster_organisations.id"],
        ),
        sa.ForeignKeyConstraint(["site_id"], ["disaster_sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_agency", "source_id", name="uq_disaster_asset_src"),
    )
    op.create_index(
        "ix_disaster_assets_type_site", "disaster_assets", ["type", "site_id"], unique=False
    )
    op.create_table(
        "disaster_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name_th", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("national_id_hash", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("source_agency", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=120), nullable=False),
        sa.Column("last_verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["disaster_organisations.id"],
        ),
        sa.ForeignKeyConstraint(["site_id"], ["disaster_sites.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_agency", "source_id", name="uq_disaster_person_src"),
    )
    op.create_index(
        op.f("ix_disaster_people_national_id_hash"),
        "disaster_people",
        ["national_id_hash"],
        unique=False,
    )
    op.create_index(
        op.f("ix_disaster_people_sender_id"), "disaster_people", ["sender_id"], unique=False
    )
    op.create_table(
        "disaster_request_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("pledged", sa.Integer(), nullable=False),
        sa.Column("dispatched", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "pledged >= 0 AND pledged <= quantity", name="ck_disaster_req_item_pledged"
        ),
        sa.CheckConstraint("quantity > 0", name="ck_disaster_req_item_qty"),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["disaster_items.id"],
        ),
        sa.ForeignKeyConstraint(["request_id"], ["disaster_requests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "disaster_stock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("source_agency", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=120), nullable=False),
        sa.Column("last_verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity >= 0", name="ck_disaster_stock_quantity"),
        sa.CheckConstraint(
            "reserved >= 0 AND reserved <= quantity", name="ck_disaster_stock_reserved"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["disaster_items.id"],
        ),
        sa.ForeignKeyConstraint(["site_id"], ["disaster_sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_agency", "source_id", name="uq_disaster_stock_src"),
    )
    op.create_index(
        "ix_disaster_stock_item_site", "disaster_stock", ["item_id", "site_id"], unique=False
    )
    op.create_table(
        "disaster_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=120), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["disaster_people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "name", name="uq_disaster_certificate"),
    )
    op.create_table(
        "disaster_competencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("confirmed_by", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["disaster_people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "skill", name="uq_disaster_competency"),
    )
    op.create_index(
        "ix_disaster_competencies_skill", "disaster_competencies", ["skill", "level"], unique=False
    )
    op.create_table(
        "disaster_pledges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_item_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("stock_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_disaster_pledge_qty"),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["disaster_organisations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["request_item_id"], ["disaster_request_items.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["stock_id"],
            ["disaster_stock.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("disaster_pledges")
    op.drop_index("ix_disaster_competencies_skill", table_name="disaster_competencies")
    op.drop_table("disaster_competencies")
    op.drop_table("disaster_certificates")
    op.drop_index("ix_disaster_stock_item_site", table_name="disaster_stock")
    op.drop_table("disaster_stock")
    op.drop_table("disaster_request_items")
    op.drop_index(op.f("ix_disaster_people_sender_id"), table_name="disaster_people")
    op.drop_index(op.f("ix_disaster_people_national_id_hash"), table_name="disaster_people")
    op.drop_table("disaster_people")
    op.drop_index("ix_disaster_assets_type_site", table_name="disaster_assets")
    op.drop_table("disaster_assets")
    op.drop_index("ix_disaster_sites_province", table_name="disaster_sites")
    op.drop_index("ix_disaster_sites_lat_lon", table_name="disaster_sites")
    op.drop_table("disaster_sites")
    op.drop_table("disaster_requests")
    op.drop_table("disaster_item_packs")
    op.drop_table("disaster_agency_keys")
    op.drop_table("disaster_organisations")
    op.drop_table("disaster_merge_proposals")
    op.drop_table("disaster_items")
    op.drop_index(op.f("ix_disaster_help_cases_sender_id"), table_name="disaster_help_cases")
    op.drop_table("disaster_help_cases")
    op.drop_index("ix_disaster_audit_entity", table_name="disaster_audit")
    op.drop_table("disaster_audit")
