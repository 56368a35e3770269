"""Handoff use cases: hand a conversation to a human, claim it, reply, hand back, resolve.

A handoff row is open from the moment a human is promised until the conversation is resolved
or handed back to the bot; the database refuses a second open one (see store/tables.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from baton.domain.policy import DecisionKind, PolicyDecision
from baton.domain.promises import Promise, compute_promise, render_promise
from baton.domain.reasons import ReasonCategory
from baton.domain.summaries import describe_context, summarise_handoff
from baton.domain.switchboard import (
    ControlState,
    SwitchboardEvent,
    can,
    is_bot_speaking,
    transition,
)
from baton.domain.turns import ContactView, PageView, Turn
from baton.runtime.bus import Event
from baton.runtime.jobs import enqueue_job
from baton.services.auth import Forbidden
from baton.services.contact_details import first_name_of
from baton.services.context import ServiceContext, Transaction, transaction
from baton.services.conversations import (
    change_hands,
    holder_of,
    list_turns,
    lock_conversation,
    message_event,
    state_event,
)
from baton.services.email_queue import (
    enqueue_confirmation,
    enqueue_escalation_email,
    enqueue_reply_email,
)
from baton.services.errors import Conflict, InvalidInput, NotFound
from baton.services.inbound_notices import leaked_brief
from baton.services.presence import is_online, online_clause, touch
from baton.services.promise_words import word_promise
from baton.services.satisfaction import ask_for_rating
from baton.services.team_updates import enqueue_team_closing
from baton.store.database import AsyncSession
from baton.store.tables import Agent, Contact, Conversation, Handoff, Message

QUEUE_TIMEOUT_JOB = "queue_timeout"


async def get_open_handoff(session: AsyncSession, conversation_id: str) -> Handoff | None:
    return await session.scalar(
        select(Handoff).where(Handoff.conversation_id == conversation_id, Handoff.status == "open")
    )


async def count_available_agents(ctx: ServiceContext, session: AsyncSession) -> int:
    """Online agents (console open, not idle: `services.presence`) with room for one more."""
    load = (
        select(func.count(Conversation.id))
        .where(Conversation.assigned_agent_id == Agent.id, Conversation.state == "agent")
        .scalar_subquery()
    )
    query = select(func.count(Agent.id)).where(
        online_clause(ctx.clock.now(), ctx.settings), load < Agent.capacity
    )
    return int(await session.scalar(query) or 0)


async def count_online_agents(ctx: ServiceContext, session: AsyncSession) -> int:
    """Online agents, with room or not."""
    query = select(func.count(Agent.id)).where(online_clause(ctx.clock.now(), ctx.settings))
    return int(await session.scalar(query) or 0)


async def pick_agent(ctx: ServiceContext, session: AsyncSession) -> Agent | None:
    """The online agent with the fewest live conversations and room for one more.

    Each candidate's row is locked before its load is counted again, so of two processes
    assigning at once, the second sees the first's assignment: capacity is decided by the
    database, not by luck.
    """
    now = ctx.clock.now()
    load = (
        select(func.count(Conversation.id))
        .where(Conversation.assigned_agent_id == Agent.id, Conversation.state == "agent")
        .scalar_subquery()
    )
    candidates = (
        await session.scalars(
            select(Agent.id)
            .where(online_clause(now, ctx.settings), load < Agent.capacity)
            .order_by(load, Agent.name)
            .limit(10)
        )
    ).all()
    for agent_id in candidates:
        agent = await session.scalar(select(Agent).where(Agent.id == agent_id).with_for_update())
        if agent is None or not is_online(agent, now, ctx.settings):
            continue
        # A new statement: under READ COMMITTED it sees assignments committed while we waited.
        current = await session.scalar(
            select(func.count(Conversation.id)).where(
                Conversation.assigned_agent_id == agent.id, Conversation.state == "agent"
            )
        )
        if int(current or 0) < agent.capacity:
            return agent
    return None


def _move(tx: Transaction, conversation: Conversation, event: SwitchboardEvent) -> None:
    state = ControlState(conversation.state)
    if not can(state, event):
        raise Conflict(f"cannot {event.value} while the conversation is {state.value}")
    change_hands(conversation, transition(state, event))
    tx.on_commit(state_event(conversation.id, conversation.state))


def _system_message(conversation: Conversation, body: str, *, internal: bool, now: Any) -> Message:
    return Message(
        conversation_id=conversation.id,
        author="system",
        body=body,
        internal=internal,
        meta={},
        created_at=now,
    )


def decision_data(decision: PolicyDecision) -> dict[str, Any]:
    """A decision as stored with the message and the handoff, explanation included."""
    return {
        "kind": decision.kind.value,
        "score": decision.score,
        "reasons": [r.value for r in decision.reasons],
        "explanation": decision.explain(),
        "signals": [
            {
                "kind": s.kind.value,
                "reason": s.reason.value,
                "weight": s.weight,
                "evidence": s.evidence,
            }
            for s in decision.signals
        ],
    }


def _promise(ctx: ServiceContext, conversation: Conversation, now: datetime) -> tuple[Promise, str]:
    """The specific time told to the customer, in their timezone when the widget sent one."""
    promise = compute_promise(now, ctx.hours, ctx.settings.sla)
    tz = ZoneInfo(conversation.timezone) if conversation.timezone else ctx.hours.tz
    text = render_promise(promise, now, tz, show_zone=conversation.timezone is None)
    return promise, text


def promise_now(ctx: ServiceContext, conversation: Conversation, handoff: Handoff | None) -> str:
    """The handoff's promise worded at this moment (never its earlier words reused), or a new
    one when none was made."""
    if handoff is not None and handoff.promised_by is not None:
        return word_promise(
            ctx,
            handoff.promised_by,
            timezone=conversation.timezone,
            made_at=handoff.created_at,
        )
    return _promise(ctx, conversation, ctx.clock.now())[1]


@dataclass(frozen=True)
class HandoffStart:
    """What the bot tells the customer, and the agent already assigned (automatic assignment);
    the caller posts the text, then announces the agent."""

    text: str
    assigned: Agent | None


async def start_handoff(
    ctx: ServiceContext,
    tx: Transaction,
    conversation: Conversation,
    contact: Contact | None,
    decision: PolicyDecision,
    *,
    history: Sequence[Turn],
    article_title: str | None = None,
    summary_line: str | None = None,
) -> HandoffStart:
    """Hand the conversation to a human inside `tx`; returns what the bot tells the customer.

    Live when live chat is on, the business is open and an agent has room; otherwise an email
    ticket (asking for the email only when it is missing), with the after-hours script when
    closed. The promise is computed from business hours and the SLA and stored.
    `summary_line` replaces the generated one-line summary (a caller that knows better).
    """
    now = ctx.clock.now()
    stale = await get_open_handoff(tx.session, conversation.id)
    if stale is not None:
        if not is_bot_speaking(ControlState(conversation.state)):
            raise Conflict("this conversation is already with our team")
        # A handoff left open while the bot holds the chat (an older fault): it promised a human
        # who never came. It closes, and this one carries the promise from now on.
        stale.status, stale.closed_at = "closed", now
        await tx.session.flush()
    reasons = list(decision.reasons) or [ReasonCategory.COMPLEX_ISSUE]
    reason = reasons[0]
    open_now = ctx.hours.is_open(now)
    # Live whenever someone is there to take it, inside business hours or not.
    live = ctx.settings.handoff.live_chat and await count_available_agents(ctx, tx.session) > 0
    promise, promise_text = _promise(ctx, conversation, now)
    view = ContactView(contact.name, contact.email, dict(contact.attributes)) if contact else None
    summary = summarise_handoff(history, reasons, view, article_title)
    if summary_line:
        summary = replace(summary, line=summary_line)
    handoff = Handoff(
        id=str(uuid.uuid4()),
        conversation_id=conversation.id,
        status="open",
        model="live" if live else "email",
        reasons=[r.value for r in reasons],
        summary=summary.line,
        brief_topic=summary.brief_topic,
        decision=decision_data(decision),
        promised_by=promise.due,
        promise_text=promise_text,
        created_at=now,
    )
    tx.session.add(handoff)
    note = _system_message(
        conversation,
        _agent_note(summary.line, decision, view, conversation),
        internal=True,
        now=now,
    )
    tx.session.add(note)
    await tx.session.flush()
    tx.on_commit(message_event(note))
    first_name = first_name_of(contact)
    email = contact.email if contact else None
    assigned: Agent | None = None
    if live:
        _move(tx, conversation, SwitchboardEvent.QUEUE)
        position = await count_queued(tx.session)
        wait = queue_wait(ctx, position)
        text = "\n\n".join(
            [
                # The queue's script gives the reassurance; it is said once.
                ctx.scripts.render(
                    "live_transfer", reason=reason, first_name=first_name, position=position
                ),
                ctx.scripts.render("queued", position=position, wait=wait),
            ]
        )
        assigned = await pick_agent(ctx, tx.session) if ctx.settings.handoff.auto_assign else None
        if assigned is not None:
            _move(tx, conversation, SwitchboardEvent.CLAIM)
            conversation.assigned_agent_id = handoff.agent_id = assigned.id
            text = ctx.scripts.render("live_transfer", reason=reason, first_name=first_name)
        await _enqueue_queue_timeout(ctx, tx, conversation, handoff)
    else:
        script = await email_script(ctx, tx.session, open_now)
        parts = [
            ctx.scripts.render(
                script, reason=reason, first_name=first_name, promise=promise_text, email=email
            )
        ]
        await enqueue_escalation_email(ctx, tx, handoff, collecting=not email)
        if email:
            _move(tx, conversation, SwitchboardEvent.OPEN_TICKET)
            await enqueue_confirmation(ctx, tx, handoff)
        else:
            _move(tx, conversation, SwitchboardEvent.COLLECT)
            conversation.meta = {**conversation.meta, "email_asks": 1}
            parts.append(ctx.scripts.render("ask_email", first_name=first_name))
        text = "\n\n".join(parts)
    conversation.waiting_since = conversation.waiting_since or now
    tx.on_commit(
        Event(
            "handoff.escalated",
            conversation.id,
            data={
                "handoff_id": handoff.id,
                "model": handoff.model,
                "summary": summary.line,
                "reasons": handoff.reasons,
                "promise": promise_text,
            },
        )
    )
    return HandoffStart(text, assigned)


def queue_wait(ctx: ServiceContext, position: int) -> timedelta:
    """The wait told to a queued customer: never longer than the queue's limit, after which
    the customer is moved to email anyway."""
    handoff = ctx.settings.handoff
    return timedelta(
        minutes=min(position * handoff.minutes_per_queued_customer, handoff.queue_wait_minutes)
    )


async def email_script(ctx: ServiceContext, session: AsyncSession, open_now: bool) -> str:
    """Why it goes by email, said truthfully: outside business hours only when that is the
    reason nobody takes it live; "nobody is free right now" when that is the truth."""
    if not ctx.settings.handoff.live_chat:
        return "escalate_email" if open_now else "after_hours"
    if open_now or await count_online_agents(ctx, session) > 0:
        return "nobody_free"
    return "after_hours"


async def announce_agent(
    ctx: ServiceContext, tx: Transaction, conversation: Conversation, agent: Agent, **meta: Any
) -> Message:
    """The "Sam has joined" message, shown to the customer in the chat."""
    joined = Message(
        conversation_id=conversation.id,
        author="system",
        author_name=agent.name,
        body=ctx.scripts.render("agent_joined", agent_name=agent.name),
        internal=False,
        meta={"agent_joined": agent.id, **meta},
        created_at=ctx.clock.now(),
    )
    tx.session.add(joined)
    await tx.session.flush()
    tx.on_commit(message_event(joined))
    return joined


def _agent_note(
    line: str, decision: PolicyDecision, contact: ContactView | None, conversation: Conversation
) -> str:
    """The internal note agents read first: summary, context, and why the policy acted."""
    context = describe_context(contact, PageView(conversation.page_url, conversation.page_title))
    lines = [line, *(f"{label}: {value}" for label, value in context)]
    lines.append(f"Decision: {decision.explain()}")
    return "\n".join(lines)


async def count_queued(session: AsyncSession) -> int:
    """Conversations waiting in the queue, this one included: the customer's place in line."""
    return int(
        await session.scalar(
            select(func.count(Conversation.id)).where(Conversation.state == "queued")
        )
        or 0
    )


