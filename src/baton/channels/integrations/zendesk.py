"""Zendesk Support: a ticket per email handoff, and agents' replies back into the chat.

Uses the documented REST API with an API token (basic auth `{email}/token:{token}`):

    GET  /api/v2/tickets.json?external_id=<handoff id>     find the handoff's ticket
    POST /api/v2/tickets.json                               create it (Idempotency-Key too)
    GET  /api/v2/tickets/<id>.json                          its status
    GET  /api/v2/tickets/<id>/comments.json?include=users   its comments and their authors

A 429 raises `RetryLater` with the Retry-After delay; 5xx, timeouts and connection errors
raise `ZendeskUnavailable` (retried with backoff); other 4xx raise `PermanentJobError`.

Zendesk calls Baton back through a webhook whose requests carry
`X-Zendesk-Webhook-Signature` = base64(HMAC-SHA256(secret, timestamp + body)) and
`X-Zendesk-Webhook-Signature-Timestamp`; `verify_zendesk_signature` checks both.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from baton.channels.email_jobs import escalation_content
from baton.channels.email_out import (
    clean_body_text,
    display_name,
    escalation_subject,
    one_line,
    page_name,
)
from baton.channels.integrations.webhooks import parse_retry_after
from baton.domain.integration_settings import ZendeskSettings
from baton.runtime.jobs import PermanentJobError
from baton.services.handoff_brief import HandoffBrief
from baton.services.integrations import (
    RetryLater,
    TicketComment,
    TicketState,
)

MAX_COMMENT_PAGES = 20
DEFAULT_WAIT_SECONDS = 60.0
SIGNATURE_HEADER = "x-zendesk-webhook-signature"
TIMESTAMP_HEADER = "x-zendesk-webhook-signature-timestamp"
INVOCATION_HEADER = "x-zendesk-webhook-invocation-id"


class ZendeskUnavailable(Exception):
    """Zendesk could not answer now (5xx, timeout, connection); the job is retried."""


# --- the ticket -------------------------------------------------------------------------------


def ticket_subject(brief: HandoffBrief) -> str:
    """ "Chat escalation from [page name] — [brief topic]", as the escalation email says it."""
    return escalation_subject(escalation_content(brief))


def ticket_comment(brief: HandoffBrief) -> str:
    """The first comment: summary, customer, page, promise, context and the full transcript."""
    lines = [one_line(brief.summary, 1000), ""]
    lines.append(f"Customer: {one_line(brief.customer_name, 200) or 'not given'}")
    lines.append(f"Email: {one_line(brief.customer_email, 320) or 'not given'}")
    page = page_name(brief.page_title, brief.page_url)
    url = one_line(brief.page_url, 2000)
    lines.append(f"Page: {page}" + (f" ({url})" if url else ""))
    if brief.promise_text:
        lines.append(f"Promised to the customer: a reply {one_line(brief.promise_text, 200)}.")
    if brief.reasons:
        lines.append(f"Reasons: {', '.join(one_line(r, 40) for r in brief.reasons)}")
    context = [(k, v) for k, v in brief.context if k != "Page"]
    if context:
        lines += ["", "Context"]
        lines += [f"- {one_line(k, 200)}: {one_line(v, 2000)}" for k, v in context]
    lines += ["", "Conversation (times in UTC)", ""]
    if not brief.transcript:
        lines.append("(no messages)")
    for entry in brief.transcript:
        at = entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        text = clean_body_text(entry.text).replace("\n", "\n    ")
        lines.append(f"[{at}] {one_line(entry.who, 80) or 'Unknown'}: {text}")
    lines += ["", f"Open the conversation in Baton: {brief.console_url}"]
    return "\n".join(lines)


def ticket_body(brief: HandoffBrief, settings: ZendeskSettings) -> dict[str, Any]:
    """The JSON of POST /api/v2/tickets.json for the handoff."""
    ticket: dict[str, Any] = {
        "subject": ticket_subject(brief),
        "comment": {"body": ticket_comment(brief), "public": settings.first_comment_public},
        "external_id": brief.handoff_id,
        "tags": list(dict.fromkeys([*settings.tags, *(_tag(r) for r in brief.reasons)])),
    }
    if brief.customer_email:
        ticket["requester"] = {
            "name": display_name(brief.customer_name) or brief.customer_email,
            "email": brief.customer_email,
        }
    fields = []
    if settings.page_field_id is not None:
        page = page_name(brief.page_title, brief.page_url)
        url = one_line(brief.page_url, 2000)
        fields.append({"id": settings.page_field_id, "value": f"{page} {url}".strip()})
    if settings.promise_field_id is not None and brief.promise_text:
        fields.append({"id": settings.promise_field_id, "value": one_line(brief.promise_text)})
    if fields:
        ticket["custom_fields"] = fields
    return {"ticket": ticket}


def _tag(value: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "_-:" else "_" for ch in value.lower())[:80]


# --- the client -------------------------------------------------------------------------------


class ZendeskClient:
    """The Zendesk Support API, as `baton.services.integrations.TicketSystem`."""

    def __init__(
        self, settings: ZendeskSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        if not settings.enabled or settings.api_token is None:
            raise ValueError("ZendeskClient needs zendesk.subdomain, email and api_token")
        self.settings = settings
        self._auth = httpx.BasicAuth(
            f"{settings.email}/token", settings.api_token.get_secret_value()
        )
        self._transport = transport

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.settings.base_url,
            auth=self._auth,
            timeout=self.settings.timeout_seconds,
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": "Baton"},
            transport=self._transport,
        )

    async def _call(
        self, client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
    ) -> dict[str, Any]:
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.HTTPError as error:
            raise ZendeskUnavailable(
                f"Zendesk {method} {urlsplit(url).path}: {type(error).__name__}: {error}"
            ) from error
        where = f"Zendesk {method} {urlsplit(str(response.url)).path}"
        status = response.status_code
        if status == 429:
            wait = parse_retry_after(response.headers.get("retry-after"))
            raise RetryLater(
                f"{where}: 429 rate limited", wait if wait is not None else DEFAULT_WAIT_SECONDS
            )
        if status >= 500:
            raise ZendeskUnavailable(f"{where}: {status}")
        if status in (401, 403):
            raise PermanentJobError(f"{where}: {status}; check zendesk.email and api_token")
        if not 200 <= status < 300:
            raise PermanentJobError(f"{where}: {status} {response.text[:300]}")
        try:
            data = response.json()
        except ValueError:
            raise ZendeskUnavailable(f"{where}: answered {status} without JSON") from None
        if not isinstance(data, dict):
            raise ZendeskUnavailable(f"{where}: unexpected answer")
        return data

    async def find_ticket(self, external_id: str) -> str | None:
        async with self._client() as client:
            data = await self._call(
                client, "GET", "/api/v2/tickets.json", params={"external_id": external_id}
            )
        ids = [
            int(t["id"])
            for t in data.get("tickets") or []
            if isinstance(t, dict) and t.get("external_id") == external_id and "id" in t
        ]
        return str(min(ids)) if ids else None

    async def create_ticket(self, brief: HandoffBrief) -> str:
        async with self._client() as client:
            data = await self._call(
                client,
                "POST",
                "/api/v2/tickets.json",
                json=ticket_body(brief, self.settings),
                headers={"Idempotency-Key": f"baton-handoff-{brief.handoff_id}"},
            )
        ticket = data.get("ticket")
        if not isinstance(ticket, dict) or "id" not in ticket:
            raise ZendeskUnavailable("Zendesk created a ticket but did not say its id")
        return str(ticket["id"])

    async def add_note(self, ticket_id: str, body: str) -> None:
        """A private comment on the ticket: the team sees it, the requester is not emailed."""
        async with self._client() as client:
            await self._call(
                client,
                "PUT",
                f"/api/v2/tickets/{int(ticket_id)}.json",
                json={"ticket": {"comment": {"body": body, "public": False}}},
            )

    async def read_ticket(self, ticket_id: str) -> TicketState:
        if not ticket_id.isdigit():
            raise PermanentJobError(f"{ticket_id!r} is not a Zendesk ticket id")
        async with self._client() as client:
            ticket = (await self._call(client, "GET", f"/api/v2/tickets/{ticket_id}.json")).get(
                "ticket"
            ) or {}
            requester = ticket.get("requester_id")
            comments: list[TicketComment] = []
            url: str | None = f"/api/v2/tickets/{ticket_id}/comments.json?include=users"
            for _ in range(MAX_COMMENT_PAGES):
                if url is None:
                    break
                page = await self._call(client, "GET", url)
                users = {u.get("id"): u for u in page.get("users") or [] if isinstance(u, dict)}
                for raw in page.get("comments") or []:
                    if isinstance(raw, dict):
                        comments.append(_comment(raw, users, requester))
                url = self._same_host(page.get("next_page"))
        return TicketState(ticket_id, str(ticket.get("status") or ""), tuple(comments))

    def _same_host(self, url: Any) -> str | None:
        """Follow `next_page` only to the Zendesk host Baton is configured for."""
        if not isinstance(url, str) or not url:
            return None
        if urlsplit(url).netloc != urlsplit(self.settings.base_url).netloc:
            return None
        return url


def _comment(raw: dict[str, Any], users: dict[Any, Any], requester: Any) -> TicketComment:
    author_id = raw.get("author_id")
    author = users.get(author_id) or {}
    role = author.get("role")
    return TicketComment(
        id=str(raw.get("id", "")),
        author_name=str(author.get("name") or "Support team"),
        author_email=author.get("email") if isinstance(author.get("email"), str) else None,
        by_agent=author_id != requester and role in ("agent", "admin"),
        public=bool(raw.get("public")),
        body=str(raw.get("plain_body") or raw.get("body") or ""),
    )


# --- incoming webhooks ------------------------------------------------------------------------


def sign_zendesk(secret: str, timestamp: str, body: bytes) -> str:
    """base64(HMAC-SHA256(secret, timestamp + body)), as Zendesk signs its webhooks."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_zendesk_signature(
    secret: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    *,
    now: datetime,
    tolerance_seconds: float,
) -> bool:
    """True only for a correct signature over the raw body with a fresh timestamp."""
    if not secret or not signature or not timestamp or len(timestamp) > 64:
        return False
    try:
        signed_at = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return False
    if signed_at.tzinfo is None:
        signed_at = signed_at.replace(tzinfo=UTC)
    if abs((now - signed_at).total_seconds()) > tolerance_seconds:
        return False
    expected = sign_zendesk(secret, timestamp, body)
    return hmac.compare_digest(expected.encode(), signature.strip().encode())


def ticket_id_of(payload: Any) -> str | None:
    """The ticket id in the body of Baton's Zendesk webhook (docs/integrations.md)."""
    if not isinstance(payload, dict):
        return None
    value = payload.get("ticket_id")
    if value is None and isinstance(payload.get("ticket"), dict):
        value = payload["ticket"].get("id")
    text = str(value).strip() if value is not None else ""
    return text if text.isdigit() and len(text) <= 20 else None
