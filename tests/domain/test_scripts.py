"""Handoff scripts: the defaults read well, overrides are checked, the sandbox holds."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from baton.domain.default_scripts import DEFAULT_SCRIPTS
from baton.domain.reasons import ReasonCategory
from baton.domain.scripts import (
    HANDOFF_SCRIPTS,
    SCRIPT_NAMES,
    ScriptBook,
    ScriptError,
    ScriptProblem,
    ScriptRenderError,
    ScriptSettings,
    check_scripts,
    tidy,
)
from baton.services.script_files import read_script_folder

BOOK = ScriptBook(company_name="Acme")
FULL_CONTEXT: dict[str, object] = {
    "promise": "by 9:00 AM tomorrow (Tuesday)",
    "agent_name": "Sam",
    "first_name": "Jo",
    "position": 2,
    "wait": timedelta(minutes=4),
    "email": "jo@example.com",
}
REQUIRED_ONLY: dict[str, object] = {
    "promise": "within 2 hours",
    "email": "jo@example.com",
}
REASONS = [None, *ReasonCategory]


# -- the defaults -------------------------------------------------------------------------------


def test_the_defaults_pass_the_check() -> None:
    assert check_scripts(DEFAULT_SCRIPTS) == []


def test_every_script_has_a_default() -> None:
    assert set(SCRIPT_NAMES) == {
        "offer",
        "escalate_email",
        "live_transfer",
        "after_hours",
        "nobody_free",
        "holder_left",
        "ask_email",
        "confirm_email",
        "email_updated",
        "queued",
        "agent_joined",
        "back_to_bot",
        "ticket_fallback",
        "declined",
        "offer_explained",
        "ask_email_again",
        "email_declined",
        "added_to_request",
        "satisfaction",
    }


@pytest.mark.parametrize("name", SCRIPT_NAMES)
@pytest.mark.parametrize("reason", REASONS, ids=lambda r: str(r or "no-reason"))
@pytest.mark.parametrize(
    "context", [FULL_CONTEXT, REQUIRED_ONLY], ids=["everything-known", "nothing-optional"]
)
def test_defaults_read_well(
    name: str, reason: ReasonCategory | None, context: dict[str, object]
) -> None:
    text = BOOK.render(name, reason=reason, **context)
    assert text == text.strip()
    assert "None" not in text
    assert "  " not in text
    assert not re.search(r"\s[,.!?]", text), text
    assert "{" not in text and "}" not in text
    assert text[0].isupper()
    assert text.endswith((".", "?", "!"))
    assert "soon" not in text.lower()


def test_first_name_is_used_when_known() -> None:
    assert BOOK.render("ask_email", first_name="Jo") == (
        "What's the best email for our team to reach you, Jo? That's all they need to get back "
        "to you."
    )
    assert BOOK.render("ask_email") == (
        "What's the best email for our team to reach you? That's all they need to get back to you."
    )


def test_offer_is_the_proactive_question() -> None:
    assert BOOK.render("offer") == (
        "It sounds like we should get a human involved here — want me to loop in our support "
        "team directly?"
    )


@pytest.mark.parametrize(
    ("reason", "opening"),
    [
        pytest.param(ReasonCategory.EXPLICIT_REQUEST, "Of course, Jo —", id="explicit-yes"),
        pytest.param(ReasonCategory.EMOTIONAL, "I'm really sorry", id="emotional"),
        pytest.param(ReasonCategory.KNOWLEDGE_GAP, "This one's better handled", id="limit"),
        pytest.param(ReasonCategory.COMPLEX_ISSUE, "This needs a closer look", id="complex"),
        pytest.param(ReasonCategory.HIGH_VALUE, "I want to make sure", id="high-value"),
    ],
)
def test_escalation_wording_follows_the_reason(reason: ReasonCategory, opening: str) -> None:
    text = BOOK.render("escalate_email", reason=reason, first_name="Jo", promise="within 2 hours")
    assert text.startswith(opening)
    assert text.endswith("they'll email you within 2 hours.")
    assert "you won't need to repeat anything" in text


def test_reason_may_be_given_as_its_value() -> None:
    assert BOOK.render("offer", reason="emotional").startswith("I'm sorry this has been")


def test_after_hours_states_the_specific_time() -> None:
    text = BOOK.render("after_hours", promise="first thing Monday, by 10:00 AM")
    assert text == (
        "Our support team isn't online right now (it's outside our business hours), but I'll "
        "queue this with full context, so you won't need to repeat anything — they'll reply "
        "first thing Monday, by 10:00 AM."
    )


@pytest.mark.parametrize(
    ("position", "wait", "expected"),
    [
        pytest.param(
            1,
            timedelta(seconds=40),
            "You're next in line, and the expected wait is under a minute.",
            id="next",
        ),
        pytest.param(
            3,
            timedelta(minutes=6),
            "You're number 3 in line, and the expected wait is about 6 minutes.",
            id="third",
        ),
        pytest.param(None, None, "You're in line for the next free specialist.", id="unknown"),
        pytest.param(
            2,
            "about 10 minutes",
            "You're number 2 in line, and the expected wait is about 10 minutes.",
            id="wait-as-text",
        ),
    ],
)
def test_queued(position: int | None, wait: object, expected: str) -> None:
    text = BOOK.render("queued", position=position, wait=wait)
    assert text.startswith(expected)
    assert text.endswith("so you won't need to repeat anything.")


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        pytest.param("escalate_email", "promise", id="escalate-needs-promise"),
        pytest.param("after_hours", "promise", id="after-hours-needs-promise"),
        pytest.param("ticket_fallback", "promise", id="fallback-needs-promise"),
        pytest.param("confirm_email", "email", id="confirm-needs-email"),
    ],
)
def test_required_values(name: str, missing: str) -> None:
    with pytest.raises(ScriptRenderError, match=f"{name} needs {missing}"):
        BOOK.render(name)


def test_unknown_values_and_names_are_refused() -> None:
    with pytest.raises(TypeError, match="colour"):
        BOOK.render("offer", colour="blue")
    with pytest.raises(KeyError, match="greeting"):
        BOOK.render("greeting")


# -- overrides ----------------------------------------------------------------------------------


def test_override_replaces_one_script_and_keeps_the_rest() -> None:
    book = ScriptBook(
        {"declined": "All right{% if first_name %}, {{ first_name }}{% endif %}. Ask any time."},
        company_name="Acme",
    )
    assert book.render("declined", first_name="Jo") == "All right, Jo. Ask any time."
    assert book.render("satisfaction") == BOOK.render("satisfaction")


def test_settings_win_over_folder_texts() -> None:
    book = ScriptBook(
        {"declined": "From settings."},
        folder_texts={"declined": "From the folder.", "satisfaction": "Rate us 1 to 5?"},
    )
    assert book.render("declined") == "From settings."
    assert book.render("satisfaction") == "Rate us 1 to 5?"


def test_folder_of_scripts(tmp_path: Path) -> None:
    (tmp_path / "declined.txt").write_text("No problem — ask any time.\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("not a script", encoding="utf-8")
    texts = read_script_folder(tmp_path)
    assert texts == {"declined": "No problem — ask any time.\n"}
    assert ScriptBook(folder_texts=texts).render("declined") == "No problem — ask any time."
    (tmp_path / "declind.txt").write_text("Typo in the name.", encoding="utf-8")
    with pytest.raises(ScriptError, match="declind: unknown script name"):
        ScriptBook(folder_texts=read_script_folder(tmp_path))
    with pytest.raises(FileNotFoundError):
        read_script_folder(tmp_path / "missing")


def test_company_name_comes_from_the_book_unless_given() -> None:
    book = ScriptBook({"satisfaction": "How did {{ company_name }} do?"}, company_name="Acme")
    assert book.render("satisfaction") == "How did Acme do?"
    assert book.render("satisfaction", company_name="Beta") == "How did Beta do?"


def test_line_breaks_join_and_blank_lines_make_paragraphs() -> None:
    book = ScriptBook(
        {
            "declined": "No problem{% if first_name %}\n, {{ first_name }}{% endif %}\n"
            "— I'm still here.\n\nAsk me anything."
        }
    )
    assert book.render("declined") == "No problem — I'm still here.\n\nAsk me anything."
    assert book.render("declined", first_name="Jo") == (
        "No problem, Jo — I'm still here.\n\nAsk me anything."
    )


def test_text_after_a_closing_tag_at_line_end_keeps_its_space() -> None:
    book = ScriptBook(
        {"declined": "No problem{% if first_name %}, {{ first_name }}{% endif %}\nI'm still here."}
    )
    assert book.render("declined") == "No problem I'm still here."


def test_bad_overrides_stop_the_book() -> None:
    with pytest.raises(ScriptError) as caught:
        ScriptBook({"after_hours": "We're closed.\nWe'll get back to you soon!"})
    assert "after_hours, line 2: vague timing 'soon' without a specific time" in str(caught.value)
    assert all(problem.template == "after_hours" for problem in caught.value.problems)


def test_templates_from_settings_are_checked_when_the_book_is_built() -> None:
    bad = ScriptSettings(templates={"live_transfer": "TRANSFER INITIATED. Full context attached."})
    with pytest.raises(ScriptError, match="TRANSFER INITIATED"):
        ScriptBook.from_settings(bad, company_name="Acme")
    settings = ScriptSettings(templates={"declined": "No problem."})
    book = ScriptBook.from_settings(settings, company_name="Acme")
    assert book.render("declined") == "No problem."


def test_the_sandbox_blocks_python_internals() -> None:
    with pytest.raises(ScriptError, match="unsafe"):
        ScriptBook({"declined": "{{ first_name.__class__.__mro__ }}"})


def test_a_runtime_failure_is_a_render_error() -> None:
    book = ScriptBook({"declined": "No problem{% if position %} {{ position - 1 }}{% endif %}."})
    with pytest.raises(ScriptRenderError, match="declined"):
        book.render("declined", position="x")


def test_output_is_not_html_escaped() -> None:
    book = ScriptBook({"declined": "No problem, {{ first_name }}."})
    assert book.render("declined", first_name="<Jo & Sam>") == "No problem, <Jo & Sam>."


# -- check_scripts ------------------------------------------------------------------------------

GOOD_HANDOFF = "They'll have our full conversation, so you won't need to repeat anything."


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        pytest.param(
            {"after_hours": f"We're closed.\nWe'll reply soon. {GOOD_HANDOFF}"},
            "after_hours, line 2: vague timing 'soon' without a specific time",
            id="soon",
        ),
        pytest.param(
            {"declined": "Someone will be with you shortly."},
            "declined, line 1: vague timing 'shortly' without a specific time",
            id="shortly",
        ),
        pytest.param(
            {"offer": "Want a human? They answer ASAP."},
            "offer, line 1: vague timing 'ASAP' without a specific time",
            id="asap",
        ),
        pytest.param(
            {"declined": "OK!\n\nBack in a bit."},
            "declined, line 3: vague timing 'in a bit' without a specific time",
            id="in-a-bit",
        ),
        pytest.param(
            {"declined": "OK! Back in a\nbit."},
            "declined, line 1: vague timing 'in a bit' without a specific time",
            id="wrapped-across-lines",
        ),
        pytest.param(
            {"declined": "Someone will get back to you in due course."},
            "declined, line 1: vague timing 'in due course' without a specific time",
            id="in-due-course",
        ),
        pytest.param(
            {"declined": "Our team answers promptly."},
            "declined, line 1: vague timing 'promptly' without a specific time",
            id="promptly",
        ),
        pytest.param(
            {"declined": "We'll be in touch\nin the near future."},
            "declined, line 2: vague timing 'in the near future' without a specific time",
            id="in-the-near-future",
        ),
        pytest.param(
            {"declined": "We'll reply at the earliest opportunity."},
            "declined, line 1: vague timing 'at the earliest opportunity' without a specific time",
            id="at-the-earliest-opportunity",
        ),
        pytest.param(
            {"offer": "Want a person? We answer as soon as possible."},
            "offer, line 1: vague timing 'as soon as possible' without a specific time",
            id="as-soon-as-possible",
        ),
        pytest.param(
            {"live_transfer": f"TRANSFER INITIATED. {GOOD_HANDOFF}"},
            "live_transfer, line 1: mechanical wording 'TRANSFER INITIATED': say it the way a "
            "person would",
            id="transfer-initiated",
        ),
        pytest.param(
            {"live_transfer": f"{GOOD_HANDOFF}\nTransferring..."},
            "live_transfer, line 2: mechanical wording 'Transferring...': say it the way a "
            "person would",
            id="transferring",
        ),
        pytest.param(
            {"agent_joined": "AGENT CONNECTED"},
            "agent_joined, line 1: mechanical wording 'AGENT CONNECTED': say it the way a person "
            "would",
            id="all-caps",
        ),
        pytest.param(
            {"live_transfer": "Bringing in a specialist now."},
            'live_transfer: no "you won\'t need to repeat yourself" reassurance',
            id="no-reassurance",
        ),
        pytest.param(
            {"escalate_email": f"{GOOD_HANDOFF} They'll email you within 4 hours."},
            "escalate_email, line 1: hard-coded time 'within 4 hours': use {{ promise }}",
            id="hard-coded-time",
        ),
        pytest.param(
            {"after_hours": f"{GOOD_HANDOFF} They'll reply first thing tomorrow."},
            "after_hours, line 1: hard-coded time 'first thing'",
            id="hard-coded-morning",
        ),
        pytest.param(
            {"ticket_fallback": f"Sent to the team. {GOOD_HANDOFF}"},
            "ticket_fallback: no specific reply time: use {{ promise }}",
            id="no-time-at-all",
        ),
        pytest.param(
            {"queued": f"You're in line. {GOOD_HANDOFF}"},
            "queued: says nothing about the wait",
            id="queue-without-wait",
        ),
        pytest.param(
            {"offer": "{% if reason == 'emotional' %}Sorry!"},
            "offer, line 1: template does not parse",
            id="unclosed-if",
        ),
        pytest.param(
            {"offer": "Hi\n{{ frist_name }}, want a person?"},
            "offer, line 2: unknown variable 'frist_name'",
            id="unknown-variable",
        ),
        pytest.param(
            {"ofer": "Want a person?"},
            "ofer: unknown script name",
            id="unknown-script",
        ),
        pytest.param(
            {"offer": "Want a person? {{ position + 'x' }}"},
            "offer: fails with example values",
            id="fails-to-render",
        ),
    ],
)
def test_check_refuses(texts: dict[str, str], expected: str) -> None:
    problems = [str(problem) for problem in check_scripts(texts)]
    assert any(problem.startswith(expected) for problem in problems), problems


@pytest.mark.parametrize(
    "texts",
    [
        pytest.param({"declined": "No problem. Ask me any time."}, id="plain"),
        pytest.param(
            {
                "after_hours": "We'll reply {{ promise }}, and soon after that it's sorted. "
                "You won't have to repeat a thing."
            },
            id="soon-with-promise",
        ),
        pytest.param(
            {"offer": "Our team replies by 5:00 PM, soon enough — want them?"},
            id="soon-with-a-clock-time",
        ),
        pytest.param(
            {"queued": "You're number {{ position }}. They see the whole conversation history."},
            id="whole-history",
        ),
        pytest.param(
            {"live_transfer": "A specialist is joining with full context. One moment."},
            id="full-context",
        ),
        pytest.param(
            {
                "ticket_fallback": "Nobody was free, so it's an email now: you won't need to "
                "repeat yourself, and they'll reply {{ promise }}."
            },
            id="wont-need-to-repeat",
        ),
        pytest.param({"satisfaction": "How did we do? FAQ and UK are fine."}, id="acronyms"),
        pytest.param(
            {"live_transfer": "A specialist is joining. You won't need to\nrepeat anything."},
            id="reassurance-wrapped-across-lines",
        ),
        pytest.param(
            {"offer": "{# mention soon #}Want a person?"},
            id="comment-is-not-text",
        ),
    ],
)
def test_check_accepts(texts: dict[str, str]) -> None:
    assert check_scripts(texts) == []


def test_every_handoff_script_needs_the_reassurance() -> None:
    texts = {name: "Hello {{ promise }} {{ wait }}." for name in HANDOFF_SCRIPTS}
    flagged = {
        problem.template for problem in check_scripts(texts) if "repeat yourself" in problem.message
    }
    assert flagged == HANDOFF_SCRIPTS


def test_problem_prints_template_line_and_reason() -> None:
    problem = ScriptProblem("after_hours", 2, "vague timing 'soon' without a specific time")
    assert str(problem) == "after_hours, line 2: vague timing 'soon' without a specific time"
    assert str(ScriptProblem("queued", None, "why")) == "queued: why"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("  Hello \n there .", "Hello there.", id="join-and-punctuation"),
        pytest.param("One.\n\n\nTwo.", "One.\n\nTwo.", id="paragraphs"),
        pytest.param("\n\n", "", id="empty"),
    ],
)
def test_tidy(raw: str, expected: str) -> None:
    assert tidy(raw) == expected


# -- the handoff guide shows the defaults exactly as rendered -----------------------------------

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "handoff.md"
R = ReasonCategory
GUIDE_EXAMPLES: list[tuple[str, dict[str, object]]] = [
    ("offer", {}),
    ("offer", {"first_name": "Jo", "reason": R.COMPLEX_ISSUE}),
    ("offer", {"first_name": "Jo", "reason": R.EXPLICIT_REQUEST}),
    ("offer", {"first_name": "Jo", "reason": R.EMOTIONAL}),
    ("offer", {"first_name": "Jo", "reason": R.KNOWLEDGE_GAP}),
    ("offer", {"first_name": "Jo", "reason": R.HIGH_VALUE}),
    *(
        ("escalate_email", {"first_name": "Jo", "reason": reason, "promise": "within 2 hours"})
        for reason in (R.EXPLICIT_REQUEST, R.EMOTIONAL, R.KNOWLEDGE_GAP, R.HIGH_VALUE)
    ),
    (
        "escalate_email",
        {"reason": R.COMPLEX_ISSUE, "promise": "within 2 hours", "email": "jo@example.com"},
    ),
    *(
        ("live_transfer", {"first_name": "Jo", "reason": reason})
        for reason in (R.EXPLICIT_REQUEST, R.EMOTIONAL, R.KNOWLEDGE_GAP, R.COMPLEX_ISSUE)
    ),
    ("live_transfer", {"reason": R.HIGH_VALUE}),
    ("after_hours", {"promise": "first thing Monday, by 10:00 AM", "email": "jo@example.com"}),
    (
        "after_hours",
        {"reason": R.EMOTIONAL, "first_name": "Jo", "promise": "by 9:00 AM tomorrow (Tuesday)"},
    ),
    ("ask_email", {"first_name": "Jo"}),
    ("confirm_email", {"first_name": "Jo", "email": "jo@example.com", "promise": "within 2 hours"}),
    ("email_updated", {"first_name": "Jo", "email": "jo.b@example.org"}),
    ("queued", {"position": 1, "wait": timedelta(seconds=40)}),
    ("queued", {"position": 3, "wait": timedelta(minutes=6)}),
    ("queued", {}),
    ("agent_joined", {"agent_name": "Sam"}),
    ("back_to_bot", {"agent_name": "Sam"}),
    (
        "ticket_fallback",
        {"first_name": "Jo", "email": "jo@example.com", "promise": "by 3:00 PM today"},
    ),
    ("declined", {}),
    ("declined", {"reason": R.EMOTIONAL, "first_name": "Jo"}),
    ("offer_explained", {}),
    ("ask_email_again", {"first_name": "Jo"}),
    ("email_declined", {"first_name": "Jo", "promise": "by 9:00 AM tomorrow (Tuesday)"}),
    (
        "added_to_request",
        {"first_name": "Jo", "promise": "by 9:00 AM today", "email": "jo@example.com"},
    ),
    ("satisfaction", {"first_name": "Jo"}),
]


@pytest.mark.parametrize(
    ("name", "context"),
    GUIDE_EXAMPLES,
    ids=[f"{name}-{index}" for index, (name, _) in enumerate(GUIDE_EXAMPLES)],
)
def test_the_guide_quotes_the_defaults(name: str, context: dict[str, object]) -> None:
    assert f"> {BOOK.render(name, **context)}\n" in GUIDE.read_text(encoding="utf-8")


def test_the_guides_example_template_passes() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    example = guide.split("```jinja\n", 1)[1].split("```", 1)[0]
    assert check_scripts({"escalate_email": example}) == []


def test_every_default_is_in_the_guide() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    assert all(f"### `{name}`" in guide for name in SCRIPT_NAMES)