async def finish_collecting(
    ctx: ServiceContext, tx: Transaction, conversation: Conversation, *, email: str | None
) -> str:
    """The email question is answered (or declined): the ticket opens with the promise."""
    handoff = await get_open_handoff(tx.session, conversation.id)
    promise_text = promise_now(ctx, conversation, handoff)
    _move(tx, conversation, SwitchboardEvent.OPEN_TICKET)
    contact = await tx.session.get(Contact, conversation.contact_id)
    first_name = first_name_of(contact)
    if email and handoff is not None:
        await enqueue_confirmation(ctx, tx, handoff)
    if email:
        return ctx.scripts.render(
            "confirm_email", email=email, promise=promise_text, first_name=first_name
        )
    return ctx.scripts.render("email_declined", promise=promise_text, first_name=first_name)


async def _enqueue_queue_timeout(
    ctx: ServiceContext, tx: Transaction, conversation: Conversation, handoff: Handoff
) -> None:
    """Nobody takes it within the queue's limit: email. For this stay in the queue only (the
    version): a customer queued again starts a new wait."""
    now = ctx.clock.now()
    await enqueue_job(
        tx.session,
        QUEUE_TIMEOUT_JOB,
        {
            "conversation_id": conversation.id,
            "handoff_id": handoff.id,
            "version": conversation.version,
        },
        now=now,
        run_at=now + timedelta(minutes=ctx.settings.handoff.queue_wait_minutes),
        dedupe_key=f"queue_timeout:{handoff.id}:{conversation.version}",
    )


