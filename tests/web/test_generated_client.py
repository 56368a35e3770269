"""A typed Python client generated from the running server's OpenAPI document
(openapi-python-client) drives one handoff against a real `baton serve`: an API token made with
`baton token add`, a conversation, a message, the handoff, and reading it back.

The client is generated into a temporary folder at test time; nothing generated is kept.
"""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent
BATON = BIN / "baton"
GENERATOR = BIN / "openapi-python-client"
STARTUP_SECONDS = 60
PACKAGE = "baton_api_client"


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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str], Path]]:
    """`baton serve` on SQLite, its URL, its environment and its folder."""
    folder = tmp_path_factory.mktemp("api-server")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("BATON_")}
    env.update(
        {
            "BATON_SECRET_KEY": "k" * 40,
            "BATON_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'baton.db'}",
            "BATON_PUBLIC_URL": url,
        }
    )
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(BATON), "serve", "--demo", "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(url):
            if process.poll() is not None:
                pytest.fail(f"baton serve exited with {process.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"baton serve did not answer /healthz:\n{log.read_text()}")
            time.sleep(0.2)
        yield url, env, folder
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def client_package(
    server: tuple[str, dict[str, str], Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The client generated from the server's /openapi.json, imported."""
    url, _, _ = server
    folder = tmp_path_factory.mktemp("generated")
    config = folder / "config.yaml"
    # No post hooks: the generated code is imported, never committed, so it need not be linted.
    config.write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    generated = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--url",
            f"{url}/openapi.json",
            "--meta",
            "none",
            "--config",
            str(config),
            "--output-path",
            str(folder / PACKAGE),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _api(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_the_generated_client_drives_a_handoff(
    server: tuple[str, dict[str, str], Path], client_package: Any
) -> None:
    url, env, folder = server
    scopes = ["--scope", "handoffs:write", "--scope", "handoffs:read"]
    added = subprocess.run(
        [str(BATON), "token", "add", "support-bot", *scopes],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    api_token = added.stdout.strip()
    models = _api("models")
    start_conversation = _api("api.widget.widget_start_conversation")
    post_message = _api("api.widget.widget_post_message")
    start_handoff = _api("api.handoffs.handoffs_start_handoff")
    read_handoff = _api("api.handoffs.handoffs_read_handoff")

    anonymous = client_package.Client(base_url=url)
    started = start_conversation.sync(
        client=anonymous,
        body=models.ConversationCreate(
            contact=models.ContactCreate(name="Ana Lima", email="ana@example.com")
        ),
    )
    assert isinstance(started, models.ConversationStarted), started
    visitor = client_package.AuthenticatedClient(base_url=url, token=started.token)
    posted = post_message.sync(
        started.conversation.id,
        client=visitor,
        body=models.MessageCreate(text="Do you ship to Canada?", client_id="m1"),
    )
    assert isinstance(posted, models.MessagePosted), posted
    assert posted.message.body == "Do you ship to Canada?"

    bot = client_package.AuthenticatedClient(base_url=url, token=api_token)
    created = start_handoff.sync_detailed(
        client=bot,
        body=models.HandoffCreate(
            conversation_id=started.conversation.id,
            reason=models.ReasonCategory.COMPLEX_ISSUE,
            summary="Wants a wholesale order shipped to Canada",
        ),
    )
    assert created.status_code == 201, created.content
    handoff = created.parsed
    assert isinstance(handoff, models.HandoffStarted)
    assert handoff.status == "open" and handoff.promise
    assert handoff.summary == "Wants a wholesale order shipped to Canada"

    read = read_handoff.sync(handoff.id, client=bot)
    assert isinstance(read, models.HandoffPublic)
    assert (read.id, read.state, read.promise) == (handoff.id, handoff.state, handoff.promise)
    assert read.reasons == [models.ReasonCategory.COMPLEX_ISSUE]

    # A token without the scope gets the error shape, typed.
    refused = start_handoff.sync_detailed(
        client=client_package.AuthenticatedClient(base_url=url, token="baton_unknown"),
        body=models.HandoffCreate(
            conversation_id=started.conversation.id,
            reason=models.ReasonCategory.EMOTIONAL,
            summary="again",
        ),
    )
    assert refused.status_code == 401
    assert isinstance(refused.parsed, models.ErrorBody)
    assert refused.parsed.error.code == "invalid_token"
