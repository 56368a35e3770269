"""Integration endpoints: Zendesk and Slack calling Baton, and the admins' webhook API.

Callbacks are verified on the raw body bytes before anything is parsed; a missing or wrong
signature, or a stale timestamp, is a 401 and changes nothing.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ConfigDict, Field

from baton.channels.integrations import slack, zendesk
from baton.channels.integrations.webhooks import check_webhook_url
from baton.domain.integration_settings import IntegrationSettings
from baton.services import integrations
from baton.services.errors import InvalidInput
from baton.web.console_auth import CurrentAdmin
from baton.web.console_schemas import (
    WebhookDeliveryList,
    WebhookEnabled,
    WebhookEndpointAdded,
    WebhookEndpointList,
)
from baton.web.deps import Ctx, Unauthorized, limit_address
from baton.web.openapi import errors
from baton.web.schemas import CallbackStatus, InputModel

router = APIRouter(
    tags=["integrations"],
    dependencies=[Depends(limit_address)],
    responses=errors(401, 429, 503),
)
# The admins' webhook operations: admins only (403, and the CSRF token on writes).
ADMIN = errors(403)


def integration_settings(ctx: Ctx) -> IntegrationSettings:
    """The `[integrations]` settings (defaults while they are not configured)."""
    value = getattr(ctx.settings, "integrations", None)
    return value if isinstance(value, IntegrationSettings) else IntegrationSettings()


Integrations = Annotated[IntegrationSettings, Depends(integration_settings)]
WebhookEvent = Literal[
    "handoff.created",
    "handoff.claimed",
    "conversation.resolved",
    "message.created",
    "promise.at_risk",
    "promise.broken",
]


class EndpointCreate(InputModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=1, max_length=2000)
    events: list[WebhookEvent] = Field(
        min_length=1, max_length=len(integrations.WEBHOOK_EVENT_TYPES)
    )
    description: str = Field("", max_length=200)


def _private(response: Response) -> None:
    response.headers["Cache-Control"] = "private, no-store"


# --- callbacks --------------------------------------------------------------------------------


@router.post(
    "/api/integrations/zendesk/webhook", name="receive_zendesk_webhook", responses=errors(422)
)
async def zendesk_webhook(request: Request, ctx: Ctx, settings: Integrations) -> CallbackStatus:
    """Zendesk says a ticket changed (a reply, a status): Baton reads the ticket in a job."""
    body = await request.body()
    secret = settings.zendesk.webhook_secret
    verified = secret is not None and zendesk.verify_zendesk_signature(
        secret.get_secret_value(),
        body,
        request.headers.get(zendesk.SIGNATURE_HEADER),
        request.headers.get(zendesk.TIMESTAMP_HEADER),
        now=ctx.clock.now(),
        tolerance_seconds=settings.zendesk.webhook_tolerance_seconds,
    )
    if not verified:
        raise Unauthorized("missing or wrong Zendesk webhook signature")
    try:
        payload = json.loads(body)
    except ValueError:
        raise InvalidInput("the body is not JSON", code="malformed_json") from None
    ticket_id = zendesk.ticket_id_of(payload)
    if ticket_id is None:
        raise InvalidInput("the body names no ticket_id", code="no_ticket")
    invocation = request.headers.get(zendesk.INVOCATION_HEADER)
    accepted = await integrations.receive_zendesk_callback(
        ctx, ticket_id, invocation_id=invocation[:100] if invocation else None
    )
    return CallbackStatus(status="accepted" if accepted else "ignored")


@router.post(
    "/api/integrations/slack/interactions",
    name="receive_slack_interaction",
    response_class=Response,
    responses={200: {"description": "Acknowledged (an empty body)"}, **errors(422)},
)
async def slack_interactions(request: Request, ctx: Ctx, settings: Integrations) -> Response:
    """Slack's interactivity requests (a click on "Open in Baton"): verified, acknowledged."""
    body = await request.body()
    secret = settings.slack.signing_secret
    verified = secret is not None and slack.verify_slack_signature(
        secret.get_secret_value(),
        body,
        request.headers.get(slack.TIMESTAMP_HEADER),
        request.headers.get(slack.SIGNATURE_HEADER),
        now=ctx.clock.now().timestamp(),
    )
    if not verified:
        raise Unauthorized("missing, wrong or expired Slack signature")
    form = parse_qs(body.decode("utf-8", errors="replace"))
    try:
        json.loads(form.get("payload", ["{}"])[0])
    except ValueError:
        raise InvalidInput("payload is not JSON", code="malformed_json") from None
    # Buttons link to the console; the click needs only Slack's acknowledgement.
    return Response(status_code=200)