async def expire_queue_wait(
    ctx: ServiceContext, conversation_id: str, handoff_id: str, *, version: int | None = None
) -> None:
    """Nobody claimed a queued conversation in time: it becomes an email ticket, and the
    customer is told so, with the promise."""
    async with transaction(ctx) as tx:
        conversation = await lock_conversation(tx.session, conversation_id)
        handoff = await get_open_handoff(tx.session, conversation_id)
        if conversation.state != ControlState.QUEUED or handoff is None or handoff.id != handoff_id:
            return  # claimed, resolved or re-handed meanwhile
        if version is not None and conversation.version != version:
            return  # queued again since: that stay has its own limit
        await queue_to_ticket(ctx, tx, conversation, handoff)


async def requeue(
    ctx: ServiceContext,
    tx: Transaction,
    conversation: Conversation,
    handoff: Handoff,
    *,
    left: Agent | None,
) -> None:
    """A handoff with nobody to answer goes back to the queue for the next agent free, or to
    email with the promise when nobody is online; the customer is told which."""
    now = ctx.clock.now()
    contact = await tx.session.get(Contact, conversation.contact_id)
    first_name = first_name_of(contact)
    opening = (
        ctx.scripts.render("holder_left", agent_name=left.name, first_name=first_name)
        if left is not None
        else None
    )
    conversation.assigned_agent_id = None
    handoff.agent_id = None
    if not (ctx.settings.handoff.live_chat and await count_available_agents(ctx, tx.session) > 0):
        await queue_to_ticket(ctx, tx, conversation, handoff, opening=opening)
        return
    held = ControlState(conversation.state) is ControlState.AGENT
    _move(tx, conversation, SwitchboardEvent.RELEASE if held else SwitchboardEvent.QUEUE)
    handoff.model = "live"
    position = await count_queued(tx.session)
    text = ctx.scripts.render("queued", position=position, wait=queue_wait(ctx, position))
    message = Message(
        conversation_id=conversation.id,
        author="bot",
        body="\n\n".join([opening, text] if opening else [text]),
        internal=False,
        meta={"requeued": True},
        created_at=now,
    )
    tx.session.add(message)
    await tx.session.flush()
    tx.on_commit(message_event(message))
    conversation.waiting_since = conversation.waiting_since or now
    await _enqueue_queue_timeout(ctx, tx, conversation, handoff)


