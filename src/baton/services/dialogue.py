"""The bot's side of every customer message: answer, offer a human, or hand over.

`reply_to_customer` is the `bot_reply` job. It reads the conversation, asks the bot outside any
transaction (only when the bot needs to answer), then applies one step in one transaction:

- `bot`: the policy reads the message's signals (plus the bot's own answer); the bot answers,
  offers a human warmly, or hands over now.
- `offered`: the customer's answer to "want me to loop in our team?" — yes hands over, no is
  remembered (the offer is not repeated unless a stronger signal follows), a question about
  what happens next gets an answer, anything else is a new question for the bot.
- `collecting`: the customer's email (found in free text), a refusal, or an invalid address
  (asked again once, never twice).

If a human took the conversation while the bot was thinking, the answer is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from baton.bots.base import CURRENT_CONVERSATION, Answer
from baton.domain.contact_capture import (
    asks_about_offer,
    understand_reply,
    wants_to_decline_email,
)
from baton.domain.policy import DecisionKind, PolicyDecision, decide
from baton.domain.readings import read_message
from baton.domain.reasons import ReasonCategory
from baton.domain.signals import Signal, SignalKind, read_signals
from baton.domain.switchboard import ControlState, SwitchboardEvent, is_bot_speaking, transition
from baton.domain.turns import ContactView, PageView, Turn
from baton.services.contact_details import first_name_of, read_details
from baton.services.context import ServiceContext, Transaction, transaction
from baton.services.conversations import (
    change_hands,
    lock_conversation,
    message_and_turns,
    message_event,
    state_event,
)
from baton.services.handoffs import (
    announce_agent,
    decision_data,
    finish_collecting,
    start_handoff,
)
from baton.store.tables import Contact, Conversation, Message

log = logging.getLogger(__name__)

BOT_FAILURE_TEXT = (
    "I'm sorry — something went wrong on my side and I couldn't look that up. "
    "I don't want to leave you without an answer."
)
MAX_EMAIL_ASKS = 2  # the first ask, and one more only when the address given was invalid


@dataclass(frozen=True)
class _Snapshot:
    state: ControlState
    version: int
    message: Message
    history: list[Turn]
    contact: ContactView
    page: PageView


async def reply_to_customer(ctx: ServiceContext, conversation_id: str, message_id: int) -> None:
    """The `bot_reply` job: the bot's answer, offer or handoff for one customer message."""
    for _ in range(3):
        snapshot = await _read(ctx, conversation_id, message_id)
        if snapshot is None or not is_bot_speaking(snapshot.state):
            return
        answer = None
        if _needs_bot(ctx, snapshot):
            answer = await _ask_bot(ctx, snapshot)
        if await _apply(ctx, conversation_id, snapshot, answer):
            return
    log.warning(
        "conversation %s kept changing; message %s left unanswered", conversation_id, message_id
    )


def _needs_bot(ctx: ServiceContext, snapshot: _Snapshot) -> bool:
    if _pressed_talk_to_a_person(snapshot) or _gives_only_an_email(ctx, snapshot):
        return False
    if snapshot.state is ControlState.BOT:
        return True
    if snapshot.state is ControlState.OFFERED:
        return offer_reply(snapshot.message.body) == "unclear"
    return False


def offer_reply(text: str) -> str:
    """yes, no, a question about the offer, or unclear (a new question for the bot)."""
    reply = understand_reply(text)
    if reply != "no" and read_message(text).explicit is not None:
        return "yes"  # "can I talk to a person?" while the offer is open is its acceptance
    if reply == "question" and not asks_about_offer(text):
        return "unclear"
    return reply


def _pressed_talk_to_a_person(snapshot: _Snapshot) -> bool:
    """The widget's "Talk to a person" control sent this message: no words to read."""
    return snapshot.state in (ControlState.BOT, ControlState.OFFERED) and bool(
        snapshot.message.meta.get("asks_for_person")
    )


def _gives_only_an_email(ctx: ServiceContext, snapshot: _Snapshot) -> bool:
    """The message is an address and nothing else ("please use jo.b@… instead"): it is noted
    when stored and confirmed, with nothing for the bot to answer."""
    if snapshot.state not in (ControlState.BOT, ControlState.OFFERED):
        return False
    details = read_details(ctx, snapshot.message.body)
    return details.only_details and details.email is not None


async def _read(ctx: ServiceContext, conversation_id: str, message_id: int) -> _Snapshot | None:
    async with ctx.sessions() as session:
        found = (
            await session.execute(
                select(Conversation, Contact)
                .outerjoin(Contact, Contact.id == Conversation.contact_id)
                .where(Conversation.id == conversation_id)
            )
        ).first()
        if found is None:
            return None
        conversation, contact = found
        message, history = await message_and_turns(session, conversation_id, message_id)
        if message is None:
            return None
    return _Snapshot(
        ControlState(conversation.state),
        conversation.version,
        message,
        history,
        contact_view(contact),
        PageView(conversation.page_url, conversation.page_title),
    )


