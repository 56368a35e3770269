"""SQLAlchemy tables, one class per stored thing.

Rows never reach a client: web/schemas.py maps them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every engine (SQLite forgets the zone on its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    # True only when the site signed the identity; unverified data never merges into it.
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    external_id: Mapped[str | None] = mapped_column(String(200))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # sha256 of the visitor's token: a leaked database does not open conversations.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="bot", index=True)
    page_url: Mapped[str | None] = mapped_column(String(2000))
    page_title: Mapped[str | None] = mapped_column(String(300))
    timezone: Mapped[str | None] = mapped_column(String(64))
    assigned_agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"))
    # Policy memory: the score at which the customer declined an offer, so it is not repeated.
    offer_declined_score: Mapped[float | None] = mapped_column(Float)
    # Dialogue memory: the open offer's score and reasons, what was asked of the customer.
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The `reply+<token>@` address of this conversation's emails (128 bits of randomness).
    reply_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    waiting_since: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Bumped each time the conversation changes hands (state or agent). Every ORM update is
    # checked against the version it read (compare-and-set), and a bot reply computed for an
    # older version is thrown away: it was written for someone who no longer holds the chat.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __mapper_args__ = {  # noqa: RUF012 (declared by SQLAlchemy as an instance variable)
        "version_id_col": version,
        "version_id_generator": False,
    }


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    author: Mapped[str] = mapped_column(String(16))  # customer | bot | agent | system
    author_name: Mapped[str | None] = mapped_column(String(200))
    # Internal notes are for agents only and never reach the customer.
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    # The client's own id for the message: a retried send is stored once.
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # Bot replies: confidence, article, fallback. Customer messages: the policy's decision.
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class Handoff(Base):
    __tablename__ = "handoffs"
    __table_args__ = (
        # A conversation never has two open handoffs, whatever races happen above.
        Index(
            "uq_handoffs_one_open",
            "conversation_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    model: Mapped[str | None] = mapped_column(String(16))  # live | email
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    # The summary's topic as the escalation subject says it ("refund request"), read once at
    # the handoff so the two always agree. None on handoffs made before it was kept.
    brief_topic: Mapped[str | None] = mapped_column(String(200))
    decision: Mapped[dict[str, Any]] = mapped_column(default=dict)
    promised_by: Mapped[datetime | None]
    # The promise exactly as the customer read it ("by 9:00 AM tomorrow (Tuesday)").
    promise_text: Mapped[str | None] = mapped_column(String(200))
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # Satisfaction: asked once per handoff, answered at most once.
    rating: Mapped[str | None] = mapped_column(String(8))  # good | bad
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rating_asked_at: Mapped[datetime | None]
    rated_at: Mapped[datetime | None]
    # Promise alerts: when the team was warned that the promise is about to break, or broke.
    at_risk_alerted_at: Mapped[datetime | None]
    broken_alerted_at: Mapped[datetime | None]
    # The last message the team has by email (the escalation's transcript, then each update):
    # later customer messages go to the team's thread from here. None until the escalation.
    team_mailed_through: Mapped[int | None]


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="agent")  # admin | agent
    presence: Mapped[str] = mapped_column(String(16), default="offline")
    capacity: Mapped[int] = mapped_column(Integer, default=3)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # Presence follows the console: a socket of theirs answered then (each open socket keeps
    # it fresh), and they last did something there. `presence` is what they chose.
    console_seen_at: Mapped[datetime | None]
    active_at: Mapped[datetime | None]


class ArticleRow(Base):
    __tablename__ = "articles"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    answer: Mapped[str] = mapped_column(Text)
    questions: Mapped[list[Any]] = mapped_column(default=list)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    source: Mapped[str] = mapped_column(String(1000), default="")
    updated_at: Mapped[datetime]


class OutboxJob(Base):
    __tablename__ = "outbox_jobs"
    __table_args__ = (Index("ix_outbox_due", "status", "run_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # pending -> running -> done | pending again (retry, with run_at later) -> failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # Same key, same effect: a second enqueue of the same work is a no-op.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class EventRow(Base):
    """Every published event, in order: a client that reconnects resumes after its last id."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str | None] = mapped_column(String(36))
    # Public events reach the visitor; the others (internal notes, queue news) agents only.
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class AgentSession(Base):
    """A console login. Stored, so any Baton process accepts any valid session."""

    __tablename__ = "agent_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class Mail(Base):
    """Every email Baton sent, and every inbound email it could not post (held, with why)."""

    __tablename__ = "mail"
    __table_args__ = (Index("ix_mail_direction_status", "direction", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    direction: Mapped[str] = mapped_column(String(8))  # out | in
    status: Mapped[str] = mapped_column(String(16))  # sent | held | posted
    kind: Mapped[str] = mapped_column(String(32))  # escalation | confirmation | reply | inbound
    conversation_id: Mapped[str | None] = mapped_column(String(36), index=True)
    message_id: Mapped[str | None] = mapped_column(String(300))
    sender: Mapped[str | None] = mapped_column(String(320))
    recipients: Mapped[str | None] = mapped_column(String(1000))
    subject: Mapped[str | None] = mapped_column(String(1000))
    reason: Mapped[str | None] = mapped_column(String(500))
    # The bytes as sent or received: nothing is lost if a parser gets it wrong.
    raw: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Deletion(Base):
    """A contact forgotten on request: what was removed, never who it was (no personal data)."""

    __tablename__ = "deletions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The forgotten contact's random id: answers "was this contact deleted?" and nothing more.
    contact_id: Mapped[str] = mapped_column(String(36), index=True)
    requested_by: Mapped[str] = mapped_column(String(200))
    removed: Mapped[dict[str, Any]] = mapped_column(default=dict)  # rows removed, by table
    created_at: Mapped[datetime]


class ApiToken(Base):
    """A token another system calls the API with. Only its hash is kept: shown once, at creation."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