async def queue_to_ticket(
    ctx: ServiceContext,
    tx: Transaction,
    conversation: Conversation,
    handoff: Handoff,
    *,
    opening: str | None = None,
) -> None:
    now = ctx.clock.now()
    _move(tx, conversation, SwitchboardEvent.OPEN_TICKET)
    handoff.model = "email"
    contact = await tx.session.get(Contact, conversation.contact_id)
    await enqueue_escalation_email(ctx, tx, handoff, collecting=False)
    if contact is not None and contact.email:
        await enqueue_confirmation(ctx, tx, handoff)
    promise_text = promise_now(ctx, conversation, handoff)
    parts = [
        *([opening] if opening else []),
        ctx.scripts.render(
            "ticket_fallback",
            promise=promise_text,
            first_name=first_name_of(contact),
            email=contact.email if contact else None,
        ),
    ]
    if contact is None or not contact.email:
        parts.append(ctx.scripts.render("ask_email", first_name=first_name_of(contact)))
    message = Message(
        conversation_id=conversation.id,
        author="bot",
        body="\n\n".join(parts),
        internal=False,
        meta={"ticket_fallback": True},
        created_at=now,
    )
    tx.session.add(message)
    await tx.session.flush()
    tx.on_commit(message_event(message))


async def escalate(
    ctx: ServiceContext,
    conversation_id: str,
    reasons: Sequence[ReasonCategory],
    *,
    note: str = "handed over by request",
    summary: str | None = None,
) -> Handoff:
    """Hand the conversation to a human now, for `reasons` (the console, integrations, the
    API, tests); `summary`, when given, is the line agents read first."""
    async with transaction(ctx) as tx:
        conversation = await lock_conversation(tx.session, conversation_id)
        contact = await tx.session.get(Contact, conversation.contact_id)
        history = await list_turns(tx.session, conversation_id)
        decision = PolicyDecision(DecisionKind.ESCALATE, 1.0, tuple(reasons), (), note)
        start = await start_handoff(
            ctx, tx, conversation, contact, decision, history=history, summary_line=summary
        )
        message = Message(
            conversation_id=conversation_id,
            author="bot",
            body=start.text,
            internal=False,
            meta={"handoff": True},
            created_at=ctx.clock.now(),
        )
        tx.session.add(message)
        await tx.session.flush()
        tx.on_commit(message_event(message))
        if start.assigned is not None:
            await announce_agent(ctx, tx, conversation, start.assigned, auto_assigned=True)
        handoff = await get_open_handoff(tx.session, conversation_id)
        assert handoff is not None
    return handoff


