from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from baton.config import Settings
from baton.runtime.clock import FrozenClock
from baton.services import agents
from baton.services.context import ServiceContext
from baton.services.events import events_since
from baton.web.app import create_app
from tests.conftest import MONDAY_10, SECRET, ScriptedBot

PASSWORD = "correct-horse-1"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(secret_key=SECRET, database_url=database_url)  # type: ignore[arg-type]
    app = create_app(settings, bot=ScriptedBot(), clock=FrozenClock(MONDAY_10), run_jobs=False)
    with TestClient(app) as client:
        ctx: ServiceContext = client.app.state.ctx  # type: ignore[attr-defined]
        for email, name, role in (
            ("sam@x.example", "Sam", "admin"),
            ("kim@x.example", "Kim", "agent"),
        ):
            client.portal.call(  # type: ignore[union-attr]
                lambda e=email, n=name, r=role: agents.create_agent(
                    ctx, email=e, name=n, password=PASSWORD, role=r
                )
            )
        yield client


def _login(client: TestClient, email: str = "sam@x.example") -> dict[str, str]:
    response = client.post("/api/console/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert "httponly" in response.headers["set-cookie"].lower()
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def _visitor(client: TestClient, text: str) -> tuple[str, dict[str, str]]:
    started = client.post(
        "/api/conversations", json={"contact": {"name": "Ana", "email": "ana@example.com"}}
    ).json()
    auth = {"Authorization": f"Bearer {started['token']}"}
    client.post(
        f"/api/conversations/{started['conversation']['id']}/messages",
        json={"text": text},
        headers=auth,
    )
    return started["conversation"]["id"], auth


def test_the_console_requires_sign_in(client: TestClient) -> None:
    assert client.get("/api/console/conversations").status_code == 401
    wrong = client.post("/api/console/login", json={"email": "sam@x.example", "password": "nope"})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "bad_credentials")
    unknown = client.post("/api/console/login", json={"email": "who@x.example", "password": "x"})
    assert unknown.json()["error"]["message"] == wrong.json()["error"]["message"]


def test_a_visitor_token_opens_nothing_in_the_console(client: TestClient) -> None:
    _, auth = _visitor(client, "hello")
    assert client.get("/api/console/conversations", headers=auth).status_code == 401


def test_a_console_just_signed_in_opens_its_socket_from_now(client: TestClient) -> None:
    csrf = _login(client)
    client.post("/api/console/presence", json={"presence": "offline"}, headers=csrf)
    client.post("/api/console/logout", headers=csrf)
    # Signing in again: the answer says where the socket starts, past the old presence event.
    answer = client.post(
        "/api/console/login", json={"email": "sam@x.example", "password": PASSWORD}
    )
    assert answer.json()["last_event_id"] == client.get("/api/console/me").json()["last_event_id"]
    assert answer.json()["last_event_id"] > 0


