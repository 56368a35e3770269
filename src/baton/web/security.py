"""The credentials the API accepts, declared once so the OpenAPI document names them.

- `ConversationToken`: the visitor's bearer token, from starting a conversation; opens that
  conversation only.
- `ConsoleSession` + `CsrfToken`: an agent's session cookie from signing in, and the CSRF token
  the console sends on every write.
- `ApiToken`: a server-to-server bearer token from `baton token add`, with scopes.

Each scheme reports a missing credential as `None`; the dependencies that use them answer 401
in the one error shape.
"""

from __future__ import annotations

from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPBearer

SESSION_COOKIE = "baton_session"
CSRF_HEADER = "x-csrf-token"

conversation_token = HTTPBearer(
    scheme_name="ConversationToken",
    description="The token from starting a conversation; opens that conversation only.",
    auto_error=False,
)
console_session = APIKeyCookie(
    name=SESSION_COOKIE,
    scheme_name="ConsoleSession",
    description="The console's session cookie, set by signing in (HttpOnly, SameSite=Strict).",
    auto_error=False,
)
csrf_token = APIKeyHeader(
    name="X-CSRF-Token",
    scheme_name="CsrfToken",
    description="The CSRF token from signing in (or `/api/console/me`); required on writes.",
    auto_error=False,
)
api_token = HTTPBearer(
    scheme_name="ApiToken",
    bearerFormat="baton_…",
    description=(
        "A server-to-server token from `baton token add NAME --scope ...`; each operation "
        "names the scope it needs."
    ),
    auto_error=False,
)