async def claim_conversation(ctx: ServiceContext, conversation_id: str, *, acting: str) -> Message:
    """An agent takes the conversation: from now on the bot is silent."""
    async with transaction(ctx) as tx:
        agent = await _require_agent(tx.session, acting)
        conversation = await lock_conversation(tx.session, conversation_id)
        _move(tx, conversation, SwitchboardEvent.CLAIM)
        conversation.assigned_agent_id = agent.id
        touch(agent, ctx.clock.now())
        handoff = await get_open_handoff(tx.session, conversation_id)
        if handoff is not None:
            handoff.agent_id = agent.id
        joined = await announce_agent(ctx, tx, conversation, agent)
    return joined


async def record_human_reply(tx: Transaction, conversation: Conversation, now: datetime) -> None:
    """A person answered the customer: the first time, the handoff's first response."""
    handoff = await get_open_handoff(tx.session, conversation.id)
    if handoff is not None and handoff.first_response_at is None:
        handoff.first_response_at = now
        tx.on_commit(
            Event(
                "handoff.first_response",
                conversation.id,
                data={
                    "handoff_id": handoff.id,
                    "seconds": (now - handoff.created_at).total_seconds(),
                },
            )
        )
    conversation.waiting_since = None


async def send_agent_reply(
    ctx: ServiceContext, conversation_id: str, text: str, *, acting: str, internal: bool = False
) -> Message:
    """An agent writes to the customer (or, with `internal`, a note only agents see)."""
    body = await _checked_reply(ctx, conversation_id, text, internal=internal)
    now = ctx.clock.now()
    async with transaction(ctx) as tx:
        agent = await _require_agent(tx.session, acting)
        conversation = await lock_conversation(tx.session, conversation_id)
        return await _write_reply(ctx, tx, conversation, agent, body, now, internal=internal)


