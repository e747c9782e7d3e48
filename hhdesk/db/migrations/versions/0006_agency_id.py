"""agency id: the identity an agency's host is set up for, which its join file carries too

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 21:15:00

A UUID made when the agency's host computer is set up (empty for a store file and for an agency set up on
a server by hand), so that the same agency is recognised when someone tries to set up a second host for it.
A plain ADD COLUMN with a server default: SQLite adds it in place, PostgreSQL fills the one row at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agency") as batch_op:
        batch_op.add_column(sa.Column("agency_id", sa.String(length=36), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("agency") as batch_op:
        batch_op.drop_column("agency_id")
