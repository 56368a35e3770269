"""Handoff scripts: everything Baton says during a handoff, as templates a site owner can override.

Templates are Jinja2, rendered in a sandbox (site owners write them, so they must not reach
Python internals). Output is plain text: the widget escapes it, so autoescape is off. Line breaks
inside a paragraph are joined with a space and a blank line starts a new paragraph, so a template
can put each reason's wording on its own lines.

`check_scripts` refuses templates that break the handoff principles: vague timing, mechanical
wording, a handoff without the "you won't need to repeat yourself" reassurance, or a hard-coded
time where the computed promise belongs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field

from baton.domain.default_scripts import DEFAULT_SCRIPTS
from baton.domain.promises import describe_wait
from baton.domain.reasons import ReasonCategory

SCRIPT_NAMES: tuple[str, ...] = tuple(DEFAULT_SCRIPTS)

# What a template may use. All are optional at render time except where REQUIRED_CONTEXT says.
VARIABLES: tuple[str, ...] = (
    "company_name",
    "promise",
    "agent_name",
    "first_name",
    "reason",
    "position",
    "wait",
    "email",
)

# Scripts that hand the conversation to a human: each must reassure the customer that the
# human has the whole conversation.
HANDOFF_SCRIPTS = frozenset(
    {
        "escalate_email",
        "live_transfer",
        "after_hours",
        "nobody_free",
        "ticket_fallback",
        "queued",
        "email_declined",
    }
)
# Email handoffs tell the customer when the reply comes: the computed promise, never a guess.
PROMISE_SCRIPTS = frozenset(
    {"escalate_email", "after_hours", "nobody_free", "ticket_fallback", "email_declined"}
)
# Values the caller must pass for a script to make sense.
REQUIRED_CONTEXT: Mapping[str, frozenset[str]] = {
    "escalate_email": frozenset({"promise"}),
    "after_hours": frozenset({"promise"}),
    "nobody_free": frozenset({"promise"}),
    "ticket_fallback": frozenset({"promise"}),
    "email_declined": frozenset({"promise"}),
    "confirm_email": frozenset({"email"}),
    "email_updated": frozenset({"email"}),
}


def _phrases(pattern: str) -> re.Pattern[str]:
    """Compile `pattern` with each space matching any run of whitespace, line breaks included,
    since a template may wrap a phrase across lines."""
    return re.compile(pattern.replace(" ", r"\s+"), re.IGNORECASE)


_VAGUE = _phrases(
    r"\b(as soon as possible|soon|shortly|asap|in a bit|in a little while|in a while|"
    r"before long|momentarily|in due course|promptly|in the near future|"
    r"at the earliest opportunity|at your earliest convenience)\b",
)
_CLOCK = r"\b\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|\b\d{1,2}:\d{2}\b"
_NUMBER = r"(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|\d+-\d+)"
_SPAN = rf"\b(?:within|in|under|inside)\s+{_NUMBER}\s+(?:business\s+|working\s+)?" + (
    r"(?:minutes?|mins?|hours?|hrs?|days?)\b"
)
_CONCRETE_TIME = _phrases(rf"{_CLOCK}|{_SPAN}")
_DAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
# Any time the text commits to on its own; in a handoff it must come from {{ promise }}.
_HARD_CODED_TIME = _phrases(
    rf"{_CLOCK}|{_SPAN}|\b(?:tomorrow|tonight|today|this (?:morning|afternoon|evening)|"
    rf"first thing|end of (?:the )?(?:business )?day|(?:by|on|until|next) (?:{_DAYS}))\b",
)
_MECHANICAL = _phrases(
    r"\b(?:transfer initiated|transfer(?:ring)? (?:in progress|complete)|request received|"
    r"ticket created|session (?:transferred|ended)|you are being transferred|please hold|"
    r"connecting to (?:an? )?agent|agent (?:connected|assigned))\b|"
    r"\b[A-Za-z]+ing\s*(?:\.{3}|…)|\bplease wait\s*(?:\.{3}|…)",
)
# Shouting system phrasing: two capitalised words in a row ("TRANSFER INITIATED") or one long
# one ("TRANSFERRING"); short acronyms (FAQ, UK, GDPR) are fine.
_CAPS_RUN = re.compile(r"\b[A-Z]{2,}(?:[ _-]+[A-Z]{2,})+\b|\b[A-Z]{7,}\b")
_REASSURANCE = _phrases(
    r"(?:won['’]?t|will not|wont|don['’]?t|do not|never|shouldn['’]?t) (?:need|have) to "
    r"(?:repeat|explain|start over)|no need to (?:repeat|explain|start over)|"
    r"without (?:repeating|having to repeat|starting over)|"
    r"\b(?:full|whole|entire|complete) (?:conversation|context|chat|history|transcript)|"
    r"conversation history|chat history|everything you(?:['’]ve| have)? (?:told|said|written|"
    r"wrote|typed)|all the context|with (?:full )?context",
)
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_JINJA_GLOBALS = frozenset({"range", "dict", "lipsum", "cycler", "joiner", "namespace"})


@dataclass(frozen=True)
class ScriptProblem:
    """One reason a script is refused: which template, which line (if any), and why."""

    template: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.template if self.line is None else f"{self.template}, line {self.line}"
        return f"{where}: {self.message}"


class ScriptError(ValueError):
    """Scripts that cannot be used; the message lists every problem, one a line."""

    def __init__(self, problems: list[ScriptProblem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


class ScriptRenderError(ValueError):
    """A script could not be rendered with the values given."""


class ScriptSettings(BaseModel):
    """`[scripts]` in baton.toml: overrides for the default handoff scripts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    folder: Path | None = Field(
        None,
        description="Folder of templates named after the script, e.g. after_hours.txt.",
    )
    # Checked with the folder's texts when the book is built (`ScriptBook`, `baton check
    # scripts`, start-up), so every problem is listed one a line, wherever the text came from.
    templates: dict[str, str] = Field(
        default_factory=dict,
        description="Script name = template text; wins over the folder and the defaults.",
    )