async def _checked_reply(
    ctx: ServiceContext, conversation_id: str, text: str, *, internal: bool = False
) -> str:
    body = text.strip()
    if not body:
        raise InvalidInput("message is empty", code="empty_message")
    if not internal and await leaked_brief(ctx, conversation_id, body):
        # The same guard as an emailed reply: a pasted summary or console link never reaches
        # the customer, whichever way the agent answers.
        raise InvalidInput(
            "the reply repeats the team's internal brief (summary, promise line or console "
            "link), which is never sent to a customer: write the answer in your own words",
            code="internal_brief",
        )
    return body


async def _write_reply(
    ctx: ServiceContext,
    tx: Transaction,
    conversation: Conversation,
    agent: Agent,
    body: str,
    now: datetime,
    *,
    internal: bool = False,
) -> Message:
    if not internal and conversation.state not in (ControlState.AGENT, ControlState.TICKET):
        raise Conflict("claim the conversation before replying")
    if not internal:
        require_holder(conversation, agent)
    touch(agent, now)
    message = Message(
        conversation_id=conversation.id,
        author="agent",
        author_name=agent.name,
        body=body,
        internal=internal,
        meta={"agent_id": agent.id},
        created_at=now,
    )
    tx.session.add(message)
    await tx.session.flush()
    if not internal and conversation.state == ControlState.TICKET:
        contact = await tx.session.get(Contact, conversation.contact_id)
        if contact is not None and contact.email:
            await enqueue_reply_email(ctx, tx, message)
    if not internal:
        await record_human_reply(tx, conversation, now)
    conversation.updated_at = now
    # The holder's own replies and notes need not reach every console.
    holder = holder_of(conversation.state, conversation.assigned_agent_id)
    tx.on_commit(message_event(message, holder=holder if holder == agent.id else None))
    return message


async def transfer_conversation(
    ctx: ServiceContext, conversation_id: str, to_agent: str, *, acting: str
) -> None:
    """Pass a live conversation to another agent, who sees the whole history.

    Only its holder (or an admin) passes it on, and only to an agent who is online: the
    customer is told that person has joined, so they must really be there."""
    async with transaction(ctx) as tx:
        agent = await _require_agent(tx.session, acting)
        target = await _require_agent(tx.session, to_agent)
        conversation = await lock_conversation(tx.session, conversation_id)
        if conversation.state != ControlState.AGENT:
            raise Conflict("only a conversation an agent holds can be transferred")
        require_holder(conversation, agent)
        if target.id == conversation.assigned_agent_id:
            raise Conflict(f"{target.name} already holds this conversation", code="already_holder")
        if not is_online(target, ctx.clock.now(), ctx.settings):
            raise Conflict(f"{target.name} is not online", code="agent_not_online")
        touch(agent, ctx.clock.now())
        await _pass_to(ctx, tx, conversation, target, transferred_by=agent.id)


async def take_over_conversation(ctx: ServiceContext, conversation_id: str, *, acting: str) -> None:
    """An agent takes a conversation another agent holds: an explicit transfer to themselves,
    recorded as one. Admins may at any time; other agents only when the holder is no longer
    online (their chats go back to the queue shortly anyway)."""
    now = ctx.clock.now()
    async with transaction(ctx) as tx:
        agent = await _require_agent(tx.session, acting)
        conversation = await lock_conversation(tx.session, conversation_id)
        if conversation.state != ControlState.AGENT:
            raise Conflict("only a conversation an agent holds can be taken over")
        if conversation.assigned_agent_id == agent.id:
            raise Conflict("you already hold this conversation", code="already_holder")
        holder = (
            await tx.session.get(Agent, conversation.assigned_agent_id)
            if conversation.assigned_agent_id
            else None
        )
        if agent.role != "admin" and holder is not None and is_online(holder, now, ctx.settings):
            raise Forbidden(
                f"{holder.name} holds this conversation and is online: ask them to transfer it",
                code="not_holder",
            )
        touch(agent, now)
        await _pass_to(
            ctx,
            tx,
            conversation,
            agent,
            transferred_by=agent.id,
            taken_over_from=holder.id if holder else None,
        )


