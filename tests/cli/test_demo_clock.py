"""`BATON_DEMO_CLOCK`: the demo runs from a chosen moment; anything else refuses it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from baton.cli import app
from baton.runtime.clock import ClockError, demo_clock
from tests.support.local_server import free_port

runner = CliRunner()
BATON = Path(sys.executable).parent / "baton"
MONDAY_LATE = "2026-12-07T23:50:00+00:00"


def test_a_real_server_refuses_a_pinned_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("BATON_DEMO_CLOCK", MONDAY_LATE)
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert "BATON_DEMO_CLOCK pins the clock for `baton serve --demo` only" in output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("value", ["tomorrow", "2026-12-07T23:50:00"], ids=["words", "no-offset"])
def test_the_demo_refuses_a_clock_it_cannot_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_DEMO_CLOCK", value)
    result = runner.invoke(app, ["serve", "--demo"])
    assert result.exit_code == 2
    assert "expected an ISO 8601 time with its offset" in " ".join(result.output.split())


def test_the_pinned_clock_starts_at_the_chosen_moment_and_runs_on() -> None:
    clock = demo_clock({"BATON_DEMO_CLOCK": MONDAY_LATE}, demo=True)
    assert clock is not None
    first = clock.now()
    assert first >= datetime(2026, 12, 7, 23, 50, tzinfo=UTC) and first.tzinfo is not None
    assert clock.now() >= first
    assert demo_clock({}, demo=False) is None
    with pytest.raises(ClockError):
        demo_clock({"BATON_DEMO_CLOCK": MONDAY_LATE}, demo=False)


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[str]:
    if not BATON.exists():
        pytest.skip(f"the baton command is not installed next to {sys.executable}")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("BATON_")}
    env["BATON_DEMO_CLOCK"] = MONDAY_LATE
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(BATON), "serve", "--demo", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"baton serve --demo did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


def test_the_demo_promises_from_the_pinned_moment(demo_server: str) -> None:
    started = httpx.post(
        demo_server + "/api/conversations", json={"contact": {"name": "Jo"}}, timeout=10
    ).json()
    conversation_id = started["conversation"]["id"]
    auth = {"Authorization": f"Bearer {started['token']}"}
    httpx.post(
        f"{demo_server}/api/conversations/{conversation_id}/messages",
        json={"text": "I want to talk to a person"},
        headers=auth,
        timeout=10,
    )
    deadline = time.monotonic() + 30
    bodies: list[str] = []
    while time.monotonic() < deadline:
        messages = httpx.get(
            f"{demo_server}/api/conversations/{conversation_id}", headers=auth, timeout=10
        ).json()["messages"]
        bodies = [m["body"] for m in messages if m["author"] != "customer"]
        if bodies:
            break
        time.sleep(0.2)
    # Monday 23:50 in London, the demo shop opens at 9:00 and answers within 2 business hours.
    assert any("by 11:00 AM GMT tomorrow (Tuesday)" in body for body in bodies), bodies
