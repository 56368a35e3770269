"""Signed customer identity from the site: `payload.signature`, checked in constant time.

The site's server builds `payload` as base64url(JSON) with `name`, `email`, `attributes` and
`exp` (Unix seconds), and `signature` as hex(HMAC-SHA256(widget_secret, payload)). Baton trusts
what is signed and never asks for it; unsigned details are shown to agents as unverified.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_TOKEN_CHARS = 8000


class IdentityError(ValueError):
    """The identity token is malformed, forged or expired."""


@dataclass(frozen=True)
class SignedIdentity:
    name: str | None
    email: str | None
    external_id: str | None
    attributes: dict[str, Any] = field(default_factory=dict)


def sign_identity(secret: str, claims: dict[str, Any]) -> str:
    """What a site's server does (also used by tests and the docs' example)."""
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    signature = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return f"{payload}.{signature}"


def verify_identity(secret: str, token: str, now: datetime) -> SignedIdentity:
    """The identity in `token`, or IdentityError. `exp` is required."""
    if not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        raise IdentityError("malformed identity token")
    payload, signature = token.split(".")
    expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    if len(signature) != len(expected) or not hmac.compare_digest(
        signature.lower().encode(), expected.encode()
    ):
        raise IdentityError("identity signature does not match")
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):
        raise IdentityError("identity payload is not base64url JSON") from None
    if not isinstance(claims, dict):
        raise IdentityError("identity payload must be an object")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp < now.timestamp():
        raise IdentityError("identity token has expired (or has no exp)")
    attributes = claims.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise IdentityError("attributes must be an object")
    return SignedIdentity(
        name=_text(claims.get("name")),
        email=_text(claims.get("email")),
        external_id=_text(claims.get("id")),
        attributes=attributes,
    )


def _text(value: Any) -> str | None:
    return str(value)[:320] if value not in (None, "") else None
