from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from baton.config import Settings
from baton.domain.reasons import ReasonCategory
from baton.runtime.clock import FrozenClock
from baton.services import agents, handoffs
from baton.services.context import ServiceContext
from baton.services.satisfaction import rating_link
from baton.web.app import create_app
from tests.conftest import MONDAY_10, SECRET, ScriptedBot


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(secret_key=SECRET, database_url=database_url)  # type: ignore[arg-type]
    app = create_app(settings, bot=ScriptedBot(), clock=FrozenClock(MONDAY_10), run_jobs=False)
    with TestClient(app) as client:
        yield client


def _resolved_conversation(client: TestClient) -> tuple[str, dict[str, str], str]:
    ctx: ServiceContext = client.app.state.ctx  # type: ignore[attr-defined]
    started: dict[str, Any] = client.post("/api/conversations", json={}).json()
    conversation_id = started["conversation"]["id"]
    call = client.portal.call  # type: ignore[union-attr]
    agent = call(
        lambda: agents.create_agent(ctx, email="a@x.example", name="Ari", password="0123456789")
    )
    handoff = call(lambda: handoffs.escalate(ctx, conversation_id, [ReasonCategory.EMOTIONAL]))
    call(lambda: handoffs.claim_conversation(ctx, conversation_id, acting=agent.id))
    call(lambda: handoffs.resolve_conversation(ctx, conversation_id, acting=agent.id))
    return conversation_id, {"Authorization": f"Bearer {started['token']}"}, handoff.id


def test_the_customer_is_asked_once_and_rates_once(client: TestClient) -> None:
    conversation_id, auth, _ = _resolved_conversation(client)
    messages = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["messages"]
    assert messages[-1]["body"].startswith("How did we do?")
    url = f"/api/conversations/{conversation_id}/rating"
    assert (
        client.post(url, json={"rating": "good", "comment": "quick!"}, headers=auth).status_code
        == 200
    )
    again = client.post(url, json={"rating": "bad"}, headers=auth)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_rated")
    bad = client.post(url, json={"rating": "meh"}, headers=auth)
    assert bad.status_code == 422


def test_nothing_to_rate_before_a_handoff(client: TestClient) -> None:
    started = client.post("/api/conversations", json={}).json()
    response = client.post(
        f"/api/conversations/{started['conversation']['id']}/rating",
        json={"rating": "good"},
        headers={"Authorization": f"Bearer {started['token']}"},
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "nothing_to_rate")


def test_the_email_link_works_once_and_a_forged_one_not_at_all(client: TestClient) -> None:
    _, _, handoff_id = _resolved_conversation(client)
    ctx: ServiceContext = client.app.state.ctx  # type: ignore[attr-defined]
    link = rating_link(ctx, handoff_id, "bad").removeprefix(ctx.settings.public_url)
    path = link.split("?")[0]
    # A mail scanner opening the link (twice) records nothing: the page shows the choice.
    for _ in range(2):
        shown = client.get(link)
        assert shown.status_code == 200 and "Bad" in shown.text and "recorded" not in shown.text
    # The link of one answer cannot record the other.
    assert client.post(path, data={"rating": "good"}).status_code == 404
    assert client.get(path + "?rating=good").status_code == 404
    first = client.post(path, data={"rating": "bad"})
    assert first.status_code == 200 and "recorded" in first.text
    replay = client.post(path, data={"rating": "bad"})
    assert replay.status_code == 409
    forged = client.post(f"/rate/{handoff_id}/{'0' * 64}", data={"rating": "good"})
    assert forged.status_code == 404
    comment = client.post(path + "/comment", data={"comment": "<b>slow</b>"})
    assert comment.status_code == 200
