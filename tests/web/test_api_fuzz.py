"""Every HTTP endpoint, fed requests generated from the app's own OpenAPI schema (schemathesis):
whatever the input, the server answers with a 2xx or a clear 4xx, never a 5xx, and the answer
is what the schema says: a status it declares, a content type it declares, a body that matches
the declared schema (the typed answers, and every error in the one error shape).

Requests carry a visitor's token (an API token on the server-to-server API) and a signed-in
admin's session and CSRF token, so the checks behind authentication are reached too; signing
out and deactivating are left out, as they would end that session for the operations after them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from baton.config import LimitSettings, Settings
from baton.domain.api_scopes import SCOPES
from baton.services import agents
from baton.services.api_tokens import create_api_token
from baton.web.app import create_app
from tests.conftest import SECRET, ScriptedBot

EXAMPLES_PER_OPERATION = 25
SKIPPED = ("/api/console/logout", "/api/console/login")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def session(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, dict[str, str], str]]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    settings = Settings(
        secret_key=SECRET,  # type: ignore[arg-type]
        database_url=f"sqlite+aiosqlite:///{folder / 'baton.db'}",
        # The limits have tests of their own; here they would answer 429 before the checks.
        limits=LimitSettings(
            conversations_per_hour_per_ip=100_000,
            messages_per_minute_per_conversation=100_000,
            logins_per_five_minutes_per_ip=100_000,
            requests_per_minute_per_ip=100_000,
        ),
    )
    app = create_app(settings, bot=ScriptedBot(), run_jobs=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        ctx = app.state.ctx
        client.portal.call(  # type: ignore[union-attr]
            lambda: agents.create_agent(
                ctx, email="admin@shop.example", name="Ada", password="0" * 12, role="admin"
            )
        )
        login = client.post(
            "/api/console/login", json={"email": "admin@shop.example", "password": "0" * 12}
        )
        visitor = client.post("/api/conversations", json={}).json()
        api_token = client.portal.call(  # type: ignore[union-attr]
            lambda: create_api_token(ctx, "fuzz", SCOPES)
        )
        yield (
            client,
            {
                "X-CSRF-Token": login.json()["csrf_token"],
                "Authorization": f"Bearer {visitor['token']}",
            },
            f"Bearer {api_token.secret}",
        )


def _operations() -> list[Any]:
    settings = Settings(secret_key=SECRET)  # type: ignore[arg-type]
    app = create_app(settings, bot=ScriptedBot(), run_jobs=False)
    schema = schemathesis.openapi.from_dict(app.openapi())
    found = [result.ok() for result in schema.get_all_operations()]
    return [op for op in found if op.path not in SKIPPED and not op.path.endswith("/deactivate")]


@pytest.mark.parametrize(
    "operation", _operations(), ids=lambda op: f"{op.method.upper()} {op.path}"
)
def test_no_input_makes_the_server_fail(
    operation: Any, session: tuple[TestClient, dict[str, str], str]
) -> None:
    client, credentials, api_token = session
    if operation.path.startswith("/api/v1/"):
        credentials = {**credentials, "Authorization": api_token}

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy())
    def check(case: Any) -> None:
        request = case.as_transport_kwargs(base_url="http://testserver")
        headers = {**credentials, **(request.get("headers") or {})}
        body = request.get("data")
        response = client.request(
            request["method"],
            request["url"],
            params=request.get("params"),
            headers=headers,
            json=request.get("json"),
            content=body if isinstance(body, bytes | str) else None,
        )
        case.validate_response(response, checks=CHECKS)

    check()
