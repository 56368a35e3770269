"""Contact capture without hoops: find what the customer already said, ask only for what is missing.

At most a name, an email and a one-line description are ever asked for, each at most once, and
an email given earlier in the conversation is never asked again. `understand_reply` reads the
answer to "want me to loop in our team?" the way a person would: case, punctuation and small
typos do not matter.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from email_validator import EmailNotValidError, validate_email

from baton.domain.contact_words import (
    NAME_PARTICLES,
    NAME_TITLES,
    NOT_NAMES,
    NOT_NAMES_CAPITALISED,
)

MONTHS = frozenset({"april", "may", "june", "august"})  # names too, except after "it's"

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


# --- contact details anywhere in the conversation --------------------------------------------


@dataclass(frozen=True, slots=True)
class ContactDetails:
    """What one customer message says about the customer themself.

    `correction`: the message says a detail given before was wrong ("please use … instead",
    "actually my email is …"). `only_details`: the message says nothing else, so there is
    nothing for the bot to answer.
    """

    email: str | None = None
    name: str | None = None
    phone: str | None = None
    correction: bool = False
    only_details: bool = False

    def __bool__(self) -> bool:
        return bool(self.email or self.name or self.phone)


# Words before an address that make it someone else's or an old one: "I emailed
# support@…", "from noreply@…", "my wife's email is …", "not jo@… but …", "my old email was …".
_NOT_OWN_EMAIL = re.compile(
    r"(?:\b(?:sent|emailed|e-mailed|mailed|wrote|written|forwarded|replied|(?<!be )contacted|"
    r"copied|cc'?d?|bcc|messaged)\b[\w' ]{0,20}\b(?:to|at)?\s*:?\s*|"
    r"\bfrom\s*:?\s*|\bto\s*:\s*|"
    r"\b(?:his|her|their|your|our|its|the company's|the shop's)\b[\w' -]{0,25}|"
    r"\b(?!my\b|name\b)[\w-]+'s\s+(?:e-?mail|address)\b[\w' ]{0,10}|"
    r"\b(?:wife|husband|partner|son|daughter|mum|mom|mother|dad|father|friend|colleague|boss|"
    r"manager|assistant|brother|sister|accountant|lawyer)s?\b[\w' -]{0,25}|"
    r"\b(?:not|instead\s+of|rather\s+than|wrong|old|previous|former|no\s+longer|(?:e-?mail|address)\s+was|used\s+to\s+be|"
    r"typo\s+in|replace|change)\b[\w' :-]{0,20})$",
    re.IGNORECASE,
)
# A clause boundary: the words that decide whose an address is stay within one clause.
_CLAUSE_BREAK = re.compile(r"[.!?;,\n(]|\b(?:and|but)\b", re.IGNORECASE)
_CORRECTION = re.compile(
    r"\b(?:instead|actually|correct(?:ion|ed)?|wrong|typo|mistake|misspel\w*|mistyped|"
    r"changed|new\s+(?:e-?mail|address)|update[ds]?|should\s+(?:be|have\s+been)|meant|"
    r"rather|not\s+\S+@|the\s+right\s+(?:one|e-?mail|address)|oops|sorry,?\s+(?:it's|its|it\s+is))\b",
    re.IGNORECASE,
)


def _own_email_spans(text: str, not_theirs: Collection[str]) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    previous_end = 0
    for match in _EMAIL_CANDIDATE.finditer(text):
        candidate = match.group().strip(".-'")
        start = match.start()
        try:
            email = validate_email(candidate, check_deliverability=False).normalized
        except EmailNotValidError:
            previous_end = match.end()
            continue
        before = text[max(previous_end, start - 60) : start]
        breaks = list(_CLAUSE_BREAK.finditer(before))
        if breaks:
            clause = before[breaks[-1].end() :]
            # An address set off by a comma belongs to the clause before it ("I cc'd my
            # manager, grace@…").
            if not clause.strip() and len(breaks) > 1:
                clause = before[breaks[-2].end() : breaks[-1].start()]
            elif not clause.strip():
                clause = before[: breaks[-1].start()]
            before = clause
        domain = email.rpartition("@")[2].lower()
        company = email.lower() in not_theirs or any(
            domain == d or domain.endswith("." + d) for d in not_theirs if "@" not in d
        )
        if not company and not _NOT_OWN_EMAIL.search(before):
            found.append((start, match.end(), email))
        previous_end = match.end()
    return found


def find_own_email(text: str, *, not_theirs: Collection[str] = ()) -> str | None:
    """The customer's own address in `text`, never someone else's or one they correct.

    `not_theirs`: the company's own addresses and mail domains ("help@shop.example",
    "reply.shop.example"), never the customer's.
    """
    spans = _own_email_spans(text, [d.lower() for d in not_theirs])
    return spans[0][2] if spans else None


_NAME_TOKEN = r"[^\W\d_]+(?:['’-][^\W\d_]+)*\.?"
# Cues that say a name follows whatever its case: "my name is carla jones", "name: Bob".
_STRONG_NAME_CUES = (
    r"my\s+name\s+is|my\s+name'?s|my\s+full\s+name\s+is|name\s*:|i\s+am\s+called|"
    r"i'?m\s+called|you\s+can\s+call\s+me|"
    r"ich\s+hei(?:ß|ss)e|mein\s+name\s+ist|je\s+m'appelle|mon\s+nom\s+est|me\s+llamo|"
    r"mi\s+nombre\s+es|mi\s+chiamo|il\s+mio\s+nome\s+è|mijn\s+naam\s+is|ik\s+heet|"
    r"meu\s+nome\s+é|me\s+chamo|chamo-me"
)
# Cues after which only a capitalised word is a name: "I'm Bob" but not "I'm frustrated".
_WEAK_NAME_CUES = (
    r"i'?m|i\s+am|im|this\s+is|call\s+me|it'?s|"
    r"ich\s+bin|hier\s+ist|je\s+suis|moi\s+c'est|soy|yo\s+soy|sono|ik\s+ben|(?:eu\s+)?sou(?:\s+[ao](?=\s))?"
)
_CUE_START = r"(?:^|[.!?,;:\n(]|\b(?:hi|hey|hello|hallo|bonjour|hola|ciao|olá|dear)\b[,!]?)\s*"
_STRONG_NAME = re.compile(rf"(?:^|\b)(?:{_STRONG_NAME_CUES})\s+", re.IGNORECASE)
_WEAK_NAME = re.compile(rf"{_CUE_START}(?:and\s+)?(?:{_WEAK_NAME_CUES})\s+", re.IGNORECASE)
# "Priya here", and a signature at the very end ("Kind regards,\nEmma").
_HERE_NAME = re.compile(
    rf"{_CUE_START}(?:team,?\s+|all,?\s+)?({_NAME_TOKEN}(?:\s+{_NAME_TOKEN})?)\s+here\b"
)
_SIGNATURE_NAME = re.compile(
    rf"\b(?:regards|sincerely|best\s+wishes|yours\s+truly|mit\s+freundlichen\s+grüßen|"
    rf"cordialement|saludos|cordiali\s+saluti|met\s+vriendelijke\s+groet)\s*,?\s*"
    rf"({_NAME_TOKEN}(?:[ \t]+{_NAME_TOKEN}){{0,2}})\s*$",
    re.IGNORECASE,
)
_NAME_WORDS = re.compile(rf"\s*({_NAME_TOKEN})")
MAX_NAME_WORDS = 3


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def _title(word: str) -> str:
    return re.sub(r"(^|['’-])([^\W\d_])", lambda m: m.group(1) + m.group(2).upper(), word)


def _name_after(
    text: str, position: int, *, strong: bool, shouting: bool, after_its: bool = False
) -> str | None:
    """Up to three name words from `position`, or None when the first is no name."""
    words: list[str] = []
    particles: list[str] = []
    typed_in_case = False
    while len(words) < MAX_NAME_WORDS:
        match = _NAME_WORDS.match(text, position)
        if match is None or "\n" in text[position : match.start(1)]:
            break
        word = match.group(1)
        bare = word.rstrip(".")
        lower = bare.lower().replace("’", "'")
        if words and lower in NAME_PARTICLES:
            particles.append(lower)  # kept only if a capitalised word follows
            position = match.end()
            continue
        if lower in NOT_NAMES or (len(bare) < 2 and not words):
            break
        # A word in capitals inside calm text is emphasis ("I'm DYING to…"), not a name.
        capital = _capitalised(bare) and not shouting and not (len(bare) > 2 and bare.isupper())
        if not strong and (lower in NOT_NAMES_CAPITALISED or (after_its and lower in MONTHS)):
            break
        if not words and lower in NAME_TITLES and (capital or strong):
            title = _title(bare) + ("." if word.endswith(".") else "")
            rest = _name_after(text, match.end(), strong=strong, shouting=shouting)
            return f"{title} {rest}" if rest else None
        if not strong and not capital:
            break
        if words and typed_in_case and not capital:
            break  # "My name is Bob and…": a name typed in case ends at the first small word
        if particles and not capital:
            break
        if not words:
            typed_in_case = capital
        words.extend(particles)
        particles = []
        words.append(bare if capital else _title(lower))
        position = match.end()
        if word.endswith("."):
            break
    if not words:
        return None
    return " ".join(words)[:80]


_NOT_NAME_ENDINGS = ("ing", "ed", "ly", "ful", "ous", "ive", "less", "able", "ible", "ic", "ry")
_CLAUSE_END = re.compile(r"\s*(?:$|[.!?,;:\n)]|and\b|here\b)")


def _lower_case_name(text: str, position: int) -> str | None:
    """A name typed in lower case after a weak cue, by someone who types no capitals at all:
    one word that ends the clause and is not a known word ("hi! i'm mei", not "i'm hungry")."""
    match = _NAME_WORDS.match(text, position)
    if match is None or not _CLAUSE_END.match(text, match.end()):
        return None
    word = match.group(1).rstrip(".")
    lower = word.lower()
    if (
        len(word) < 2
        or lower in NOT_NAMES
        or lower in NOT_NAMES_CAPITALISED
        or lower.endswith(_NOT_NAME_ENDINGS)
    ):
        return None
    return _title(lower)


def find_name(text: str) -> str | None:
    """The name the customer gives for themself: "Hi, I'm Bob Smith", "My name is Carla Jones",
    "je m'appelle Élodie"; never "I'm frustrated" or "I am not happy"."""
    letters = [ch for ch in text if ch.isalpha()]
    shouting = len(letters) >= 8 and sum(ch.isupper() for ch in letters) > 0.7 * len(letters)
    for match in _STRONG_NAME.finditer(text):
        name = _name_after(text, match.end(), strong=True, shouting=shouting)
        if name is not None:
            return name
    no_capitals = not any(ch.isupper() for ch in text)
    for match in _WEAK_NAME.finditer(text):
        after_its = match.group().lower().replace("’", "'").rstrip().endswith(("it's", "its"))
        name = _name_after(text, match.end(), strong=False, shouting=shouting, after_its=after_its)
        if name is None and no_capitals:
            name = _lower_case_name(text, match.end())
        if name is not None:
            return name
    for pattern in (_HERE_NAME, _SIGNATURE_NAME):
        found = pattern.search(text)
        if found is not None:
            name = _name_after(text, found.start(1), strong=False, shouting=shouting)
            if name is not None and len(name.split()) == len(found.group(1).split()):
                return name
    return None


_PHONE = re.compile(
    r"\b(?:phone|tel|telephone|mobile|cell|cellphone|whatsapp|call\s+me|ring\s+me|text\s+me|"
    r"reach\s+me|telefon|handy|téléphone|portable|teléfono|móvil|telefono|cellulare|telefoon)\b"
    r"[^0-9+(\n]{0,25}(\+?\(?\d[\d ().-]{5,18}\d)",
    re.IGNORECASE,
)


def find_phone(text: str) -> str | None:
    """A phone number the customer gives ("call me on 07700 900123"), with its cue word."""
    for match in _PHONE.finditer(text):
        number = match.group(1)
        digits = sum(ch.isdigit() for ch in number)
        if 7 <= digits <= 15:
            return " ".join(number.split())
    return None


# What is left of a message that only gives details: greetings, cue and filler words.
_DETAIL_FILLER = frozenset(
    """hi hello hey please use instead actually my email e-mail mail address is it's its it the
    correct right proper one new updated sorry thanks thank you oops typo that this reach me at
    contact can could write to mean meant should be i i'm im am name and or wrong changed update
    typed mistyped here you're not on of for your reply replies send them""".split()
)


def read_contact_details(text: str, *, not_theirs: Collection[str] = ()) -> ContactDetails:
    """The email, name and phone the customer gives for themself in one message."""
    domains = [d.lower() for d in not_theirs]
    spans = _own_email_spans(text, domains)
    email = spans[0][2] if spans else None
    name = find_name(text)
    phone = find_phone(text)
    correction = bool(_CORRECTION.search(text))
    rest = _EMAIL_CANDIDATE.sub(" ", text)
    if phone:
        rest = rest.replace(phone, " ")
    if name:
        rest = re.sub(re.escape(name), " ", rest, flags=re.IGNORECASE)
    leftover = [
        word for word in re.findall(r"[\w'’-]+", rest.lower()) if word not in _DETAIL_FILLER
    ]
    found = bool(email or name or phone)
    return ContactDetails(
        email=email,
        name=name,
        phone=phone,
        correction=correction and found,
        only_details=found and not leftover,
    )
