"""Dialogue memory on conversations; the promise as told on handoffs.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("meta", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("promise_text", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("promise_text")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("meta")
