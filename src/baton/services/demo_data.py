"""A generated history of conversations and handoffs, so the dashboard has something to show.

Deterministic for a given seed. Rows are written directly (not through the dialogue) because a
history of thousands of handoffs must be made in seconds.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from baton.domain.business_hours import BusinessHours
from baton.domain.reasons import ReasonCategory
from baton.services.context import ServiceContext
from baton.services.conversations import hash_token
from baton.store.tables import Contact, Conversation, Handoff, Message

TOPICS = [
    ("billing", "I was charged twice for my last order"),
    ("a delivery", "my parcel still hasn't arrived after ten days"),
    ("a return", "how do I send back a rug that doesn't fit"),
    ("a faulty product", "the lamp I bought flickers and then stops working"),
    ("their account", "I can't log in to my account any more"),
    ("a refund", "where is my refund, it has been three weeks"),
]
UNANSWERED = [
    "do you ship to Norway",
    "can you ship to norway?",
    "do you deliver to Switzerland",
    "can I collect my order from the warehouse",
    "do you offer gift wrapping",
    "is gift wrapping available",
    "can you engrave a lamp base",
    "do you sell replacement lampshades",
]
WHY = {
    ReasonCategory.KNOWLEDGE_GAP: "bot reached its knowledge limit",
    ReasonCategory.EMOTIONAL: "customer is frustrated",
    ReasonCategory.EXPLICIT_REQUEST: "asked for a person",
    ReasonCategory.COMPLEX_ISSUE: "too complex for the bot",
    ReasonCategory.HIGH_VALUE: "premium customer with a billing problem",
}


async def generate_history(
    ctx: ServiceContext,
    *,
    conversations: int,
    days: int = 60,
    seed: int = 7,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write `conversations` conversations over the last `days` days; returns handoffs made."""
    rng = random.Random(seed)
    now = ctx.clock.now()
    hours = ctx.hours
    made = 0
    batch = 250
    for offset in range(0, conversations, batch):
        async with ctx.sessions() as session, session.begin():
            for _ in range(min(batch, conversations - offset)):
                started = now - timedelta(days=rng.uniform(0, days))
                made += await _one(session, rng, started, hours)
        if on_progress is not None:
            on_progress(min(batch, conversations - offset))
    return made


async def _one(
    session: AsyncSession, rng: random.Random, started: datetime, hours: BusinessHours
) -> int:
    contact = Contact(
        id=str(uuid.uuid4()),
        name=rng.choice(["Ana Lima", "Bo Chen", "Cy Okafor", "Di Novak", "Ed Park", None]),
        email=f"customer{rng.randint(1, 800)}@example.com" if rng.random() < 0.7 else None,
        attributes={"plan": rng.choice(["free", "plus", "premium"])},
        verified=False,
        created_at=started,
    )
    conversation = Conversation(
        id=str(uuid.uuid4()),
        token_hash=hash_token(uuid.uuid4().hex),
        contact_id=contact.id,
        state="bot",
        page_url="https://shop.example/help",
        page_title="Help",
        meta={},
        created_at=started,
        updated_at=started,
    )
    session.add_all([contact, conversation])
    topic, text = rng.choice(TOPICS)
    messages = [
        Message(
            conversation_id=conversation.id,
            author="customer",
            body=text,
            internal=False,
            meta={},
            created_at=started,
        )
    ]
    handed = rng.random() < 0.35
    if not handed:
        conversation.state = "resolved" if rng.random() < 0.5 else "bot"
        if rng.random() < 0.25:
            question = Message(
                conversation_id=conversation.id,
                author="customer",
                body=rng.choice(UNANSWERED),
                internal=False,
                meta={},
                created_at=started + timedelta(seconds=30),
            )
            session.add_all([*messages, question])
            await session.flush()
            session.add(
                Message(
                    conversation_id=conversation.id,
                    author="bot",
                    body="That's beyond what I know.",
                    internal=False,
                    meta={"reply_to": question.id, "outcome": "fallback"},
                    created_at=started + timedelta(seconds=31),
                )
            )
        else:
            session.add_all(messages)
        return 0
    reasons = rng.sample(list(ReasonCategory), k=rng.choice([1, 1, 2]))
    model = "live" if rng.random() < 0.55 else "email"
    target = timedelta(hours=2)
    due = hours.add_business_time(started, target)
    # Most replies come within business time; a few stall over a weekend.
    business_wait = timedelta(minutes=rng.choice([3, 8, 15, 30, 45, 70, 100, 150, 260, 400]))
    responded = hours.add_business_time(started, business_wait)
    closed = responded + timedelta(minutes=rng.uniform(5, 240))
    rating = None
    asked = closed <= started + timedelta(days=60)
    if asked and rng.random() < 0.6:
        rating = "good" if rng.random() < (0.85 if business_wait <= target else 0.45) else "bad"
    handoff = Handoff(
        id=str(uuid.uuid4()),
        conversation_id=conversation.id,
        status="closed",
        model=model,
        reasons=[r.value for r in reasons],
        summary=f"Customer is asking about {topic} — {WHY[reasons[0]]}",
        decision={},
        promised_by=due,
        promise_text="within 2 hours",
        created_at=started,
        first_response_at=responded,
        closed_at=closed,
        rating=rating,
        rating_asked_at=closed if asked else None,
        rated_at=closed if rating else None,
    )
    conversation.state = "resolved"
    messages.append(
        Message(
            conversation_id=conversation.id,
            author="agent",
            author_name="Sam",
            body="On it!",
            internal=False,
            meta={},
            created_at=responded,
        )
    )
    session.add_all([*messages, handoff])
    return 1
