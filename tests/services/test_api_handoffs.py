"""Handoffs started by another system: through `escalate`, with the caller's summary; a
transcript becomes a conversation first."""

from __future__ import annotations

import pytest

from baton.domain.reasons import ReasonCategory
from baton.services.agents import create_agent, set_presence
from baton.services.api_handoffs import (
    NewConversation,
    TranscriptTurn,
    read_api_handoff,
    start_api_handoff,
)
from baton.services.context import ServiceContext
from baton.services.conversations import ContactIn, list_messages, start_conversation
from baton.services.errors import Conflict, InvalidInput, NotFound
from baton.services.events import events_since


async def test_with_an_agent_online_the_customer_goes_to_them_live(ctx: ServiceContext) -> None:
    agent = await create_agent(ctx, email="sam@example.com", name="Sam", password="correct horse")
    await set_presence(ctx, agent.id, "online")
    started = await start_conversation(ctx, contact=ContactIn(name="Ana Lima"))
    before = (await events_since(ctx, 0)).events[-1].id
    result = await start_api_handoff(
        ctx,
        reason=ReasonCategory.HIGH_VALUE,
        summary="Wants 40 lamps for a hotel",
        conversation_id=started.conversation.id,
        acting="API token 'crm'",
    )
    handoff = result.handoff
    # Live chat: the customer waits in the queue for the online agent.
    assert (handoff.model, handoff.state, handoff.status) == ("live", "queued", "open")
    assert handoff.summary == "Wants 40 lamps for a hotel" and handoff.reasons == ["high_value"]
    assert result.conversation_token is None
    escalated = [
        e for e in (await events_since(ctx, before)).events if e.type == "handoff.escalated"
    ]
    assert [e.data["summary"] for e in escalated] == ["Wants 40 lamps for a hotel"]
    messages = await list_messages(ctx, started.conversation.id, include_internal=True)
    note = next(m for m in messages if m.internal)
    assert note.body.startswith("Wants 40 lamps for a hotel")
    assert "started through the API by API token 'crm'" in note.body
    assert await read_api_handoff(ctx, handoff.id) == handoff
    with pytest.raises(Conflict):
        await start_api_handoff(
            ctx,
            reason=ReasonCategory.EMOTIONAL,
            summary="again",
            conversation_id=started.conversation.id,
            acting="API token 'crm'",
        )


async def test_a_transcript_becomes_the_conversation_handed_over(ctx: ServiceContext) -> None:
    result = await start_api_handoff(
        ctx,
        reason=ReasonCategory.KNOWLEDGE_GAP,
        summary="Asks about a custom engraving",
        new_conversation=NewConversation(
            ContactIn(name="Bo", email="bo@example.com"),
            [
                TranscriptTurn("customer", "Can you engrave a name on the vase?"),
                TranscriptTurn("bot", "I'm not sure, sorry."),
                TranscriptTurn("customer", "   "),
            ],
            timezone="Europe/Paris",
        ),
        acting="API token 'bot'",
    )
    assert result.conversation_token and result.handoff.state == "ticket"
    messages = await list_messages(ctx, result.handoff.conversation_id)
    assert [(m.author, m.body) for m in messages[:2]] == [
        ("customer", "Can you engrave a name on the vase?"),
        ("bot", "I'm not sure, sorry."),
    ]
    assert len(messages) == 3 and result.handoff.promise in messages[2].body


async def test_a_wrong_request_changes_nothing(ctx: ServiceContext) -> None:
    with pytest.raises(NotFound):
        await start_api_handoff(
            ctx, reason=ReasonCategory.EMOTIONAL, summary="s", conversation_id="nope", acting="t"
        )
    with pytest.raises(InvalidInput):
        await start_api_handoff(ctx, reason=ReasonCategory.EMOTIONAL, summary="s", acting="t")
    with pytest.raises(NotFound):
        await read_api_handoff(ctx, "nope")
    assert (await events_since(ctx, 0)).events == []
