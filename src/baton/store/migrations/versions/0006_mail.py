"""Reply tokens on conversations; the mail log (sent, and inbound mail held with a reason).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import baton.store.tables

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("reply_token", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_conversations_reply_token", ["reply_token"])
    op.create_table(
        "mail",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=True),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("sender", sa.String(length=320), nullable=True),
        sa.Column("recipients", sa.String(length=1000), nullable=True),
        sa.Column("subject", sa.String(length=1000), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("created_at", baton.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_mail_direction_status", "mail", ["direction", "status", "created_at"])
    op.create_index("ix_mail_conversation_id", "mail", ["conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_mail_conversation_id", table_name="mail")
    op.drop_index("ix_mail_direction_status", table_name="mail")
    op.drop_table("mail")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_constraint("uq_conversations_reply_token", type_="unique")
        batch.drop_column("reply_token")
