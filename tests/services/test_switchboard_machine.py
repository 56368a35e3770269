"""Random sequences of customer, bot and agent events against the real services and store.

Whatever the order: the conversation is always in a defined state, every customer message is
stored exactly once, and there is never more than one open handoff.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select

from baton.config import Settings
from baton.domain.reasons import ReasonCategory
from baton.domain.switchboard import HANDOFF_STATES, ControlState
from baton.runtime.bus import InProcessBus
from baton.runtime.clock import FrozenClock
from baton.services import agents, conversations, handoffs
from baton.services.context import ServiceContext
from baton.services.errors import Conflict
from baton.services.jobs import register_job_handlers
from baton.store.database import create_engine, create_session_factory, upgrade
from baton.store.tables import Conversation, Handoff, Message
from tests.conftest import MONDAY_10, SECRET, ScriptedBot

T = TypeVar("T")


class ConversationMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = tempfile.TemporaryDirectory()
        url = f"sqlite+aiosqlite:///{Path(self.folder.name) / 'machine.db'}"
        self.engine = create_engine(url)
        self.run(upgrade(self.engine))
        sessions = create_session_factory(self.engine)
        clock = FrozenClock(MONDAY_10)
        self.ctx = ServiceContext.create(
            sessions=sessions,
            bus=InProcessBus(),
            clock=clock,
            settings=Settings(secret_key=SECRET, database_url=url),  # type: ignore[arg-type]
            bot=ScriptedBot(),
        )
        register_job_handlers(self.ctx)
        agent = self.run(
            agents.create_agent(self.ctx, email="a@example.com", name="Ari", password="0123456789")
        )
        self.agent_id = agent.id
        started = self.run(
            conversations.start_conversation(self.ctx, contact=conversations.ContactIn())
        )
        self.conversation_id = started.conversation.id
        self.sent = 0

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.run(self.engine.dispose())
        self.loop.close()
        self.folder.cleanup()

    def state(self) -> ControlState:
        conversation = self.run(conversations.require_conversation(self.ctx, self.conversation_id))
        return ControlState(conversation.state)

    def attempt(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run a use case; one the current state forbids must change nothing."""
        before = self.state()
        try:
            self.run(coroutine)
        except Conflict:
            assert self.state() is before

    @rule(text=st.sampled_from(["what are your opening hours", "help", "hello?", "it broke"]))
    def customer_writes(self, text: str) -> None:
        self.run(conversations.receive_customer_message(self.ctx, self.conversation_id, text))
        self.sent += 1

    @rule()
    def jobs_run(self) -> None:
        self.run(self.ctx.jobs.run_due())

    @rule(presence=st.sampled_from(["online", "offline"]))
    def agent_presence(self, presence: agents.Presence) -> None:
        self.run(agents.set_presence(self.ctx, self.agent_id, presence))

    @rule(reason=st.sampled_from(list(ReasonCategory)))
    def escalate(self, reason: ReasonCategory) -> None:
        self.attempt(handoffs.escalate(self.ctx, self.conversation_id, [reason]))

    @rule()
    def claim(self) -> None:
        self.attempt(
            handoffs.claim_conversation(self.ctx, self.conversation_id, acting=self.agent_id)
        )

    @precondition(lambda self: self.state() in (ControlState.AGENT, ControlState.TICKET))
    @rule()
    def agent_replies(self) -> None:
        self.run(
            handoffs.send_agent_reply(
                self.ctx, self.conversation_id, "On it.", acting=self.agent_id
            )
        )

    @rule()
    def hand_back(self) -> None:
        self.attempt(
            handoffs.hand_back_to_bot(self.ctx, self.conversation_id, acting=self.agent_id)
        )

    @rule()
    def resolve(self) -> None:
        self.attempt(
            handoffs.resolve_conversation(self.ctx, self.conversation_id, acting=self.agent_id)
        )

    @invariant()
    def state_is_defined_and_handoffs_agree(self) -> None:
        async def read() -> tuple[str, int, int]:
            async with self.ctx.sessions() as session:
                conversation = await session.get(Conversation, self.conversation_id)
                assert conversation is not None
                open_handoffs = await session.scalar(
                    select(func.count(Handoff.id)).where(Handoff.status == "open")
                )
                customer_messages = await session.scalar(
                    select(func.count(Message.id)).where(Message.author == "customer")
                )
                return conversation.state, int(open_handoffs or 0), int(customer_messages or 0)

        state, open_handoffs, customer_messages = self.run(read())
        assert state in {s.value for s in ControlState}
        assert open_handoffs <= 1
        assert (open_handoffs == 1) == (ControlState(state) in HANDOFF_STATES)
        assert customer_messages == self.sent

    @invariant()
    def the_bot_never_speaks_after_a_human_took_over(self) -> None:
        async def messages() -> list[Message]:
            async with self.ctx.sessions() as session:
                return list(await session.scalars(select(Message).order_by(Message.id)))

        rows = self.run(messages())
        joined = [i for i, m in enumerate(rows) if m.meta.get("agent_joined")]
        if joined and self.state() is ControlState.AGENT:
            assert not any(m.author == "bot" for m in rows[joined[-1] :])


ConversationMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestConversationMachine = ConversationMachine.TestCase
