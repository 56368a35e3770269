"""Asking for a person, in its many phrasings, and the text normalisation every pattern reads.

`normalise` lower-cases a message, makes quotes plain, writes out texting shorthand ("r u",
"pls") and repairs misspelt person words ("humna", "agnet"), so that one set of patterns reads
them all. `EXPLICIT_FAMILIES` are the shapes of an ask for a person: a verb of talking followed by
a person word, a person as the one who acts ("can a real human sort this out?"), a transfer, a
call back, a bare "human please". See docs/escalation.md.
"""

from __future__ import annotations

import re
from functools import lru_cache

# --- normalisation -------------------------------------------------------------------------------

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "`": "'"})

# Person words worth repairing when misspelt. Short verbs (talk, speak) are left alone: one letter
# off they collide with too many ordinary words (tall, tale, speck).
_TYPO_TARGETS: tuple[str, ...] = (
    "human",
    "person",
    "agent",
    "someone",
    "somebody",
    "representative",
    "operator",
    "manager",
    "supervisor",
)
# Real words one edit away from a target; never "repaired".
_NOT_TYPOS = frozenset(
    {
        "humans",
        "humane",
        "humid",
        "persons",
        "persona",
        "parson",
        "agents",
        "agency",
        "argent",
        "managed",
        "manages",
        "manger",
        "managers",
        "operators",
        "someones",
        "supervisors",
        "sergeant",
        "somebody",
        "someone",
    }
)


def _within_one_edit(word: str, target: str) -> bool:
    """True when `word` is one insertion, deletion, substitution or swap away from `target`."""
    lw, lt = len(word), len(target)
    if abs(lw - lt) > 1 or word == target:
        return False
    if lw == lt:
        diffs = [i for i in range(lw) if word[i] != target[i]]
        if len(diffs) == 1:
            return True
        # Adjacent letters swapped ("humna").
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and word[diffs[0]] == target[diffs[1]]
            and word[diffs[1]] == target[diffs[0]]
        )
    short, long_ = (word, target) if lw < lt else (target, word)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


@lru_cache(maxsize=8192)
def repair_word(word: str) -> str:
    """The person word `word` was meant to be, or `word` itself."""
    if len(word) < 5 or word in _NOT_TYPOS:
        return word
    for target in _TYPO_TARGETS:
        if word[0] == target[0] and _within_one_edit(word, target):
            return target
    return word


# Texting shorthand, written out so one set of patterns reads both.
_SHORTHAND = {
    "u": "you",
    "r": "are",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "ppl": "people",
    "sum1": "someone",
    "some1": "someone",
    "any1": "anyone",
    "cud": "could",
    "wud": "would",
    "im": "i'm",
    "dont": "don't",
    "cant": "can't",
    "wont": "won't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "isnt": "isn't",
    "ive": "i've",
    "whats": "what's",
    "thats": "that's",
    "reel": "real",
    "rael": "real",
    "speek": "speak",
    "spaek": "speak",
    "tlak": "talk",
    "wnat": "want",
    "gimme": "give me",
    "wanna": "want to",
}
_TOKEN = re.compile(r"[a-z0-9][a-z0-9']*")


def _fix_word(match: re.Match[str]) -> str:
    word = match.group(0)
    return _SHORTHAND.get(word) or repair_word(word)


def normalise(text: str) -> str:
    """Lower-case, plain quotes, single spaces, shorthand written out, person words spelt right."""
    lowered = " ".join(text.translate(_QUOTES).lower().split())
    return _TOKEN.sub(_fix_word, lowered)


# --- asking for a person -------------------------------------------------------------------------

