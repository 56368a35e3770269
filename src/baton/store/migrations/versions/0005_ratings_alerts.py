"""Satisfaction ratings and promise alerts on handoffs.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import baton.store.tables

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_WHEN = baton.store.tables.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("rating", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("rating_comment", sa.Text(), nullable=True))
        batch.add_column(sa.Column("rating_asked_at", _WHEN, nullable=True))
        batch.add_column(sa.Column("rated_at", _WHEN, nullable=True))
        batch.add_column(sa.Column("at_risk_alerted_at", _WHEN, nullable=True))
        batch.add_column(sa.Column("broken_alerted_at", _WHEN, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        for column in (
            "broken_alerted_at",
            "at_risk_alerted_at",
            "rated_at",
            "rating_asked_at",
            "rating_comment",
            "rating",
        ):
            batch.drop_column(column)
