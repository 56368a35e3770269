"""What an API token may do."""

from __future__ import annotations

# What each scope allows; a token holds any of them.
SCOPES: dict[str, str] = {
    "handoffs:write": "start a handoff for a conversation",
    "handoffs:read": "read a handoff's state and promise",
}
