"""A version on conversations (compare-and-set of who holds one); when agents' consoles last
answered and when the agent last acted there (presence that follows the console).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from baton.store.tables import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("agents") as batch:
        for name in ("console_seen_at", "active_at"):
            batch.add_column(sa.Column(name, UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("active_at")
        batch.drop_column("console_seen_at")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("version")
