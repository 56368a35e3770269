"""Alembic environment: Baton passes its own connection (see store.database.upgrade)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import baton.store.integrations  # noqa: F401  (its tables join the metadata)
from baton.store.tables import Base

config = context.config
target_metadata = Base.metadata

connection = config.attributes.get("connection")
if connection is None:
    # `alembic revision --autogenerate` from a checkout: a sync URL in sqlalchemy.url.
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
