"""billing facts: HH+ population, AOT orders, outreach billed elsewhere, appropriateness check date

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 14:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("appropriateness_checked_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("hh_plus_population", sa.String(length=10), nullable=False, server_default=""))
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column("hh_plus_population", server_default=None)

    op.create_table(
        "aot_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_aot_orders_member_id_members"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aot_orders")),
    )
    with op.batch_alter_table("aot_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aot_orders_member_id"), ["member_id"], unique=False)

    op.create_table(
        "outreach_elsewhere",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("service_month", sa.String(length=7), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"],
                                name=op.f("fk_outreach_elsewhere_member_id_members"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_elsewhere")),
        sa.UniqueConstraint("member_id", "service_month", name=op.f("uq_outreach_elsewhere_member_id")),
    )
    with op.batch_alter_table("outreach_elsewhere", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outreach_elsewhere_member_id"), ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_table("outreach_elsewhere")
    op.drop_table("aot_orders")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("hh_plus_population")
        batch_op.drop_column("appropriateness_checked_on")
