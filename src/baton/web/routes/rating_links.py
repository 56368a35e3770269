"""Rating links from the satisfaction email: no login; opening one shows the answer, the
customer's click on the page records it, once."""

from __future__ import annotations

from html import escape
from typing import Literal

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse

from baton.services.errors import UserError
from baton.services.satisfaction import add_comment_by_link, check_rating_link, rate_by_link
from baton.web.deps import Ctx, limit_address
from baton.web.openapi import errors
from baton.web.pages import PAGE, html_page
from baton.web.schemas import has_unstorable_characters

# The customer reads a page, never JSON: a wrong link (404) or a second answer (409) is a page
# too. Bad query or form values (422) and the limits (429, 503) answer in the error shape.
router = APIRouter(
    tags=["satisfaction"],
    dependencies=[Depends(limit_address)],
    responses={
        200: {"description": "A thank-you page", **PAGE},
        404: {"description": "No such rating link", **PAGE},
        409: {"description": "Already answered", **PAGE},
        **errors(422, 429, 503),
    },
)

_LABELS = {"good": "Good", "bad": "Bad"}


@router.get(
    "/rate/{handoff_id}/{signature}", name="show_rating_choice", response_class=HTMLResponse
)
async def show_rating_choice(
    handoff_id: str, signature: str, ctx: Ctx, rating: Literal["good", "bad"] = "good"
) -> HTMLResponse:
    """Show the answer the customer clicked, to confirm; opening a link records nothing, as
    mail scanners open every link in a message."""
    try:
        check_rating_link(ctx, handoff_id[:64], signature[:128], rating)
    except UserError as exc:
        return html_page("Thank you", exc.message, status=exc.status)
    form = (
        f'<form method="post" action="/rate/{escape(handoff_id)}/{escape(signature)}">'
        f'<input type="hidden" name="rating" value="{escape(rating)}">'
        f"<p><button>Send: {_LABELS[rating]}</button></p></form>"
    )
    return html_page("How did we do?", f"Your answer: {_LABELS[rating]}.", form)


@router.post("/rate/{handoff_id}/{signature}", name="rate_by_link", response_class=HTMLResponse)
async def rate_from_email(
    handoff_id: str,
    signature: str,
    ctx: Ctx,
    rating: Literal["good", "bad"] = Form(),
) -> HTMLResponse:
    """Record the rating the customer confirmed, then offer an optional comment."""
    try:
        await rate_by_link(ctx, handoff_id[:64], signature[:128], rating)
    except UserError as exc:
        return html_page("Thank you", exc.message, status=exc.status)
    form = (
        f'<form method="post" action="/rate/{escape(handoff_id)}/{escape(signature)}/comment">'
        '<label for="c">Anything you would like to add? (optional)</label>'
        '<textarea id="c" name="comment" maxlength="2000"></textarea>'
        "<p><button>Send</button></p></form>"
    )
    return html_page("Thank you!", "Your rating was recorded.", form)


@router.post(
    "/rate/{handoff_id}/{signature}/comment", name="comment_by_link", response_class=HTMLResponse
)
async def comment_from_email(
    handoff_id: str, signature: str, ctx: Ctx, comment: str = Form("", max_length=2000)
) -> HTMLResponse:
    if has_unstorable_characters(comment):
        return html_page("Thank you", "The comment holds characters that are not text.", status=422)
    try:
        await add_comment_by_link(ctx, handoff_id[:64], signature[:128], comment)
    except UserError as exc:
        return html_page("Thank you", exc.message, status=exc.status)
    return html_page("Thank you!", "Your comment reached the team.")
