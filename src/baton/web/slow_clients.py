"""Slow clients: a request whose headers do not arrive in time is dropped.

uvicorn waits for a request's headers as long as the client keeps the connection open, and its
keep-alive timer only starts after a first response: a client sending a byte every twenty
seconds held a connection (and a file descriptor) forever, and 1,500 of them starve the
server. `HeaderDeadline` is uvicorn's HTTP protocol with a deadline from the connection's
first byte (or from the start of each later request) to the end of the headers. A body that
stops arriving is timed out by `web.limits.BodySizeLimit`, where the app reads it.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class HeaderDeadline(HttpToolsProtocol):
    # Set from `[limits] request_header_timeout_seconds` by the app a server process builds.
    header_timeout_seconds = 10.0

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:
            self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._deadline = self.loop.call_later(self.header_timeout_seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()
