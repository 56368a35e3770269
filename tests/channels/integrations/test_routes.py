"""The integration endpoints over HTTP: signed callbacks in, the admins' webhook API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from baton.channels.integrations.slack import sign_slack
from baton.channels.integrations.zendesk import sign_zendesk
from baton.config import Settings
from baton.domain.integration_settings import (
    IntegrationSettings,
    SlackSettings,
    WebhookSettings,
    ZendeskSettings,
)
from baton.domain.reasons import ReasonCategory
from baton.runtime.clock import FrozenClock
from baton.services import agents
from baton.services.context import ServiceContext
from baton.services.conversations import ContactIn, start_conversation
from baton.services.handoffs import escalate
from baton.store.integrations import IntegrationLink
from baton.store.tables import OutboxJob
from baton.web.app import create_app
from baton.web.routes import integrations as routes
from tests.conftest import MONDAY_10, SECRET, ScriptedBot

PASSWORD = "correct-horse-1"
ZENDESK_SECRET = "zendesk-webhook-secret"
SLACK_SECRET = "slack-signing-secret"


def _settings(allow_private: bool) -> IntegrationSettings:
    return IntegrationSettings(
        zendesk=ZendeskSettings(webhook_secret=ZENDESK_SECRET),  # type: ignore[arg-type]
        slack=SlackSettings(signing_secret=SLACK_SECRET),  # type: ignore[arg-type]
        webhooks=WebhookSettings(allow_private_targets=allow_private),
    )


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(secret_key=SECRET, database_url=database_url)  # type: ignore[arg-type]
    app = create_app(settings, bot=ScriptedBot(), clock=FrozenClock(MONDAY_10), run_jobs=False)
    if not any(getattr(r, "path", "").startswith("/api/integrations") for r in app.routes):
        app.include_router(routes.router)
    app.dependency_overrides[routes.integration_settings] = lambda: _settings(False)
    with TestClient(app) as client:
        ctx = _ctx(client)
        for email, name, role in (
            ("sam@x.example", "Sam", "admin"),
            ("kim@x.example", "Kim", "agent"),
        ):
            client.portal.call(  # type: ignore[union-attr]
                lambda e=email, n=name, r=role: agents.create_agent(
                    ctx, email=e, name=n, password=PASSWORD, role=r
                )
            )
        yield client


def _ctx(client: TestClient) -> ServiceContext:
    ctx: ServiceContext = client.app.state.ctx  # type: ignore[attr-defined]
    return ctx


def _login(client: TestClient, email: str = "sam@x.example") -> dict[str, str]:
    response = client.post("/api/console/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def _count_jobs(client: TestClient) -> int:
    async def count() -> int:
        async with _ctx(client).sessions() as session:
            return int(await session.scalar(select(func.count(OutboxJob.id))) or 0)

    return int(client.portal.call(count))  # type: ignore[union-attr]


def _ticket_for_a_handoff(client: TestClient, ticket_id: str) -> None:
    ctx = _ctx(client)

    async def make() -> None:
        started = await start_conversation(ctx, contact=ContactIn(name="Ana", email="a@x.example"))
        handoff = await escalate(ctx, started.conversation.id, [ReasonCategory.EXPLICIT_REQUEST])
        async with ctx.sessions() as session, session.begin():
            session.add(
                IntegrationLink(
                    handoff_id=handoff.id,
                    system="zendesk",
                    external_id=ticket_id,
                    created_at=MONDAY_10,
                    updated_at=MONDAY_10,
                )
            )

    client.portal.call(make)  # type: ignore[union-attr]


def _zendesk_post(
    client: TestClient, body: bytes, *, stamp: str | None = None, signature: str | None = None
) -> Any:
    stamp = stamp or (MONDAY_10 - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    headers = {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "X-Zendesk-Webhook-Signature": signature or sign_zendesk(ZENDESK_SECRET, stamp, body),
        "X-Zendesk-Webhook-Invocation-Id": "inv-1",
    }
    return client.post("/api/integrations/zendesk/webhook", content=body, headers=headers)


def test_a_zendesk_callback_with_a_bad_signature_changes_nothing(client: TestClient) -> None:
    _ticket_for_a_handoff(client, "101")
    before = _count_jobs(client)
    body = json.dumps({"ticket_id": "101"}).encode()
    for response in (
        _zendesk_post(client, body, signature="bm9wZQ=="),
        _zendesk_post(client, body, stamp="2026-11-23T08:00:00Z"),  # signed, but two hours old
        client.post("/api/integrations/zendesk/webhook", content=body),
    ):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    assert _count_jobs(client) == before

    accepted = _zendesk_post(client, body)
    assert accepted.status_code == 200 and accepted.json() == {"status": "accepted"}
    assert _count_jobs(client) == before + 1
    again = _zendesk_post(client, body)  # Zendesk retried the same invocation
    assert again.status_code == 200 and _count_jobs(client) == before + 1
    other = _zendesk_post(client, json.dumps({"ticket_id": "5"}).encode())
    assert other.json() == {"status": "ignored"}


def _slack_post(client: TestClient, stamp: int, signature: str | None = None) -> Any:
    body = urlencode({"payload": json.dumps({"type": "block_actions", "actions": []})}).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": signature or sign_slack(SLACK_SECRET, str(stamp), body),
    }
    return client.post("/api/integrations/slack/interactions", content=body, headers=headers)


def test_slack_interactions_are_verified(client: TestClient) -> None:
    now = int(MONDAY_10.timestamp())
    assert _slack_post(client, now).status_code == 200
    assert _slack_post(client, now, signature="v0=" + "0" * 64).status_code == 401
    assert _slack_post(client, now - 6 * 60).status_code == 401  # six minutes old
    assert _slack_post(client, int(time.time()) + 10**6).status_code == 401


def test_only_admins_manage_webhooks_and_the_secret_is_shown_once(client: TestClient) -> None:
    kim = _login(client, "kim@x.example")
    assert client.get("/api/console/webhooks").status_code == 403
    refused = client.post(
        "/api/console/webhooks",
        json={"url": "https://93.184.216.34/in", "events": ["handoff.created"]},
        headers=kim,
    )
    assert refused.status_code == 403

    sam = _login(client)
    created = client.post(
        "/api/console/webhooks",
        json={"url": "https://93.184.216.34/in", "events": ["handoff.created", "message.created"]},
        headers=sam,
    )
    assert created.status_code == 201, created.text
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_")
    listed = client.get("/api/console/webhooks")
    assert listed.headers["cache-control"] == "private, no-store"
    assert [e["id"] for e in listed.json()["endpoints"]] == [endpoint["id"]]
    assert "secret" not in json.dumps(listed.json())
    assert client.get("/api/console/webhooks/deliveries").json() == {"deliveries": []}
    deleted = client.delete(f"/api/console/webhooks/{endpoint['id']}", headers=sam)
    assert deleted.status_code == 204
    assert client.get("/api/console/webhooks").json()["endpoints"] == []
    gone = client.delete(f"/api/console/webhooks/{endpoint['id']}", headers=sam)
    assert gone.status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://2130706433/",
        "http://0/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:25/",
    ],
)
def test_unsafe_webhook_urls_get_a_clear_field_error(client: TestClient, url: str) -> None:
    response = client.post(
        "/api/console/webhooks",
        json={"url": url, "events": ["handoff.created"]},
        headers=_login(client),
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_url" and error["message"].startswith("url: ")


def test_unknown_event_types_are_refused(client: TestClient) -> None:
    response = client.post(
        "/api/console/webhooks",
        json={"url": "https://93.184.216.34/in", "events": ["handoff.escalated"]},
        headers=_login(client),
    )
    assert response.status_code == 422
