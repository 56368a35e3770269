"""Settings of the email channel, nested under `[email]` in baton.toml.

With no `smtp_host` the outgoing mail is written to a local mailbox folder (the embedded
default), so a fresh install works without a mail server; set `smtp_host` to send for real.
"""

from __future__ import annotations

import re
from email import policy
from email.headerregistry import Address, AddressHeader
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")


def parse_single_address(value: str) -> Address:
    """The one mailbox in `value` ("Name <a@b>" or "a@b"), or ValueError."""
    if any(ch in value for ch in "\r\n\x00") or "=?" in value:
        raise ValueError("must be a plain address without line breaks or encoded words")
    header = policy.default.header_factory("to", value)
    defects = header.defects
    if not isinstance(header, AddressHeader):  # pragma: no cover - "to" is always an address
        raise ValueError("not an address header")
    addresses = header.addresses
    if defects or len(addresses) != 1 or not addresses[0].domain:
        raise ValueError(f"{value!r} is not a single email address like 'Name <name@example.com>'")
    return addresses[0]


def check_single_address(value: str) -> str:
    """Raise ValueError unless `value` is one well-formed mailbox ("Name <a@b>" or "a@b")."""
    parse_single_address(value)
    return value


class EmailSettings(BaseModel):
    """How escalation emails go out to the support team and how their replies come back."""

    model_config = ConfigDict(extra="forbid")

    support_address: str = Field(
        "support@localhost", description="Where escalation emails are sent: the support team."
    )
    from_address: str = Field(
        "Baton <baton@localhost>",
        description="The sender of every email Baton sends, e.g. 'Acme Support <help@acme.com>'.",
    )
    reply_domain: str = Field(
        "localhost",
        description=(
            "Domain of the per-conversation reply addresses (reply+<token>@<domain>); its mail "
            "must reach Baton's inbound receiver or webhook."
        ),
    )
    smtp_host: str | None = Field(
        None,
        description="SMTP server for outgoing mail; empty writes each email to mailbox_folder.",
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        "starttls",
        description="starttls (port 587), tls (implicit TLS, port 465) or none (trusted relays).",
    )
    smtp_username: str | None = Field(None, description="SMTP login; empty sends without one.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password for smtp_username.")
    smtp_timeout_seconds: float = Field(
        30.0, gt=0, le=600, description="Give up on an SMTP connection or reply after this long."
    )
    mailbox_folder: Path = Field(
        Path("mailbox"),
        description="Where outgoing emails are written as .eml files when smtp_host is empty.",
    )
    inbound_smtp_host: str | None = Field(
        None, description="Address the built-in SMTP receiver listens on; empty turns it off."
    )
    inbound_smtp_port: int | None = Field(
        None, ge=1, le=65535, description="Port of the built-in SMTP receiver."
    )
    inbound_smtp_mails_per_minute_per_client: int = Field(
        30,
        ge=1,
        description="Mails one connecting address may send the SMTP receiver per minute.",
    )
    inbound_smtp_mails_per_minute_per_sender: int = Field(
        10,
        ge=1,
        description="Mails one sending address (MAIL FROM) may send the SMTP receiver per minute.",
    )
    inbound_smtp_mails_per_connection: int = Field(
        20, ge=1, description="Mails one SMTP connection may carry before it is closed."
    )
    authserv_id: str | None = Field(
        None,
        description=(
            "The name your receiving mail server writes at the start of its "
            "Authentication-Results header (e.g. 'mx.google.com'); its DMARC or DKIM pass for "
            "an agent's domain lets that agent's emailed reply through. Empty: not read."
        ),
    )
    inbound_webhook_secret: SecretStr | None = Field(
        None,
        description="Shared secret that signs inbound mail posted by a mail provider's webhook.",
    )
    confirm_to_customer: bool = Field(
        True,
        description="Email the customer a confirmation of the escalation and the reply time.",
    )
    team_update_seconds: int = Field(
        60,
        ge=0,
        le=3600,
        description=(
            "After an email handoff, the customer's later messages go to the team's thread; "
            "messages within this many seconds of the first go in one email."
        ),
    )
    resolve_link_days: int = Field(
        14,
        ge=1,
        le=90,
        description=(
            "The escalation email's Resolve link works for this many days; after that, the "
            "team resolves by replying #resolve."
        ),
    )
    max_inbound_bytes: int = Field(
        10 * 1024 * 1024,
        ge=1024,
        description="Largest inbound email accepted, in bytes; larger mail is rejected.",
    )
    max_inbound_per_hour: int = Field(
        30,
        ge=1,
        description=(
            "Emails posted into one conversation in an hour at most; more are held, so a loop "
            "between two auto-responders that do not say so stops here."
        ),
    )

    @field_validator("support_address", "from_address")
    @classmethod
    def _one_address(cls, value: str) -> str:
        return check_single_address(value)

    @field_validator("reply_domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        value = value.strip().lower()
        if not _DOMAIN.match(value):
            raise ValueError(f"{value!r} is not a domain name like 'reply.example.com'")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> EmailSettings:
        if self.smtp_username and self.smtp_password is None:
            raise ValueError("smtp_password is required when smtp_username is set")
        if (self.inbound_smtp_host is None) != (self.inbound_smtp_port is None):
            raise ValueError("set both inbound_smtp_host and inbound_smtp_port, or neither")
        return self
