"""Console sign-in under attack: one counter per account however it is typed, an address's
counter apart from an account's, and password checks that never stall the server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import update

from baton.config import LimitSettings, Settings
from baton.runtime.clock import FrozenClock
from baton.services import agents
from baton.services.context import ServiceContext
from baton.store.tables import Agent
from baton.web.app import create_app
from tests.conftest import MONDAY_10, SECRET, ScriptedBot

PASSWORD = "correct-horse-1"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        secret_key=SECRET,  # type: ignore[arg-type]
        database_url=database_url,
        limits=LimitSettings(logins_per_five_minutes_per_ip=1000),
    )
    app = create_app(settings, bot=ScriptedBot(), clock=FrozenClock(MONDAY_10), run_jobs=False)
    with TestClient(app) as client:
        client.portal.call(  # type: ignore[union-attr]
            lambda: agents.create_agent(
                _ctx(client), email="sam@x.example", name="Sam", password=PASSWORD
            )
        )
        yield client


def _ctx(client: TestClient) -> ServiceContext:
    ctx: ServiceContext = client.app.state.ctx  # type: ignore[attr-defined]
    return ctx


def _login(client: TestClient, email: str, password: str) -> int:
    return client.post(
        "/api/console/login", json={"email": email, "password": password}
    ).status_code


def test_spaces_and_case_do_not_make_a_fresh_counter_for_an_account(client: TestClient) -> None:
    variants = [" sam@x.example", "SAM@x.example ", "Sam@X.Example", "\tsam@x.example\n"]
    statuses = [_login(client, variants[n % len(variants)], "wrong password") for n in range(10)]
    assert statuses == [401] * 10
    assert _login(client, "  SAM@X.EXAMPLE  ", "another guess") == 429
    assert _login(client, "sam@x.example", PASSWORD) == 429  # the account waits its window


def test_an_address_typed_as_the_email_does_not_lock_that_address(client: TestClient) -> None:
    victim, attacker = "198.51.100.7", "203.0.113.9"
    client.app.state.settings.limits.logins_per_five_minutes_per_ip = 10  # type: ignore[attr-defined]

    async def from_address(address: str, email: str, password: str) -> int:
        transport = httpx.ASGITransport(app=client.app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.post(
                "/api/console/login", json={"email": email, "password": password}
            )
            return response.status_code

    call = client.portal.call  # type: ignore[union-attr]
    attempts = [call(from_address, attacker, victim, "guess") for _ in range(10)]
    assert attempts == [401] * 10
    assert call(from_address, victim, "sam@x.example", PASSWORD) == 200


def test_the_server_answers_while_a_password_is_checked(client: TestClient) -> None:
    # A deliberately slow hash (seconds to check), so the check is long enough to watch.
    slow = PasswordHasher(time_cost=30).hash(PASSWORD)

    async def slow_down() -> None:
        async with _ctx(client).sessions() as session:
            await session.execute(update(Agent).values(password_hash=slow))
            await session.commit()

    client.portal.call(slow_down)  # type: ignore[union-attr]
    results: list[int] = []
    login = threading.Thread(
        target=lambda: results.append(_login(client, "sam@x.example", "a wrong password"))
    )
    login.start()
    answered_meanwhile = 0
    while login.is_alive():
        if client.get("/healthz").status_code == 200 and login.is_alive():
            answered_meanwhile += 1
    login.join()
    assert results == [401]
    # On the event loop, the check would hold every request until it ended.
    assert answered_meanwhile >= 10
