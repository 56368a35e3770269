"""Answers of the console's API (agents and admins), so the OpenAPI document says what each
operation returns. Built from the services' plain data with `model_validate`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, JsonValue

from baton.domain.reasons import ReasonCategory
from baton.domain.switchboard import ControlState
from baton.services.agents import Presence
from baton.web.schemas import AttributeValue

Role = Literal["admin", "agent"]
HandoffModel = Literal["live", "email"]
# Measures are counts, shares and durations in seconds; None when there is nothing to measure.
Measures = dict[str, int | float | None]


class AgentPublic(BaseModel):
    id: str
    name: str
    email: str
    role: Role
    presence: Presence


class SignedIn(BaseModel):
    agent: AgentPublic
    csrf_token: str = Field(description="Send as `X-CSRF-Token` on every write.")
    last_event_id: int = Field(description="Open the console socket from here.")


class SignedOut(BaseModel):
    status: Literal["signed out"]


class PresenceSet(BaseModel):
    presence: Presence


class ConversationSummary(BaseModel):
    id: str
    state: ControlState
    customer: str
    email: str | None
    page_title: str | None
    summary: str
    reasons: list[ReasonCategory]
    model: HandoffModel | None
    waiting_since: datetime | None
    promised_by: datetime | None
    promise_text: str | None
    first_response_at: datetime | None
    agent_id: str | None
    updated_at: datetime


class ConversationList(BaseModel):
    conversations: list[ConversationSummary]


class ConsoleMessage(BaseModel):
    id: int
    conversation_id: str
    author: Literal["customer", "bot", "agent", "system"]
    author_name: str | None
    internal: bool = Field(description="A note for agents; never shown to the customer.")
    body: str
    client_id: str | None
    created_at: datetime
    actions: list[str]


class ContactDetail(BaseModel):
    name: str | None
    email: str | None
    verified: bool
    attributes: dict[str, AttributeValue]
    returning: bool


class SignalPublic(BaseModel):
    kind: str
    reason: ReasonCategory
    weight: float
    evidence: str


class HandoffDetail(BaseModel):
    id: str
    status: Literal["open", "closed"]
    model: HandoffModel | None
    summary: str
    reasons: list[ReasonCategory]
    explanation: str
    signals: list[SignalPublic]
    promise_text: str | None
    promised_by: datetime | None
    first_response_at: datetime | None


class EarlierConversation(BaseModel):
    id: str
    state: ControlState
    created_at: datetime


class ConversationDetail(BaseModel):
    conversation: ConversationSummary
    messages: list[ConsoleMessage]
    contact: ContactDetail
    page_url: str | None
    handoff: HandoffDetail | None
    earlier: list[EarlierConversation] = Field(
        description="The same verified customer's other conversations."
    )


class StateChanged(BaseModel):
    state: ControlState


class ReplySent(BaseModel):
    id: int = Field(description="The new message's id.")


class Transferred(BaseModel):
    agent_id: str


class AgentRow(AgentPublic):
    capacity: int
    active: bool


class AgentList(BaseModel):
    agents: list[AgentRow]


class AgentAdded(BaseModel):
    id: str


class AgentDeactivated(BaseModel):
    agent_id: str
    active: Literal[False]


class ContactFound(BaseModel):
    id: str
    name: str | None
    email: str | None
    verified: bool
    external_id: str | None
    attributes: dict[str, AttributeValue]
    created_at: datetime
    conversations: int


class ContactList(BaseModel):
    contacts: list[ContactFound]


class ContactRecord(BaseModel):
    id: str
    name: str | None
    email: str | None
    verified: bool
    external_id: str | None
    attributes: dict[str, AttributeValue]
    created_at: datetime


class ExportedHandoff(BaseModel):
    id: str
    status: Literal["open", "closed"]
    model: HandoffModel | None
    reasons: list[ReasonCategory]
    summary: str
    promise: str | None
    promised_by: datetime | None
    created_at: datetime
    first_response_at: datetime | None
    closed_at: datetime | None
    rating: Literal["good", "bad"] | None
    rating_comment: str | None


class ExportedMail(BaseModel):
    id: int
    direction: Literal["out", "in"]
    kind: str
    status: str
    sender: str | None = Field(alias="from")
    to: str | None
    subject: str | None
    created_at: datetime
    raw: str


class ExportedConversation(BaseModel):
    id: str
    state: ControlState
    page_url: str | None
    page_title: str | None
    timezone: str | None
    created_at: datetime
    updated_at: datetime
    messages: list[ConsoleMessage]
    handoffs: list[ExportedHandoff]
    emails: list[ExportedMail]


class ContactExport(BaseModel):
    """Everything held about one contact."""

    exported_at: datetime
    contact: ContactRecord
    conversations: list[ExportedConversation]
    emails_not_in_a_conversation: list[ExportedMail]


class ContactForgotten(BaseModel):
    contact_id: str
    removed: dict[str, int] = Field(description="Rows removed, by table.")


class Period(BaseModel):
    start: datetime
    end: datetime


class ReasonsOverTime(BaseModel):
    bucket: Literal["day", "week"]
    rows: list[dict[str, str | int]] = Field(
        description="One row per bucket: `start` (a date) and a count per reason."
    )


class UnansweredQuestion(BaseModel):
    example: str
    count: int


class OverdueHandoff(BaseModel):
    handoff_id: str
    conversation_id: str
    summary: str


class MetricsReport(BaseModel):
    """Handoff quality over a period; durations in seconds."""

    period: Period
    handoffs: int
    conversations: int
    first_response: Measures
    first_response_by: dict[str, dict[str, Measures]] = Field(
        description="By `model`, `reason` and `agent`."
    )
    satisfaction: Measures
    satisfaction_by_reason: dict[str, Measures]
    repeat_contact: Measures
    rates: Measures
    promises: Measures
    reasons_over_time: ReasonsOverTime
    unanswered_questions: list[UnansweredQuestion]
    over_4h: list[OverdueHandoff]


class FailedMailJob(BaseModel):
    id: int
    kind: str
    attempts: int
    reason: str | None
    payload: dict[str, JsonValue]
    created_at: datetime


class MailRecord(BaseModel):
    id: int
    direction: Literal["out", "in"]
    status: str
    kind: str
    conversation_id: str | None
    sender: str | None
    recipients: str | None
    subject: str | None
    reason: str | None
    raw: str
    created_at: datetime


class MailLog(BaseModel):
    waiting: int = Field(description="Emails waiting to be sent.")
    failed: list[FailedMailJob]
    mail: list[MailRecord]


class WebhookEndpoint(BaseModel):
    id: str
    url: str
    description: str
    events: list[str]
    active: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    dead_letters_in_a_row: int
    failing_since: datetime | None
    created_at: datetime


class WebhookEndpointList(BaseModel):
    endpoints: list[WebhookEndpoint]
    event_types: list[str]


class WebhookEndpointAdded(WebhookEndpoint):
    secret: str = Field(description="Signs every delivery; shown this once.")


class WebhookEnabled(BaseModel):
    active: Literal[True]


class WebhookDelivery(BaseModel):
    id: str
    endpoint_id: str
    event_type: str
    event_id: int
    status: Literal["pending", "retrying", "delivered", "dead"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    finished_at: datetime | None


class WebhookDeliveryList(BaseModel):
    deliveries: list[WebhookDelivery]
