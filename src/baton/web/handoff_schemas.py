"""Bodies of the server-to-server handoff API (`/api/v1/handoffs`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from baton.domain.reasons import ReasonCategory
from baton.domain.switchboard import ControlState
from baton.web.schemas import ContactCreate, PageIn, known_timezone


class TranscriptTurnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    author: Literal["customer", "bot"]
    text: str = Field(min_length=1, max_length=20000)


class ExternalConversation(BaseModel):
    """A conversation Baton has not seen: who the customer is and what was said so far."""

    model_config = ConfigDict(extra="forbid")

    contact: ContactCreate | None = None
    page: PageIn | None = None
    timezone: str | None = Field(None, max_length=64, description="IANA name, e.g. Europe/Paris")
    transcript: list[TranscriptTurnIn] = Field(min_length=1, max_length=200)

    _known_timezone = field_validator("timezone")(known_timezone)


class HandoffCreate(BaseModel):
    """Hand a customer to a human: an existing conversation, or a new one from a transcript."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: str | None = Field(
        None, max_length=64, description="A conversation started through the widget API."
    )
    conversation: ExternalConversation | None = Field(
        None, description="Or the customer and transcript of a conversation Baton has not seen."
    )
    reason: ReasonCategory = Field(description="Why the customer needs a human.")
    summary: str = Field(
        min_length=1, max_length=500, description="One line for the agent, read first."
    )

    @model_validator(mode="after")
    def _one_conversation(self) -> HandoffCreate:
        if (self.conversation_id is None) == (self.conversation is None):
            raise ValueError("send either conversation_id or conversation")
        return self


class HandoffPublic(BaseModel):
    id: str
    conversation_id: str
    status: Literal["open", "closed"] = Field(description="Closed once resolved or handed back.")
    state: ControlState = Field(description="Who holds the conversation now.")
    model: Literal["live", "email"] | None = Field(
        description="Live chat with an agent, or an email ticket."
    )
    reasons: list[ReasonCategory]
    summary: str
    promise: str | None = Field(description="The reply time told to the customer, as they read it.")
    promised_by: datetime | None
    created_at: datetime
    closed_at: datetime | None


class HandoffStarted(HandoffPublic):
    conversation_token: str | None = Field(
        None,
        description=(
            "For a conversation made from a transcript: the widget's token for it "
            "(`Authorization: Bearer <token>`), so the customer can go on in the chat."
        ),
    )
