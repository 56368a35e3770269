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


def test_kb_import_calibrates_the_threshold_and_saves_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_SECRET_KEY", "k" * 40)
    articles = Path(__file__).parents[2] / "examples" / "demo-shop" / "articles"
    result = runner.invoke(app, ["kb", "import", str(articles)])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "Calibrated threshold 0." in output and "off-topic questions" in output
    assert list((tmp_path / "kb-index").glob("vectors-*.npz"))
    assert (tmp_path / "kb-index" / "calibrations.json").exists()
    monkeypatch.setenv("BATON_BOT__THRESHOLD", "0.7")
    fixed = runner.invoke(app, ["kb", "import", str(articles)])
    assert "Threshold 0.700, as [bot] threshold sets it." in " ".join(fixed.output.split())


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


def test_version_prints_the_package_version() -> None:
    from baton import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"baton {__version__}"


def test_metrics_in_the_terminal_lists_each_escalation_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from baton.cli.common import console

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(console, "_width", 160)  # as wide as a terminal that fits the table
    made = runner.invoke(app, ["demo-data", "--demo", "--conversations", "300", "--days", "20"])
    assert made.exit_code == 0, made.output
    report = json.loads(runner.invoke(app, ["metrics", "--demo", "--json"]).output)
    by_reason = report["first_response_by"]["reason"]
    assert len(by_reason) >= 3

    result = runner.invoke(app, ["metrics", "--demo"])

    assert result.exit_code == 0, result.output
    assert "Escalation reasons" in result.output
    rows = {
        line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:-1]]
        for line in result.output.splitlines()
        if line.count("│") == 7
    }
    for reason, first in by_reason.items():
        count, share, satisfaction, median, within = rows[reason]
        assert int(count) == first["count"]
        assert share == f"{first['count'] / report['handoffs']:.0%}"
        positive = report["satisfaction_by_reason"][reason]["positive_rate"]
        assert satisfaction == ("—" if positive is None else f"{positive:.0%}")
        seconds = first["median_business_seconds"]
        assert median == ("—" if seconds is None else f"{seconds / 3600:.1f} h")
        assert within.endswith("%") or within == "—"


def test_serve_refuses_workers_from_the_environment_without_redis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["serve", "--demo"], env={"BATON_WORKERS": "3"})
    assert result.exit_code == 2
    assert "--workers needs redis_url" in result.output


def test_check_scripts_lists_every_problem_in_the_templates_one_a_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "after_hours.txt").write_text("We're closed.\nWe'll reply soon.\n")
    Path("baton.toml").write_text(
        f'[scripts]\nfolder = "{folder}"\n\n[scripts.templates]\n'
        'declined = "We will get back to you in due course."\n'
        'offer = "Want a person? They answer promptly, ASAP."\n'
        'agent_joined = "Someone joins in the near future."\n'
        'ask_email = "Your email? We reply at the earliest opportunity."\n'
    )
    result = runner.invoke(app, ["check", "scripts"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("✗")]
    for expected in (
        "after_hours, line 2: vague timing 'soon'",
        "declined, line 1: vague timing 'in due course'",
        "offer, line 1: vague timing 'promptly'",
        "offer, line 1: vague timing 'ASAP'",
        "agent_joined, line 1: vague timing 'in the near future'",
        "ask_email, line 1: vague timing 'at the earliest opportunity'",
    ):
        assert sum(expected in line for line in lines) == 1, (expected, result.output)
    assert "Cannot start" not in result.output and "Traceback" not in result.output


def test_serve_refuses_bad_templates_with_every_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("baton.toml").write_text(
        '[scripts.templates]\ndeclined = "Back shortly."\noffer = "Want a person? Promptly."\n'
    )
    result = runner.invoke(app, ["serve", "--demo"])
    assert result.exit_code == 2
    assert "declined, line 1: vague timing 'shortly'" in result.output
    assert "offer, line 1: vague timing 'Promptly'" in result.output
