from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from baton.config import Settings
from baton.domain.reasons import ReasonCategory
from baton.runtime.clock import FrozenClock
from baton.services import agents, handoffs
from baton.services.alerts import check_promises
from baton.services.context import ServiceContext
from baton.web.app import create_app
from tests.conftest import MONDAY_10, SECRET, ScriptedBot


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_10)


@pytest.fixture
def client(database_url: str, clock: FrozenClock) -> Iterator[TestClient]:
    settings = Settings(secret_key=SECRET, database_url=database_url)  # type: ignore[arg-type]
    app = create_app(settings, bot=ScriptedBot(), clock=clock, run_jobs=False)
    with TestClient(app) as client:
        ctx: ServiceContext = client.app.state.ctx  # type: ignore[attr-defined]
        client.portal.call(  # type: ignore[union-attr]
            lambda: agents.create_agent(
                ctx, email="lead@x.example", name="Lee", password="0123456789", role="admin"
            )
        )
        yield client


def _login(client: TestClient) -> None:
    client.post("/api/console/login", json={"email": "lead@x.example", "password": "0123456789"})


def _escalated(client: TestClient, name: str = "Ana") -> str:
    ctx: ServiceContext = client.app.state.ctx  # type: ignore[attr-defined]
    started = client.post("/api/conversations", json={"contact": {"name": name}}).json()
    conversation_id: str = started["conversation"]["id"]
    client.portal.call(  # type: ignore[union-attr]
        lambda: handoffs.escalate(ctx, conversation_id, [ReasonCategory.KNOWLEDGE_GAP])
    )
    return conversation_id


def test_metrics_need_a_signed_in_agent(client: TestClient) -> None:
    assert client.get("/api/console/metrics").status_code == 401
    assert client.get("/api/console/metrics.csv").status_code == 401


def test_dates_at_the_ends_of_the_calendar_are_refused_not_failed(client: TestClient) -> None:
    _login(client)
    for query in ("end=0001-01-01", "end=9999-12-31", "start=0001-01-01&end=0001-01-02"):
        response = client.get(f"/api/console/metrics?{query}")
        assert response.status_code in (200, 422), (query, response.status_code)
    assert client.get("/api/console/metrics?end=0001-01-01").status_code == 422


def test_the_report_counts_handoffs_and_reasons(client: TestClient) -> None:
    _escalated(client)
    _login(client)
    report = client.get("/api/console/metrics?start=2026-11-20&end=2026-11-23").json()
    assert report["handoffs"] == 1 and report["conversations"] == 1
    assert report["rates"]["escalation_rate"] == 1.0
    assert report["first_response"]["open"] == 1
    assert report["reasons_over_time"]["rows"][-1]["knowledge_gap"] == 1
    bad = client.get("/api/console/metrics?start=2026-11-23&end=2026-11-01")
    assert bad.status_code == 422


def test_the_csv_export_keeps_formulas_inert(client: TestClient) -> None:
    _escalated(client, name='=HYPERLINK("http://evil")')
    _login(client)
    response = client.get("/api/console/metrics.csv?start=2026-11-20&end=2026-11-23")
    assert response.headers["content-disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 1 and rows[0]["reasons"] == "knowledge_gap"
    assert all(not value.startswith(("=", "+", "@")) for value in rows[0].values())


def test_prometheus_counts_handoffs(client: TestClient) -> None:
    _escalated(client)
    text = client.get("/metrics").text
    assert 'baton_handoffs_total{model="email",reason="knowledge_gap"}' in text


def test_an_alert_fires_before_the_promise_breaks_and_once(
    client: TestClient, clock: FrozenClock
) -> None:
    ctx: ServiceContext = client.app.state.ctx  # type: ignore[attr-defined]
    _escalated(client)
    call = client.portal.call  # type: ignore[union-attr]
    assert call(lambda: check_promises(ctx)) == []  # two hours to go: nothing yet
    clock.advance(timedelta(hours=1, minutes=40))
    [at_risk] = call(lambda: check_promises(ctx))
    assert at_risk.type == "promise.at_risk" and at_risk.data["minutes_left"] == 20
    assert call(lambda: check_promises(ctx)) == []  # told once
    clock.advance(timedelta(minutes=30))
    [broken] = call(lambda: check_promises(ctx))
    assert broken.type == "promise.broken"
