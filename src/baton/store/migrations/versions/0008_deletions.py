"""Deletions: a tombstone for each contact forgotten on request.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import baton.store.tables

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deletions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("removed", sa.JSON(), nullable=False),
        sa.Column("created_at", baton.store.tables.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_deletions_contact_id", "deletions", ["contact_id"])


def downgrade() -> None:
    op.drop_index("ix_deletions_contact_id", table_name="deletions")
    op.drop_table("deletions")
