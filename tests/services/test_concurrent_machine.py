"""Random bursts of customer, bot, job and agent acts, each burst run concurrently, on SQLite and
PostgreSQL.

The sequential machine (`test_switchboard_machine`) checks every order of single steps; this one
lets the steps of a burst overlap on the real database, as a customer typing while two agents click
"claim" and the job runner answers does. Whatever the interleaving: the conversation is in a
defined state, every customer message accepted is stored once, there is at most one open handoff,
it agrees with the state, the holder is the one agent who joined last, and the bot never speaks
after a human took over.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from baton.config import Settings
from baton.domain.reasons import ReasonCategory
from baton.domain.switchboard import HANDOFF_STATES, ControlState
from baton.runtime.bus import InProcessBus
from baton.runtime.clock import FrozenClock
from baton.services import agents, conversations, handoffs
from baton.services.context import ServiceContext
from baton.services.errors import UserError
from baton.services.jobs import register_job_handlers
from baton.store.database import create_engine, create_session_factory, upgrade
from baton.store.tables import Conversation, Handoff, Message
from tests.conftest import MONDAY_10, POSTGRES_URL, SECRET, ScriptedBot, need_service

T = TypeVar("T")

# A burst that takes longer than this is stuck, not slow: every act in it is a few statements.
BURST_LIMIT_SECONDS = 60.0

ACTS = (
    "customer",
    "customer",
    "customer",
    "jobs",
    "jobs",
    "claim:0",
    "claim:1",
    "reply:0",
    "reply:1",
    "hand_back:0",
    "hand_back:1",
    "resolve:0",
    "resolve:1",
    "transfer:0",
    "transfer:1",
    "escalate",
    "offline:0",
    "online:0",
)
TEXTS = (
    "what are your opening hours",
    "help",
    "hello?",
    "it broke",
    "I want a person",
    "sam@example.com",
)


class SlowScriptedBot(ScriptedBot):
    """Yields while it "thinks", so that claims and messages land while an answer is pending."""

    async def answer(self, message: str, history: Any) -> Any:
        await asyncio.sleep(0.005)
        return await super().answer(message, history)


class ConcurrentConversationMachine(RuleBasedStateMachine):
    database_url: str = ""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.engine = create_engine(self.database_url)
        self.run(upgrade(self.engine))
        self.ctx = ServiceContext.create(
            sessions=create_session_factory(self.engine),
            bus=InProcessBus(),
            clock=FrozenClock(MONDAY_10),
            settings=Settings(secret_key=SECRET, database_url=self.database_url),  # type: ignore[arg-type]
            bot=SlowScriptedBot(),
        )
        register_job_handlers(self.ctx)
        # One database serves every example: each example has its own agents and conversation.
        tag = uuid.uuid4().hex[:8]
        self.agent_ids = [
            self.run(
                agents.create_agent(
                    self.ctx, email=f"{name}-{tag}@x.example", name=name, password="0123456789"
                )
            ).id
            for name in ("Bob", "Carol")
        ]
        for agent_id in self.agent_ids:
            self.run(agents.set_presence(self.ctx, agent_id, "online"))
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

    def _act(self, act: str, text: str) -> Callable[[], Coroutine[Any, Any, Any]]:
        name, _, who = act.partition(":")
        agent = self.agent_ids[int(who)] if who else ""
        ctx, conversation_id = self.ctx, self.conversation_id
        acts: dict[str, Callable[[], Coroutine[Any, Any, Any]]] = {
            "customer": lambda: conversations.receive_customer_message(ctx, conversation_id, text),
            "jobs": lambda: ctx.jobs.run_due(),
            "claim": lambda: handoffs.claim_conversation(ctx, conversation_id, acting=agent),
            "reply": lambda: handoffs.send_agent_reply(
                ctx, conversation_id, "On it.", acting=agent
            ),
            "transfer": lambda: handoffs.transfer_conversation(
                ctx, conversation_id, self.agent_ids[1 - int(who or 0)], acting=agent
            ),
            "hand_back": lambda: handoffs.hand_back_to_bot(ctx, conversation_id, acting=agent),
            "resolve": lambda: handoffs.resolve_conversation(ctx, conversation_id, acting=agent),
            "escalate": lambda: handoffs.escalate(
                ctx, conversation_id, [ReasonCategory.EXPLICIT_REQUEST]
            ),
            "offline": lambda: agents.set_presence(ctx, agent, "offline"),
            "online": lambda: agents.set_presence(ctx, agent, "online"),
        }
        return acts[name]

    @rule(
        acts=st.lists(st.sampled_from(ACTS), min_size=2, max_size=7),
        text=st.sampled_from(TEXTS),
    )
    def burst(self, acts: list[str], text: str) -> None:
        async def together() -> list[Any]:
            return await asyncio.gather(
                *(self._act(act, text)() for act in acts), return_exceptions=True
            )

        try:
            results = self.run(asyncio.wait_for(together(), BURST_LIMIT_SECONDS))
        except TimeoutError:
            raise AssertionError(f"the burst {acts} did not finish: a deadlock") from None
        for act, result in zip(acts, results, strict=True):
            # An act the state forbids at that moment is refused; nothing else may go wrong.
            if isinstance(result, BaseException) and not isinstance(result, UserError):
                raise result
            if act == "customer" and not isinstance(result, BaseException):
                self.sent += 1
        won = {
            act
            for act, result in zip(acts, results, strict=True)
            if result is None or not isinstance(result, BaseException)
        }
        if {"claim:0", "claim:1"} <= won:
            # Two claims both won only if the chat changed hands between them.
            assert won & {"hand_back:0", "hand_back:1", "resolve:0", "resolve:1", "offline:0"}

    @rule()
    def jobs_settle(self) -> None:
        self.run(self.ctx.jobs.run_due())

    async def _read(self) -> tuple[Conversation, int, list[Message]]:
        async with self.ctx.sessions() as session:
            conversation = await session.get(Conversation, self.conversation_id)
            assert conversation is not None
            open_handoffs = await session.scalar(
                select(func.count(Handoff.id)).where(
                    Handoff.conversation_id == self.conversation_id, Handoff.status == "open"
                )
            )
            messages = await session.scalars(
                select(Message)
                .where(Message.conversation_id == self.conversation_id)
                .order_by(Message.id)
            )
            return conversation, int(open_handoffs or 0), list(messages)

    @invariant()
    def one_consistent_owner(self) -> None:
        conversation, open_handoffs, messages = self.run(self._read())
        state = ControlState(conversation.state)
        assert open_handoffs <= 1
        assert (open_handoffs == 1) == (state in HANDOFF_STATES)
        assert sum(m.author == "customer" for m in messages) == self.sent
        joined = [i for i, m in enumerate(messages) if m.meta.get("agent_joined")]
        if state is ControlState.AGENT:
            # The holder is the agent who joined last, and the bot has been silent since.
            assert joined
            assert conversation.assigned_agent_id == messages[joined[-1]].meta["agent_joined"]
            assert not any(m.author == "bot" for m in messages[joined[-1] :])


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_concurrent_bursts_keep_one_owner(database: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        if database == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(folder) / 'machine.db'}"
        else:
            url = need_service(POSTGRES_URL, "postgres")
            from tests.conftest import _empty_postgres

            asyncio.run(_empty_postgres(url))

        class Machine(ConcurrentConversationMachine):
            database_url = url

        run_state_machine_as_test(
            Machine,
            settings=settings(
                max_examples=15,
                stateful_step_count=12,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
