"""Outgoing webhooks, signed the Standard Webhooks way.

Every request carries

    webhook-id: msg_...            the delivery id, the same on every try (dedupe on it)
    webhook-timestamp: 1764150000  seconds since the epoch, fresh on every try
    webhook-signature: v1,<base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}"))>

where `key` is the base64-decoded part of the endpoint's secret after `whsec_`. The body is
JSON: `{"type": ..., "timestamp": ..., "data": {...}}`.

The URL is checked again before every try (`safe_urls`): the host is resolved, every address
must be public (unless `allow_private_targets`), and the connection goes to the checked
address. Redirects are not followed. The receiver's body is never read into Baton's records:
only the status code is kept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from baton.channels.integrations.safe_urls import (
    Resolver,
    UnresolvableHost,
    UnsafeUrl,
    check_url,
    host_header,
    pinned_request_url,
    resolve_target,
)
from baton.domain.integration_settings import WebhookSettings
from baton.services.integrations import DeliveryOutcome

SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 300
RETRYABLE_STATUSES = frozenset({408, 425, 429})


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_...` secret."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign_webhook(secret: str, delivery_id: str, timestamp: int, body: str | bytes) -> str:
    """The `webhook-signature` value for one try."""
    raw = body.encode() if isinstance(body, str) else body
    signed = f"{delivery_id}.{timestamp}.".encode() + raw
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_webhook(
    secret: str,
    *,
    delivery_id: str,
    timestamp: str,
    signature: str,
    body: bytes,
    now: float | None = None,
    tolerance_seconds: int = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does: any `v1,` signature in the header matches, timestamp is fresh."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent_at) > tolerance_seconds:
        return False
    expected = sign_webhook(secret, delivery_id, sent_at, body).encode()
    return any(
        hmac.compare_digest(expected, candidate.encode())
        for candidate in signature.split()
        if candidate.startswith("v1,")
    )


class WebhookSender:
    """Delivers one try of a webhook (`baton.services.integrations.WebhookTransport`)."""

    def __init__(
        self,
        settings: WebhookSettings,
        *,
        resolver: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._resolver = resolver
        self._transport = transport

    async def deliver(self, url: str, secret: str, delivery_id: str, body: str) -> DeliveryOutcome:
        allow = self.settings.allow_private_targets
        try:
            target = check_url(url, allow_private=allow)
            address = await resolve_target(target, allow_private=allow, resolver=self._resolver)
        except UnresolvableHost as error:
            return DeliveryOutcome(ok=False, error=str(error), retryable=True)
        except UnsafeUrl as error:
            return DeliveryOutcome(ok=False, error=f"refused: {error}", retryable=False)
        timestamp = int(time.time())
        headers = {
            "Host": host_header(target),
            "Content-Type": "application/json",
            "User-Agent": "Baton-Webhooks",
            "webhook-id": delivery_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign_webhook(secret, delivery_id, timestamp, body),
        }
        extensions = {}
        if target.scheme == "https" and not _is_ip(target.host):
            # TLS is checked against the name in the URL, not the pinned address.
            extensions["sni_hostname"] = target.host
        try:
            async with httpx.AsyncClient(
                timeout=self.settings.timeout_seconds,
                follow_redirects=False,
                trust_env=False,
                transport=self._transport,
            ) as client:
                response = await client.post(
                    pinned_request_url(target, address),
                    content=body.encode(),
                    headers=headers,
                    extensions=extensions,
                )
        except httpx.TimeoutException:
            return DeliveryOutcome(
                ok=False,
                error=f"timed out after {self.settings.timeout_seconds:g} s",
                retryable=True,
            )
        except httpx.HTTPError as error:
            return DeliveryOutcome(
                ok=False, error=f"{type(error).__name__}: {error}"[:500], retryable=True
            )
        return classify(response.status_code, response.headers.get("retry-after"))


def classify(status: int, retry_after: str | None = None) -> DeliveryOutcome:
    """What a receiver's status code means for the delivery."""
    if 200 <= status < 300:
        return DeliveryOutcome(ok=True, status_code=status)
    if 300 <= status < 400:
        return DeliveryOutcome(
            ok=False,
            status_code=status,
            error=f"HTTP {status}: redirects are not followed",
            retryable=False,
        )
    if status >= 500 or status in RETRYABLE_STATUSES:
        return DeliveryOutcome(
            ok=False,
            status_code=status,
            error=f"HTTP {status}",
            retryable=True,
            retry_after=parse_retry_after(retry_after) if status in (429, 503) else None,
        )
    return DeliveryOutcome(ok=False, status_code=status, error=f"HTTP {status}", retryable=False)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def check_webhook_url(
    url: str, *, allow_private: bool, resolver: Resolver | None = None
) -> str:
    """The URL as saved, or UnsafeUrl (a ValueError) saying why it is refused."""
    url = url.strip()
    target = check_url(url, allow_private=allow_private)
    await resolve_target(target, allow_private=allow_private, resolver=resolver)
    return url
