"""Signatures: Standard Webhooks out, Zendesk and Slack in."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from baton.channels.integrations.slack import sign_slack, verify_slack_signature
from baton.channels.integrations.webhooks import (
    classify,
    parse_retry_after,
    sign_webhook,
    verify_webhook,
)
from baton.channels.integrations.zendesk import sign_zendesk, verify_zendesk_signature
from baton.services.integrations import new_webhook_secret

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_the_shown_secret_verifies_a_standard_webhooks_signature() -> None:
    secret = new_webhook_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    body = '{"type":"handoff.created"}'
    signature = sign_webhook(secret, "msg_1", 1_700_000_000, body)
    # The spec's construction, written out independently.
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, b"msg_1.1700000000." + body.encode(), hashlib.sha256).digest()
    ).decode()
    assert signature == f"v1,{expected}"
    assert verify_webhook(
        secret,
        delivery_id="msg_1",
        timestamp="1700000000",
        signature=f"v1,bogus {signature}",  # several signatures: any may match
        body=body.encode(),
        now=1_700_000_100,
    )


@given(st.binary(max_size=200), st.integers(min_value=0, max_value=199), st.integers(1, 255))
def test_any_changed_byte_breaks_a_webhook_signature(body: bytes, index: int, flip: int) -> None:
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    signature = sign_webhook(secret, "msg_x", 1000, body)
    assert verify_webhook(
        secret, delivery_id="msg_x", timestamp="1000", signature=signature, body=body, now=1000
    )
    if body:
        changed = bytearray(body)
        changed[index % len(body)] ^= flip
        assert not verify_webhook(
            secret,
            delivery_id="msg_x",
            timestamp="1000",
            signature=signature,
            body=bytes(changed),
            now=1000,
        )
    assert not verify_webhook(
        secret, delivery_id="msg_y", timestamp="1000", signature=signature, body=body, now=1000
    )
    assert not verify_webhook(
        secret, delivery_id="msg_x", timestamp="1000", signature=signature, body=body, now=1400
    )


def test_zendesk_signatures_over_timestamp_and_raw_body() -> None:
    body = b'{"ticket_id": "101"}'
    stamp = "2026-11-23T09:59:00Z"
    signature = sign_zendesk("zsecret", stamp, body)
    expected = base64.b64encode(
        hmac.new(b"zsecret", stamp.encode() + body, hashlib.sha256).digest()
    ).decode()
    assert signature == expected

    def check(**changes: object) -> bool:
        args: dict[str, object] = {
            "secret": "zsecret",
            "body": body,
            "signature": signature,
            "timestamp": stamp,
        }
        args.update(changes)
        return verify_zendesk_signature(  # type: ignore[arg-type]
            **args, now=NOW, tolerance_seconds=300
        )

    assert check()
    assert not check(body=b'{"ticket_id":"101"}')  # re-serialised JSON is not the raw body
    assert not check(signature=None)
    assert not check(signature=signature[:-2] + "==")
    assert not check(secret="other")
    assert not check(timestamp="2026-11-23T09:00:00Z")  # an hour old
    assert not check(timestamp="yesterday")


def test_slack_signatures_and_the_five_minute_window() -> None:
    body = b"payload=%7B%22type%22%3A%22block_actions%22%7D"
    now = NOW.timestamp()
    stamp = str(int(now))
    signature = sign_slack("ssecret", stamp, body)
    expected = hmac.new(b"ssecret", b"v0:" + stamp.encode() + b":" + body, "sha256").hexdigest()
    assert signature == f"v0={expected}"
    assert verify_slack_signature("ssecret", body, stamp, signature, now=now)
    assert not verify_slack_signature("ssecret", body + b"x", stamp, signature, now=now)
    assert not verify_slack_signature("ssecret", body, stamp, "v0=" + "0" * 64, now=now)
    assert not verify_slack_signature("ssecret", body, None, signature, now=now)
    old = str(int((NOW - timedelta(minutes=6)).timestamp()))
    assert not verify_slack_signature(
        "ssecret", body, old, sign_slack("ssecret", old, body), now=now
    )


def test_status_codes_decide_retry_or_final() -> None:
    assert classify(204).ok
    assert classify(503, "7").retryable and classify(503, "7").retry_after == 7
    assert classify(429).retryable and classify(500).retryable and classify(408).retryable
    for final in (301, 302, 400, 401, 404, 410, 422):
        assert not classify(final).retryable and not classify(final).ok
    assert "redirect" in (classify(302).error or "")


def test_retry_after_as_seconds_or_a_date() -> None:
    assert parse_retry_after("30") == 30
    assert parse_retry_after("Mon, 23 Nov 2026 10:01:00 GMT", now=NOW) == 60
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