def test_writes_need_the_csrf_token(client: TestClient) -> None:
    csrf = _login(client)
    refused = client.post("/api/console/presence", json={"presence": "online"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "csrf_failed")
    assert client.post(
        "/api/console/presence", json={"presence": "online"}, headers=csrf
    ).is_success


def test_an_agent_takes_a_conversation_from_the_queue_and_resolves_it(client: TestClient) -> None:
    csrf = _login(client)
    client.post("/api/console/presence", json={"presence": "online"}, headers=csrf)
    conversation_id, auth = _visitor(client, "I want to talk to a person")
    queue = client.get("/api/console/conversations?view=queue")
    assert queue.headers["cache-control"] == "private, no-store"
    [row] = queue.json()["conversations"]
    assert row["id"] == conversation_id and row["reasons"][0] == "explicit_request"
    assert row["summary"].startswith("Customer is asking about")
    detail = client.get(f"/api/console/conversations/{conversation_id}").json()
    assert [m["author"] for m in detail["messages"]][:2] == ["customer", "system"]
    assert detail["messages"][1]["internal"] is True  # the summary note, for agents only
    assert "explicit_ask" in detail["handoff"]["explanation"] or detail["handoff"]["signals"]
    assert client.post(
        f"/api/console/conversations/{conversation_id}/claim", headers=csrf
    ).is_success
    client.post(
        f"/api/console/conversations/{conversation_id}/messages",
        json={"text": "Hi Ana, Sam here."},
        headers=csrf,
    )
    client.post(
        f"/api/console/conversations/{conversation_id}/messages",
        json={"text": "customer seems upset", "internal": True},
        headers=csrf,
    )
    seen = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["messages"]
    bodies = [m["body"] for m in seen]
    assert "Hi Ana, Sam here." in bodies and "customer seems upset" not in bodies
    assert not any("Decision:" in body for body in bodies)
    assert client.post(
        f"/api/console/conversations/{conversation_id}/resolve", headers=csrf
    ).is_success
    assert (
        client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["state"]
        == "resolved"
    )


def test_only_admins_add_agents(client: TestClient) -> None:
    csrf = _login(client, "kim@x.example")
    body = {"email": "new@x.example", "name": "New", "password": "0123456789ab"}
    assert client.post("/api/console/agents", json=body, headers=csrf).status_code == 403
    client.post("/api/console/logout", headers=csrf)
    admin = _login(client)
    assert client.post("/api/console/agents", json=body, headers=admin).status_code == 201


def test_a_held_conversation_reaches_only_its_agent_and_admins(client: TestClient) -> None:
    ctx: ServiceContext = client.app.state.ctx  # type: ignore[attr-defined]
    client.portal.call(  # type: ignore[union-attr]
        lambda: agents.create_agent(
            ctx, email="lee@x.example", name="Lee", password=PASSWORD, role="agent"
        )
    )
    cookies = {}
    for email in ("lee@x.example", "sam@x.example", "kim@x.example"):
        csrf = _login(client, email)
        cookies[email] = client.cookies["baton_session"]
    client.post("/api/console/presence", json={"presence": "online"}, headers=csrf)  # Kim
    conversation_id, auth = _visitor(client, "I want to talk to a person")
    assert client.post(
        f"/api/console/conversations/{conversation_id}/claim", headers=csrf
    ).is_success
    newest = client.portal.call(events_since, ctx, 0).events[-1].id  # type: ignore[union-attr]
    client.cookies.clear()
    with contextlib.ExitStack() as stack:
        sockets = {
            email: stack.enter_context(
                client.websocket_connect(
                    f"/ws/console?last_event_id={newest}",
                    headers={"origin": "http://127.0.0.1:8000", "cookie": f"baton_session={c}"},
                )
            )
            for email, c in cookies.items()
        }

        def say(text: str) -> dict[str, list[str]]:
            client.post(
                f"/api/conversations/{conversation_id}/messages", json={"text": text}, headers=auth
            )
            # A new conversation concerns every agent: it marks the end of what each one got.
            other = client.post("/api/conversations", json={}).json()["conversation"]["id"]
            heard = {}
            for email, socket in sockets.items():
                bodies = []
                while True:
                    frame = socket.receive_json()
                    event = frame.get("event") or {}
                    if event.get("conversation_id") == other:
                        break  # conversation.created
                    if event.get("type") == "message.created":
                        bodies.append(event["data"]["body"])
                    elif event.get("type") == "typing":
                        bodies.append("(typing)")
                heard[email] = bodies
            return heard

        # The customer's typing, too, reaches the agent holding the chat, not the others.
        origin_header = {"origin": "http://127.0.0.1:8000"}
        with client.websocket_connect("/ws/widget", headers=origin_header) as widget:
            widget.send_json(
                {
                    "type": "hello",
                    "conversation_id": conversation_id,
                    "token": auth["Authorization"].removeprefix("Bearer "),
                    "last_event_id": 10**9,
                }
            )
            assert widget.receive_json()["type"] == "welcome"
            widget.send_json({"type": "typing"})
            widget.send_json({"type": "ping"})
            assert widget.receive_json() == {"type": "pong"}
        assert sockets["kim@x.example"].receive_json()["event"]["type"] == "typing"
        heard = say("where is my parcel?")
        assert heard["kim@x.example"] == ["where is my parcel?"]  # the agent holding it
        assert heard["sam@x.example"] == ["(typing)", "where is my parcel?"]  # an admin
        assert heard["lee@x.example"] == []  # another agent
        # Another agent who opens the conversation follows it live.
        lee = sockets["lee@x.example"]
        lee.send_json({"type": "watch", "conversation_id": conversation_id})
        lee.send_json({"type": "ping"})
        assert lee.receive_json() == {"type": "pong"}
        assert say("it is late")["lee@x.example"] == ["it is late"]


def test_an_admin_exports_and_forgets_a_contact_an_agent_cannot(client: TestClient) -> None:
    conversation_id, auth = _visitor(client, "my parcel is late")
    csrf = _login(client, "kim@x.example")
    assert client.get("/api/console/contacts?email=ana@example.com").status_code == 403
    client.post("/api/console/logout", headers=csrf)
    csrf = _login(client)  # Sam, an admin
    [found] = client.get("/api/console/contacts?email=ana@example.com").json()["contacts"]
    exported = client.get(f"/api/console/contacts/{found['id']}/export")
    assert exported.status_code == 200
    # An id no header could carry is simply not found.
    assert client.get("/api/console/contacts/caf\u00e9-\U0001f600/export").status_code == 404
    assert "attachment" in exported.headers["content-disposition"]
    bodies = [m["body"] for m in exported.json()["conversations"][0]["messages"]]
    assert "my parcel is late" in bodies
    refused = client.delete(f"/api/console/contacts/{found['id']}")
    assert refused.json()["error"]["code"] == "csrf_failed"
    forgotten = client.delete(f"/api/console/contacts/{found['id']}", headers=csrf)
    assert forgotten.status_code == 200 and forgotten.json()["removed"]["contacts"] == 1
    assert client.get(f"/api/conversations/{conversation_id}", headers=auth).status_code == 404
    assert client.get("/api/console/contacts?email=ana@example.com").json()["contacts"] == []


def _session_cookie(client: TestClient, email: str) -> tuple[str, dict[str, str]]:
    csrf = _login(client, email)
    return client.cookies["baton_session"], csrf


def test_signing_out_or_deactivation_closes_the_console_sockets(client: TestClient) -> None:
    ctx: ServiceContext = client.app.state.ctx  # type: ignore[attr-defined]
    origin = {"origin": "http://127.0.0.1:8000"}
    kim, kim_csrf = _session_cookie(client, "kim@x.example")
    kim_again, _ = _session_cookie(client, "kim@x.example")  # a second tab
    sam, sam_csrf = _session_cookie(client, "sam@x.example")
    newest = client.portal.call(events_since, ctx, 0).events  # type: ignore[union-attr]
    last = newest[-1].id if newest else 0

    def console(cookie: str) -> Any:
        return client.websocket_connect(
            f"/ws/console?last_event_id={last}",
            headers={**origin, "cookie": f"baton_session={cookie}"},
        )

    client.cookies.clear()
    with console(kim) as first, console(kim_again) as second:
        # Kim signs out in the first tab: that socket closes, the other tab's stays.
        client.post(
            "/api/console/logout",
            headers={**kim_csrf, "cookie": f"baton_session={kim}"},
        )
        with pytest.raises(WebSocketDisconnect) as closed:
            first.receive_json()
        assert closed.value.code == 1008
        second.send_json({"type": "ping"})
        assert second.receive_json() == {"type": "pong"}
        # An admin deactivates Kim: every session ends, the other tab closes too.
        kim_id = next(
            a["id"]
            for a in client.get(
                "/api/console/agents", headers={"cookie": f"baton_session={sam}"}
            ).json()["agents"]
            if a["email"] == "kim@x.example"
        )
        done = client.post(
            f"/api/console/agents/{kim_id}/deactivate",
            headers={**sam_csrf, "cookie": f"baton_session={sam}"},
        )
        assert done.is_success, done.text
        with pytest.raises(WebSocketDisconnect):
            while True:
                second.receive_json()
    refused = client.get("/api/console/me", headers={"cookie": f"baton_session={kim_again}"})
    assert refused.status_code == 401
    again = client.post("/api/console/login", json={"email": "kim@x.example", "password": PASSWORD})
    assert again.status_code == 401


def test_an_agent_holding_live_chats_is_not_deactivated(client: TestClient) -> None:
    kim_csrf = _login(client, "kim@x.example")
    client.post("/api/console/presence", json={"presence": "online"}, headers=kim_csrf)
    conversation_id, _ = _visitor(client, "I want to talk to a person")
    client.post(f"/api/console/conversations/{conversation_id}/claim", headers=kim_csrf)
    kim_id = client.get("/api/console/me").json()["agent"]["id"]
    client.post("/api/console/logout", headers=kim_csrf)
    sam_csrf = _login(client)
    refused = client.post(f"/api/console/agents/{kim_id}/deactivate", headers=sam_csrf)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "agent_busy")
    me = client.get("/api/console/me").json()["agent"]["id"]
    itself = client.post(f"/api/console/agents/{me}/deactivate", headers=sam_csrf)
    assert itself.json()["error"]["code"] == "self_deactivation"


