"""record versions: who saved members, contacts, care plans, transitions, referrals and directory entries last

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 17:45:00

Each record that two people may edit at once gets a version counter (the ORM's version_id_col) and the
name and time of its last save, so a second save made over a stale copy is refused with who and when.
Plain ADD COLUMNs with server defaults: SQLite adds them in place (no table copy, so the audit log's
triggers and every row stay as they are) and PostgreSQL fills existing rows at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

VERSIONED_TABLES = ("members", "contacts", "care_plan_versions", "transition_episodes", "referrals",
                    "directory_entries")


def upgrade() -> None:
    for table in VERSIONED_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("row_version", sa.Integer(), server_default="1", nullable=False))
            batch_op.add_column(sa.Column("changed_by", sa.String(length=64), server_default="", nullable=False))
            batch_op.add_column(sa.Column("changed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    for table in VERSIONED_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("changed_at")
            batch_op.drop_column("changed_by")
            batch_op.drop_column("row_version")
