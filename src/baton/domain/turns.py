"""Plain views of a conversation that the pure rules read: turns, the contact, the page.

The services build these from stored rows; the evaluation commands build them from files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Role = Literal["customer", "bot", "agent", "system"]
BotOutcome = Literal["answered", "fallback"]


@dataclass(frozen=True, slots=True)
class Turn:
    """One message as the rules see it. `outcome` is set on bot turns only."""

    role: Role
    text: str
    at: datetime | None = None
    outcome: BotOutcome | None = None


@dataclass(frozen=True, slots=True)
class ContactView:
    """What the site and the conversation know about the customer."""

    name: str | None = None
    email: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PageView:
    """The page the chat was opened on."""

    url: str | None = None
    title: str | None = None
