"""Errors a caller can cause, each with a stable code the web layer turns into a 4xx.

    UserError                    4xx: the request is wrong; nothing was changed
    ├── InvalidInput             422 invalid_input
    ├── NotFound                 404 not_found (also for "exists but not yours")
    ├── Conflict                 409 conflict (the conversation is not in a state for this)
    └── RateLimited              429 rate_limited

Anything else is a fault (5xx) and is logged, never shown.
"""

from __future__ import annotations


class UserError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidInput(UserError):
    status = 422
    code = "invalid_input"


class NotFound(UserError):
    status = 404
    code = "not_found"


class Conflict(UserError):
    status = 409
    code = "conflict"


class RateLimited(UserError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
