"""`baton init`: write a commented baton.toml with every setting and its default."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w
import typer

from baton.cli.common import console, err_console

if TYPE_CHECKING:
    from pydantic import BaseModel
    from pydantic.fields import FieldInfo


def init(
    path: Path = typer.Argument(Path("baton.toml"), help="Where to write the settings."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented settings file with every key at its default and a fresh secret key."""
    if path.exists() and not force:
        err_console.print(f"{path} exists; pass --force to overwrite it.")
        raise typer.Exit(1)
    path.write_text(render_settings_file(), encoding="utf-8")
    console.print(f"Wrote {path}. Every key is commented with its default; edit what you need.")


def render_settings_file() -> str:
    """Every setting, commented, with its default; only the secret key is set."""
    from baton.config import Settings

    lines = [
        "# Baton settings. Each key can also be set in the environment:",
        "# BATON_<KEY>, and BATON_<SECTION>__<KEY> for keys inside a [section].",
        "",
    ]
    sections: list[tuple[str, type[BaseModel]]] = []
    for name, field in Settings.model_fields.items():
        model = _model_of(field)
        if model is not None:
            sections.append((name, model))
        elif name == "secret_key":
            lines += [*_comment(field), _line(name, secrets.token_urlsafe(32)), ""]
        else:
            lines += [*_comment(field), "# " + _line(name, _default(field)), ""]
    while sections:
        section, model = sections.pop(0)
        lines += [f"[{section}]"]
        for name, field in model.model_fields.items():
            nested = _model_of(field)
            if nested is not None:
                sections.append((f"{section}.{name}", nested))
                continue
            lines += [*_comment(field), "# " + _line(name, _default(field))]
        lines.append("")
    return "\n".join(lines)


def _model_of(field: FieldInfo) -> type[BaseModel] | None:
    from pydantic import BaseModel

    annotation = field.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _default(field: FieldInfo) -> Any:
    from pydantic import BaseModel, SecretStr

    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Path):
        return str(value)
    return value


def _comment(field: FieldInfo) -> list[str]:
    return [f"# {field.description}"] if field.description else []


def _line(name: str, value: Any) -> str:
    if value is None:
        return f"{name} = ...  # not set"
    return f"{_key(name)} = {_value(value)}"


def _key(name: str) -> str:
    return tomli_w.dumps({name: 0}).split(" = ", 1)[0]


def _value(value: Any) -> str:
    """A TOML value on one line; tables become inline tables so each key stays one line."""
    if isinstance(value, dict):
        inner = ", ".join(f"{_key(str(k))} = {_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).split(" = ", 1)[1].strip()
