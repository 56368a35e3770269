"""Slack: a Block Kit notice for every handoff, and its story in the notice's thread.

Uses the Web API method `chat.postMessage` with a bot token (scope `chat:write`). The notice
shows the one-line summary, the reasons, the promise, the customer's context and a button to
the conversation in the console; claims, resolutions and promises at risk are replies in its
thread (`thread_ts`).

Rate limits: HTTP 429 or `{"ok": false, "error": "ratelimited"}` raise `RetryLater` with the
Retry-After delay. Slack's own transient errors, 5xx, timeouts and connection errors raise
`SlackUnavailable` (retried); other errors (`channel_not_found`, `invalid_auth`, ...) are final.

Interaction requests from Slack are signed: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing
secret, "v0:{X-Slack-Request-Timestamp}:{raw body}")>`; `verify_slack_signature` checks it and
refuses timestamps more than five minutes away.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx

from baton.channels.email_out import one_line, page_name
from baton.channels.integrations.webhooks import parse_retry_after
from baton.domain.integration_settings import SlackSettings
from baton.runtime.jobs import PermanentJobError
from baton.services.handoff_brief import HandoffBrief
from baton.services.integrations import RetryLater

DEFAULT_WAIT_SECONDS = 30.0
TOLERANCE_SECONDS = 300
SIGNATURE_HEADER = "x-slack-signature"
TIMESTAMP_HEADER = "x-slack-request-timestamp"
_RATE_LIMITED = frozenset({"ratelimited", "rate_limited"})
_TRANSIENT = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})


class SlackUnavailable(Exception):
    """Slack could not take the message now; the job is retried."""


def escape(text: str | None, limit: int = 500) -> str:
    """Text for Slack mrkdwn: one line, with &, < and > escaped (no injected links/mentions)."""
    line = one_line(text, limit)
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def notice_blocks(brief: HandoffBrief) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, Block Kit blocks) of the notice for a new handoff."""
    customer = escape(brief.customer_name, 200) or "A customer"
    if brief.customer_email:
        customer += f" ({escape(brief.customer_email, 320)})"
    page = escape(page_name(brief.page_title, brief.page_url), 100)
    how = "live chat" if brief.model == "live" else "email ticket"
    fields = [
        {"type": "mrkdwn", "text": f"*Customer*\n{customer}"},
        {"type": "mrkdwn", "text": f"*Page*\n{page}"},
        {"type": "mrkdwn", "text": f"*Reasons*\n{escape(', '.join(brief.reasons)) or '—'}"},
        {"type": "mrkdwn", "text": f"*Promise*\n{escape(brief.promise_text) or '—'}"},
        {"type": "mrkdwn", "text": f"*Handoff*\n{how}"},
    ]
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f":raised_hand: *{escape(brief.summary, 1000)}*"},
        },
        {"type": "section", "fields": fields},
    ]
    context = [(k, v) for k, v in brief.context if k != "Page"][:9]
    if context:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": f"*{escape(k, 60)}:* {escape(v, 200)}"}
                    for k, v in context
                ],
            }
        )
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Open in Baton"},
                    "url": brief.console_url,
                    "action_id": "open_conversation",
                    "value": brief.handoff_id,
                    "style": "primary",
                }
            ],
        }
    )
    text = f"New handoff: {one_line(brief.summary, 300)}"
    return text, blocks


class SlackClient:
    """Slack's Web API, as `baton.services.integrations.ChatNotifier`."""

    def __init__(
        self, settings: SlackSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        if not settings.enabled or settings.bot_token is None or settings.channel is None:
            raise ValueError("SlackClient needs slack.bot_token and slack.channel")
        self.settings = settings
        self.channel = settings.channel
        self._token = settings.bot_token.get_secret_value()
        self._transport = transport

    async def _call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(
                base_url=self.settings.api_base_url,
                timeout=self.settings.timeout_seconds,
                follow_redirects=False,
                transport=self._transport,
            ) as client:
                response = await client.post(
                    f"/{method}",
                    json=payload,
                    headers={"Authorization": f"Bearer {self._token}"},
                )
        except httpx.HTTPError as error:
            raise SlackUnavailable(f"Slack {method}: {type(error).__name__}: {error}") from error
        wait = parse_retry_after(response.headers.get("retry-after"))
        if response.status_code == 429:
            raise RetryLater(f"Slack {method}: 429 rate limited", wait or DEFAULT_WAIT_SECONDS)
        if response.status_code >= 500:
            raise SlackUnavailable(f"Slack {method}: HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise SlackUnavailable(
                f"Slack {method}: HTTP {response.status_code} without JSON"
            ) from None
        if not isinstance(data, dict):
            raise SlackUnavailable(f"Slack {method}: unexpected answer")
        if data.get("ok") is True:
            return data
        code = str(data.get("error") or f"HTTP {response.status_code}")
        if code in _RATE_LIMITED:
            raise RetryLater(f"Slack {method}: {code}", wait or DEFAULT_WAIT_SECONDS)
        if code in _TRANSIENT:
            raise SlackUnavailable(f"Slack {method}: {code}")
        raise PermanentJobError(f"Slack {method}: {code}")

    async def post_notice(self, brief: HandoffBrief) -> tuple[str, str]:
        text, blocks = notice_blocks(brief)
        data = await self._call(
            "chat.postMessage",
            {"channel": self.channel, "text": text, "blocks": blocks, "unfurl_links": False},
        )
        channel, ts = data.get("channel"), data.get("ts")
        if not isinstance(channel, str) or not isinstance(ts, str):
            raise SlackUnavailable("Slack chat.postMessage: no channel or ts in the answer")
        return channel, ts

    async def post_in_thread(self, channel: str, thread_id: str, text: str) -> None:
        await self._call(
            "chat.postMessage",
            {"channel": channel, "thread_ts": thread_id, "text": text, "unfurl_links": False},
        )


def sign_slack(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Slack-Signature` Slack would send for this body."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify_slack_signature(
    secret: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    *,
    now: float,
    tolerance_seconds: int = TOLERANCE_SECONDS,
) -> bool:
    """True only for Slack's signature over the raw body, sent within five minutes."""
    if not secret or not timestamp or not signature or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > tolerance_seconds:
        return False
    expected = sign_slack(secret, timestamp, body)
    return hmac.compare_digest(expected.encode(), signature.strip().encode())
