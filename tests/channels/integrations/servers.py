"""Real HTTP servers on 127.0.0.1 that speak the protocols Baton calls: Zendesk's tickets API,
Slack's chat.postMessage, and a webhook receiver that verifies Standard Webhooks signatures.

Each runs a stdlib `ThreadingHTTPServer` in a thread; a test scripts faults by queueing replies
(`server.faults.append(...)`) and reads what arrived from `server.requests`.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from baton.channels.integrations.webhooks import verify_webhook


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a slow receiver)
    after_handling: bool = False  # do the work, then answer this (the real reply is lost)
    method: str | None = None  # only for requests with this method


class LocalServer:
    """A scripted HTTP server; subclasses answer in `handle`."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.faults: deque[Reply] = deque()
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                received = Received(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                with owner.lock:
                    owner.requests.append(received)
                    fault = next(
                        (f for f in owner.faults if f.method in (None, self.command)), None
                    )
                    if fault is not None:
                        owner.faults.remove(fault)
                owner.observe(received)
                reply = fault if fault is not None else owner.handle(received)
                if fault is not None and fault.after_handling:
                    owner.handle(received)
                if reply.delay:
                    time.sleep(reply.delay)
                data = b"" if reply.body is None else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if data:
                        self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def observe(self, request: Received) -> None:
        """Called for every request, scripted faults included."""

    def handle(self, request: Received) -> Reply:
        raise NotImplementedError

    def start(self) -> LocalServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def running(server: LocalServer) -> Iterator[Any]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


class FakeZendesk(LocalServer):
    """The Zendesk Support tickets API, with basic auth `{email}/token:{token}`."""

    def __init__(self, email: str, token: str) -> None:
        super().__init__()
        expected = base64.b64encode(f"{email}/token:{token}".encode()).decode()
        self.authorization = f"Basic {expected}"
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.users: dict[int, dict[str, Any]] = {
            1: {"id": 1, "name": "Baton API", "email": email, "role": "admin"}
        }
        self.next_id = 100

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def add_user(self, name: str, email: str, role: str) -> int:
        user_id = self._id()
        self.users[user_id] = {"id": user_id, "name": name, "email": email, "role": role}
        return user_id

    def add_comment(self, ticket_id: int, author_id: int, body: str, public: bool = True) -> int:
        comment_id = self._id()
        self.comments[ticket_id].append(
            {
                "id": comment_id,
                "author_id": author_id,
                "public": public,
                "body": body,
                "plain_body": body,
            }
        )
        return comment_id

    def handle(self, request: Received) -> Reply:
        if request.headers.get("authorization") != self.authorization:
            return Reply(401, {"error": "Couldn't authenticate you"})
        path = request.path.removesuffix(".json")
        if request.method == "GET" and path == "/api/v2/tickets":
            wanted = request.query.get("external_id", [None])[0]
            found = [t for t in self.tickets.values() if t["external_id"] == wanted]
            return Reply(200, {"tickets": found, "count": len(found), "next_page": None})
        if request.method == "POST" and path == "/api/v2/tickets":
            return self._create(request.json()["ticket"])
        parts = path.split("/")
        if request.method == "GET" and len(parts) == 5 and parts[4].isdigit():
            ticket = self.tickets.get(int(parts[4]))
            return Reply(200, {"ticket": ticket}) if ticket else Reply(404, {"error": "nf"})
        if request.method == "PUT" and len(parts) == 5 and parts[4].isdigit():
            ticket_id = int(parts[4])
            if ticket_id not in self.tickets:
                return Reply(404, {"error": "RecordNotFound"})
            comment = request.json()["ticket"].get("comment")
            if comment:
                with self.lock:
                    self.add_comment(ticket_id, 1, comment["body"], comment.get("public", True))
            return Reply(200, {"ticket": self.tickets[ticket_id]})
        if request.method == "GET" and len(parts) == 6 and parts[5] == "comments":
            comments = self.comments.get(int(parts[4]), [])
            authors = {c["author_id"] for c in comments}
            users = [u for i, u in self.users.items() if i in authors]
            return Reply(200, {"comments": comments, "users": users, "next_page": None})
        return Reply(404, {"error": "RecordNotFound"})

    def _create(self, ticket: dict[str, Any]) -> Reply:
        with self.lock:
            ticket_id = self._id()
            requester_id = 1
            requester = ticket.get("requester")
            if requester:
                requester_id = self.add_user(requester["name"], requester["email"], "end-user")
            stored = {
                "id": ticket_id,
                "external_id": ticket.get("external_id"),
                "subject": ticket["subject"],
                "status": "new",
                "requester_id": requester_id,
                "tags": ticket.get("tags", []),
                "custom_fields": ticket.get("custom_fields", []),
                "requester": requester,
            }
            self.tickets[ticket_id] = stored
            self.comments[ticket_id] = []
            comment = ticket["comment"]
            self.add_comment(ticket_id, 1, comment["body"], comment.get("public", True))
        return Reply(201, {"ticket": stored})


class FakeSlack(LocalServer):
    """Slack's Web API `chat.postMessage` with a bot token."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.posts: list[dict[str, Any]] = []
        self._ts = 1700000000

    def handle(self, request: Received) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(200, {"ok": False, "error": "invalid_auth"})
        if request.path != "/api/chat.postMessage":
            return Reply(200, {"ok": False, "error": "unknown_method"})
        message = request.json()
        if not message.get("text") and not message.get("blocks"):
            return Reply(200, {"ok": False, "error": "no_text"})
        with self.lock:
            self._ts += 1
            ts = f"{self._ts}.000100"
            self.posts.append({**message, "ts": ts})
        return Reply(200, {"ok": True, "channel": message["channel"], "ts": ts})


class WebhookReceiver(LocalServer):
    """A receiver that checks each delivery's signature with the secret the admin was shown."""

    def __init__(self) -> None:
        super().__init__()
        self.secret: str | None = None
        self.verified: list[bool] = []
        self.accepted: list[Received] = []

    def observe(self, request: Received) -> None:
        self._verify(request)

    def handle(self, request: Received) -> Reply:
        if not self.verified[-1]:
            return Reply(400, {"error": "bad signature"})
        with self.lock:
            self.accepted.append(request)
        return Reply(200)

    def _verify(self, request: Received) -> bool:
        assert self.secret is not None, "set receiver.secret to the secret Baton showed"
        ok = verify_webhook(
            self.secret,
            delivery_id=request.headers.get("webhook-id", ""),
            timestamp=request.headers.get("webhook-timestamp", ""),
            signature=request.headers.get("webhook-signature", ""),
            body=request.body,
        )
        with self.lock:
            self.verified.append(ok)
        return ok
