from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from baton.cli import app

runner = CliRunner()


def test_check_scripts_accepts_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", "scripts"])
    assert result.exit_code == 0, result.output
    assert "Scripts are fine" in result.output


def test_check_scripts_rejects_a_bad_script_naming_template_line_and_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "after_hours.txt").write_text("We're closed.\nSomeone will get back to you soon.\n")
    Path("baton.toml").write_text(f'[scripts]\nfolder = "{folder}"\n')
    result = runner.invoke(app, ["check", "scripts"])
    assert result.exit_code == 1
    assert "after_hours, line 2" in result.output and "soon" in result.output


def test_serve_refuses_a_wrong_setting_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_LIMITS__MAX_MESSAGE_CHARS", "lots")
    result = runner.invoke(app, ["serve", "--demo"])
    assert result.exit_code == 2
    assert "limits.max_message_chars = 'lots'" in result.output
    assert "Traceback" not in result.output


def test_serve_without_a_secret_outside_the_demo_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2 and "secret_key" in result.output


def test_init_then_db_upgrade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert runner.invoke(app, ["init"]).exit_code == 1  # never overwrites silently
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "baton.db").exists()


def test_kb_import_is_all_or_nothing_and_names_the_bad_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_SECRET_KEY", "k" * 40)
    good = tmp_path / "kb"
    good.mkdir()
    (good / "returns.md").write_text(
        "---\nid: returns\ntitle: Returns\nquestions:\n  - how do I return it\n---\n30 days.\n"
    )
    first = runner.invoke(app, ["kb", "import", str(good)])
    assert first.exit_code == 0, first.output
    (good / "broken.md").write_text("---\nid: broken\nquestions: [a\n---\nbody\n")
    second = runner.invoke(app, ["kb", "import", str(good)])
    assert second.exit_code == 1
    assert "broken.md" in second.output and "line" in second.output
    listed = runner.invoke(app, ["kb", "list"])
    assert "returns" in listed.output and "broken" not in listed.output.replace("broken.md", "")


def test_a_contact_is_found_exported_and_forgotten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from baton.cli.common import service_context
    from baton.config import load_settings
    from baton.services.conversations import ContactIn, start_conversation

    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["init"]).exit_code == 0

    async def visitor() -> str:
        async with service_context(load_settings(None)) as ctx:
            started = await start_conversation(
                ctx, contact=ContactIn(name="Ana", email="ana@example.com")
            )
            return started.contact.id

    contact_id = asyncio.run(visitor())
    found = runner.invoke(app, ["contact", "find", "ana@example.com"])
    assert found.exit_code == 0 and contact_id in found.output
    exported = runner.invoke(app, ["contact", "export", contact_id, "--out", "ana.json"])
    assert exported.exit_code == 0, exported.output
    assert '"email": "ana@example.com"' in (tmp_path / "ana.json").read_text()
    refused = runner.invoke(app, ["contact", "forget", contact_id], input="n\n")
    assert refused.exit_code == 1  # not confirmed: nothing removed
    assert contact_id in runner.invoke(app, ["contact", "find", "ana@example.com"]).output
    forgotten = runner.invoke(app, ["contact", "forget", contact_id, "--yes"])
    assert forgotten.exit_code == 0 and "1 contacts" in forgotten.output
    assert "No contact" in runner.invoke(app, ["contact", "find", "ana@example.com"]).output
    again = runner.invoke(app, ["contact", "forget", contact_id, "--yes"])
    assert again.exit_code == 1 and "no such contact" in again.output
