"""One error shape for every 4xx and 5xx: `{"error": {"code": "...", "message": "..."}}`."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from baton.services.errors import RateLimited, UserError
from baton.web.schemas import INVALID_CHARACTERS, UNSTORABLE_ERROR_TYPES

log = logging.getLogger(__name__)

UNAVAILABLE_RETRY_SECONDS = 5
# What the database failing raises on a request's path (see `_unavailable`). DBAPIError is
# the base of every error the driver reports, including those that are not "operational":
# asyncpg reports a server shut down or a connection terminated by an administrator as a
# plain driver error. ConnectionError is asyncpg's when a pooled connection was cut.
DATABASE_UNAVAILABLE = (
    DBAPIError,
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeout,
    ConnectionError,
)

_HTTP_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}},
        status_code=status,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(UserError)
    async def _user_error(_request: Request, exc: UserError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        return error_response(exc.status, exc.code, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(error.get("type") == "json_invalid" for error in errors):
            return error_response(400, "malformed_json", "the body is not valid JSON")
        unstorable = [e for e in errors if e.get("type") in UNSTORABLE_ERROR_TYPES]
        if unstorable:
            where = ".".join(str(p) for p in unstorable[0].get("loc", ()) if p != "body")
            return error_response(
                422,
                INVALID_CHARACTERS,
                f"{where or 'body'}: holds a NUL character or a lone surrogate, which is not text",
            )
        parts = []
        for error in errors[:5]:
            where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
            parts.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
        return error_response(422, "invalid_input", "; ".join(parts))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        return error_response(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))

    # The database cut off (restarting, a network partition, every pooled connection busy):
    # nothing was written, so the client may send the same request again (a message keeps its
    # client id, and is stored once).
    async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable on %s %s: %r", request.method, request.url.path, exc)
        return error_response(
            503,
            "database_unavailable",
            "Baton cannot reach its database just now; try again in a few seconds",
            {"Retry-After": str(UNAVAILABLE_RETRY_SECONDS)},
        )

    for unavailable in DATABASE_UNAVAILABLE:
        app.add_exception_handler(unavailable, _unavailable)

    @app.exception_handler(Exception)
    async def _fault(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "something went wrong on our side")