async def _pass_to(
    ctx: ServiceContext,
    tx: Transaction,
    conversation: Conversation,
    target: Agent,
    **record: Any,
) -> None:
    previous = conversation.assigned_agent_id
    conversation.assigned_agent_id = target.id
    change_hands(conversation, ControlState.AGENT)
    handoff = await get_open_handoff(tx.session, conversation.id)
    if handoff is not None:
        handoff.agent_id = target.id
    await announce_agent(ctx, tx, conversation, target, **record)
    tx.on_commit(
        Event(
            "conversation.transferred",
            conversation.id,
            data={"from": previous, "to": target.id, **record},
        )
    )


def require_holder(conversation: Conversation, agent: Agent) -> None:
    """Only the agent holding a live conversation, or an admin, acts in it."""
    if (
        conversation.state == ControlState.AGENT
        and conversation.assigned_agent_id != agent.id
        and agent.role != "admin"
    ):
        raise Forbidden(
            "another agent holds this conversation: take it over first", code="not_holder"
        )


async def hand_back_to_bot(ctx: ServiceContext, conversation_id: str, *, acting: str) -> None:
    """The agent is done for now; the bot answers again and the handoff closes."""
    await _close(ctx, conversation_id, SwitchboardEvent.HAND_BACK, acting=acting)


async def resolve_conversation(
    ctx: ServiceContext, conversation_id: str, *, acting: str, last_reply: str | None = None
) -> None:
    """The human side is finished; the handoff closes. `last_reply`, a last word to the
    customer (a `#resolve` email with text below it), is sent in the same step: both or
    neither, so two agents resolving at once never both write to the customer."""
    body = await _checked_reply(ctx, conversation_id, last_reply) if last_reply else None
    await _close(ctx, conversation_id, SwitchboardEvent.RESOLVE, acting=acting, last_reply=body)


async def _close(
    ctx: ServiceContext,
    conversation_id: str,
    event: SwitchboardEvent,
    *,
    acting: str,
    last_reply: str | None = None,
) -> None:
    now = ctx.clock.now()
    async with transaction(ctx) as tx:
        agent = await _require_agent(tx.session, acting)
        conversation = await lock_conversation(tx.session, conversation_id)
        require_holder(conversation, agent)
        if last_reply:
            await _write_reply(ctx, tx, conversation, agent, last_reply, now)
        _move(tx, conversation, event)
        conversation.assigned_agent_id = None
        conversation.offer_declined_score = None
        if event is SwitchboardEvent.HAND_BACK:
            back = _system_message(
                conversation,
                ctx.scripts.render("back_to_bot", agent_name=agent.name),
                internal=False,
                now=now,
            )
            tx.session.add(back)
            await tx.session.flush()
            tx.on_commit(message_event(back))
        conversation.updated_at = now
        handoff = await get_open_handoff(tx.session, conversation_id)
        resolved = event is SwitchboardEvent.RESOLVE
        if handoff is not None:
            handoff.status = "closed"
            handoff.closed_at = now
            if resolved:
                await ask_for_rating(ctx, tx, conversation, handoff, now)
                await enqueue_team_closing(ctx, tx, handoff, agent, now)
        tx.on_commit(
            Event(
                "conversation.resolved" if resolved else "conversation.handed_back",
                conversation_id,
                public=True,
            )
        )


async def _require_agent(session: AsyncSession, agent_id: str) -> Agent:
    agent = await session.get(Agent, agent_id)
    if agent is None or not agent.active:
        raise NotFound("no such agent")
    return agent
