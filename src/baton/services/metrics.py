"""The handoff-quality report: stored handoffs and conversations in, the measures out.

The arithmetic lives in `baton.domain.metrics` and `metrics_reports`; this module only reads
the store and shapes one report that the dashboard, the CSV/JSON export and `baton metrics`
all show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import select

from baton.domain.metrics import (
    HandoffRecord,
    Rating,
    first_response_breakdown,
    first_response_stats,
    promises_kept,
    satisfaction,
    satisfaction_breakdown,
)
from baton.domain.metrics_reports import (
    ConversationRecord,
    UnansweredQuestion,
    escalation_rates,
    group_questions,
    reasons_over_time,
    repeat_contact_rate,
)
from baton.domain.reasons import ReasonCategory
from baton.services.context import ServiceContext
from baton.services.errors import InvalidInput
from baton.store.tables import Agent, Contact, Conversation, Handoff, Message

REPEAT_WINDOW = timedelta(days=7)
MAX_DAYS = 366
TOPIC_PREFIX = "Customer is asking about "


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime


def period_of(start: date | None, end: date | None, today: date) -> Period:
    """[start, end] as whole days in UTC; the last 30 days by default."""
    last = end or today
    if last >= date.max - timedelta(days=1) or (start is None and last < date.min + timedelta(29)):
        raise InvalidInput("choose dates between year 1 and year 9999")
    first = start or last - timedelta(days=29)
    if first > last:
        raise InvalidInput("start is after end")
    if (last - first).days > MAX_DAYS:
        raise InvalidInput(f"choose at most {MAX_DAYS} days")
    return Period(
        datetime.combine(first, time(0), tzinfo=UTC),
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC),
    )


def topic_of(summary: str) -> str:
    """The topic part of a stored one-line summary."""
    return summary.removeprefix(TOPIC_PREFIX).split(" — ", 1)[0].strip().lower()


async def load_records(
    ctx: ServiceContext, period: Period
) -> tuple[list[HandoffRecord], list[ConversationRecord], list[UnansweredQuestion], list[Handoff]]:
    """Handoffs, conversations and unanswered questions of the period (plus the repeat window)."""
    until = period.end + REPEAT_WINDOW
    async with ctx.sessions() as session:
        agents = {a.id: a.name for a in (await session.scalars(select(Agent))).all()}
        rows = (
            await session.execute(
                select(Handoff, Conversation.contact_id, Contact.email)
                .join(Conversation, Conversation.id == Handoff.conversation_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Handoff.created_at >= period.start, Handoff.created_at < period.end)
                .order_by(Handoff.created_at)
            )
        ).all()
        conversations = (
            await session.execute(
                select(Conversation, Contact.email)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Conversation.created_at >= period.start, Conversation.created_at < until)
            )
        ).all()
        handed = set(
            (
                await session.scalars(
                    select(Handoff.conversation_id).where(
                        Handoff.created_at >= period.start, Handoff.created_at < until
                    )
                )
            ).all()
        )
        fallbacks = (
            await session.scalars(
                select(Message.meta)
                .where(
                    Message.author == "bot",
                    Message.created_at >= period.start,
                    Message.created_at < period.end,
                )
                .order_by(Message.id.desc())
                .limit(20000)
            )
        ).all()
        asked_ids = [
            int(meta["reply_to"])
            for meta in fallbacks
            if meta.get("outcome") == "fallback" and meta.get("reply_to")
        ]
        questions = (
            await session.execute(
                select(Message.body, Message.created_at).where(Message.id.in_(asked_ids[:5000]))
            )
        ).all()
    handoffs = [
        HandoffRecord(
            id=h.id,
            conversation_id=h.conversation_id,
            contact_key=email or contact_id,
            created_at=h.created_at,
            model=h.model,
            reasons=tuple(ReasonCategory(r) for r in h.reasons),
            agent=agents.get(h.agent_id or ""),
            first_response_at=h.first_response_at,
            promised_by=h.promised_by,
            resolved_at=h.closed_at,
            rating=cast(Rating | None, h.rating),
            asked_rating=h.rating_asked_at is not None,
            topic=topic_of(h.summary),
        )
        for h, contact_id, email in rows
    ]
    topics = {h.conversation_id: h.topic for h in handoffs}
    conversation_records = [
        ConversationRecord(
            id=c.id,
            contact_key=email or c.contact_id,
            created_at=c.created_at,
            handed_off=c.id in handed,
            reopened_at=datetime.fromisoformat(c.meta["reopened_at"])
            if c.meta.get("reopened_at")
            else None,
            topic=topics.get(c.id, ""),
        )
        for c, email in conversations
    ]
    unanswered = [UnansweredQuestion(body, at) for body, at in questions]
    return handoffs, conversation_records, unanswered, [h for h, _, _ in rows]


async def build_report(ctx: ServiceContext, period: Period) -> dict[str, Any]:
    """Every measure of handoff quality for `period`, JSON-ready."""
    now = ctx.clock.now()
    handoffs, conversations, unanswered, rows = await load_records(ctx, period)
    in_period = [c for c in conversations if c.created_at < period.end]
    hours = ctx.hours
    bucket = "day" if period.end - period.start <= timedelta(days=45) else "week"
    target = timedelta(hours=ctx.settings.sla.first_response_hours)
    over_4h = [
        {"handoff_id": h.id, "conversation_id": h.conversation_id, "summary": row.summary}
        for h, row in zip(handoffs, rows, strict=True)
        if _business_wait(h, hours, now) > timedelta(hours=4)
    ]
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "handoffs": len(handoffs),
        "conversations": len(in_period),
        "first_response": first_response_stats(handoffs, hours, now=now, target=target).as_dict(),
        "first_response_by": {
            by: {
                k: v.as_dict()
                for k, v in first_response_breakdown(
                    handoffs, hours, by, now=now, target=target
                ).items()
            }
            for by in ("model", "reason", "agent")
        },
        "satisfaction": satisfaction(handoffs).as_dict(),
        "satisfaction_by_reason": {
            k: v.as_dict() for k, v in satisfaction_breakdown(handoffs, "reason").items()
        },
        "repeat_contact": repeat_contact_rate(handoffs, conversations, REPEAT_WINDOW).as_dict(),
        "rates": escalation_rates(in_period).as_dict(),
        "promises": promises_kept(handoffs, now=now).as_dict(),
        "reasons_over_time": {
            "bucket": bucket,
            "rows": [
                b.as_dict()
                for b in reasons_over_time(
                    handoffs,
                    hours,
                    bucket,  # type: ignore[arg-type]
                    start=period.start.astimezone(hours.tz).date(),
                    end=(period.end - timedelta(seconds=1)).astimezone(hours.tz).date(),
                )
            ],
        },
        "unanswered_questions": [
            {"example": g.example, "count": g.count} for g in group_questions(unanswered)[:30]
        ],
        "over_4h": over_4h[:100],
    }


def _business_wait(handoff: HandoffRecord, hours: Any, now: datetime) -> timedelta:
    end = handoff.first_response_at or now
    wait: timedelta = hours.business_time_between(handoff.created_at, end)
    return wait


def handoff_rows(rows: list[Handoff]) -> list[dict[str, Any]]:
    """One row per handoff for the CSV export."""
    return [
        {
            "handoff_id": h.id,
            "conversation_id": h.conversation_id,
            "created_at": h.created_at.isoformat(),
            "model": h.model or "",
            "reasons": " ".join(h.reasons),
            "summary": h.summary,
            "promised_by": h.promised_by.isoformat() if h.promised_by else "",
            "first_response_at": h.first_response_at.isoformat() if h.first_response_at else "",
            "closed_at": h.closed_at.isoformat() if h.closed_at else "",
            "rating": h.rating or "",
            "rating_comment": h.rating_comment or "",
        }
        for h in rows
    ]
