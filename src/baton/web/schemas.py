"""Request and response bodies. Responses never carry secrets or internal notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator
from pydantic_core import PydanticCustomError

from baton.services.conversations import message_data

AttributeValue = str | int | float | bool | None
INVALID_CHARACTERS = "invalid_characters"
# Pydantic's own error for a lone surrogate in a string field, and ours for the rest.
UNSTORABLE_ERROR_TYPES = frozenset({INVALID_CHARACTERS, "string_unicode"})


def has_unstorable_characters(value: object) -> bool:
    """A NUL or a lone surrogate anywhere in the strings of `value` (keys included): text no
    database stores (PostgreSQL refuses both) and no page or email can show."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(
            has_unstorable_characters(k) or has_unstorable_characters(v) for k, v in value.items()
        )
    if isinstance(value, list | tuple | set | frozenset):
        return any(has_unstorable_characters(item) for item in value)
    return False


class InputModel(BaseModel):
    """A request body or frame: every string in it is checked for unstorable characters, so
    they get a 422 `invalid_characters`, never a database error."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: object) -> object:
        if has_unstorable_characters(value):
            raise PydanticCustomError(
                INVALID_CHARACTERS, "holds a NUL character or a lone surrogate, which is not text"
            )
        return value


class PageIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, max_length=2000)
    title: str | None = Field(None, max_length=300)


class ContactCreate(InputModel):
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


class ConversationCreate(InputModel):
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


class MessageCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=20000)
    client_id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="The client's id for this message; a retry with the same id is stored once.",
    )
    asks_for_person: bool = Field(
        False,
        description='Sent by the "Talk to a person" control: hand the conversation to the team.',
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


class RatingCreate(InputModel):
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
