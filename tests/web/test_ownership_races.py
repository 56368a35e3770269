"""One owner per conversation, on SQLite and PostgreSQL, under real concurrency.

Customers type over their sockets while agents claim over HTTP, against a server on a real
port: the bot never speaks after "X has joined", exactly one of two claims wins, and the
conversation ends in the state the last owner left it in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from baton.bots.base import Answer
from baton.domain.turns import Turn
from baton.store.tables import Message
from tests.conftest import SECRET
from tests.web.served import Served, race_settings, say, serve, signed_in, widget

TRIALS = 3


class SlowBot:
    """Answers what it knows after a moment's thought: replies are computed while agents act."""

    async def answer(self, message: str, history: Sequence[Turn]) -> Answer:
        await asyncio.sleep(0.01)
        if "hours" in message:
            return Answer("We are open 9 to 5.", 0.9, fallback=False, article_id="hours")
        return Answer("Here is what I found.", 0.9, fallback=False, article_id="faq")


def _joined(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.meta.get("agent_joined")]


def _assert_one_owner(messages: list[Message], agent_id: str) -> None:
    joined = _joined(messages)
    assert len(joined) == 1, [m.body for m in joined]
    assert joined[0].meta["agent_joined"] == agent_id
    late = [m.body for m in messages if m.author == "bot" and m.id > joined[0].id]
    assert late == [], "the bot spoke after the agent joined"


async def _claim_until_won(console: object, conversation_id: str, after: float = 0) -> None:
    """Try to claim as soon as the conversation can be claimed (`after` seconds from now)."""
    await asyncio.sleep(after)
    async with asyncio.timeout(60):
        while True:
            answer = await console.post(f"/conversations/{conversation_id}/claim")  # type: ignore[attr-defined]
            if answer.status_code == 200:
                return
            assert answer.status_code == 409, answer.text
            await asyncio.sleep(0)


async def _check_final(served: Served, conversation_id: str, agent_id: str) -> None:
    await served.settle()
    conversation, handoffs = await served.read(conversation_id)
    assert conversation.state == "agent"
    assert conversation.assigned_agent_id == agent_id
    assert [h.agent_id for h in handoffs] == [agent_id]
    _assert_one_owner(await served.messages(conversation_id), agent_id)


async def test_many_customer_messages_racing_a_claim_never_let_the_bot_talk_over_the_agent(
    database_url: str,
) -> None:
    async with serve(race_settings(database_url, SECRET), SlowBot()) as served:
        bob = await served.add_agent("Bob")
        async with signed_in(served, "Bob") as console:
            for trial in range(TRIALS):
                conversation_id, token = await served.conversation()
                async with widget(served, conversation_id, token) as socket:

                    async def customer(socket: object = socket, trial: int = trial) -> None:
                        for n in range(50):
                            text = "I want to talk to a person" if n == 3 else f"opening hours {n}?"
                            await say(socket, text, f"t{trial}m{n}")
                            await asyncio.sleep(0)

                    await asyncio.gather(customer(), _claim_until_won(console, conversation_id))
                    await _check_final(served, conversation_id, bob)


async def test_a_claim_while_the_bot_asks_for_an_email_silences_the_bot(
    database_url: str,
) -> None:
    async with serve(race_settings(database_url, SECRET), SlowBot()) as served:
        bob = await served.add_agent("Bob")
        async with signed_in(served, "Bob", online=False) as console:
            for trial in range(TRIALS * 2):
                conversation_id, token = await served.conversation()
                async with widget(served, conversation_id, token) as socket:
                    # Nobody online: the bot hands over by email and asks for an address.
                    await say(socket, "I want to talk to a person", f"t{trial}ask")
                    await served.until_state(conversation_id, "collecting")

                    async def customer(socket: object = socket, trial: int = trial) -> None:
                        # Addresses among the messages: each one could turn the chat into a
                        # ticket, at the very moment the agent claims it.
                        for n in range(30):
                            text = (
                                f"you can reach me at sam.{trial}.{n}@example.com"
                                if n % 3 == 0
                                else f"hmm, let me think {n}"
                            )
                            await say(socket, text, f"t{trial}m{n}")
                            await asyncio.sleep(0)

                    # The claim lands at a different point of the burst in each trial.
                    after = 0.004 * trial
                    await asyncio.gather(
                        customer(), _claim_until_won(console, conversation_id, after)
                    )
                    await _check_final(served, conversation_id, bob)


async def test_of_two_agents_claiming_at_once_exactly_one_wins(database_url: str) -> None:
    async with serve(race_settings(database_url, SECRET), SlowBot()) as served:
        ids = {name: await served.add_agent(name) for name in ("Bob", "Carol")}
        async with signed_in(served, "Bob") as bob, signed_in(served, "Carol") as carol:
            for trial in range(TRIALS * 2):
                conversation_id, token = await served.conversation()
                async with widget(served, conversation_id, token) as socket:
                    await say(socket, "I want to talk to a person", f"t{trial}")
                    await served.until_state(conversation_id, "queued")
                    path = f"/conversations/{conversation_id}/claim"
                    answers = await asyncio.gather(bob.post(path), carol.post(path))
                    statuses = sorted(a.status_code for a in answers)
                    assert statuses == [200, 409], [a.text for a in answers]
                    winner = "Bob" if answers[0].status_code == 200 else "Carol"
                    await _check_final(served, conversation_id, ids[winner])


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