# --- the admins' webhook subscriptions ---------------------------------------------------------


@router.get("/api/console/webhooks", name="list_webhooks", responses=ADMIN)
async def list_endpoints(response: Response, ctx: Ctx, admin: CurrentAdmin) -> WebhookEndpointList:
    _private(response)
    rows = await integrations.list_webhook_endpoints(ctx)
    return WebhookEndpointList.model_validate(
        {
            "endpoints": [integrations.endpoint_data(row) for row in rows],
            "event_types": list(integrations.WEBHOOK_EVENT_TYPES),
        }
    )


@router.post(
    "/api/console/webhooks",
    name="add_webhook",
    status_code=201,
    responses=ADMIN,
)
async def create_endpoint(
    body: EndpointCreate,
    response: Response,
    ctx: Ctx,
    admin: CurrentAdmin,
    settings: Integrations,
) -> WebhookEndpointAdded:
    """Subscribe a URL; the answer carries the signing secret, shown this once."""
    _private(response)
    allow = settings.webhooks.allow_private_targets

    async def check(url: str) -> str:
        return await check_webhook_url(url, allow_private=allow)

    created = await integrations.create_webhook_endpoint(
        ctx,
        url=body.url,
        events=list(body.events),
        description=body.description,
        acting=admin.agent.id,
        check_url=check,
    )
    return WebhookEndpointAdded.model_validate(
        {**integrations.endpoint_data(created.endpoint), "secret": created.secret}
    )


@router.delete(
    "/api/console/webhooks/{endpoint_id}",
    name="remove_webhook",
    status_code=204,
    response_class=Response,
    responses={**ADMIN, **errors(404)},
)
async def delete_endpoint(endpoint_id: str, ctx: Ctx, admin: CurrentAdmin) -> Response:
    await integrations.delete_webhook_endpoint(ctx, endpoint_id[:64], acting=admin.agent.id)
    return Response(status_code=204)


@router.post(
    "/api/console/webhooks/{endpoint_id}/enable",
    name="enable_webhook",
    responses={**ADMIN, **errors(404, 409)},
)
async def enable_endpoint(endpoint_id: str, ctx: Ctx, admin: CurrentAdmin) -> WebhookEnabled:
    await integrations.enable_webhook_endpoint(ctx, endpoint_id[:64], acting=admin.agent.id)
    return WebhookEnabled(active=True)


@router.get(
    "/api/console/webhooks/deliveries",
    name="list_webhook_deliveries",
    responses=ADMIN,
)
async def list_deliveries(
    response: Response,
    ctx: Ctx,
    admin: CurrentAdmin,
    endpoint_id: str | None = None,
    status: Literal["pending", "retrying", "delivered", "dead"] | None = None,
) -> WebhookDeliveryList:
    """Recent deliveries with their status and last error; `?status=dead` for dead letters."""
    _private(response)
    rows = await integrations.list_webhook_deliveries(
        ctx, endpoint_id=endpoint_id[:64] if endpoint_id else None, status=status
    )
    return WebhookDeliveryList.model_validate(
        {"deliveries": [integrations.delivery_data(row) for row in rows]}
    )
