"""The agent console's API: sign in, the queue, one conversation, and every agent action."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import ConfigDict, EmailStr, Field

from baton.domain.switchboard import ControlState
from baton.services import agents as agent_actions
from baton.services import auth, console, handoffs, privacy
from baton.services.events import latest_event_id
from baton.web.console_auth import SESSION_COOKIE, CurrentAdmin, CurrentAgent, SignedInAgent
from baton.web.console_schemas import (
    AgentAdded,
    AgentDeactivated,
    AgentList,
    AgentPublic,
    ContactExport,
    ContactForgotten,
    ContactList,
    ConversationDetail,
    ConversationList,
    PresenceSet,
    ReplySent,
    SignedIn,
    SignedOut,
    StateChanged,
    Transferred,
)
from baton.web.deps import Ctx, check_rate, client_address, limit_address
from baton.web.openapi import errors
from baton.web.schemas import InputModel

router = APIRouter(
    prefix="/api/console",
    tags=["console"],
    dependencies=[Depends(limit_address)],
    responses=errors(401, 429, 503),
)
# What each kind of operation can answer besides the router's 401, 429 and 503 (and 400, 413
# and 422 where there is a body: see web/openapi.py). Writes check the CSRF token (403); admin
# operations the role (403).
READ = errors(422)
READ_ONE = errors(404)
WRITE = errors(403)
ACT = errors(403, 404, 409)
ADMIN_READ = errors(403, 404)


class Login(InputModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=320)
    password: str = Field(max_length=500)


class Reply(InputModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=20000)
    internal: bool = False


class PresenceChange(InputModel):
    model_config = ConfigDict(extra="forbid")
    presence: agent_actions.Presence


class Transfer(InputModel):
    model_config = ConfigDict(extra="forbid")
    agent_id: str = Field(max_length=64)


class AgentCreate(InputModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=10, max_length=500)
    role: Literal["admin", "agent"] = "agent"
    capacity: int = Field(3, ge=1, le=50)


def _private(response: Response) -> None:
    response.headers["Cache-Control"] = "private, no-store"


def _me(signed_in: auth.SignedIn | SignedInAgent, last_event_id: int) -> SignedIn:
    return SignedIn(
        agent=AgentPublic.model_validate(signed_in.agent, from_attributes=True),
        csrf_token=signed_in.csrf_token,
        last_event_id=last_event_id,
    )


@router.post("/login", name="log_in")
async def login(body: Login, request: Request, response: Response, ctx: Ctx) -> SignedIn:
    """Sign in; the session lives in an HttpOnly cookie, the CSRF token and the event id to
    open the socket from in the answer."""
    # Two counters in two namespaces: an address typed as the email counts against that
    # account name only, never against the address itself.
    await check_rate(
        request,
        f"login-address:{client_address(request)}",
        ctx.settings.limits.logins_per_five_minutes_per_ip,
        300,
    )
    await check_rate(request, f"login-account:{auth.normalise_login(body.email)}", 10, 900)
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
    return _me(signed_in, await latest_event_id(ctx))


@router.post("/logout", name="log_out", responses=errors(403))
async def logout(request: Request, response: Response, ctx: Ctx, me: CurrentAgent) -> SignedOut:
    await auth.log_out(ctx, request.cookies.get(SESSION_COOKIE, ""))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return SignedOut(status="signed out")


@router.get("/me", name="read_me")
async def who_am_i(response: Response, ctx: Ctx, me: CurrentAgent) -> SignedIn:
    """The signed-in agent, the CSRF token, and the event id to open the socket from."""
    _private(response)
    return _me(me, await latest_event_id(ctx))


@router.post("/presence", name="set_presence", responses=WRITE)
async def presence(body: PresenceChange, ctx: Ctx, me: CurrentAgent) -> PresenceSet:
    await agent_actions.set_presence(ctx, me.agent.id, body.presence)
    return PresenceSet(presence=body.presence)


@router.get("/conversations", name="list_conversations", responses=READ)
async def conversations(
    response: Response, ctx: Ctx, me: CurrentAgent, view: console.View = "open"
) -> ConversationList:
    _private(response)
    rows = await console.list_conversations(ctx, view, acting=me.agent.id)
    return ConversationList.model_validate({"conversations": [row.as_dict() for row in rows]})


@router.get("/conversations/{conversation_id}", name="read_conversation", responses=READ_ONE)
async def conversation(
    conversation_id: str, response: Response, ctx: Ctx, me: CurrentAgent
) -> ConversationDetail:
    _private(response)
    detail = await console.read_conversation(ctx, conversation_id)
    return ConversationDetail.model_validate(
        {
            "conversation": detail.summary.as_dict(),
            "messages": detail.messages,
            "contact": detail.contact,
            "page_url": detail.page_url,
            "handoff": detail.handoff,
            "earlier": detail.earlier,
        }
    )


@router.post("/conversations/{conversation_id}/claim", name="claim_conversation", responses=ACT)
async def claim(conversation_id: str, ctx: Ctx, me: CurrentAgent) -> StateChanged:
    await handoffs.claim_conversation(ctx, conversation_id, acting=me.agent.id)
    return StateChanged(state=ControlState.AGENT)


@router.post(
    "/conversations/{conversation_id}/messages", name="send_reply", status_code=201, responses=ACT
)
async def reply(conversation_id: str, body: Reply, ctx: Ctx, me: CurrentAgent) -> ReplySent:
    message = await handoffs.send_agent_reply(
        ctx, conversation_id, body.text, acting=me.agent.id, internal=body.internal
    )
    return ReplySent(id=message.id)


@router.post("/conversations/{conversation_id}/hand-back", name="hand_back_to_bot", responses=ACT)
async def hand_back(conversation_id: str, ctx: Ctx, me: CurrentAgent) -> StateChanged:
    await handoffs.hand_back_to_bot(ctx, conversation_id, acting=me.agent.id)
    return StateChanged(state=ControlState.BOT)


@router.post("/conversations/{conversation_id}/resolve", name="resolve_conversation", responses=ACT)
async def resolve(conversation_id: str, ctx: Ctx, me: CurrentAgent) -> StateChanged:
    await handoffs.resolve_conversation(ctx, conversation_id, acting=me.agent.id)
    return StateChanged(state=ControlState.RESOLVED)


@router.post(
    "/conversations/{conversation_id}/transfer", name="transfer_conversation", responses=ACT
)
async def transfer(conversation_id: str, body: Transfer, ctx: Ctx, me: CurrentAgent) -> Transferred:
    await handoffs.transfer_conversation(ctx, conversation_id, body.agent_id, acting=me.agent.id)
    return Transferred(agent_id=body.agent_id)


@router.post(
    "/conversations/{conversation_id}/take-over",
    name="take_over_conversation",
    responses=errors(403, 404, 409),
)
async def take_over(conversation_id: str, ctx: Ctx, me: CurrentAgent) -> Transferred:
    """Take a conversation another agent holds (admins; others once the holder is away)."""
    await handoffs.take_over_conversation(ctx, conversation_id, acting=me.agent.id)
    return Transferred(agent_id=me.agent.id)


@router.get("/agents", name="list_agents")
async def agents(response: Response, ctx: Ctx, me: CurrentAgent) -> AgentList:
    _private(response)
    return AgentList.model_validate({"agents": await console.list_agents(ctx)})


@router.post("/agents", name="add_agent", status_code=201, responses=ACT)
async def add_agent(body: AgentCreate, ctx: Ctx, admin: CurrentAdmin) -> AgentAdded:
    agent = await agent_actions.create_agent(
        ctx,
        email=str(body.email),
        name=body.name,
        password=body.password,
        role=body.role,
        capacity=body.capacity,
    )
    return AgentAdded(id=agent.id)


@router.get("/contacts", name="find_contacts", responses=ADMIN_READ)
async def contacts(
    response: Response,
    ctx: Ctx,
    admin: CurrentAdmin,
    email: str = Query(min_length=3, max_length=320),
) -> ContactList:
    """The contact records with an email address (a person's data request starts here)."""
    _private(response)
    return ContactList.model_validate({"contacts": await privacy.find_contacts(ctx, email)})


@router.get("/contacts/{contact_id}/export", name="export_contact", responses=ADMIN_READ)
async def export_contact(
    contact_id: str, response: Response, ctx: Ctx, admin: CurrentAdmin
) -> ContactExport:
    """Everything held about one contact, as one JSON document."""
    _private(response)
    document = await privacy.export_contact(ctx, contact_id)  # an unknown id stops here (404)
    # Set only once the id matched a stored contact (a UUID): a header is latin-1 only.
    response.headers["Content-Disposition"] = f'attachment; filename="contact-{contact_id}.json"'
    return ContactExport.model_validate(document)


@router.delete("/contacts/{contact_id}", name="forget_contact", responses=ACT)
async def forget_contact(contact_id: str, ctx: Ctx, admin: CurrentAdmin) -> ContactForgotten:
    """Remove one contact and everything about them; what remains holds no personal data."""
    tombstone = await privacy.forget_contact(
        ctx, contact_id, requested_by=f"agent:{admin.agent.id}"
    )
    return ContactForgotten(contact_id=contact_id, removed=tombstone.removed)


@router.post("/agents/{agent_id}/deactivate", name="deactivate_agent", responses=ACT)
async def deactivate_agent(agent_id: str, ctx: Ctx, admin: CurrentAdmin) -> AgentDeactivated:
    """Remove an agent from the team: their sessions end and their consoles close."""
    await agent_actions.deactivate_agent(ctx, agent_id, acting=admin.agent.id)
    return AgentDeactivated(agent_id=agent_id, active=False)
