"""Which URLs Baton may call: public http(s) addresses only, unless an admin allows private ones.

A URL is checked twice: when it is saved (`check_url`, then `resolve_target` for a clear error
on a name that resolves inward) and again every time it is called (`resolve_target`), because
DNS can change in between. The caller then connects to the very address that was checked
(`pinned_request_url`), so a DNS answer that flips between check and connect changes nothing.

Refused: schemes other than http and https; user:password@ in the URL; loopback, private,
link-local, shared, unspecified, multicast and reserved addresses, also written the legacy ways
(`2130706433`, `0x7f.1`, `127.1`, `0`) or wrapped in IPv6 (`::ffff:127.0.0.1`, NAT64, 6to4);
`localhost` and names under `.localhost`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

MAX_URL_CHARS = 2000
_LEGACY_IPV4 = re.compile(r"^[0-9][0-9a-fA-FxX.]*$")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class UnsafeUrl(ValueError):
    """The URL may not be called; the message says why, for the admin who entered it."""


class UnresolvableHost(UnsafeUrl):
    """The host did not resolve (now): worth trying again later, unlike the other refusals."""


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL, split into what the connection needs."""

    url: str
    scheme: str
    host: str  # without brackets for IPv6
    port: int
    parts: SplitResult


def check_url(url: str, *, allow_private: bool) -> Target:
    """The URL split and checked without DNS: scheme, shape, and any literal address."""
    if len(url) > MAX_URL_CHARS:
        raise UnsafeUrl(f"URL is longer than {MAX_URL_CHARS} characters")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        raise UnsafeUrl("URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeUrl(f"not a valid URL: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeUrl("only http:// and https:// URLs are allowed")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("credentials in the URL are not allowed")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeUrl("URL has no host")
    target = Target(url, scheme, host, port or (443 if scheme == "https" else 80), parts)
    if allow_private:
        return target
    if host == "localhost" or host.endswith(".localhost"):
        raise UnsafeUrl("localhost is not a public address")
    literal = literal_address(host)
    if literal is not None:
        problem = address_problem(literal)
        if problem is not None:
            raise UnsafeUrl(f"{host} is {problem}")
    return target


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as an IP means, including legacy IPv4 forms; else None."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _LEGACY_IPV4.match(host):
        try:
            # inet_aton reads what resolvers read: 2130706433, 0x7f.1, 0177.0.0.1, 127.1, 0.
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def address_problem(address: IPAddress) -> str | None:
    """Why Baton may not connect to `address` (e.g. "a loopback address"), or None."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is not None:
            inner = address_problem(embedded)
            if inner is not None:
                return inner
    checks = (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_private", "a private address"),
        ("is_multicast", "a multicast address"),
        ("is_reserved", "a reserved address"),
    )
    for attribute, problem in checks:
        if getattr(address, attribute):
            return problem
    if not address.is_global:
        return "not a public address"
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, as the operating system's resolver answers."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def resolve_target(
    target: Target, *, allow_private: bool, resolver: Resolver | None = None
) -> IPAddress:
    """The checked address to connect to: every address the host resolves to must be public."""
    literal = literal_address(target.host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            answers = await (resolver or system_resolver)(target.host, target.port)
        except (OSError, UnicodeError) as error:
            raise UnresolvableHost(f"could not resolve {target.host}: {error}") from None
        addresses = []
        for answer in answers:
            try:
                addresses.append(ipaddress.ip_address(answer.split("%", 1)[0]))
            except ValueError:
                raise UnsafeUrl(f"{target.host} resolved to {answer!r}") from None
        if not addresses:
            raise UnresolvableHost(f"{target.host} does not resolve to any address")
    if not allow_private:
        for address in addresses:
            problem = address_problem(address)
            if problem is not None:
                raise UnsafeUrl(f"{target.host} resolves to {address}, {problem}")
    return addresses[0]


def pinned_request_url(target: Target, address: IPAddress) -> str:
    """The target's URL with the host replaced by the checked address (Host header aside)."""
    host = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    netloc = f"{host}:{target.port}"
    parts = target.parts
    return urlunsplit((target.scheme, netloc, parts.path or "/", parts.query, ""))


def host_header(target: Target) -> str:
    """The Host header the receiver expects for the original URL."""
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"