@pytest.mark.parametrize(
    "pasted",
    ["summary", "console_link", "promise_line"],
)
def test_a_console_reply_that_repeats_the_internal_brief_is_refused(
    client: TestClient, pasted: str
) -> None:
    csrf = _login(client)
    client.post("/api/console/presence", json={"presence": "online"}, headers=csrf)
    conversation_id, auth = _visitor(client, "I want to talk to a person")
    client.post(f"/api/console/conversations/{conversation_id}/claim", headers=csrf)
    summary = client.get(f"/api/console/conversations/{conversation_id}").json()["handoff"][
        "summary"
    ]
    brief = {
        "summary": f"Hi Ana. {summary}. Let me look.",
        "console_link": f"See http://127.0.0.1:8000/console#{conversation_id} for details",
        "promise_line": "Promised to the customer: a reply within 2 hours.",
    }[pasted]
    before = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["messages"]
    refused = client.post(
        f"/api/console/conversations/{conversation_id}/messages",
        json={"text": brief},
        headers=csrf,
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "internal_brief"
    assert "internal brief" in refused.json()["error"]["message"]
    after = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["messages"]
    assert after == before
    # The same words as an internal note are the team's own business.
    note = client.post(
        f"/api/console/conversations/{conversation_id}/messages",
        json={"text": brief, "internal": True},
        headers=csrf,
    )
    assert note.status_code == 201
