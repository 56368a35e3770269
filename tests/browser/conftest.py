"""Real-browser tests: a Baton server in a subprocess, Chromium driven by Playwright.

The server runs `baton serve --demo` (the demo shop's knowledge base) in a temporary folder,
with live chat on and business hours open all week, so a handoff goes live whenever an agent
is online. The tests skip when Chromium (/usr/bin/chromium) or the `playwright` package is
missing, unless BATON_TEST_REQUIRE_SERVICES=1, which turns that into a failure.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

REQUIRE_SERVICES = os.environ.get("BATON_TEST_REQUIRE_SERVICES") == "1"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
BATON = Path(sys.executable).parent / "baton"
AGENT_EMAIL = "sam@lumen-loom.example"
AGENT_NAME = "Sam"
AGENT_PASSWORD = "correct-horse-battery-1"
ALWAYS_OPEN = json.dumps(
    {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
)
STARTUP_SECONDS = 60.0


@dataclass(frozen=True)
class BatonServer:
    url: str
    agent_email: str
    agent_name: str
    agent_password: str
    log: Path
    env: dict[str, str]


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture(scope="package")
def baton(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BatonServer]:
    """A running Baton (demo shop) with one admin agent; stopped after the session."""
    if not BATON.exists():
        _missing(f"the baton command is not installed next to {sys.executable}")
    folder = tmp_path_factory.mktemp("baton-server")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("BATON_")}
    env.update(
        {
            "BATON_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'baton.db'}",
            "BATON_PUBLIC_URL": url,
            "BATON_HANDOFF__LIVE_CHAT": "true",
            "BATON_BUSINESS_HOURS__TIMEZONE": "UTC",
            "BATON_BUSINESS_HOURS__WEEKLY": ALWAYS_OPEN,
        }
    )
    subprocess.run(
        [
            str(BATON),
            "agent",
            "add",
            AGENT_EMAIL,
            "--name",
            AGENT_NAME,
            "--password",
            AGENT_PASSWORD,
            "--role",
            "admin",
        ],
        cwd=folder,
        env={**env, "BATON_SECRET_KEY": "k" * 40},
        check=True,
        capture_output=True,
        timeout=60,
    )
    log = folder / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(BATON), "serve", "--demo", "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(url):
            if server.poll() is not None:
                pytest.fail(f"baton serve exited with {server.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"baton serve did not answer /healthz:\n{log.read_text()}")
            time.sleep(0.2)
        yield BatonServer(url, AGENT_EMAIL, AGENT_NAME, AGENT_PASSWORD, log, env)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install playwright)")
    if not CHROMIUM.exists():
        _missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def collect_dialogs(page: Any) -> list[str]:
    """Every JavaScript dialog the page opens, dismissed and recorded."""
    seen: list[str] = []

    def on_dialog(dialog: Any) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return seen
