"""Settings of the integrations, nested under `[integrations]` in baton.toml.

    [integrations]
    escalation_channel = "both"           # email | zendesk | both

    [integrations.zendesk]                # tickets for email handoffs, agent replies back
    subdomain = "acme"
    email = "bot@acme.example"
    api_token = "..."
    webhook_secret = "..."

    [integrations.slack]                  # a notice per handoff, its story in the thread
    bot_token = "xoxb-..."
    channel = "C0123456789"
    signing_secret = "..."

    [integrations.webhooks]               # signed deliveries to URLs admins subscribe
    allow_private_targets = false

This module imports nothing from Baton, so `baton.config` can nest it.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

_SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_TAG = re.compile(r"^[a-z0-9_:/-]{1,80}$")


def _http_base(value: str | None) -> str | None:
    if value is None:
        return None
    if not value.startswith(("http://", "https://")):
        raise ValueError("expected an http:// or https:// address")
    return value.rstrip("/")


class ZendeskSettings(BaseModel):
    """Zendesk Support: a ticket per email handoff; agents' public replies come back."""

    model_config = ConfigDict(extra="forbid")

    subdomain: str | None = Field(
        None, description="Your Zendesk subdomain: 'acme' for https://acme.zendesk.com."
    )
    email: str | None = Field(
        None, description="Email of the Zendesk agent whose API token Baton uses."
    )
    api_token: SecretStr | None = Field(
        None, description="Zendesk API token (Admin Center > Apps and integrations > APIs)."
    )
    webhook_secret: SecretStr | None = Field(
        None,
        description=(
            "Signing secret of the Zendesk webhook that calls Baton; without it Baton refuses "
            "every Zendesk callback."
        ),
    )
    api_base_url: str | None = Field(
        None,
        description="Instead of https://<subdomain>.zendesk.com: a proxy, or a local test server.",
    )
    page_field_id: int | None = Field(
        None, ge=1, description="Ticket custom field that receives the page the chat was on."
    )
    promise_field_id: int | None = Field(
        None, ge=1, description="Ticket custom field that receives the promise to the customer."
    )
    tags: list[str] = Field(
        default_factory=lambda: ["baton"],
        description="Tags added to every ticket, besides the handoff reasons.",
    )
    first_comment_public: bool = Field(
        False,
        description=(
            "Make the ticket's first comment (summary, context, transcript) public; private "
            "keeps the team's notes away from the customer's copy of the ticket."
        ),
    )
    timeout_seconds: float = Field(
        15.0, gt=0, le=120, description="Give up on one Zendesk API request after this long."
    )
    webhook_tolerance_seconds: int = Field(
        300,
        ge=30,
        le=86400,
        description="Refuse Zendesk callbacks whose signature timestamp is older than this.",
    )

    @field_validator("subdomain")
    @classmethod
    def _subdomain(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().lower().removesuffix(".zendesk.com")
        if not _SUBDOMAIN.match(value):
            raise ValueError("expected the subdomain only, like 'acme'")
        return value

    @field_validator("api_base_url")
    @classmethod
    def _base(cls, value: str | None) -> str | None:
        return _http_base(value)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        for tag in value:
            if not _TAG.match(tag):
                raise ValueError(f"{tag!r}: tags are lowercase letters, digits, '_', '-', ':'")
        return value

    @property
    def enabled(self) -> bool:
        return bool(self.subdomain and self.email and self.api_token)

    @property
    def base_url(self) -> str:
        return self.api_base_url or f"https://{self.subdomain}.zendesk.com"


class SlackSettings(BaseModel):
    """Slack: a notice in a channel for every handoff, followed in its thread."""

    model_config = ConfigDict(extra="forbid")

    bot_token: SecretStr | None = Field(
        None, description="Bot token (xoxb-...) of your Slack app, with the chat:write scope."
    )
    channel: str | None = Field(
        None, description="Channel id (C0123...) the notices go to; invite the app there."
    )
    signing_secret: SecretStr | None = Field(
        None,
        description=(
            "Signing secret of the Slack app; without it Baton refuses every interaction "
            "request from Slack."
        ),
    )
    api_base_url: str = Field(
        "https://slack.com/api",
        description="Slack's Web API address (change only for a proxy or a local test server).",
    )
    timeout_seconds: float = Field(
        15.0, gt=0, le=120, description="Give up on one Slack API request after this long."
    )

    @field_validator("api_base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        checked = _http_base(value)
        assert checked is not None
        return checked

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token and self.channel)


class WebhookSettings(BaseModel):
    """Outgoing webhooks: signed deliveries to the URLs admins subscribe in the console."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="Send webhooks to the subscribed URLs.")
    allow_private_targets: bool = Field(
        False,
        description=(
            "Allow webhook URLs on loopback, private and link-local addresses. Off, Baton "
            "refuses them when saved and again when sending (protects internal services)."
        ),
    )
    timeout_seconds: float = Field(
        5.0, gt=0, le=60, description="A receiver slower than this counts as failed (retried)."
    )
    max_attempts: int = Field(
        8, ge=1, le=20, description="Tries per delivery before it is dead-lettered."
    )
    retry_base_seconds: float = Field(
        10.0, gt=0, le=3600, description="First retry delay; each later one doubles, jittered."
    )
    retry_cap_seconds: float = Field(
        3600.0, gt=0, le=86400, description="Longest delay between two tries."
    )
    disable_after_dead_letters: int = Field(
        10, ge=1, description="Disable an endpoint after this many dead letters in a row."
    )
    disable_after_failing_hours: float = Field(
        24.0, gt=0, description="Disable an endpoint that has failed without a success this long."
    )


class IntegrationSettings(BaseModel):
    """Where handoffs go besides the console: Zendesk, Slack and outgoing webhooks."""

    model_config = ConfigDict(extra="forbid")

    escalation_channel: Literal["email", "zendesk", "both"] = Field(
        "email",
        description=(
            "Where email handoffs go: the escalation email, a Zendesk ticket, or both "
            "(zendesk and both need [integrations.zendesk])."
        ),
    )
    zendesk: ZendeskSettings = Field(default_factory=ZendeskSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)

    @model_validator(mode="after")
    def _consistent(self) -> IntegrationSettings:
        if self.escalation_channel != "email" and not self.zendesk.enabled:
            raise ValueError(
                f"escalation_channel = {self.escalation_channel!r} needs zendesk.subdomain, "
                "zendesk.email and zendesk.api_token"
            )
        return self

    @property
    def zendesk_tickets(self) -> bool:
        """Email handoffs become Zendesk tickets."""
        return self.escalation_channel in ("zendesk", "both") and self.zendesk.enabled

    @property
    def escalation_email(self) -> bool:
        """Email handoffs are emailed to the support team (the email channel reads this)."""
        return self.escalation_channel in ("email", "both")

    @property
    def slack_notices(self) -> bool:
        return self.slack.enabled

    @property
    def webhooks_enabled(self) -> bool:
        return self.webhooks.enabled
