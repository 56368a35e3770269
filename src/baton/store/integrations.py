"""Tables of the integrations: webhook endpoints and their deliveries, and the Zendesk ticket or
Slack message that belongs to each handoff."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from baton.store.tables import Base


class WebhookEndpoint(Base):
    """A URL an admin subscribed to some event types; its secret signs every delivery."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[Any]] = mapped_column(default=list)
    # Shown once at creation; kept to sign deliveries (a receiver verifies with the same key).
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[datetime | None]
    # Dead letters since the last success, and when the failing began: to disable a lost cause.
    dead_letters_in_a_row: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime]


class WebhookDelivery(Base):
    """One event to one endpoint; its id (the `webhook-id` header) is the same on every try."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", "event_type"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[int] = mapped_column(Integer)
    # The exact body, so every try sends the same bytes.
    body: Mapped[str] = mapped_column(Text)
    # pending -> delivered | retrying (next_attempt_at) -> ... -> dead (last_error says why)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class IntegrationLink(Base):
    """The Zendesk ticket or Slack message of a handoff (`system` says which)."""

    __tablename__ = "integration_links"
    __table_args__ = (
        UniqueConstraint("handoff_id", "system"),
        Index("ix_integration_links_external", "system", "external_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[str] = mapped_column(ForeignKey("handoffs.id"))
    system: Mapped[str] = mapped_column(String(16))  # zendesk | slack
    # The Zendesk ticket id, or the Slack message's ts (its thread's id).
    external_id: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str | None] = mapped_column(String(100))  # Slack channel id
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
