"""Contact capture without hoops: find what the customer already said, ask only for what is missing.

At most a name, an email and a one-line description are ever asked for, each at most once, and
an email given earlier in the conversation is never asked again. `understand_reply` reads the
answer to "want me to loop in our team?" the way a person would: case, punctuation and small
typos do not matter.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from enum import StrEnum
from typing import Literal

from email_validator import EmailNotValidError, validate_email

Reply = Literal["yes", "no", "question", "unclear"]


class ContactField(StrEnum):
    NAME = "name"
    EMAIL = "email"
    DESCRIPTION = "description"


# The order they are asked in: the email is what an escalation cannot do without.
ASK_ORDER: tuple[ContactField, ...] = (
    ContactField.EMAIL,
    ContactField.NAME,
    ContactField.DESCRIPTION,
)

_EMAIL_CANDIDATE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)


def find_email(text: str) -> str | None:
    """The first valid email address in `text` ("you can reach me at jo@x.com"), normalised."""
    for match in _EMAIL_CANDIDATE.finditer(text):
        candidate = match.group().strip(".-'")
        try:
            return validate_email(candidate, check_deliverability=False).normalized
        except EmailNotValidError:
            continue
    return None


def missing_fields(
    contact_name: str | None,
    contact_email: str | None,
    description: str | None,
    asked: Collection[ContactField | str],
    *,
    needed: Iterable[ContactField] = ASK_ORDER,
) -> list[ContactField]:
    """What to ask for next, in order: only fields that are empty and not asked before.

    `needed` narrows the fields the handoff requires (a live chat may not need the email).
    """
    have = {
        ContactField.NAME: bool(contact_name and contact_name.strip()),
        ContactField.EMAIL: bool(contact_email and contact_email.strip()),
        ContactField.DESCRIPTION: bool(description and description.strip()),
    }
    already = {ContactField(field) for field in asked}
    wanted = set(needed)
    return [
        field for field in ASK_ORDER if field in wanted and not have[field] and field not in already
    ]


# Phrases, matched as whole words after normalising; the longest phrase at the leftmost place
# wins, so "no thanks" beats "thanks", "not sure" beats "sure" and "i'm fine" beats "fine".
_YES = (
    "yes",
    "yes please",
    "yeah",
    "yea",
    "yep",
    "yup",
    "ya",
    "yah",
    "y",
    "sure",
    "sure thing",
    "ok",
    "okay",
    "okey",
    "k",
    "kk",
    "alright",
    "all right",
    "please",
    "please do",
    "do it",
    "go ahead",
    "go for it",
    "absolutely",
    "definitely",
    "of course",
    "certainly",
    "sounds good",
    "that would be great",
    "that'd be great",
    "that would help",
    "that'd help",
    "fine",
    "that's fine",
    "great",
    "perfect",
    "why not",
    "let's do it",
    "let's do that",
    "loop them in",
    "loop me in",
    "connect me",
    "i'd like that",
    "i would like that",
    "i guess so",
    "would be great",
    "would be nice",
    "yes i would",
    "i'd love that",
    "please connect me",
    "get a human",
    "a human please",
    "human please",
    "talk to a person",
    "talk to someone",
)
_NO = (
    "no",
    "nope",
    "nah",
    "n",
    "no thanks",
    "no thank you",
    "no need",
    "not now",
    "not yet",
    "not really",
    "not needed",
    "not necessary",
    "maybe later",
    "later",
    "i'm fine",
    "im fine",
    "i am fine",
    "i'm good",
    "im good",
    "i am good",
    "i'm ok",
    "i'm okay",
    "all good",
    "don't",
    "do not",
    "please don't",
    "please do not",
    "don't bother",
    "never mind",
    "nevermind",
    "i'll pass",
    "pass",
    "i'd rather not",
    "rather not",
    "no way",
    "stop",
    "cancel",
)
_UNSURE = (
    "not sure",
    "i'm not sure",
    "i don't know",
    "dunno",
    "maybe",
    "perhaps",
    "hmm",
    "hm",
    "idk",
)
_QUESTION_WORDS = frozenset(
    {
        "what",
        "what's",
        "whats",
        "who",
        "who's",
        "how",
        "why",
        "when",
        "where",
        "which",
        "will",
        "would",
        "can",
        "could",
        "do",
        "does",
        "is",
        "are",
        "should",
        "whom",
    }
)
_PHRASES: list[tuple[tuple[str, ...], Reply]] = sorted(
    [(tuple(phrase.split()), "yes") for phrase in _YES]
    + [(tuple(phrase.split()), "no") for phrase in _NO]
    + [(tuple(phrase.split()), "unclear") for phrase in _UNSURE],
    key=lambda item: -len(item[0]),
)
# Words a typo is corrected to: the phrase words and the words a customer uses to decline
# giving an email. Question words are left out so that "there" never becomes "where".
_VOCABULARY = frozenset(word for words, _ in _PHRASES for word in words) | {
    "email",
    "address",
    "rather",
    "prefer",
    "share",
    "give",
    "chat",
    "details",
}
# Longest first, so a typo is corrected to the fuller word.
_CORRECTIONS = sorted((w for w in _VOCABULARY if len(w) >= 3), key=lambda w: (-len(w), w))


def _osa_distance_at_most_one(a: str, b: str) -> bool:
    """Whether `a` becomes `b` with one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _correct(word: str) -> str:
    """A known word one typo away from `word` ("pleae" -> "please"), else `word` itself."""
    if word in _VOCABULARY or word in _QUESTION_WORDS or len(word) < 3:
        return word
    for known in _CORRECTIONS:
        if len(word) == 3 and sorted(known) != sorted(word):
            # Three-letter words only by swapped letters ("yse"): "the" must not become "them".
            continue
        if _osa_distance_at_most_one(word, known):
            return known
    return word


