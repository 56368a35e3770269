"""The whole handoff dialogue over the API, with a frozen clock: each reason and each path."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from baton.config import Settings
from baton.domain.business_hours import BusinessHoursSettings
from baton.runtime.clock import FrozenClock
from baton.services import agents, handoffs
from baton.services.context import ServiceContext
from baton.services.queue import sweep_queue
from baton.web.app import create_app
from tests.conftest import SECRET, ScriptedBot

TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # London is on GMT in November
TUESDAY_19 = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
CHRISTMAS_EVE_18 = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)


class Chat:
    """One visitor and the app, driven over HTTP."""

    def __init__(self, client: TestClient, clock: FrozenClock) -> None:
        self.client, self.clock = client, clock
        self.ctx: ServiceContext = client.app.state.ctx  # type: ignore[attr-defined]
        self.id = ""
        self.auth: dict[str, str] = {}

    def start(self, contact: dict[str, Any] | None = None, timezone: str = "Europe/London") -> None:
        body: dict[str, Any] = {
            "page": {"url": "https://shop.example/account/billing", "title": "Billing"},
            "timezone": timezone,
        }
        if contact:
            body["contact"] = contact
        started = self.client.post("/api/conversations", json=body).json()
        self.id, self.auth = (
            started["conversation"]["id"],
            {"Authorization": f"Bearer {started['token']}"},
        )

    def say(self, text: str) -> str:
        response = self.client.post(
            f"/api/conversations/{self.id}/messages", json={"text": text}, headers=self.auth
        )
        assert response.status_code == 201, response.text
        return "\n\n".join(reply["body"] for reply in response.json()["replies"])

    def state(self) -> str:
        state: str = self.client.get(f"/api/conversations/{self.id}", headers=self.auth).json()[
            "state"
        ]
        return state

    def agent_online(self, name: str = "Sam") -> str:
        agent = self.client.portal.call(  # type: ignore[union-attr]
            lambda: agents.create_agent(
                self.ctx, email=f"{name.lower()}@shop.example", name=name, password="0123456789"
            )
        )
        self.client.portal.call(lambda: agents.set_presence(self.ctx, agent.id, "online"))  # type: ignore[union-attr]
        return agent.id

    def handoff(self) -> Any:
        async def read() -> Any:
            async with self.ctx.sessions() as session:
                return await handoffs.get_open_handoff(session, self.id)

        return self.client.portal.call(read)  # type: ignore[union-attr]

    def run_jobs_after(self, delta: timedelta) -> None:
        self.clock.advance(delta)
        self.client.portal.call(self.ctx.jobs.run_due)  # type: ignore[union-attr]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(TUESDAY_10)


@pytest.fixture
def chat(database_url: str, clock: FrozenClock) -> Iterator[Chat]:
    settings = Settings(
        secret_key=SECRET,  # type: ignore[arg-type]
        database_url=database_url,
        company_name="Lumen & Loom",
        business_hours=BusinessHoursSettings(
            timezone="Europe/London",
            weekly={d: ["09:00-12:30", "13:30-17:30"] for d in ("mon", "tue", "wed", "thu", "fri")},
            holidays_country="GB",
        ),
    )
    app = create_app(settings, bot=ScriptedBot(), clock=clock, run_jobs=False)
    with TestClient(app) as client:
        yield Chat(client, clock)


def test_explicit_ask_with_an_agent_online_goes_live_and_the_agent_sees_it_all(chat: Chat) -> None:
    agent_id = chat.agent_online()
    chat.start({"name": "Ana Lima"})
    chat.say("What are your opening hours?")
    reply = chat.say("can I talk to a real person please")
    assert chat.state() == "queued"
    assert "Of course, Ana" in reply and "won't need to repeat anything" in reply
    assert "You're next in line" in reply
    handoff = chat.handoff()
    assert handoff.model == "live" and handoff.reasons[0] == "explicit_request"
    assert handoff.summary.startswith("Customer is asking about")
    chat.client.portal.call(  # type: ignore[union-attr]
        lambda: handoffs.claim_conversation(chat.ctx, chat.id, acting=agent_id)
    )
    messages = chat.client.get(f"/api/conversations/{chat.id}", headers=chat.auth).json()[
        "messages"
    ]
    assert messages[-1]["body"].startswith("Sam from the Lumen & Loom team has joined")
    assert chat.say("hello Sam") == ""  # the bot stays silent once a human holds the chat


def test_nobody_takes_a_queued_customer_so_it_becomes_an_email_ticket(chat: Chat) -> None:
    chat.agent_online()
    chat.start({"name": "Bo", "email": "bo@example.com"})
    chat.say("I want to speak to a human")
    assert chat.state() == "queued"
    chat.run_jobs_after(timedelta(minutes=6))
    assert chat.state() == "ticket"
    last = chat.client.get(f"/api/conversations/{chat.id}", headers=chat.auth).json()["messages"][
        -1
    ]["body"]
    assert "nobody from the team was free" in last
    # Promised at 10:00 for noon, told 6 minutes later: the clock time, not "within 2 hours".
    assert "bo@example.com" in last and "by 12:00 PM today" in last
    assert "within 2 hours" not in last


def test_open_with_no_agent_asks_only_for_the_missing_email_then_confirms(chat: Chat) -> None:
    chat.start({"name": "Cy"})
    reply = chat.say("please get me a human agent")
    assert chat.state() == "collecting"
    assert "within 2 hours" in reply and "best email" in reply
    assert "soon" not in reply.lower()
    confirm = chat.say("sure, it's cy@example.org")
    assert chat.state() == "ticket"
    assert "cy@example.org" in confirm
    assert chat.handoff().model == "email"


def test_a_known_customer_is_never_asked_for_their_email(chat: Chat) -> None:
    chat.start({"name": "Di", "email": "di@example.com", "attributes": {"plan": "premium"}})
    reply = chat.say("talk to a person")
    assert chat.state() == "ticket"
    assert "best email" not in reply and "di@example.com" in reply


def test_after_hours_promises_a_specific_time_tomorrow(chat: Chat, clock: FrozenClock) -> None:
    clock.set(TUESDAY_19)
    chat.start({"email": "ed@example.com"})
    reply = chat.say("I need a human")
    assert "isn't online right now" in reply
    assert "by 11:00 AM tomorrow (Wednesday)" in reply
    assert chat.handoff().promised_by == datetime(2026, 11, 25, 11, 0, tzinfo=UTC)


def test_on_a_holiday_the_promise_skips_to_the_next_working_day(
    chat: Chat, clock: FrozenClock
) -> None:
    clock.set(CHRISTMAS_EVE_18)
    chat.start({"email": "fi@example.com"})
    reply = chat.say("let me talk to someone")
    # 25 December, Boxing Day (moved to Monday 28th) and the weekend are closed.
    assert "Tuesday, by 11:00 AM" in reply
    assert chat.handoff().promised_by == datetime(2026, 12, 29, 11, 0, tzinfo=UTC)


def test_the_promise_is_said_in_the_customers_timezone(chat: Chat, clock: FrozenClock) -> None:
    clock.set(TUESDAY_19)
    chat.start({"email": "gu@example.com"}, timezone="America/New_York")
    reply = chat.say("human please")
    assert "by 6:00 AM tomorrow (Wednesday)" in reply


def test_the_bot_offers_a_human_when_it_cannot_answer_and_a_decline_is_respected(
    chat: Chat,
) -> None:
    chat.start()
    reply = chat.say("Can you engrave a message on a lamp base?")
    assert chat.state() == "offered"
    assert "don't want to guess" in reply and "loop in our support team" in reply
    declined = chat.say("no thanks, I'm fine")
    assert chat.state() == "bot"
    assert "talk to a person" in declined
    assert chat.say("What are your opening hours?") == "We are open 9 to 5."


def test_accepting_the_offer_hands_over(chat: Chat) -> None:
    chat.start({"email": "hu@example.com"})
    chat.say("Do you do custom colours for rugs?")
    assert chat.state() == "offered"
    reply = chat.say("yes please")
    assert chat.state() == "ticket"
    assert "won't need to repeat anything" in reply
    assert chat.handoff().reasons[0] == "knowledge_gap"


def test_asking_for_a_person_while_the_offer_is_open_accepts_it(chat: Chat) -> None:
    chat.start({"email": "hu@example.com"})
    chat.say("Do you do custom colours for rugs?")
    assert chat.state() == "offered"
    reply = chat.say("can I talk to a person")
    assert chat.state() == "ticket"
    assert "loop in" not in reply


def test_a_question_about_the_offer_is_answered_and_the_offer_stays(chat: Chat) -> None:
    chat.start()
    chat.say("Can I book a fitting for curtains?")
    reply = chat.say("what would they do?")
    assert chat.state() == "offered" and reply


def test_a_customer_who_declines_to_give_an_email_still_gets_a_ticket(chat: Chat) -> None:
    chat.start()
    chat.say("I'd like to speak to an agent")
    reply = chat.say("I'd rather not give my email")
    assert chat.state() == "ticket" and "within 2 hours" in reply


def test_an_invalid_email_is_asked_again_once_never_twice(chat: Chat) -> None:
    chat.start()
    chat.say("connect me to a human")
    again = chat.say("it's jo at example")
    assert chat.state() == "collecting" and "email" in again.lower()
    chat.say("jo at example dot com")
    assert chat.state() == "ticket"


@pytest.mark.parametrize(
    ("contact", "messages", "reason"),
    [
        (None, ["this is useless!!! nothing works and I am furious"], "emotional"),
        (
            None,
            [
                "Hi, my bill this month lists premium rate services I've never used, and my "
                "monthly price went up even though I'm still inside the fixed-price period. "
                "Can you explain both?"
            ],
            "complex_issue",
        ),
        (
            {"attributes": {"plan": "premium", "lifetime_value": 25000}},
            ["I was charged twice for my order and I'm not happy about it"],
            "high_value",
        ),
    ],
    ids=["emotional", "complex", "high-value"],
)
def test_each_reason_reaches_a_human_with_that_reason(
    chat: Chat, contact: dict[str, Any] | None, messages: list[str], reason: str
) -> None:
    chat.start(contact)
    for text in messages:
        chat.say(text)
    if chat.state() == "offered":
        chat.say("yes please")
    assert chat.state() in ("collecting", "ticket")
    assert reason in chat.handoff().reasons


def test_when_the_last_agent_leaves_the_queue_becomes_tickets(chat: Chat) -> None:
    agent_id = chat.agent_online()
    chat.start({"email": "jo@example.com"})
    chat.say("I want to talk to a human")
    assert chat.state() == "queued"
    chat.client.portal.call(  # type: ignore[union-attr]
        lambda: agents.set_presence(chat.ctx, agent_id, "offline")
    )
    assert chat.state() == "ticket"
    last = chat.client.get(f"/api/conversations/{chat.id}", headers=chat.auth).json()["messages"]
    assert "within 2 hours" in last[-1]["body"]


def test_when_the_business_closes_the_queue_becomes_tickets(chat: Chat, clock: FrozenClock) -> None:
    chat.agent_online()
    chat.start({"email": "jo@example.com"})
    chat.say("I want to talk to a human")
    clock.set(TUESDAY_19)
    assert chat.client.portal.call(lambda: sweep_queue(chat.ctx)) == 1  # type: ignore[union-attr]
    assert chat.state() == "ticket"


def test_automatic_assignment_gives_the_least_loaded_agent_at_once(chat: Chat) -> None:
    chat.ctx.settings.handoff.auto_assign = True
    chat.agent_online("Sam")
    chat.agent_online("Kim")
    names = []
    for _ in range(2):
        chat.start()
        chat.say("I want to talk to a human")
        assert chat.state() == "agent"
        last = chat.client.get(f"/api/conversations/{chat.id}", headers=chat.auth).json()
        names.append(last["messages"][-1]["author_name"])
    assert sorted(names) == ["Kim", "Sam"]  # one each: the least-loaded agent is chosen
