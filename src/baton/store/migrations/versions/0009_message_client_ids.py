"""Messages by client id: a batch of customer messages finds retried sends in one lookup each.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_messages_client_id", "messages", ["client_id"])


def downgrade() -> None:
    op.drop_index("ix_messages_client_id", table_name="messages")
