from __future__ import annotations

from datetime import UTC, datetime

import pytest

from baton.domain.identity import IdentityError, sign_identity, verify_identity

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SECRET = "w" * 40
CLAIMS = {"name": "Ana", "email": "ana@example.com", "attributes": {"plan": "premium"}}


def test_a_signed_identity_is_trusted() -> None:
    token = sign_identity(SECRET, {**CLAIMS, "exp": NOW.timestamp() + 600})
    identity = verify_identity(SECRET, token, NOW)
    assert identity.email == "ana@example.com" and identity.attributes == {"plan": "premium"}


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),
        lambda t: t.split(".")[0] + ".",
        lambda t: t.split(".")[0] + ".zz" + t.split(".")[1][2:],
        lambda t: t.split(".")[0] + "." + t.split(".")[1][:10],
        lambda t: "",
        lambda t: t.replace(".", ""),
    ],
    ids=["one-char", "empty-sig", "non-hex", "short", "empty", "no-dot"],
)
def test_a_forged_or_broken_token_is_refused(mutate: object) -> None:
    token = sign_identity(SECRET, {**CLAIMS, "exp": NOW.timestamp() + 600})
    with pytest.raises(IdentityError):
        verify_identity(SECRET, mutate(token), NOW)  # type: ignore[operator]


def test_an_expired_or_unbounded_token_is_refused() -> None:
    with pytest.raises(IdentityError, match="expired"):
        verify_identity(SECRET, sign_identity(SECRET, {**CLAIMS, "exp": NOW.timestamp() - 1}), NOW)
    with pytest.raises(IdentityError, match="expired"):
        verify_identity(SECRET, sign_identity(SECRET, CLAIMS), NOW)


def test_another_sites_secret_does_not_verify() -> None:
    token = sign_identity("o" * 40, {**CLAIMS, "exp": NOW.timestamp() + 600})
    with pytest.raises(IdentityError):
        verify_identity(SECRET, token, NOW)
