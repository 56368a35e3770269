"""Settings: `baton.toml`, overridden by `BATON_*` environment variables, validated at start-up.

Nested keys use a double underscore in the environment: `[limits] max_message_chars` is
`BATON_LIMITS__MAX_MESSAGE_CHARS`. A wrong value stops start-up with a `ConfigError` that names
the key, the value given and what was expected.

Secrets can come from files, as container platforms hand them over: `BATON_SECRET_KEY_FILE=PATH`
(any key, `BATON_EMAIL__SMTP_PASSWORD_FILE` too) reads the key's value from PATH, and
`BATON_SECRETS_DIR=DIR` reads top-level keys from files named like their variables
(`DIR/baton_secret_key`). Precedence: the environment, then those files, then `baton.toml`.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

from baton.bots.http_bot import HttpBotSettings
from baton.bots.knowledge_base import KnowledgeBaseSettings
from baton.bots.llm import LlmSettings
from baton.domain.business_hours import BusinessHoursSettings
from baton.domain.email_settings import EmailSettings
from baton.domain.integration_settings import IntegrationSettings
from baton.domain.policy import PolicySettings
from baton.domain.promises import SlaSettings
from baton.domain.scripts import ScriptSettings
from baton.domain.signals import SignalSettings

DEFAULT_CONFIG_FILE = Path("baton.toml")
DEMO_DATABASE_URL = "sqlite+aiosqlite:///baton-demo.db"
SQLITE_PREFIX = "sqlite+aiosqlite:///"
INDEX_FOLDER = "kb-index"
TUNED_MODELS_FOLDER = "tuned-models"
ENV_PREFIX = "BATON_"
FILE_SUFFIX = "_FILE"
SECRETS_DIR_VARIABLE = "BATON_SECRETS_DIR"


class ConfigError(Exception):
    """Settings that cannot be used; the message is meant for the person running Baton."""


class LimitSettings(BaseModel):
    """Sizes and rates every public endpoint enforces."""

    max_message_chars: int = Field(4000, ge=1, description="Longest customer message accepted.")
    max_body_bytes: int = Field(65536, ge=1024, description="Largest HTTP request body accepted.")
    max_name_chars: int = Field(200, ge=1, description="Longest name, title or attribute value.")
    max_attributes: int = Field(50, ge=0, description="Most contact attributes a site may send.")
    conversations_per_hour_per_ip: int = Field(
        60, ge=1, description="New conversations one address may start per hour."
    )
    messages_per_minute_per_conversation: int = Field(
        30, ge=1, description="Messages one conversation may send per minute."
    )
    logins_per_five_minutes_per_ip: int = Field(
        10, ge=1, description="Console sign-in attempts one address may make in five minutes."
    )
    requests_per_minute_per_ip: int = Field(
        600,
        ge=1,
        description="Requests and socket messages of any kind one address may make per minute.",
    )
    sockets_per_ip: int = Field(
        50, ge=1, description="Chat and console sockets one address may hold open at once."
    )
    hello_timeout_seconds: float = Field(
        10, gt=0, le=300, description="A widget socket that has not said hello by then is closed."
    )
    request_header_timeout_seconds: float = Field(
        10, gt=0, le=300, description="A request whose headers take longer is dropped."
    )
    request_body_timeout_seconds: float = Field(
        30, gt=0, le=600, description="A request body that stalls this long gets 408."
    )


class HandoffSettings(BaseModel):
    """How a conversation reaches a human."""

    live_chat: bool = Field(
        True, description="Offer live transfer when the business is open and an agent is free."
    )
    queue_wait_minutes: float = Field(
        5, gt=0, le=240, description="A queued customer nobody claims by then gets an email ticket."
    )
    auto_assign: bool = Field(
        False,
        description="Give each live handoff to the least-loaded online agent with room, at once.",
    )
    minutes_per_queued_customer: float = Field(
        4, gt=0, description="Used to tell a queued customer their expected wait."
    )
    console_timeout_seconds: float = Field(
        60,
        gt=0,
        description=(
            "An agent is online only while a console of theirs has answered within this many "
            "seconds (consoles ping every 25); also the grace for a reconnect before the chats "
            "they hold go back to the queue."
        ),
    )
    idle_minutes: float = Field(
        30,
        gt=0,
        description="An agent who has done nothing at their console for this long is away.",
    )


class RetentionSettings(BaseModel):
    """How long finished work is kept before the hourly purge deletes it."""

    jobs_days: float = Field(
        30,
        ge=1,
        description="Outbox jobs done this many days ago are deleted (failed ones are kept).",
    )
    events_days: float = Field(
        7,
        ge=1,
        description="Events older than this leave the log; a socket further behind refetches.",
    )


class Settings(BaseSettings):
    """Everything a site owner can set. `baton init` writes each key with its default."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    company_name: str = Field("Our company", min_length=1, description="Named in every script.")
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="Where customers and agents reach Baton; used in links and emails.",
    )
    data_dir: Path | None = Field(
        None,
        description="Folder for what Baton writes (SQLite file, mailbox, tuned models); "
        "relative paths in database_url and [email] mailbox_folder start there. None: the "
        "working folder.",
    )
    database_url: str = Field(
        "sqlite+aiosqlite:///baton.db",
        description="SQLite file (embedded default) or postgresql+asyncpg://user@host/db.",
    )
    redis_url: str | None = Field(
        None, description="redis://host:6379/0 to share events between processes."
    )
    secret_key: SecretStr | None = Field(
        None, description="Signs sessions and links. Required (32+ characters) outside --demo."
    )
    widget_origins: list[str] = Field(
        default_factory=list,
        description="Sites that may embed the widget, e.g. ['https://shop.example']; '*': any.",
    )
    widget_secret: SecretStr | None = Field(
        None,
        description="Shared with your site's server to sign customer identity (HMAC-SHA256).",
    )
    kb_path: Path | None = Field(
        None, description="Knowledge-base file or folder loaded at start (.md and .jsonl)."
    )
    bot_timeout_seconds: float = Field(
        10.0, gt=0, le=120, description="A bot slower than this hands the conversation on."
    )
    limits: LimitSettings = Field(default_factory=LimitSettings)
    bot_backend: Literal["knowledge_base", "llm", "http"] = Field(
        "knowledge_base",
        description="Who answers: the built-in bot, an LLM over the knowledge base, or your bot.",
    )
    bot: KnowledgeBaseSettings = Field(default_factory=KnowledgeBaseSettings)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    http_bot: HttpBotSettings = Field(default_factory=HttpBotSettings)
    handoff: HandoffSettings = Field(default_factory=HandoffSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    integrations: IntegrationSettings = Field(default_factory=IntegrationSettings)
    business_hours: BusinessHoursSettings = Field(default_factory=BusinessHoursSettings)
    sla: SlaSettings = Field(default_factory=SlaSettings)
    scripts: ScriptSettings = Field(default_factory=ScriptSettings)
    signals: SignalSettings = Field(default_factory=SignalSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines for people ('text') or for a log shipper ('json')."
    )
    metrics_token: SecretStr | None = Field(
        None, description="When set, /metrics answers only 'Authorization: Bearer <token>'."
    )
    metrics_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Serve /metrics on this port (at metrics_host) instead of the main one.",
    )
    metrics_host: str = Field("127.0.0.1", description="Address the metrics_port listens on.")
    forwarded_allow_ips: str | None = Field(
        None,
        description="Proxies trusted for X-Forwarded-For (comma-separated, '*': any); "
        "default: FORWARDED_ALLOW_IPS or 127.0.0.1.",
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("expected sqlite+aiosqlite:///FILE or postgresql+asyncpg://…")
        return value

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// address")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _paths_under_data_dir(self) -> Settings:
        if self.data_dir is None:
            return self
        # Absolute, so that settings validated twice never nest the folder in itself.
        self.data_dir = self.data_dir.resolve()
        if self.database_url.startswith(SQLITE_PREFIX):
            file, mark, query = self.database_url.removeprefix(SQLITE_PREFIX).partition("?")
            if file and file != ":memory:" and not Path(file).is_absolute():
                self.database_url = f"{SQLITE_PREFIX}{self.data_dir / file}{mark}{query}"
        if not self.email.mailbox_folder.is_absolute():
            self.email = self.email.model_copy(
                update={"mailbox_folder": self.data_dir / self.email.mailbox_folder}
            )
        return self

    @property
    def data_folder(self) -> Path:
        """`data_dir` when set; else the SQLite file's folder, or with PostgreSQL (or SQLite in
        memory) the working one."""
        if self.data_dir is not None:
            return self.data_dir
        if self.database_url.startswith(SQLITE_PREFIX):
            file = self.database_url.removeprefix(SQLITE_PREFIX).split("?", 1)[0]
            if file and file != ":memory:":
                return Path(file).parent
        return Path()

    @property
    def index_folder(self) -> Path:
        """Where semantic retrieval keeps article vectors and calibrated thresholds."""
        return self.data_folder / INDEX_FOLDER

    @property
    def tuned_models_folder(self) -> Path:
        """Where hybrid retrieval keeps the models it tunes: data, kept with the SQLite file."""
        return self.data_folder / TUNED_MODELS_FOLDER

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values arrive as init arguments; the environment overrides them, then
        # secrets in files (`*_FILE` variables, BATON_SECRETS_DIR) do.
        return (
            _EnvSource(settings_cls),
            _EnvFileSource(settings_cls),
            *_secrets_dir_source(settings_cls),
            init_settings,
        )

    def secret(self) -> str:
        assert self.secret_key is not None, "checked by load_settings"
        return self.secret_key.get_secret_value()


def _file_variables() -> dict[str, str]:
    """`BATON_<KEY>_FILE` variables naming a setting, each with its key's variable name."""
    found: dict[str, str] = {}
    for name in os.environ:
        upper = name.upper()
        if upper.startswith(ENV_PREFIX) and upper.endswith(FILE_SUFFIX):
            key = upper.removesuffix(FILE_SUFFIX)
            # Others that happen to end in _FILE (BATON_CONFIG_FILE) are not secrets.
            if key.removeprefix(ENV_PREFIX).split("__", 1)[0].lower() in Settings.model_fields:
                found[name] = key
    return found


class _EnvSource(EnvSettingsSource):
    """The environment, less the `*_FILE` variables `_EnvFileSource` reads."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        skip = {name.lower() for name in _file_variables()}
        return {k: v for k, v in super()._load_env_vars().items() if k not in skip}


class _EnvFileSource(EnvSettingsSource):
    """`BATON_<KEY>_FILE=PATH`: the key's value is the file's text (a final newline dropped)."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        values: dict[str, str | None] = {}
        plain = {name.upper() for name in os.environ}
        for name, key in _file_variables().items():
            if key in plain:
                raise ConfigError(f"{key} and {name} are both set: keep one")
            path = os.environ[name]
            try:
                text = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{name}: cannot read {path}: {exc}") from None
            values[key.lower()] = text.removesuffix("\n").removesuffix("\r")
        return values


def _secrets_dir_source(settings_cls: type[BaseSettings]) -> list[PydanticBaseSettingsSource]:
    folder = os.environ.get(SECRETS_DIR_VARIABLE)
    if not folder:
        return []
    if not Path(folder).is_dir():
        raise ConfigError(f"{SECRETS_DIR_VARIABLE}: {folder} is not a folder")
    return [SecretsSettingsSource(settings_cls, secrets_dir=folder)]


def load_settings(path: Path | None = None, *, demo: bool = False) -> Settings:
    """Read `path` (or ./baton.toml when present), apply the environment, check secrets."""
    file_values = _read_toml(path)
    if demo:
        file_values.setdefault("database_url", DEMO_DATABASE_URL)
    try:
        settings = Settings(**file_values)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path or DEFAULT_CONFIG_FILE)) from None
    if settings.secret_key is None or len(settings.secret_key.get_secret_value()) < 32:
        if not demo:
            raise ConfigError(
                "secret_key: expected a random string of 32 or more characters "
                "(set it in baton.toml or BATON_SECRET_KEY; `baton init` writes one); "
                "only `baton serve --demo` runs without it"
            )
        # Demo only: a fresh key each start, so nothing signed outlives the process.
        settings.secret_key = SecretStr(secrets.token_urlsafe(32))
    return settings


def _read_toml(path: Path | None) -> dict[str, Any]:
    target = path or DEFAULT_CONFIG_FILE
    if not target.exists():
        if path is not None:
            raise ConfigError(f"{path}: no such file")
        return {}
    try:
        return tomllib.loads(target.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{target}: not valid TOML: {exc}") from None


def _describe(exc: ValidationError, path: Path) -> str:
    lines = [f"Invalid settings ({path} or BATON_* environment):"]
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        given = error.get("input")
        shown = "missing" if error["type"] == "missing" else repr(given)
        if isinstance(given, dict):
            shown = "a table"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown setting (see `baton init` for every key)"
        lines.append(f"  {key} = {shown}: {message}")
    return "\n".join(lines)