# Someone who is clearly staff: a bare "someone" needs a qualifier (see _SOMEONE_Q) because
# "I'd like someone to show me the machines" is a request for a service, not for a handoff.
_STAFF = (
    r"(?:(?:a|an|the|some|your|one of your|one of the|a member of|member of)\s+)?"
    r"(?:(?:real|actual|live|proper|human|other)\s+)?"
    r"(?:human(?:\s+being)?|person|agent|rep|representative|operator|advis[oe]r|manager|"
    r"supervisor|staff(?:\s+member)?|team\s+member|colleague|employee|specialist|"
    r"account\s+manager|customer\s+(?:service|support|care)|support\s+(?:team|staff|agent)|"
    r"(?:your|the)\s+(?:team|staff|support|billing|sales)|(?:your|the)\s+(?:[a-z]+\s+){0,3}"
    r"(?:officer|department|team|desk)|"
    r"sales|billing(?:\s+team)?|(?:[a-z]+\s+)?(?:folks?|people)\s+(?:at|from|on|in)\b)"
    # "an agent fee", "the manager app": a person word used as a noun modifier
    r"(?!\s+(?:fees?|codes?|numbers?|ids?|portal|login|app|mode|commission|list|roles?|rights|"
    r"access|tools?|view|resources|levels?|limits?|accounts?|dashboard|settings|permissions?))"
)
_SOMEONE = r"(?:someone|somebody|anyone|anybody|a\s+person|a\s+human|whoever)"
_SOMEONE_Q = (
    _SOMEONE + r"\s+(?:who|that|from|on|at|in|there|real|actually|senior|i\s+can|i\s+could|to\s+"
    r"(?:talk|speak|chat)|can)\b"
)
_ANY_PERSON = rf"(?:{_STAFF}|{_SOMEONE})"

