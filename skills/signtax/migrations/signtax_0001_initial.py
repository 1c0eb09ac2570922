"""Signboard tax: businesses, filings (ภ.ป.1), signs, assessments, payments, held payments.

Revision ID: signtax_0001
Revises: 0001_core
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "signtax_0001"
down_revision = "0001_core"
branch_labels = ("signtax",)
depends_on = None


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "signtax_businesses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("district_code", sa.String(8), nullable=False),
        sa.Column("district_th", sa.String(100), nullable=False),
        _created(),
        sa.UniqueConstraint("sender_id", "name", "district_code", name="uq_signtax_business"),
    )
    op.create_index("ix_signtax_businesses_sender_id", "signtax_businesses", ["sender_id"])
    op.create_table(
        "signtax_filings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("business_id", sa.Integer(), sa.ForeignKey("signtax_businesses.id"),
                  nullable=False),
        sa.Column("tax_year", sa.Integer(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("filing_deadline", sa.Date(), nullable=False),
        sa.Column("schedule_id", sa.String(32), nullable=False),
        sa.Column("tax_satang", sa.Integer(), nullable=False),
        sa.Column("late_filing_satang", sa.Integer(), nullable=False),
        sa.Column("late_filing_rule", sa.String(32), nullable=False),
        _created(),
    )
    op.create_index("ix_signtax_filings_business_id", "signtax_filings", ["business_id"])
    op.create_table(
        "signtax_signs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("filing_id", sa.Integer(), sa.ForeignKey("signtax_filings.id"),
                  nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("width_mm", sa.Integer(), nullable=False),
        sa.Column("length_mm", sa.Integer(), nullable=False),
        sa.Column("sign_type", sa.String(1), nullable=False),
        sa.Column("moving", sa.Boolean(), nullable=False),
        sa.Column("installed_on", sa.Date(), nullable=True),
        sa.Column("exemption", sa.String(40), nullable=True),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.Column("tax_satang", sa.Integer(), nullable=False),
        sa.Column("working", sa.JSON(), nullable=False),
    )
    op.create_index("ix_signtax_signs_filing_id", "signtax_signs", ["filing_id"])
    op.create_table(
        "signtax_assessments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("filing_id", sa.Integer(), sa.ForeignKey("signtax_filings.id"),
                  nullable=False, unique=True),
        sa.Column("bill_number", sa.String(20), nullable=True, unique=True),
        sa.Column("ref2", sa.String(20), nullable=False),
        sa.Column("amount_satang", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _created(),
    )
    op.create_table(
        "signtax_payments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("assessment_id", sa.Integer(), sa.ForeignKey("signtax_assessments.id"),
                  nullable=False, unique=True),
        sa.Column("transaction_id", sa.String(64), nullable=False, unique=True),
        sa.Column("amount_satang", sa.Integer(), nullable=False),
        sa.Column("late_payment_satang", sa.Integer(), nullable=False),
        sa.Column("late_payment_months", sa.Integer(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("receipt_number", sa.String(24), nullable=True, unique=True),
        sa.Column("items", sa.JSON(), nullable=False),
        _created(),
    )
    op.create_table(
        "signtax_held_payments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("assessment_id", sa.Integer(), sa.ForeignKey("signtax_assessments.id"),
                  nullable=False),
        sa.Column("transaction_id", sa.String(64), nullable=False, unique=True),
        sa.Column("amount_satang", sa.Integer(), nullable=False),
        sa.Column("expected_satang", sa.Integer(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _created(),
    )
    op.create_index("ix_signtax_held_payments_assessment_id", "signtax_held_payments",
                    ["assessment_id"])


def downgrade() -> None:
    for table in ("signtax_held_payments", "signtax_payments", "signtax_assessments",
                  "signtax_signs", "signtax_filings", "signtax_businesses"):
        op.drop_table(table)
