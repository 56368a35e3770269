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


KEY = "s" * 40


def test_secrets_are_read_from_files_named_by_file_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "key").write_text(KEY + "\n")  # as `echo` writes it
    (tmp_path / "smtp").write_text("pa ss\n")
    monkeypatch.setenv("BATON_SECRET_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("BATON_EMAIL__SMTP_PASSWORD_FILE", str(tmp_path / "smtp"))
    monkeypatch.setenv("BATON_EMAIL__SMTP_USERNAME", "baton")

    settings = load_settings()

    assert settings.secret() == KEY
    assert settings.email.smtp_password is not None
    assert settings.email.smtp_password.get_secret_value() == "pa ss"


def test_secrets_are_read_from_a_secrets_folder_below_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "baton_secret_key").write_text(KEY)
    (tmp_path / "secrets" / "baton_company_name").write_text("From the folder")
    Path("baton.toml").write_text('company_name = "From file"\nwidget_secret = "from-file"\n')
    monkeypatch.setenv("BATON_SECRETS_DIR", str(tmp_path / "secrets"))
    monkeypatch.setenv("BATON_WIDGET_SECRET", "from-env")

    settings = load_settings()

    assert settings.secret() == KEY
    assert settings.company_name == "From the folder"
    assert settings.widget_secret is not None
    assert settings.widget_secret.get_secret_value() == "from-env"


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"BATON_SECRET_KEY_FILE": "{tmp}/missing"}, "BATON_SECRET_KEY_FILE: cannot read"),
        (
            {"BATON_SECRET_KEY_FILE": "{tmp}/key", "BATON_SECRET_KEY": KEY},
            "BATON_SECRET_KEY and BATON_SECRET_KEY_FILE are both set",
        ),
        ({"BATON_SECRETS_DIR": "{tmp}/nowhere"}, "BATON_SECRETS_DIR"),
    ],
    ids=["missing-file", "both-given", "missing-folder"],
)
def test_a_secret_file_that_cannot_be_used_stops_start_up_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "key").write_text(KEY)
    for name, value in variables.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    with pytest.raises(ConfigError, match=expected):
        load_settings()


def test_other_variables_ending_in_file_are_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_CONFIG_FILE", str(tmp_path / "not-read.toml"))
    monkeypatch.setenv("BATON_SECRET_KEY", KEY)
    assert load_settings().secret() == KEY


def test_everything_baton_writes_follows_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_SECRET_KEY", KEY)
    monkeypatch.setenv("BATON_DATA_DIR", "data")
    data = tmp_path / "data"

    settings = load_settings()
    demo = load_settings(demo=True)

    assert settings.database_url == f"sqlite+aiosqlite:///{data / 'baton.db'}"
    assert demo.database_url == f"sqlite+aiosqlite:///{data / 'baton-demo.db'}"
    assert settings.email.mailbox_folder == data / "mailbox"
    assert settings.tuned_models_folder == data / "tuned-models"
    again = Settings(**settings.model_dump())
    assert again.database_url == settings.database_url
    assert again.email.mailbox_folder == settings.email.mailbox_folder


def test_absolute_paths_and_postgresql_stay_where_they_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_SECRET_KEY", KEY)
    monkeypatch.setenv("BATON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BATON_DATABASE_URL", "postgresql+asyncpg://baton@db/baton")
    monkeypatch.setenv("BATON_EMAIL__MAILBOX_FOLDER", "/srv/mail")

    settings = load_settings()

    assert settings.database_url == "postgresql+asyncpg://baton@db/baton"
    assert settings.email.mailbox_folder == Path("/srv/mail")
    assert settings.tuned_models_folder == tmp_path / "data" / "tuned-models"
