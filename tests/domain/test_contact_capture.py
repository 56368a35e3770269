"""Contact capture: find what was already said, ask only for what is missing, read replies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from email_validator import validate_email

from baton.domain.contact_capture import (
    ContactField,
    asks_about_offer,
    find_email,
    find_name,
    missing_fields,
    read_contact_details,
    understand_reply,
    wants_to_decline_email,
)

NAME, EMAIL, DESCRIPTION = ContactField.NAME, ContactField.EMAIL, ContactField.DESCRIPTION


# -- find_email ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("you can reach me at jo@x.com", "jo@x.com", id="in-a-sentence"),
        pytest.param("jo@x.com.", "jo@x.com", id="full-stop-after"),
        pytest.param("(jo.smith+billing@Example.COM)", "jo.smith+billing@example.com", id="tag"),
        pytest.param("mail me: JO@X.COM, thanks", "JO@x.com", id="domain-lowercased"),
        pytest.param("either bad@@x.com or jo@x.com", "jo@x.com", id="first-valid"),
        pytest.param("my email is jo at x dot com", None, id="spelled-out"),
        pytest.param("jo@localhost", None, id="no-domain"),
        pytest.param("jo@x..com", None, id="double-dot"),
        pytest.param("no address here", None, id="none"),
        pytest.param("", None, id="empty"),
    ],
)
def test_find_email(text: str, expected: str | None) -> None:
    assert find_email(text) == expected


# -- missing_fields -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "email", "description", "asked", "expected"),
    [
        pytest.param(None, None, None, set(), [EMAIL, NAME, DESCRIPTION], id="nothing-known"),
        pytest.param("Jo", "jo@x.com", "Refund", set(), [], id="everything-known"),
        pytest.param("Jo", None, "Refund", set(), [EMAIL], id="only-email"),
        pytest.param(None, "jo@x.com", None, set(), [NAME, DESCRIPTION], id="email-known"),
        pytest.param(None, None, None, {EMAIL}, [NAME, DESCRIPTION], id="never-twice"),
        pytest.param(None, None, None, {"email", "name"}, [DESCRIPTION], id="asked-as-text"),
        pytest.param("  ", "", " ", set(), [EMAIL, NAME, DESCRIPTION], id="blank-is-missing"),
        pytest.param(None, None, None, {NAME, EMAIL, DESCRIPTION}, [], id="all-asked"),
    ],
)
def test_missing_fields(
    name: str | None,
    email: str | None,
    description: str | None,
    asked: set[ContactField | str],
    expected: list[ContactField],
) -> None:
    assert missing_fields(name, email, description, asked) == expected


def test_missing_fields_can_be_narrowed() -> None:
    assert missing_fields(None, None, None, set(), needed=[EMAIL]) == [EMAIL]
    assert missing_fields(None, None, None, set(), needed=[DESCRIPTION, NAME]) == [
        NAME,
        DESCRIPTION,
    ]


def test_never_more_than_three_questions() -> None:
    assert len(missing_fields(None, None, None, set())) == 3


# -- understand_reply ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "yes please",
        "Yes",
        "YES!!",
        "yesss",
        "yess",
        "sure, go ahead",
        "Sure thing",
        "ok",
        "OK.",
        "okay",
        "k",
        "yep",
        "yup",
        "yeah",
        "please do",
        "Please.",
        "go ahead",
        "do it",
        "absolutely",
        "of course",
        "that would be great!",
        "why not?",
        "fine",
        "that's fine",
        "sounds good",
        "yes, but how long will it take?",
        "Yse please",
        "go ahaed",
        "pleae do",
        "suer",
        "  yes   please  ",
        "yes please 🙂",
        "Yes — loop them in",
        "i guess so",
        "hmm ok",
        "👍",
        "not sure... ok, go ahead",
    ],
)
def test_yes(text: str) -> None:
    assert understand_reply(text) == "yes"


@pytest.mark.parametrize(
    "text",
    [
        "no thanks, I'm fine",
        "No thank you.",
        "nope",
        "NOPE",
        "nah",
        "no",
        "not now",
        "Not now, thanks",
        "not yet",
        "maybe later",
        "I'm good",
        "im fine",
        "I'm fine thanks",
        "please don't",
        "dont",
        "don’t",
        "never mind",
        "I'd rather not",
        "nopee",
        "👎",
        "no, yes please",
    ],
)
def test_no(text: str) -> None:
    assert understand_reply(text) == "no"


@pytest.mark.parametrize(
    "text",
    [
        "what would they do?",
        "What would they do",
        "who are they?",
        "how long does it take?",
        "can they see this chat?",
        "would they call me?",
        "hmm, what happens next?",
        "they would what?",
        "not sure, what would they do?",
    ],
)
def test_question(text: str) -> None:
    assert understand_reply(text) == "question"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "I'm not sure",
        "not sure",
        "hmm",
        "maybe",
        "I don't know",
        "thanks",
        "my order is 1234",
        "there",
        "the cat",
    ],
)
def test_unclear(text: str) -> None:
    assert understand_reply(text) == "unclear"


# -- wants_to_decline_email ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I'd rather not give my email",
        "I’d rather not",
        "no email please",
        "I don't want to share my email address",
        "I won't give you my address",
        "can I just keep it in the chat?",
        "I don't have an email",
        "prefer not to",
        "skip",
        "no",
        "nope",
        "no thanks",
        "my emial? no thanks",
    ],
)
def test_declines_email(text: str) -> None:
    assert wants_to_decline_email(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "jo@x.com",
        "sure, it's jo@x.com",
        "no, it's jo@x.com",
        "what do you need my email for?",
        "not sure what my email is",
        "sure",
        "hang on, let me check",
        "here you go",
    ],
)
def test_does_not_decline_email(text: str) -> None:
    assert wants_to_decline_email(text) is False


@pytest.mark.parametrize(
    ("text", "about_offer"),
    [
        ("what would they do?", True),
        ("how long is the wait?", True),
        ("who would I talk to?", True),
        ("What are your opening hours?", False),
        ("do you ship to Norway?", False),
    ],
)
def test_a_question_about_the_offer_is_told_from_a_new_question(
    text: str, about_offer: bool
) -> None:
    assert asks_about_offer(text) is about_offer


# -- contact details in anything the customer writes ------------------------------------------

DATA = Path(__file__).parent / "data" / "contact_messages.jsonl"
COMPANY_DOMAINS = ("acme.example",)


def _labelled() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]


def _normalised(email: str | None) -> str | None:
    return None if email is None else validate_email(email, check_deliverability=False).normalized


def test_the_labelled_set_is_varied() -> None:
    rows = _labelled()
    assert len(rows) >= 200
    assert sum(1 for r in rows if r["email"]) >= 50 and sum(1 for r in rows if r["name"]) >= 50
    assert sum(1 for r in rows if not r["email"] and not r["name"]) >= 80
    assert {r["lang"] for r in rows} >= {"en", "de", "fr", "es", "it", "nl", "pt"}


def test_every_email_and_name_in_the_labelled_set_is_found_and_nothing_else() -> None:
    missed_emails, false_emails, missed_names, false_names, wrong = [], [], [], [], []
    for row in _labelled():
        details = read_contact_details(row["text"], not_theirs=COMPANY_DOMAINS)
        expected_email = _normalised(row["email"])
        if expected_email and details.email != expected_email:
            missed_emails.append(row["text"])
        if not expected_email and details.email:
            false_emails.append(row["text"])
        if row["name"] and details.name != row["name"]:
            (wrong if details.name else missed_names).append(row["text"])
        if not row["name"] and details.name:
            false_names.append(row["text"])
        assert details.phone == row.get("phone"), row["text"]
    print(f"false names: {len(false_names)}, wrong names: {len(wrong)}")
    assert missed_emails == [] and false_emails == []
    assert missed_names == [] and wrong == []
    assert false_names == []


@pytest.mark.parametrize(
    "text",
    [
        "I'm frustrated",
        "I'm waiting for a refund",
        "I am not happy",
        "I'M SO ANGRY",
        "I'm DYING to learn the drums",
        "it's June.",
        "I'm Canadian, do you ship to Toronto?",
        "i'm hungry",
    ],
)
def test_how_someone_feels_is_no_name(text: str) -> None:
    assert find_name(text) is None


@pytest.mark.parametrize(
    ("text", "email", "correction", "only"),
    [
        pytest.param("please use jo.b@example.org instead", "jo.b@example.org", True, True),
        pytest.param("actually my email is kim@example.com", "kim@example.com", True, True),
        pytest.param("not jo@example.com, it's joe@example.com", "joe@example.com", True, True),
        pytest.param("jo@example.com", "jo@example.com", False, True, id="bare"),
        pytest.param(
            "my email is jo@example.com and my order is late", "jo@example.com", False, False
        ),
        pytest.param("I emailed help@acme.example already", None, False, False, id="company"),
    ],
)
def test_corrections_and_messages_that_only_give_details(
    text: str, email: str | None, correction: bool, only: bool
) -> None:
    details = read_contact_details(text, not_theirs=COMPANY_DOMAINS)
    assert (details.email, details.correction, details.only_details) == (email, correction, only)
