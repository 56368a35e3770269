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
    """Say that an operation's credentials are all needed together, and that console reads
    need the session only (the CSRF token is checked on writes)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for methods in schema.get("paths", {}).values():
            for method, operation in methods.items():
                if not operation.get("security"):
                    continue
                # FastAPI lists each scheme as an alternative; these are required together.
                together: dict[str, list[str]] = {}
                for requirement in operation["security"]:
                    together.update(requirement)
                if method in ("get", "head"):
                    together.pop("CsrfToken", None)
                operation["security"] = [together]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