def _finalize(value: Any) -> Any:
    # A missing optional value prints as nothing, never as "None".
    return "" if value is None else value


def _environment() -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )


_ENV = _environment()


def _line_of(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def _text_only(source: str) -> str:
    """The template's literal text: tags blanked out (newlines kept, so lines still match)."""
    return _TAG.sub(lambda match: re.sub(r"[^\n]", " ", match.group()), source)


def _prepare(source: str) -> str:
    """Keep the line break after a tag that ends a line of text.

    trim_blocks drops the newline after a block tag so that lines holding only `{% if %}` or
    `{% endif %}` vanish; after a tag that closes a line of text ("here{% endif %}") the
    newline is a word break and must stay.
    """
    lines = source.split("\n")
    for index, line in enumerate(lines):
        if line.rstrip().endswith("%}") and _text_only(line).strip():
            lines[index] = line.rstrip() + " "
    return "\n".join(lines)


def _compile(source: str) -> Template:
    return _ENV.from_string(_prepare(source))


def _variables(source: str) -> set[str]:
    return set(meta.find_undeclared_variables(_ENV.parse(source)))


def check_scripts(texts: Mapping[str, str]) -> list[ScriptProblem]:
    """Every problem in `texts` (script name -> template text); an empty list means usable."""
    problems: list[ScriptProblem] = []
    for name, source in texts.items():
        problems.extend(_check_one(name, source))
    return problems


def _check_one(name: str, source: str) -> list[ScriptProblem]:
    if name not in SCRIPT_NAMES:
        return [
            ScriptProblem(
                name, None, f"unknown script name (expected one of {', '.join(SCRIPT_NAMES)})"
            )
        ]
    try:
        used = _variables(source)
    except TemplateSyntaxError as exc:
        return [ScriptProblem(name, exc.lineno, f"template does not parse: {exc.message}")]
    problems: list[ScriptProblem] = []
    for unknown in sorted(used - set(VARIABLES) - _JINJA_GLOBALS):
        problems.append(
            ScriptProblem(
                name,
                _first_tag_line(source, unknown),
                f"unknown variable {unknown!r} (known: {', '.join(VARIABLES)})",
            )
        )
    text = _text_only(source)
    specific = bool({"promise", "wait"} & used) or _CONCRETE_TIME.search(text) is not None
    if not specific:
        for match in _VAGUE.finditer(text):
            problems.append(
                ScriptProblem(
                    name,
                    _line_of(text, match.start()),
                    f"vague timing {_shown(match)!r} without a specific time",
                )
            )
    covered: list[range] = []
    for pattern in (_MECHANICAL, _CAPS_RUN):
        for match in pattern.finditer(text):
            if any(match.start() in span for span in covered):
                continue  # "TRANSFER INITIATED" is one problem, not two
            covered.append(range(match.start(), match.end()))
            problems.append(
                ScriptProblem(
                    name,
                    _line_of(text, match.start()),
                    f"mechanical wording {_shown(match)!r}: say it the way a person would",
                )
            )
    if name in HANDOFF_SCRIPTS and _REASSURANCE.search(text) is None:
        problems.append(
            ScriptProblem(
                name,
                None,
                'no "you won\'t need to repeat yourself" reassurance (e.g. "they\'ll have our '
                "full conversation, so you won't need to repeat anything\")",
            )
        )
    if name in HANDOFF_SCRIPTS and "promise" not in used:
        for match in _HARD_CODED_TIME.finditer(text):
            problems.append(
                ScriptProblem(
                    name,
                    _line_of(text, match.start()),
                    f"hard-coded time {_shown(match)!r}: use {{{{ promise }}}}, which follows "
                    "business hours and holidays",
                )
            )
        if name in PROMISE_SCRIPTS:
            problems.append(
                ScriptProblem(
                    name,
                    None,
                    "no specific reply time: use {{ promise }} "
                    '(e.g. "they\'ll email you {{ promise }}")',
                )
            )
    if name == "queued" and not {"wait", "position"} & used:
        problems.append(
            ScriptProblem(
                name, None, "says nothing about the wait: use {{ wait }} or {{ position }}"
            )
        )
    if not problems:
        problems.extend(_render_samples(name, source))
    return problems


def _shown(match: re.Match[str]) -> str:
    """The matched words on one line, however the template wrapped them."""
    return " ".join(match.group().split())


def _first_tag_line(source: str, variable: str) -> int | None:
    word = re.compile(rf"\b{re.escape(variable)}\b")
    for match in _TAG.finditer(source):
        found = word.search(match.group())
        if found:
            return _line_of(source, match.start() + found.start())
    return None


_SAMPLE = {
    "company_name": "Acme",
    "promise": "by 9:00 AM tomorrow (Tuesday)",
    "agent_name": "Sam",
    "email": "jo@example.com",
    "position": 2,
    "wait": "about 5 minutes",
}


def _render_samples(name: str, source: str) -> list[ScriptProblem]:
    """Render with example values for every reason, with and without a first name."""
    template = _compile(source)
    for reason in (None, *ReasonCategory):
        for first_name in (None, "Jo"):
            try:
                template.render({**_SAMPLE, "reason": reason, "first_name": first_name})
            except Exception as exc:  # a site owner's template can fail in any way
                return [ScriptProblem(name, None, f"fails with example values: {exc}")]
    return []


def tidy(text: str) -> str:
    """Join a paragraph's lines, collapse spaces, and drop spaces before punctuation."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    tidied = []
    for paragraph in paragraphs:
        joined = re.sub(r"\s+", " ", paragraph).strip()
        joined = re.sub(r" +([,.!?;:])", r"\1", joined)
        if joined:
            tidied.append(joined)
    return "\n\n".join(tidied)


class ScriptBook:
    """The scripts in use: the defaults, overridden by a folder's texts, overridden by settings.

    Raises ScriptError when any override breaks the handoff principles (see `check_scripts`).
    Folder texts are read outside the domain (`baton.services.script_files`).
    """

    def __init__(
        self,
        overrides: Mapping[str, str] | None = None,
        *,
        folder_texts: Mapping[str, str] | None = None,
        company_name: str = "our company",
    ) -> None:
        custom = {**(folder_texts or {}), **(overrides or {})}
        problems = check_scripts(custom)
        if problems:
            raise ScriptError(problems)
        self.company_name = company_name
        self.sources: Mapping[str, str] = {**DEFAULT_SCRIPTS, **custom}
        self._templates: dict[str, Template] = {
            name: _compile(source) for name, source in self.sources.items()
        }

    @classmethod
    def from_settings(
        cls,
        settings: ScriptSettings,
        *,
        company_name: str,
        folder_texts: Mapping[str, str] | None = None,
    ) -> ScriptBook:
        """Build from `[scripts]` plus the texts already read from `settings.folder`."""
        return cls(settings.templates, folder_texts=folder_texts, company_name=company_name)

    def render(self, name: str, **context: Any) -> str:
        """The script `name` as the customer sees it.

        Context: company_name (defaults to the book's), promise (the rendered phrase), agent_name,
        first_name, reason (ReasonCategory), position, wait (timedelta or phrase), email. Missing
        optional values are None; templates test them with `{% if first_name %}`.
        """
        if name not in self._templates:
            raise KeyError(f"unknown script {name!r} (expected one of {', '.join(SCRIPT_NAMES)})")
        unknown = sorted(set(context) - set(VARIABLES))
        if unknown:
            raise TypeError(f"unknown script values: {', '.join(unknown)}")
        values: dict[str, Any] = dict.fromkeys(VARIABLES)
        values["company_name"] = self.company_name
        values.update(context)
        for required in sorted(REQUIRED_CONTEXT.get(name, frozenset())):
            if not values.get(required):
                raise ScriptRenderError(f"{name} needs {required}")
        if values["reason"] is not None:
            values["reason"] = ReasonCategory(values["reason"])
        if isinstance(values["wait"], timedelta):
            values["wait"] = describe_wait(values["wait"])
        try:
            return tidy(self._templates[name].render(values))
        except Exception as exc:  # a site owner's template can fail in any way
            raise ScriptRenderError(f"{name}: {exc}") from exc
