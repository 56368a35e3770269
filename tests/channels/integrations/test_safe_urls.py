"""Webhook URLs: only public http(s) addresses, checked when saved and again when sent."""

from __future__ import annotations

import ipaddress

import pytest

from baton.channels.integrations.safe_urls import (
    UnresolvableHost,
    UnsafeUrl,
    check_url,
    host_header,
    pinned_request_url,
    resolve_target,
)
from baton.channels.integrations.webhooks import WebhookSender, check_webhook_url
from baton.domain.integration_settings import WebhookSettings

REFUSED = [
    "http://127.0.0.1:6379/",
    "http://127.1/",
    "http://0/",
    "http://0.0.0.0/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::]/",
    "http://[64:ff9b::a00:1]/",
    "http://[2002:a00:1::]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://localhost:8000/",
    "http://api.localhost/",
    "file:///etc/passwd",
    "gopher://example.com:70/",
    "ftp://example.com/",
    "javascript:alert(1)",
    "http:///no-host",
    "http://user:pass@example.com/",
    "http://exa mple.com/",
    "http://example.com:99999/",
]


@pytest.mark.parametrize("url", REFUSED)
async def test_non_public_targets_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        await check_webhook_url(url, allow_private=False, resolver=_resolves_to("93.184.216.34"))


@pytest.mark.parametrize("url", ["https://93.184.216.34/hook", "http://[2606:4700::1111]:8080/x"])
async def test_public_addresses_are_allowed(url: str) -> None:
    assert await check_webhook_url(url, allow_private=False) == url


def _resolves_to(*answers: str):  # type: ignore[no-untyped-def]
    calls: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return list(answers)

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


async def test_a_public_name_that_resolves_inward_is_refused() -> None:
    target = check_url("https://hooks.example.com/x", allow_private=False)
    for answers in (("10.1.2.3",), ("93.184.216.34", "127.0.0.1"), ("::ffff:169.254.169.254",)):
        with pytest.raises(UnsafeUrl, match="resolves to"):
            await resolve_target(target, allow_private=False, resolver=_resolves_to(*answers))
    address = await resolve_target(
        target, allow_private=False, resolver=_resolves_to("93.184.216.34")
    )
    assert address == ipaddress.ip_address("93.184.216.34")


async def test_a_name_that_does_not_resolve_is_a_retryable_refusal() -> None:
    async def fails(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    target = check_url("https://nowhere.example/x", allow_private=False)
    with pytest.raises(UnresolvableHost):
        await resolve_target(target, allow_private=False, resolver=fails)


def test_the_connection_goes_to_the_checked_address_with_the_original_host() -> None:
    target = check_url("https://hooks.example.com:8443/in?x=1", allow_private=False)
    pinned = pinned_request_url(target, ipaddress.ip_address("93.184.216.34"))
    assert pinned == "https://93.184.216.34:8443/in?x=1"
    assert host_header(target) == "hooks.example.com:8443"
    v6 = pinned_request_url(target, ipaddress.ip_address("2606:4700::1111"))
    assert v6 == "https://[2606:4700::1111]:8443/in?x=1"


async def test_dns_rebinding_cannot_reach_a_private_address_at_send_time() -> None:
    """The name was public when saved; now it resolves to loopback: nothing is sent."""
    sender = WebhookSender(WebhookSettings(), resolver=_resolves_to("127.0.0.1"))
    outcome = await sender.deliver("http://hooks.example.com/x", "whsec_" + "A" * 44, "msg_1", "{}")
    assert not outcome.ok and not outcome.retryable
    assert "loopback" in (outcome.error or "")


def test_private_targets_pass_only_with_the_explicit_setting() -> None:
    with pytest.raises(UnsafeUrl):
        check_url("http://127.0.0.1:9/", allow_private=False)
    assert check_url("http://127.0.0.1:9/", allow_private=True).host == "127.0.0.1"
    with pytest.raises(UnsafeUrl):
        check_url("file:///etc/passwd", allow_private=True)  # schemes never pass
