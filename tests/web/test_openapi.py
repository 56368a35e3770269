"""What the OpenAPI document promises to other systems: stable operation ids, typed answers,
one error shape, and the credentials each operation takes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from baton.config import Settings
from baton.web.app import create_app
from tests.conftest import SECRET, ScriptedBot

ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    app = create_app(Settings(secret_key=SECRET), bot=ScriptedBot(), run_jobs=False)  # type: ignore[arg-type]
    document: dict[str, Any] = app.openapi()
    return document


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def test_operation_ids_are_unique_readable_and_stable(schema: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(schema)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+_[a-z_]+", i) for i in ids), ids
    # Generated clients name their functions after these: renaming one breaks them.
    for expected in (
        "widget_start_conversation",
        "widget_post_message",
        "console_claim_conversation",
        "handoffs_start_handoff",
        "handoffs_read_handoff",
    ):
        assert expected in ids


def test_every_json_answer_has_a_named_schema(schema: dict[str, Any]) -> None:
    for method, path, operation in _operations(schema):
        for status, response in operation["responses"].items():
            body = response.get("content", {}).get("application/json")
            if body is None:
                continue
            declared = body.get("schema", {})
            assert "$ref" in declared, (method, path, status, declared)


def test_every_error_is_in_the_one_error_shape(schema: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for method, path, operation in _operations(schema):
        for status, response in operation["responses"].items():
            json_body = response.get("content", {}).get("application/json")
            if status.startswith("4") and json_body is not None:
                assert json_body["schema"] == ERROR_BODY, (method, path, status)
        statuses = set(operation["responses"])
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= statuses, (method, path)
        if path.startswith("/api/"):
            assert {"429", "503"} <= statuses, (method, path)


def test_credentials_are_declared_per_operation(schema: dict[str, Any]) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ConversationToken"] == {**schemes["ConversationToken"], "scheme": "bearer"}
    assert schemes["ApiToken"]["scheme"] == "bearer"
    assert schemes["ConsoleSession"]["in"] == "cookie"
    assert schemes["CsrfToken"] == {**schemes["CsrfToken"], "in": "header", "name": "X-CSRF-Token"}
    paths = schema["paths"]
    assert paths["/api/v1/handoffs"]["post"]["security"] == [{"ApiToken": []}]
    assert paths["/api/conversations/{conversation_id}"]["get"]["security"] == [
        {"ConversationToken": []}
    ]
    assert "security" not in paths["/api/conversations"]["post"]
    # Console writes need the cookie and the CSRF header together; reads the cookie only.
    claim = paths["/api/console/conversations/{conversation_id}/claim"]["post"]
    assert claim["security"] == [{"ConsoleSession": [], "CsrfToken": []}]
    assert paths["/api/console/me"]["get"]["security"] == [{"ConsoleSession": []}]
    for method, path, operation in _operations(schema):
        if "401" in operation["responses"] and not path.startswith(
            ("/api/integrations/", "/api/inbound-email", "/api/console/login")
        ):
            assert operation.get("security"), (method, path)


def test_a_validation_error_comes_back_as_the_schema_says(tmp_path: Any) -> None:
    settings = Settings(
        secret_key=SECRET,  # type: ignore[arg-type]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'baton.db'}",
    )
    with TestClient(create_app(settings, bot=ScriptedBot(), run_jobs=False)) as client:
        answer = client.post("/api/conversations", json={"timezone": "Mars/Olympus"})
        assert answer.status_code == 422
        assert answer.json() == {
            "error": {"code": "invalid_input", "message": answer.json()["error"]["message"]}
        }
        assert "timezone" in answer.json()["error"]["message"]