# Each family with the words one of which must appear for it to match at all: a plain substring
# test is far cheaper than running the whole family over every message. No words: always run.
_EXPLICIT: tuple[tuple[tuple[str, ...], str], ...] = (
    # talk/speak/chat/explain ... to/with a person ("talk it through with someone")
    (
        (
            "talk",
            "speak",
            "chat",
            "explain",
            "discuss",
            "sort",
            "deal",
            "through",
            "a call",
            "touch",
        ),
        rf"\b(?:talk|speak|chat|explain|discuss|sort|deal|go\s+through|a\s+call|"
        rf"be\s+put\s+in\s+touch|put\s+(?:me|us)\s+in\s+touch|get\s+in\s+touch|get\s+through)\b"
        rf"[a-z' ]{{0,30}}?"
        rf"\b(?:to|with)\s+{_ANY_PERSON}\b",
    ),
    # a person as the one who acts: "can a real human sort my account out?"
    (
        (
            "human",
            "person",
            "agent",
            "rep",
            "manager",
            "supervisor",
            "some",
            "any",
            "staff",
            "advis",
        ),
        r"\b(?:can|could|would|will|please)\s+(?:(?:a|an|the|some|one\s+of\s+your)\s+)?"
        r"(?:(?:real|actual|live)\s+)?(?:human|person|agent|representative|rep|manager|supervisor|"
        r"someone|somebody|anyone|member\s+of\s+staff|staff\s+member|advis[oe]r)\s+"
        r"(?:(?:from|in|on)\s+(?:your\s+|the\s+)?\w+\s+)?(?:please\s+)?(?:sort|help|look|fix|deal|"
        r"check|handle|review|explain|call|ring|contact|get\s+back|assist|take\s+a\s+look|see\s+to|"
        r"correct|amend|investigate)"
        r"\b",
    ),
    # ask a person ("I'd rather ask someone who has built one")
    (("ask",), rf"\bask\s+(?:{_STAFF}|{_SOMEONE})\b"),
    # connect / transfer / put me through
    (
        (
            "connect",
            "transfer",
            "put",
            "pass",
            "hand",
            "forward",
            "escalat",
            "route",
            "refer",
            "send",
        ),
        rf"\b(?:connect|transfer|put|pass|passing|hand|forward|escalate|route|refer|"
        rf"send)(?:ing|ed)?\s+(?:me|us|this|it|my\s+\w+)\s+(?:through\s+|over\s+|on\s+|up\s+)?"
        rf"(?:to\s+|with\s+)?{_ANY_PERSON}\b",
    ),
    (("put me through",), r"\bput\s+me\s+through\b"),
    (
        ("call", "ring", "visit", "email"),
        rf"\b(?:like|want|need|appreciate|request|arrange|get|have|book)\s+(?:a\s+)?(?:call|ring|"
        rf"phone\s+call|visit|email)\s+(?:back\s+)?from\s+(?:{_STAFF}|{_SOMEONE})",
    ),
    # a call back: "can I have a callback?", "could you ring me"
    (
        ("call", "ring", "phone"),
        r"\b(?:have|get|request|arrange|book|want|need|like|for|give\s+me)\s+(?:a\s+)?"
        r"(?:callback|call\s*-?\s*back|phone\s+call)\b|\b(?:can|could|would|please)\s+"
        r"(?:you\s+|someone\s+)?(?:call|ring|phone)\s+me\b",
    ),
    (
        ("any", "some"),
        r"^(?:is\s+there\s+)?(?:anyone|someone|somebody|anybody)\s+(?:here\s+|there\s+)?"
        r"(?:who|that)\s+(?:can|could|knows?|actually)\b",
    ),
    (
        ("number", "email"),
        r"\b(?:phone\s+|contact\s+|telephone\s+)?(?:number|email(?:\s+address)?)\s+(?:for|of)\s+"
        r"(?:customer\s+(?:service|support|care)|support|your\s+(?:team|support|office)|billing|"
        r"sales|the\s+help\s*desk|complaints|a\s+(?:real\s+)?person)\b",
    ),
    (
        ("how ",),
        r"\bhow\s+(?:do|can|could)\s+i\s+(?:contact|call|phone|ring|reach|get\s+hold\s+of|"
        r"speak\s+to|talk\s+to|email)\s+(?:you|your|someone|somebody|customer|support|a\s+person|"
        r"a\s+human|an\s+agent|the\s+team)\b",
    ),
    (
        ("some", "person", "human", "agent", "advis", "member"),
        r"\b(?:someone|somebody|a\s+(?:real\s+)?person|a\s+human|an?\s+(?:agent|advis[oe]r)|"
        r"a\s+member\s+of\s+(?:staff|your\s+team))\s+(?:could|can|would|to)\s+(?:please\s+)?"
        r"(?:look|check|call|ring|contact|help|sort|review|get\s+back|take\s+a\s+look|phone|"
        r"correct|"
        r"fix|amend|explain|refund|deal\s+with|investigate)\b",
    ),
    # "speak to the mechanic who worked on it": a named role, not a bot
    (
        ("speak", "talk", "chat"),
        r"\b(?:speak|talk|chat)\s+(?:to|with)\s+(?:the|a|an|your|one\s+of\s+your)\s+"
        r"(?:[a-z-]+\s+){0,2}?(?:[a-z]+(?:er|or|ist|ian|ant|ic|man|woman|ary|ee))\b"
        r"(?:\s+(?:who|that|about|in|on|at|from)\b|\s*[?.!]|$)",
    ),
    (
        ("who",),
        r"\bwho\s+(?:do|should|can|could|would)\s+i\s+(?:(?:actually|really|need\s+to|"
        r"have\s+to)\s+){0,3}"
        r"(?:speak|talk|write|go)\s+to\b|\bwho\s+(?:would|might|else\s+would)\s+know\b|"
        r"\bwho\s+(?:handles|deals\s+with|looks\s+after|is\s+in\s+charge\s+of|manages|runs)\b",
    ),
    (
        ("by a",),
        r"\bby\s+(?:a|an)\s+(?:real\s+|actual\s+|live\s+)?(?:person|human|agent|manager)\b",
    ),
    (
        ("any", "some", "person", "human"),
        r"\b(?:is|are)\s+(?:anybody|anyone|somebody|someone|a\s+(?:real\s+)?(?:person|human))"
        r"\s+(?:there|here|around|available|real|reading|listening|awake)\b",
    ),
    (
        ("is there", "do you have"),
        r"\b(?:is\s+there|do\s+you\s+have)\s+(?:a|an|someone|somebody|anyone)\s+(?:[a-z]+\s+){0,2}"
        r"(?:i|we)\s+(?:can|could)\s+(?:ask|talk|speak|chat|call|ring|email|explain)\b",
    ),
    (
        ("hold", "reach", "contact", "called by"),
        rf"\b(?:get\s+(?:a\s+)?hold\s+of|reach|contact|be\s+called\s+by)\s+"
        rf"(?:{_STAFF}|{_SOMEONE})\b",
    ),
    (("in front",), rf"\bin\s+front\s+of\s+(?:{_ANY_PERSON}|whoever)\b"),
    (("whoever",), r"\bwhoever\s+(?:handles|deals|is\s+in\s+charge|looks\s+after|can)\b"),
    # want / need / get me a person
    (
        (
            "want",
            "need",
            "like",
            "rather",
            "prefer",
            "demand",
            "get me",
            "give me",
            "find me",
            "request",
        ),
        rf"\b(?:want|need|like|rather|prefer|demand|get\s+me|give\s+me|find\s+me|request)"
        rf"(?:\s+for)?\s+(?:to\s+(?:have|get)\s+)?(?:{_STAFF}|{_SOMEONE_Q})",
    ),
    # is there a person / anyone there / am I talking to a bot
    (
        ("there",),
        rf"\b(?:is|are)\s+there\s+(?:{_STAFF}|{_SOMEONE_Q}|(?:a|an)\s+(?:real|actual|live)"
        rf"\s+(?:person|human))",
    ),
    (
        ("bot", "robot", "machine", "computer", " ai"),
        r"\b(?:is\s+this|am\s+i\s+(?:talking|chatting|speaking)\s+(?:to|with)|are\s+you)\s+"
        r"(?:just\s+)?(?:a|an)\s+(?:bot|robot|machine|computer|ai)\b",
    ),
    (("are you",), r"\bare\s+you\s+(?:a\s+)?(?:real|human|a\s+real\s+person)\b"),
    (
        ("bot",),
        r"\b(?:rather\s+than|not|instead\s+of)\s+(?:a|the|this|your)\s+(?:bot|chatbot|robot)\b",
    ),
    (("one for",), r"\bone\s+for\s+(?:the\s+)?(?:staff|team|humans?|a\s+person|people)\b"),
    # someone should call / reach out / get back
    (
        (
            "call",
            "ring",
            "phone",
            "contact",
            "email",
            "reach",
            "touch",
            "get back",
            "follow",
            "look at",
        ),
        rf"\b(?:have|get|can|could|would|will|please|need)\s+(?:{_STAFF}|{_SOMEONE}|"
        rf"(?:our|my|an?)\s+account\s+manager)\s+(?:to\s+)?(?:call|ring|phone|contact|email|"
        rf"reach\s+out|get\s+in\s+touch|get\s+back|follow\s+up|look\s+at\s+this)\b",
    ),
    (("me back",), r"\b(?:call|ring|phone)\s+me\s+back\b"),
    (
        ("number",),
        r"\b(?:a|the|your)\s+(?:phone\s+)?number\s+(?:i|we)\s+(?:can|could)\s+(?:call|ring)\b",
    ),
    (
        ("number",),
        r"\b(?:is\s+there|do\s+you\s+have)\s+a\s+(?:phone\s+)?number\s+(?:to|i|we|for)\b",
    ),
    # bare requests: "human please", "agent", "live chat"
    (
        (),
        r"^(?:hi\s+|hello\s+)?(?:(?:real|live|actual)\s+)?(?:human|person|agent|operator|"
        r"representative|rep|manager|supervisor|someone)(?:\s+agent)?"
        r"(?:\s+(?:please|pls|plz|now|asap))*[\s.!?]*$",
    ),
    (
        ("please", "pls", "plz", "now"),
        r"\b(?:human|agent|operator|representative|manager|person|customer\s+(?:service|support|"
        r"care)|support\s+team|helpdesk|help\s+desk)\s+(?:please|pls|plz|now)\b",
    ),
    ((), r"^(?:customer\s+(?:service|support|care)|helpdesk|help\s+desk|live\s+support)[\s.!?]*$"),
    (
        ("escalat",),
        r"\b(?:get|have)\s+(?:this|it|my\s+\w+)\s+escalated\b|\bescalate\s+(?:this|it|my|me)\b",
    ),
    (("human agent",), r"\bhuman\s+agent\b"),
    (("live ",), r"\blive\s+(?:agent|person|chat\s+with)\b"),
)
EXPLICIT_FAMILIES: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = tuple(
    (keywords, re.compile(branch)) for keywords, branch in _EXPLICIT
)

# Words that, shortly before a match, turn an ask into its opposite ("I don't need a person").
ASK_NEGATION = re.compile(
    r"(?:\bdon't|\bdo\s+not|\bdont|\bno\s+need|\bnot\b|\bnever\b|\bwithout\b|\bno\b|"
    r"\bbefore\s+you|\bdon't\s+bother|\bno\s+point|\bwon't)[^.,;:!?]*$"
)
