"""`baton token add | list | revoke`: a token is printed once, listed without its secret, and
stops working when revoked."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baton.cli import app
from baton.cli.common import service_context
from baton.config import load_settings
from baton.services.api_tokens import access_api_token
from baton.services.errors import UserError

runner = CliRunner()


def _check(secret: str, scope: str) -> str:
    async def run() -> str:
        async with service_context(load_settings(None)) as ctx:
            try:
                return (await access_api_token(ctx, secret, scope)).name
            except UserError as exc:
                return exc.code

    return asyncio.run(run())


def test_a_token_is_added_listed_used_and_revoked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["init"]).exit_code == 0
    added = runner.invoke(
        app,
        ["token", "add", "support-bot", "--scope", "handoffs:write", "--scope", "handoffs:read"],
    )
    assert added.exit_code == 0, added.output
    secret = added.stdout.strip().splitlines()[-1]
    assert secret.startswith("baton_") and len(secret) > 40
    assert _check(secret, "handoffs:write") == "support-bot"
    assert secret not in (tmp_path / "baton.db").read_bytes().decode("latin-1")  # hash only

    listed = runner.invoke(app, ["token", "list"])
    assert listed.exit_code == 0 and "support-bot" in listed.output and "active" in listed.output
    assert secret not in listed.output
    token_id = next(line.split()[1] for line in listed.output.splitlines() if "support" in line)

    revoked = runner.invoke(app, ["token", "revoke", token_id])
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in runner.invoke(app, ["token", "list"]).output
    assert _check(secret, "handoffs:write") == "invalid_token"
    assert runner.invoke(app, ["token", "revoke", "no-such-id"]).exit_code == 1


def test_an_unknown_scope_is_refused_and_nothing_is_added(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["init"]).exit_code == 0
    refused = runner.invoke(app, ["token", "add", "bot", "--scope", "admin:everything"])
    assert refused.exit_code == 1 and "unknown scope" in refused.output
    assert "No API tokens" in runner.invoke(app, ["token", "list"]).output