def _clauses(text: str) -> list[tuple[list[str], bool]]:
    """Normalised clauses as (words, ends with a question mark)."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    text = text.replace("👍", " yes ").replace("👎", " no ")
    # "yesss", "nooo", "okkk": a letter held down is the same word.
    text = re.sub(r"([a-z])\1{2,}", r"\1", text)
    clauses = []
    for part in re.findall(r"[^,.;!?\n—–]+[,.;!?\n—–]*", text):
        asks = "?" in part
        words = [_correct(word) for word in re.findall(r"[a-z0-9']+", part)]
        words = [word.strip("'") for word in words if word.strip("'")]
        if words:
            clauses.append((words, asks))
    return clauses


def _phrase_at(words: list[str], position: int) -> tuple[int, Reply] | None:
    """The longest phrase starting at `position`, as (length, meaning)."""
    for phrase, meaning in _PHRASES:
        if tuple(words[position : position + len(phrase)]) == phrase:
            return len(phrase), meaning
    return None


def _without_hedges(words: list[str]) -> list[str]:
    """The words minus hedges ("hmm", "not sure"), which say nothing either way."""
    kept: list[str] = []
    position = 0
    while position < len(words):
        found = _phrase_at(words, position)
        if found is not None and found[1] == "unclear":
            position += found[0]
            continue
        if found is not None:
            kept.extend(words[position : position + found[0]])
            position += found[0]
            continue
        kept.append(words[position])
        position += 1
    return kept


def _classify(words: list[str]) -> Reply | None:
    for position in range(len(words)):
        found = _phrase_at(words, position)
        if found is not None:
            return found[1]
    return None


def understand_reply(text: str) -> Reply:
    """The answer to an offer: "yes please" -> yes, "no thanks, I'm fine" -> no,
    "what would they do?" -> question, anything else -> unclear."""
    asked_question = False
    for clause, asks in _clauses(text):
        words = _without_hedges(clause)
        if not words:
            continue
        # A reply that opens with an answer is that answer, even with a question after it
        # ("yes, but how long will it take?", "why not?").
        opening = _phrase_at(words, 0)
        if opening is not None:
            return opening[1]
        if asks or words[0] in _QUESTION_WORDS:
            asked_question = True
            continue
        meaning = _classify(words)
        if meaning is not None:
            return meaning
    return "question" if asked_question else "unclear"


_NEGATION = (
    r"rather not|prefer not|would not like to|wouldn't like to|don't want to|do not want to|"
    r"not going to|won't|will not|can't|cannot|no|without|not comfortable|not giving|"
    r"not sharing|don't have|do not have|don't give|don't share"
)
_EMAIL_WORDS = r"e-?mail|e-?mail address|address|contact details|contact info|details"
_DECLINE_EMAIL = re.compile(
    rf"\b(?:{_NEGATION})\b[\w' ]{{0,30}}?\b(?:{_EMAIL_WORDS})\b|"
    r"\b(?:rather not|prefer not|none of your business|i'll pass|skip)\b|"
    r"\b(?:keep it|just|only) (?:in|here in|on) (?:the|this) chat\b|\bhere in (?:the|this) chat\b"
)


def wants_to_decline_email(text: str) -> bool:
    """Whether the customer declines to give an email ("I'd rather not give my email")."""
    if find_email(text) is not None:
        return False
    normalised = " ".join(word for clause, _ in _clauses(text) for word in clause)
    if _DECLINE_EMAIL.search(normalised):
        return True
    return understand_reply(text) == "no"


# Words that tie a question to the offer itself ("what would they do?", "how long is the wait?")
# rather than to a new topic for the bot ("what are your opening hours?").
_OFFER_WORDS = frozenset(
    """they them someone somebody person people human humans team agent agents specialist
    staff wait waiting happen happens would long who email reply contact""".split()
)


def asks_about_offer(text: str) -> bool:
    """True for a short question about what handing over would mean, not a new question."""
    words = re.findall(r"[a-z']+", text.lower())
    return 0 < len(words) <= 12 and any(word in _OFFER_WORDS for word in words)
