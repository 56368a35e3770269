"""One id per HTTP request (and per socket, `web.app.BatonApp`): the caller's X-Request-ID when it
sends a plain one, else a new one; returned in the answer and carried by every log line."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from baton.runtime.logs import REQUEST_ID, request_id_from

HEADER = "X-Request-ID"


def incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            return bytes(value).decode("latin-1")
    return None


class RequestIds:
    """ASGI middleware: sets the request id for the request's logs and answers with it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(incoming_request_id(scope))
        # Not reset afterwards: the server serves each request in a task of its own, and its
        # log of an error escaping the app (and the 500 answer's access line) comes after.
        REQUEST_ID.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)
