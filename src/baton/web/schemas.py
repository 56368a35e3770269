"""Request and response bodies. Responses never carry secrets or internal notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from baton.services.conversations import message_data

AttributeValue = str | int | float | bool | None


class PageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, max_length=2000)
    title: str | None = Field(None, max_length=300)


class ContactCreate(BaseModel):
    """What the site knows of the visitor. Unsigned, so it is shown but never trusted."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200)
    email: EmailStr | None = None
    attributes: dict[str, AttributeValue] = Field(default_factory=dict, max_length=50)

    @field_validator("attributes")
    @classmethod
    def _short_attributes(cls, value: dict[str, AttributeValue]) -> dict[str, AttributeValue]:
        for key, item in value.items():
            if not key or len(key) > 64:
                raise ValueError("attribute names have 1 to 64 characters")
            if isinstance(item, str) and len(item) > 500:
                raise ValueError(f"attribute {key!r} is longer than 500 characters")
        return value


def known_timezone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("unknown time zone; expected an IANA name such as Europe/Paris") from None
    return value


class ConversationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: PageIn | None = None
    contact: ContactCreate | None = None
    identity: str | None = Field(
        None,
        max_length=8000,
        description="payload.signature signed by the site's server (see docs); trusted when valid.",
    )
    timezone: str | None = Field(None, max_length=64, description="IANA name, e.g. Europe/Paris")

    _known_timezone = field_validator("timezone")(known_timezone)


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=20000)
    client_id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="The client's id for this message; a retry with the same id is stored once.",
    )


class MessagePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    author: str
    author_name: str | None
    body: str
    client_id: str | None
    created_at: datetime
    actions: list[str] = Field(default_factory=list, description="rate, accept_offer")

    @classmethod
    def of(cls, message: Any) -> MessagePublic:
        return cls.model_validate({**message_data(message)})


class ConversationPublic(BaseModel):
    id: str
    state: str
    messages: list[MessagePublic]
    last_event_id: int = Field(0, description="Resume the socket from here after a refetch.")


class ConversationStarted(BaseModel):
    conversation: ConversationPublic
    token: str = Field(
        description="Send as `Authorization: Bearer <token>`; opens this conversation only."
    )


class MessagePosted(BaseModel):
    message: MessagePublic
    replies: list[MessagePublic]
    state: str


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class RatingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Literal["good", "bad"]
    comment: str | None = Field(None, max_length=2000)


class Rated(BaseModel):
    rating: Literal["good", "bad"]


class CallbackStatus(BaseModel):
    status: str = Field(description="What became of it: accepted, ignored, posted, held.")


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[str, str] = Field(description="`ok`, or `failing: <error>`, per dependency.")
    bot: str
