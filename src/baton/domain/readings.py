"""What one customer message says on its own, before the conversation is taken into account.

`read_message` is cached by text: a conversation's earlier messages are read again with every new
message, and caching keeps each read to one pass. The conversation-level rules (the same question
again, a fallback, shorter and shorter messages) live in `baton.domain.signals`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from baton.domain import asks
from baton.domain import lexicon as lx

# One analyser for the process: building it reads its lexicon file.
_VADER = SentimentIntensityAnalyzer()
# VADER's time grows with the square of a message's length; the opening of a long message
# carries its tone well enough.
_VADER_CHARS = 600
_LOOK_BACK = 200
# A VADER compound score at or below this is a clearly negative message; at or above _JOYFUL,
# capitals, "!!" and "omg" are delight unless the message also complains.
_NEGATIVE = -0.5
_JOYFUL = 0.6
# Said about a slip of the customer's own: no complaint about us.
_SELF_SLIP_CUES = ("exasperation", "negative_sentiment", "medium_words")
_COMPLAINT_CUES = frozenset({"strong_words", "medium_words", "demand", "insult", "recurrence"})
# "so fed up", "really not happy": a complaint word said with force weighs more.
_INTENSIFIED_FACTOR = 1.3


@dataclass(frozen=True, slots=True)
class Cue:
    """A sign of feeling in the words: `name` is the weight it takes in `SignalWeights`."""

    name: str
    factor: float
    evidence: str


@dataclass(frozen=True, slots=True)
class Reading:
    """One message, read on its own."""

    norm: str
    content: frozenset[str]
    explicit: str | None
    # An ask the rules found and set aside as negated or doubtful ("I don't need a person").
    negated_ask: bool
    hedged: bool
    question: bool
    closing: bool
    letting_go: bool
    follow_up: bool
    confirming: bool
    cues: tuple[Cue, ...]
    rejection: str | None
    rejection_strong: bool
    prod: str | None
    sarcasm: str | None
    problems: tuple[str, ...]
    problem_clauses: int
    harm: bool
    stakes: bool
    contradiction: str | None
    resolution_ask: bool
    urgency: str | None
    duration: str | None
    exception: str | None
    sensitive: str | None
    sensitive_asked: bool
    amounts: tuple[float, ...]
    quantities: tuple[int, ...]
    purchase: bool
    event_order: str | None
    words: int
    caps_words: int
    caps_plain: int
    caps_run: str | None
    compound: float

    @property
    def acknowledgement(self) -> bool:
        """A short reply that asks nothing and shows no trouble ("hmm ok", "right")."""
        return self.words <= 3 and not self.question and not self.troubled and not self.prod

    @property
    def troubled(self) -> bool:
        """Shows trouble of its own: a complaint, a refused answer, a problem report."""
        return bool(self.cues or self.rejection or self.problems or self.sensitive or self.caps_run)


def _stem(word: str) -> str:
    """A rough stem, enough to match "lines" with "line" and "closing" with "close"."""
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3].rstrip("e")
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2].rstrip("e")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1].rstrip("e")
    return word.rstrip("e") if len(word) > 3 else word


def _content(norm: str) -> frozenset[str]:
    return frozenset(
        _stem(w)
        for w in lx.CONTENT_WORD.findall(norm)
        if w not in lx.STOPWORDS and (len(w) > 1 or w.isdigit())
    )


@lru_cache(maxsize=4096)
def content_words(text: str) -> frozenset[str]:
    """The stemmed content words of any text (a bot's answer too), for comparing two texts."""
    return _content(asks.normalise(text))


def _excitement(cue: Cue) -> bool:
    """Cues that in a delighted message are excitement: "!!", "omg"."""
    return cue.name == "repeated_punctuation" or (
        cue.name == "exasperation" and cue.evidence in {"omg", "omfg"}
    )


def _clause_before(norm: str, start: int) -> str:
    """The current clause up to `start` (back to the last . ! ? ; : or comma)."""
    # Look back a bounded stretch: a clause is short, and a long message must stay linear.
    floor = max(0, start - _LOOK_BACK)
    cut = max(max(norm.rfind(ch, floor, start) for ch in ".!?;,:"), floor - 1)
    return norm[cut + 1 : start]


def _sentence_before(norm: str, start: int) -> str:
    floor = max(0, start - _LOOK_BACK)
    cut = max(max(norm.rfind(ch, floor, start) for ch in ".!?;"), floor - 1)
    return norm[cut + 1 : start]


def _explicit(norm: str) -> tuple[str | None, bool]:
    """The first ask for a person, and whether an ask was found negated."""
    found: list[re.Match[str]] = []
    negated = False
    for keywords, family in asks.EXPLICIT_FAMILIES:
        if keywords and not any(k in norm for k in keywords):
            continue
        for match in family.finditer(norm):
            if not asks.ASK_NEGATION.search(_clause_before(norm, match.start())):
                found.append(match)
                break
            negated = True
    if not found:
        return None, negated
    return min(found, key=lambda m: m.start()).group(0).strip(), negated


def _negative_words(norm: str, question: bool) -> list[Cue]:
    """Complaint words that are not negated, not about something else, not in a calm question."""
    found: list[Cue] = []
    for pattern, name in (
        (lx.STRONG_NEGATIVE, "strong_words"),
        (lx.MEDIUM_NEGATIVE, "medium_words"),
    ):
        for match in pattern.finditer(norm):
            word = match.group(0)
            before = _clause_before(norm, match.start())
            sentence = _sentence_before(norm, match.start())
            negates_itself = "n't" in word or "not" in word
            if not negates_itself and lx.NEGATED_BEFORE.search(before):
                continue  # "not terrible at all", "nothing's broken"
            if (
                lx.SELF_OR_ELSEWHERE.search(sentence)
                or lx.ELSEWHERE_AFTER.match(norm, match.end())
                or (lx.SELF_BEFORE.search(before) and lx.SELF_AFTER.match(norm, match.end()))
            ):
                continue  # "the weather's terrible", "I'm terrible at yoga"
            factor = 1.0
            if name == "medium_words" and lx.INTENSIFIED.search(before):
                factor = _INTENSIFIED_FACTOR
            aimed = bool(lx.AIMED_AT_US.search(before))
            if question and not aimed and not lx.INTENSIFIER.search(before):
                # "Drag and drop doesn't work on my iPad, is that expected?" asks, not complains.
                factor = 0.4 if name == "strong_words" else 0.0
            if factor > 0:
                found.append(Cue(name, factor, word))
    return found


def _told_as_facts(norm: str) -> list[re.Match[str]]:
    """Failures and broken expectations told as facts ("it renewed even though I turned it off");
    asked about ("can I upgrade even though I'm in contract?") they are questions."""
    out = []
    for match in [*lx.FAILURE.finditer(norm), *lx.CONTRADICTION.finditer(norm)]:
        end = lx.SENTENCE_END.search(norm, match.end())
        if end is None or norm[end.start() : end.start() + 1] != "?":
            out.append(match)
    return out


def _asked(norm: str, match: re.Match[str]) -> bool:
    """The problem is asked about or supposed ("I was charged twice?", "what happens if my payment
    fails?"), not told; "why was I charged twice?" presumes it, and is told."""
    if norm.count('"', 0, match.start()) % 2 == 1:
        return True  # inside quotation marks: an error message or an email quoted, not told
    if lx.SUPPOSED.search(_clause_before(norm, match.start())):
        return True
    end = lx.SENTENCE_END.search(norm, match.end())
    sentence = _sentence_before(norm, match.start()).lstrip()
    mark = norm[end.start() : end.start() + 1] if end is not None else ""
    # a question by its mark, or by its first word when the customer left the mark off
    if mark != "?" and not (mark == "" and lx.QUESTION_START.match(sentence)):
        return False
    return not lx.PRESUMING_QUESTION.match(sentence)


def _procedural(norm: str, match: re.Match[str]) -> bool:
    """A sensitive word inside a question about how things work ("how do I dispute a charge?",
    "what happens if I damage it by accident"), not a report that it happened."""
    if lx.SUPPOSED.search(_clause_before(norm, match.start())):
        return True
    end = lx.SENTENCE_END.search(norm, match.end())
    asks = end is not None and norm[end.start() : end.start() + 1] == "?"
    return asks and bool(lx.HOW_TO.search(_sentence_before(norm, match.start())))


def _clause_index(norm: str, position: int) -> int:
    """Which clause of the message `position` is in ("charged twice" is one problem, not two)."""
    return len(lx.CLAUSE_BREAK.findall(norm, 0, position))


def _plain_caps(words: list[str]) -> int:
    """Capital words that are ordinary words, not acronyms or codes (SKU, VAT, SCIM)."""
    return sum(1 for w in words if w.isupper() and (len(w) >= 5 or w.lower() in lx.STOPWORDS))


def _amount(match: re.Match[str]) -> float:
    digits = match.group(1) or match.group(3)
    thousands = match.group(2) or match.group(4)
    value = float(digits.replace(",", ""))
    return value * 1000 if thousands else value


@lru_cache(maxsize=8192)
def read_message(text: str) -> Reading:
    """Read one message on its own."""
    norm = asks.normalise(text)
    hedged = bool(lx.HEDGE.search(norm))
    question = "?" in norm or bool(lx.QUESTION_START.search(norm))
    compound = float(_VADER.polarity_scores(text[:_VADER_CHARS])["compound"])
    content = _content(norm)
    cues: list[Cue] = []
    if not hedged:
        cues.extend(_negative_words(norm, question))
        if m := lx.DEMAND.search(norm):
            cues.append(Cue("demand", 1.0, m.group(0)))
        if m := lx.EXASPERATION.search(norm) or lx.EMPHATIC_REPEAT.search(norm):
            cues.append(Cue("exasperation", 1.0, m.group(0)))
        if m := lx.RECURRENCE.search(norm):
            cues.append(Cue("recurrence", 1.0, m.group(0)))
    if m := lx.INSULT.search(norm):
        cues.append(Cue("insult", 1.0, m.group(0)))
    thanks = bool(lx.THANKS.search(norm))
    closing_words = bool(lx.CLOSING.fullmatch(norm.strip())) and len(norm) <= 40
    punct = lx.REPEATED_PUNCT.search(text) if "!" in text or "??" in text else None
    laughing = bool(lx.LAUGHTER.search(text.lower()))
    if punct and not (thanks or closing_words or laughing or lx.JOY.search(text)):
        cues.append(Cue("repeated_punctuation", 1.0, punct.group(0)))
    found = [] if hedged else list(lx.PROBLEM.finditer(norm)) + _told_as_facts(norm)
    told = [m for m in found if not _asked(norm, m)]
    if compound <= _NEGATIVE and not hedged and (cues or not question):
        cues.append(Cue("negative_sentiment", 1.0, f"sentiment {compound:+.2f}"))
    # "German grammar is SO frustrating haha": laughter makes a mild word light, unless
    # something went wrong; strong words, insults and demands still count.
    light = laughing and not told
    if light:
        cues = [c for c in cues if c.name not in ("medium_words", "negative_sentiment")]
    if lx.SELF_MISTAKE.search(norm) and lx.FIX_QUESTION.search(norm):
        # "ugh I think I messed up ... can I fix it?": a how-to about the customer's own slip.
        found, told = [], []
        cues = [c for c in cues if c.name not in _SELF_SLIP_CUES]
    words = lx.ANY_WORD.findall(text)
    caps = [w for w in words if len(w) >= 2 and w.isupper()]
    run = lx.CAPS_RUN.search(text)
    # "THANK YOU SO MUCH!!!" and "OMG BEST NEWS EVER!!" are capitals of joy, and "sorry for caps"
    # owns up to them: no anger.
    joyful = compound >= _JOYFUL and not any(c.name in _COMPLAINT_CUES for c in cues)
    glad = (
        (thanks and compound >= 0.5)
        or joyful
        or light
        or bool(lx.JOY.search(text))
        or bool(lx.CAPS_EXCUSED.search(norm))
    )
    if joyful:
        cues = [c for c in cues if not _excitement(c)]
    caps_run = (
        run.group(0)
        if run and not glad and _plain_caps(lx.ANY_WORD.findall(run.group(0))) >= 2
        else None
    )
    # Harm: money taken, an order lost or damaged, a promise broken; not only an error message.
    harm = any(m.re is lx.PROBLEM and not lx.GLITCH.fullmatch(m.group(0)) for m in told)
    # "it turned up a week late. Cheers for that.": thanks after harm close nothing.
    closing = (thanks or closing_words) and not cues and not caps_run and not harm
    rest = norm if closing else lx.CLOSING.sub("", norm, count=1).lstrip(" ,.!")
    rejection = lx.REJECTION.search(norm) or lx.PUSHBACK.search(norm)
    prod = lx.PROD.search(norm.strip())
    sarcasm = lx.SARCASM.search(norm)
    contradiction = lx.CONTRADICTION.search(norm)
    sensitive = None if hedged else lx.SENSITIVE.search(norm)
    problems = tuple(dict.fromkeys(m.group(0) for m in found))
    problem_starts = [m.start() for m in found]
    has_digit = any(ch.isdigit() for ch in norm)
    duration = lx.DURATION.search(norm)
    # A failure that has gone on for weeks is past walking through: "not collected for 3 weeks".
    harm = harm or (bool(told) and duration is not None)
    urgency = lx.URGENCY.search(norm)
    exception = None if hedged else lx.EXCEPTION.search(norm)
    explicit, negated_ask = _explicit(norm)
    return Reading(
        norm=norm,
        content=content,
        explicit=explicit,
        negated_ask=negated_ask,
        hedged=hedged,
        question=question,
        closing=closing,
        letting_go=bool(lx.LETTING_GO.search(norm)) and not cues,
        follow_up=bool(lx.FOLLOW_UP.search(rest)),
        confirming=bool(lx.CONFIRMING.search(norm)) and not rejection and "or not" not in norm,
        cues=tuple(cues),
        rejection=rejection.group(0) if rejection else None,
        rejection_strong=rejection is not None and rejection.re is lx.REJECTION,
        prod=prod.group(0) if prod else None,
        sarcasm=sarcasm.group(0).strip(" .!") if sarcasm and not closing else None,
        problems=problems,
        problem_clauses=len({_clause_index(norm, start) for start in problem_starts}),
        harm=harm,
        stakes=bool(lx.STAKES.search(norm)),
        contradiction=contradiction.group(0) if contradiction else None,
        resolution_ask=bool(lx.RESOLUTION_ASK.search(norm)),
        urgency=urgency.group(0) if urgency else None,
        duration=duration.group(0) if duration else None,
        exception=exception.group(0) if exception else None,
        sensitive=sensitive.group(0) if sensitive else None,
        sensitive_asked=sensitive is not None and _procedural(norm, sensitive),
        amounts=tuple(_amount(m) for m in lx.AMOUNT.finditer(norm)) if has_digit else (),
        quantities=tuple(
            int((m.group(1) or m.group(2)).replace(",", "")) for m in lx.QUANTITY.finditer(norm)
        )
        if has_digit
        else (),
        purchase=bool(lx.PURCHASE.search(norm)),
        event_order=event.group(0) if (event := lx.EVENT_ORDER.search(norm)) else None,
        words=len(words),
        caps_words=len(caps),
        caps_plain=0 if glad else _plain_caps(caps),
        caps_run=caps_run,
        compound=compound,
    )
