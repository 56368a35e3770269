"""ASGI middleware that refuses request bodies over the configured size, before parsing.

A few paths take larger bodies (`path_limits`): the inbound-mail webhook accepts a mail up to
`[email] max_inbound_bytes`, attachments included.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimit:
    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        path_limits: dict[str, int] | None = None,
        body_timeout_seconds: float | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = path_limits or {}
        # A client that stops sending its body would hold the request (and its connection)
        # for ever; each wait for the next piece of the body is bounded.
        self.body_timeout_seconds = body_timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.path_limits.get(scope.get("path", ""), self.max_bytes)
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > max_bytes:
                await _refuse(send, max_bytes)
                return
        # The body is read here, whole (it is small: at most `max_bytes`), each piece within
        # the body timeout, and handed to the app in one piece.
        chunks: list[bytes] = []
        received = 0
        more_body = True
        while more_body:
            try:
                message = await asyncio.wait_for(receive(), self.body_timeout_seconds)
            except TimeoutError:
                await _send_json(send, 408, "request_timeout", "the request body stopped arriving")
                return
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > max_bytes:
                await _refuse(send, max_bytes)
                return
            chunks.append(chunk)
            more_body = message.get("more_body", False)
        body_sent = False

        async def whole_body_receive() -> Message:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, whole_body_receive, send)


async def _refuse(send: Send, max_bytes: int) -> None:
    await _send_json(send, 413, "too_large", f"request body over {max_bytes} bytes")


class RefuseNulInUrls:
    """A NUL in a request's path or query (`%00`) is refused with 422 `invalid_characters`:
    path and query values reach database queries, and PostgreSQL refuses NUL in text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope.get("path", "") or b"\x00" in unquote_to_bytes(scope["query_string"])
        ):
            await _send_json(
                send,
                422,
                "invalid_characters",
                "the address holds a NUL character, which is not text",
            )
            return
        await self.app(scope, receive, send)


async def _send_json(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
