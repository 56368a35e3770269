"""The five categories every escalation is filed under (DESIGN.md, "Names")."""

from __future__ import annotations

from enum import StrEnum


class ReasonCategory(StrEnum):
    EXPLICIT_REQUEST = "explicit_request"
    KNOWLEDGE_GAP = "knowledge_gap"
    EMOTIONAL = "emotional"
    COMPLEX_ISSUE = "complex_issue"
    HIGH_VALUE = "high_value"
