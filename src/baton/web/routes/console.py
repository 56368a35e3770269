"""The agent console's API: sign in, the queue, one conversation, and every agent action."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from baton.services import agents as agent_actions
from baton.services import auth, console, handoffs, privacy
from baton.services.events import latest_event_id
from baton.web.console_auth import SESSION_COOKIE, CurrentAdmin, CurrentAgent
from baton.web.deps import Ctx, check_rate, client_address, limit_address

router = APIRouter(prefix="/api/console", tags=["console"], dependencies=[Depends(limit_address)])


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=320)
    password: str = Field(max_length=500)


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=20000)
    internal: bool = False


class PresenceChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    presence: agent_actions.Presence


class Transfer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent_id: str = Field(max_length=64)


class AgentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=10, max_length=500)
    role: Literal["admin", "agent"] = "agent"
    capacity: int = Field(3, ge=1, le=50)


def _private(response: Response) -> None:
    response.headers["Cache-Control"] = "private, no-store"


def _me(signed_in: auth.SignedIn | Any) -> dict[str, Any]:
    agent = signed_in.agent
    return {
        "agent": {
            "id": agent.id,
            "name": agent.name,
            "email": agent.email,
            "role": agent.role,
            "presence": agent.presence,
        },
        "csrf_token": signed_in.csrf_token,
    }


@router.post("/login")
async def login(body: Login, request: Request, response: Response, ctx: Ctx) -> dict[str, Any]:
    """Sign in; the session lives in an HttpOnly cookie, the CSRF token and the event id to
    open the socket from in the answer."""
    check_rate(
        request,
        f"login:{client_address(request)}",
        ctx.settings.limits.logins_per_five_minutes_per_ip,
        300,
    )
    check_rate(request, f"login:{body.email.lower()}", 10, 900)
    signed_in = await auth.log_in(ctx, body.email, body.password)
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.token,
        httponly=True,
        samesite="strict",
        secure=ctx.settings.public_url.startswith("https://"),
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
        path="/",
    )
    _private(response)
    # The socket opens from here, as after /me: a console just signed in must not replay old
    # events (an agent's presence from an hour ago would overwrite the one they just chose).
    return {**_me(signed_in), "last_event_id": await latest_event_id(ctx)}


@router.post("/logout")
async def logout(
    request: Request, response: Response, ctx: Ctx, me: CurrentAgent
) -> dict[str, str]:
    await auth.log_out(ctx, request.cookies.get(SESSION_COOKIE, ""))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"status": "signed out"}


@router.get("/me")
async def who_am_i(response: Response, ctx: Ctx, me: CurrentAgent) -> dict[str, Any]:
    """The signed-in agent, the CSRF token, and the event id to open the socket from."""
    _private(response)
    return {**_me(me), "last_event_id": await latest_event_id(ctx)}


@router.post("/presence")
async def presence(body: PresenceChange, ctx: Ctx, me: CurrentAgent) -> dict[str, str]:
    await agent_actions.set_presence(ctx, me.agent.id, body.presence)
    return {"presence": body.presence}


@router.get("/conversations")
async def conversations(
    response: Response, ctx: Ctx, me: CurrentAgent, view: console.View = "open"
) -> dict[str, Any]:
    _private(response)
    rows = await console.list_conversations(ctx, view, acting=me.agent.id)
    return {"conversations": [row.as_dict() for row in rows]}


@router.get("/conversations/{conversation_id}")
async def conversation(
    conversation_id: str, response: Response, ctx: Ctx, me: CurrentAgent
) -> dict[str, Any]:
    _private(response)
    detail = await console.read_conversation(ctx, conversation_id)
    return {
        "conversation": detail.summary.as_dict(),
        "messages": detail.messages,
        "contact": detail.contact,
        "page_url": detail.page_url,
        "handoff": detail.handoff,
        "earlier": detail.earlier,
    }


@router.post("/conversations/{conversation_id}/claim")
async def claim(conversation_id: str, ctx: Ctx, me: CurrentAgent) -> dict[str, str]:
    await handoffs.claim_conversation(ctx, conversation_id, acting=me.agent.id)
    return {"state": "agent"}


@router.post("/conversations/{conversation_id}/messages", status_code=201)
async def reply(conversation_id: str, body: Reply, ctx: Ctx, me: CurrentAgent) -> dict[str, Any]:
    message = await handoffs.send_agent_reply(
        ctx, conversation_id, body.text, acting=me.agent.id, internal=body.internal
    )
    return {"id": message.id}


@router.post("/conversations/{conversation_id}/hand-back")
async def hand_back(conversation_id: str, ctx: Ctx, me: CurrentAgent) -> dict[str, str]:
    await handoffs.hand_back_to_bot(ctx, conversation_id, acting=me.agent.id)
    return {"state": "bot"}


@router.post("/conversations/{conversation_id}/resolve")
async def resolve(conversation_id: str, ctx: Ctx, me: CurrentAgent) -> dict[str, str]:
    await handoffs.resolve_conversation(ctx, conversation_id, acting=me.agent.id)
    return {"state": "resolved"}


@router.post("/conversations/{conversation_id}/transfer")
async def transfer(
    conversation_id: str, body: Transfer, ctx: Ctx, me: CurrentAgent
) -> dict[str, str]:
    await handoffs.transfer_conversation(ctx, conversation_id, body.agent_id, acting=me.agent.id)
    return {"agent_id": body.agent_id}


@router.post("/conversations/{conversation_id}/take-over")
async def take_over(conversation_id: str, ctx: Ctx, me: CurrentAgent) -> dict[str, str]:
    """Take a conversation another agent holds (admins; others once the holder is away)."""
    await handoffs.take_over_conversation(ctx, conversation_id, acting=me.agent.id)
    return {"agent_id": me.agent.id}


@router.get("/agents")
async def agents(response: Response, ctx: Ctx, me: CurrentAgent) -> dict[str, Any]:
    _private(response)
    return {"agents": await console.list_agents(ctx)}


@router.post("/agents", status_code=201)
async def add_agent(body: AgentCreate, ctx: Ctx, admin: CurrentAdmin) -> dict[str, str]:
    agent = await agent_actions.create_agent(
        ctx,
        email=str(body.email),
        name=body.name,
        password=body.password,
        role=body.role,
        capacity=body.capacity,
    )
    return {"id": agent.id}


@router.get("/contacts")
async def contacts(
    response: Response,
    ctx: Ctx,
    admin: CurrentAdmin,
    email: str = Query(min_length=3, max_length=320),
) -> dict[str, Any]:
    """The contact records with an email address (a person's data request starts here)."""
    _private(response)
    return {"contacts": await privacy.find_contacts(ctx, email)}


@router.get("/contacts/{contact_id}/export")
async def export_contact(
    contact_id: str, response: Response, ctx: Ctx, admin: CurrentAdmin
) -> dict[str, Any]:
    """Everything held about one contact, as one JSON document."""
    _private(response)
    document = await privacy.export_contact(ctx, contact_id)  # an unknown id stops here (404)
    # Set only once the id matched a stored contact (a UUID): a header is latin-1 only.
    response.headers["Content-Disposition"] = f'attachment; filename="contact-{contact_id}.json"'
    return document


@router.delete("/contacts/{contact_id}")
async def forget_contact(contact_id: str, ctx: Ctx, admin: CurrentAdmin) -> dict[str, Any]:
    """Remove one contact and everything about them; what remains holds no personal data."""
    tombstone = await privacy.forget_contact(
        ctx, contact_id, requested_by=f"agent:{admin.agent.id}"
    )
    return {"contact_id": contact_id, "removed": tombstone.removed}


@router.post("/agents/{agent_id}/deactivate")
async def deactivate_agent(agent_id: str, ctx: Ctx, admin: CurrentAdmin) -> dict[str, str]:
    """Remove an agent from the team: their sessions end and their consoles close."""
    await agent_actions.deactivate_agent(ctx, agent_id, acting=admin.agent.id)
    return {"agent_id": agent_id, "active": "false"}
