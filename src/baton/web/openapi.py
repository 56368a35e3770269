"""What the OpenAPI document says beyond the routes: stable operation ids, the error answers
each operation declares, and which credentials each one takes. See docs/api.md."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from baton.web.schemas import ErrorBody

_ERROR_DESCRIPTIONS = {
    400: "The body is not valid JSON (`malformed_json`)",
    401: "No credential, or a wrong, expired or revoked one",
    403: "The credential does not allow this (role, CSRF token or token scope)",
    404: "No such thing (or not yours to see)",
    409: "Not possible in the conversation's current state",
    413: "The body is too large",
    422: "The input is invalid: which field, and why",
    429: "Too many requests; `Retry-After` says when to try again",
    503: "The database cannot be reached; `Retry-After` says when to try again",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entries of these error statuses, all in the one error shape."""
    return {
        status: {"model": ErrorBody, "description": _ERROR_DESCRIPTIONS[status]}
        for status in statuses
    }


def operation_id(route: APIRoute) -> str:
    """`<tag>_<route name>`, e.g. `console_claim_conversation`: stable for generated clients."""
    return f"{route.tags[0]}_{route.name}" if route.tags else route.name


def install_openapi(app: FastAPI) -> None:
    """Finish the document FastAPI builds from the routes (see `_finish`)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _finish(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _finish(schema: dict[str, Any]) -> dict[str, Any]:
    """What holds for every operation, said once here rather than on each route:

    - an operation with a body can answer 400 (not JSON) and 413 (too large);
    - a 422 is in the error shape (`web.errors` answers FastAPI's validation errors so), not
      FastAPI's own `HTTPValidationError`;
    - an operation's credentials are needed together (FastAPI lists them as alternatives), and
      console reads need the session only (the CSRF token is checked on writes).
    """
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for methods in schema.get("paths", {}).values():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            wanted = [422] if "422" in responses else []
            if "requestBody" in operation:
                wanted = [400, 413, 422]
            for status in wanted:
                responses[str(status)] = {
                    "description": _ERROR_DESCRIPTIONS[status],
                    "content": error_body,
                }
            if operation.get("security"):
                together: dict[str, list[str]] = {}
                for requirement in operation["security"]:
                    together.update(requirement)
                if method in ("get", "head"):
                    together.pop("CsrfToken", None)
                operation["security"] = [together]
    components = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema
