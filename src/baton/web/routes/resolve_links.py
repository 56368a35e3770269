"""The Resolve link of the team's escalation email: no console sign-in; opening it shows what
it would resolve, and the team member's form, with their agent address, resolves it."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse

from baton.services.errors import UserError
from baton.services.mail_commands import read_resolve_link, resolve_by_link
from baton.web.deps import Ctx, limit_address
from baton.web.openapi import errors
from baton.web.pages import PAGE, html_page
from baton.web.schemas import has_unstorable_characters

# A team member reads a page, never JSON: a wrong link (404), an address that is no agent's
# (403) and a link expired or already used (409) are pages too.
router = APIRouter(
    tags=["email"],
    dependencies=[Depends(limit_address)],
    responses={
        200: {"description": "A page", **PAGE},
        403: {"description": "Not an agent's address", **PAGE},
        404: {"description": "No such link", **PAGE},
        409: {"description": "Expired, or already resolved", **PAGE},
        **errors(422, 429, 503),
    },
)


@router.get(
    "/resolve/{handoff_id}/{expires}/{signature}",
    name="show_resolve_confirmation",
    response_class=HTMLResponse,
)
async def show_resolve_confirmation(
    handoff_id: str, expires: int, signature: str, ctx: Ctx
) -> HTMLResponse:
    """Show what the link resolves, and ask who resolves it; opening it changes nothing, as
    mail scanners open every link in a message."""
    try:
        view = await read_resolve_link(ctx, handoff_id[:64], expires, signature[:128])
    except UserError as exc:
        return html_page("Resolve", exc.message, status=exc.status)
    who = view.customer_name or "the customer"
    if not view.open:
        return html_page("Already resolved", f"The conversation with {who} was already resolved.")
    form = (
        f'<form method="post" action="/resolve/{escape(handoff_id)}/{expires}/'
        f'{escape(signature)}"><label for="a">Your email address (as an agent of the team)'
        '</label><p><input id="a" name="address" type="email" required maxlength="320" '
        'autocomplete="email"></p><p><button>Resolve</button></p></form>'
    )
    return html_page(f"Resolve the conversation with {who}?", view.summary, form)


@router.post(
    "/resolve/{handoff_id}/{expires}/{signature}",
    name="resolve_by_link",
    response_class=HTMLResponse,
)
async def resolve_from_email(
    handoff_id: str,
    expires: int,
    signature: str,
    ctx: Ctx,
    address: str = Form(max_length=320),
) -> HTMLResponse:
    """Resolve the conversation in the name of the agent whose address was given."""
    if has_unstorable_characters(address):
        return html_page("Resolve", "The address holds characters that are not text.", status=422)
    try:
        by = await resolve_by_link(ctx, handoff_id[:64], expires, signature[:128], address=address)
    except UserError as exc:
        return html_page("Not resolved", exc.message, status=exc.status)
    return html_page(
        "Resolved",
        f"Resolved by {by}. The customer was told and asked how it went, and the team's "
        "email thread gets a note.",
    )