def contact_view(contact: Contact | None) -> ContactView:
    if contact is None:
        return ContactView()
    return ContactView(contact.name, contact.email, dict(contact.attributes))


async def _ask_bot(ctx: ServiceContext, snapshot: _Snapshot) -> Answer:
    CURRENT_CONVERSATION.set(snapshot.message.conversation_id)
    try:
        return await asyncio.wait_for(
            ctx.bot.answer(snapshot.message.body, snapshot.history),
            ctx.settings.bot_timeout_seconds,
        )
    except Exception as exc:
        # A failing or slow bot must not leave the customer in silence: it hands on.
        log.warning("bot failed on message %s: %r", snapshot.message.id, exc)
        return Answer(BOT_FAILURE_TEXT, 0.0, fallback=True, failed=True)


def assess_message(
    ctx: ServiceContext,
    snapshot: _Snapshot,
    answer: Answer | None,
    declined_at: float | None,
) -> PolicyDecision:
    """The policy's decision on this message, counting the bot's own answer to it."""
    signals: list[Signal] = read_signals(
        snapshot.message.body,
        snapshot.history,
        snapshot.contact,
        snapshot.page,
        snapshot.message.created_at,
        ctx.settings.signals,
    )
    if answer is not None and answer.fallback:
        # The bot could not answer this very message: an honest knowledge limit. Its weight is
        # at least the offer threshold, so the customer is offered a person, not left stuck.
        weight = max(ctx.settings.signals.weights.bot_fallback, ctx.settings.policy.offer_threshold)
        evidence = "the bot could not answer this message"
        if answer.failed:
            evidence = "the bot failed or timed out"
            weight = ctx.settings.policy.escalate_threshold
        signals.append(
            Signal(SignalKind.BOT_FALLBACK, ReasonCategory.KNOWLEDGE_GAP, weight, evidence)
        )
    return decide(signals, offer_declined_at_score=declined_at, settings=ctx.settings.policy)


async def _apply(
    ctx: ServiceContext, conversation_id: str, snapshot: _Snapshot, answer: Answer | None
) -> bool:
    """One step of the dialogue in one transaction; False when the state moved underneath."""
    async with transaction(ctx) as tx:
        conversation = await lock_conversation(tx.session, conversation_id)
        state = ControlState(conversation.state)
        if not is_bot_speaking(state):
            log.info("dropped the bot's reply: a human holds conversation %s", conversation_id)
            return True
        if state is not snapshot.state or conversation.version != snapshot.version:
            return False  # it changed hands while the bot was thinking: think again
        if await _already_answered(tx, conversation_id, snapshot.message.id):
            return True
        contact = await tx.session.get(Contact, conversation.contact_id)
        step = _Step(ctx, tx, conversation, contact, snapshot)
        if state is ControlState.COLLECTING:
            await step.collect_email()
        elif _pressed_talk_to_a_person(snapshot):
            await step.hand_over_on_request()
        elif _gives_only_an_email(ctx, snapshot) and contact is not None and contact.email:
            await step.say(
                ctx.scripts.render("email_updated", email=contact.email, first_name=step.first_name)
            )
        elif state is ControlState.OFFERED and answer is None:
            await step.answer_offer()
        else:
            if state is ControlState.OFFERED:
                # Neither yes nor no but a new question: the customer moved on, which counts as
                # a quiet "no" — the offer is not repeated unless a stronger signal follows.
                step.move(SwitchboardEvent.DECLINE)
                offer = conversation.meta.get("offer") or {}
                conversation.offer_declined_score = offer.get("score")
                conversation.meta = {**conversation.meta, "offer": None}
            assert answer is not None
            await step.after_bot_answer(answer)
        conversation.updated_at = ctx.clock.now()
    return True


async def _already_answered(tx: Transaction, conversation_id: str, message_id: int) -> bool:
    found = await tx.session.scalar(
        select(Message.id).where(
            Message.conversation_id == conversation_id,
            Message.author == "bot",
            Message.meta["reply_to"].as_integer() == message_id,
        )
    )
    return found is not None


