from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from baton.cli.setup import render_settings_file
from baton.config import ConfigError, Settings, load_settings


def test_the_environment_overrides_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "baton.toml"
    path.write_text('secret_key = "' + "k" * 40 + '"\ncompany_name = "From file"\n')
    monkeypatch.setenv("BATON_COMPANY_NAME", "From env")
    monkeypatch.setenv("BATON_LIMITS__MAX_MESSAGE_CHARS", "500")
    settings = load_settings(path)
    assert settings.company_name == "From env"
    assert settings.limits.max_message_chars == 500


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[limits]\nmax_message_chars = 'lots'\n", "limits.max_message_chars = 'lots'"),
        ("database_url = 'mysql://x'\n", "database_url = 'mysql://x': expected sqlite"),
        ("colour = 'blue'\n", "colour = 'blue': unknown setting"),
        ("company_name = \n", "not valid TOML"),
    ],
    ids=["wrong-type", "unknown-engine", "unknown-key", "broken-toml"],
)
def test_a_wrong_value_names_the_key_the_value_and_what_is_expected(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "baton.toml"
    path.write_text('secret_key = "' + "k" * 40 + '"\n' + content)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert expected in str(caught.value)


def test_secrets_have_no_usable_default_outside_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="secret_key"):
        load_settings()
    demo = load_settings(demo=True)
    assert demo.secret_key is not None and len(demo.secret()) >= 32
    assert load_settings(demo=True).secret() != demo.secret()


def test_init_writes_every_setting_and_a_working_secret(tmp_path: Path) -> None:
    text = render_settings_file()
    path = tmp_path / "baton.toml"
    path.write_text(text)
    settings = load_settings(path)
    assert len(settings.secret()) >= 32
    for name in Settings.model_fields:
        assert name in text
    for name in Settings.model_fields["limits"].annotation.model_fields:  # type: ignore[union-attr]
        assert f"# {name} = " in text
    # Uncommenting every setting line gives back the defaults.
    keys = {name for model in _models() for name in model.model_fields}
    uncommented = "\n".join(
        line[2:]
        if line.startswith("# ") and line[2:].split(" = ")[0] in keys and "not set" not in line
        else line
        for line in text.splitlines()
    )
    defaults = Settings(secret_key="x" * 32)  # type: ignore[arg-type]
    parsed = Settings(**tomllib.loads(uncommented))
    assert parsed.model_dump(exclude={"secret_key"}) == defaults.model_dump(exclude={"secret_key"})


def _models() -> list[type[BaseModel]]:
    nested = [f.annotation for f in Settings.model_fields.values()]
    return [Settings, *(m for m in nested if isinstance(m, type) and issubclass(m, BaseModel))]