class _Step:
    """The moves available within one dialogue transaction."""

    def __init__(
        self,
        ctx: ServiceContext,
        tx: Transaction,
        conversation: Conversation,
        contact: Contact | None,
        snapshot: _Snapshot,
    ) -> None:
        self.ctx, self.tx, self.conversation, self.contact = ctx, tx, conversation, contact
        self.snapshot = snapshot
        self.first_name = first_name_of(contact)

    def move(self, event: SwitchboardEvent) -> None:
        change_hands(self.conversation, transition(ControlState(self.conversation.state), event))
        self.tx.on_commit(state_event(self.conversation.id, self.conversation.state))

    async def say(self, text: str, **meta: Any) -> Message:
        """A bot message replying to the customer's message."""
        reply = Message(
            conversation_id=self.conversation.id,
            author="bot",
            body=text,
            internal=False,
            meta={"reply_to": self.snapshot.message.id, **meta},
            created_at=self.ctx.clock.now(),
        )
        self.tx.session.add(reply)
        await self.tx.session.flush()
        self.tx.on_commit(message_event(reply))
        return reply

    def record_decision(self, decision: PolicyDecision) -> None:
        customer = self.snapshot.message
        # The message row was read in another session; update it through this one.
        self.tx.session.add(customer)
        customer.meta = {**customer.meta, "decision": decision_data(decision)}

    async def after_bot_answer(self, answer: Answer) -> None:
        decision = assess_message(
            self.ctx, self.snapshot, answer, self.conversation.offer_declined_score
        )
        self.record_decision(decision)
        answer_meta = {
            "outcome": "fallback" if answer.fallback else "answered",
            "bot_failed": answer.failed,
            "confidence": round(answer.confidence, 4),
            "article_id": answer.article_id,
            "article_title": answer.article_title,
        }
        if decision.kind is DecisionKind.ESCALATE:
            await self.hand_over(decision, answer_meta)
        elif decision.kind is DecisionKind.OFFER:
            offer = self.ctx.scripts.render(
                "offer", reason=decision.reasons[0], first_name=self.first_name
            )
            # After a fallback the offer itself says honestly that the bot doesn't know; an
            # answer the bot did find comes first, then the offer.
            text = offer if answer.fallback else f"{answer.text}\n\n{offer}"
            await self.say(text, offer=True, **answer_meta)
            self.move(SwitchboardEvent.OFFER)
            self.conversation.meta = {
                **self.conversation.meta,
                "offer": {"score": decision.score, "reasons": [r.value for r in decision.reasons]},
            }
        else:
            await self.say(answer.text, **answer_meta)
            self.conversation.waiting_since = None

    async def answer_offer(self) -> None:
        reply = offer_reply(self.snapshot.message.body)
        offer = self.conversation.meta.get("offer") or {"score": 0.5, "reasons": ["complex_issue"]}
        reasons = [ReasonCategory(r) for r in offer["reasons"]] or [ReasonCategory.COMPLEX_ISSUE]
        if reply == "yes":
            decision = PolicyDecision(
                DecisionKind.ESCALATE, float(offer["score"]), tuple(reasons), (), "offer accepted"
            )
            self.record_decision(decision)
            self.conversation.meta = {**self.conversation.meta, "offer": None}
            await self.hand_over(decision, {"offer_accepted": True})
        elif reply == "no":
            self.conversation.offer_declined_score = float(offer["score"])
            self.conversation.meta = {**self.conversation.meta, "offer": None}
            await self.say(
                self.ctx.scripts.render("declined", reason=reasons[0], first_name=self.first_name),
                offer_declined=True,
            )
            self.move(SwitchboardEvent.DECLINE)
            self.conversation.waiting_since = None
        else:  # a question about what would happen: answer it and keep the offer open
            await self.say(
                self.ctx.scripts.render("offer_explained", first_name=self.first_name),
                offer=True,
            )

    async def hand_over_on_request(self) -> None:
        """The customer pressed "Talk to a person": a handoff now, as asked, no hoops."""
        pressed = Signal(
            SignalKind.EXPLICIT_ASK,
            ReasonCategory.EXPLICIT_REQUEST,
            self.ctx.settings.policy.escalate_threshold,
            'pressed "Talk to a person"',
        )
        decision = PolicyDecision(
            DecisionKind.ESCALATE,
            pressed.weight,
            (ReasonCategory.EXPLICIT_REQUEST,),
            (pressed,),
            "asked for a person",
        )
        self.record_decision(decision)
        self.conversation.meta = {**self.conversation.meta, "offer": None}
        await self.hand_over(decision, {})

    async def hand_over(self, decision: PolicyDecision, meta: dict[str, Any]) -> None:
        start = await start_handoff(
            self.ctx,
            self.tx,
            self.conversation,
            self.contact,
            decision,
            history=[*self.snapshot.history, Turn("customer", self.snapshot.message.body)],
            article_title=meta.get("article_title"),
        )
        await self.say(start.text, handoff=True, **meta)
        if start.assigned is not None:
            await announce_agent(
                self.ctx, self.tx, self.conversation, start.assigned, auto_assigned=True
            )

    async def collect_email(self) -> None:
        text = self.snapshot.message.body
        asks = int(self.conversation.meta.get("email_asks", 1))
        email = read_details(self.ctx, text).email
        if email is not None:
            if self.contact is not None:
                self.contact.email = email
            await self.say(
                await finish_collecting(self.ctx, self.tx, self.conversation, email=email)
            )
        elif (
            wants_to_decline_email(text) or understand_reply(text) == "no" or asks >= MAX_EMAIL_ASKS
        ):
            await self.say(
                await finish_collecting(self.ctx, self.tx, self.conversation, email=None)
            )
        else:
            self.conversation.meta = {**self.conversation.meta, "email_asks": asks + 1}
            await self.say(self.ctx.scripts.render("ask_email_again", first_name=self.first_name))
