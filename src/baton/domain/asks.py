"""Asking for a person, in its many phrasings, and the text normalisation every pattern reads.

`normalise` lower-cases a message, makes quotes plain, writes out texting shorthand ("r u",
"pls") and repairs misspelt person words ("humna", "agnet"), so that one set of patterns reads
them all. `EXPLICIT_FAMILIES` are the shapes of an ask for a person: a verb of talking followed by
a person word, a person as the one who acts ("can a real human sort this out?"), a transfer, a
call back, a bare "human please". See docs/escalation.md.
"""

from __future__ import annotations

import re

# --- normalisation -------------------------------------------------------------------------------

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "`": "'"})

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
    "wid": "with",
    "abt": "about",
    "wat": "what",
    "hw": "how",
    "cld": "could",
    "shd": "should",
    "sb": "somebody",
    "smb": "somebody",
    "sm1": "someone",
    "no1": "no one",
    "thx": "thanks",
    "tmrw": "tomorrow",
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
    # Misspelt person words ("humna", "agnet") are left to the reader: its character n-grams
    # share most of their letters with the word meant.
    word = match.group(0)
    return _SHORTHAND.get(word) or word


def normalise(text: str) -> str:
    """Lower-case, plain quotes, single spaces, shorthand written out."""
    lowered = " ".join(text.translate(_QUOTES).lower().split())
    return _TOKEN.sub(_fix_word, lowered)


# --- asking for a person -------------------------------------------------------------------------

# Someone who is clearly staff: a bare "someone" needs a qualifier (see _SOMEONE_Q) because
# "I'd like someone to show me the machines" is a request for a service, not for a handoff.
_STAFF_TEMPLATE = (
    r"(?:(?:a|an|the|some|your|one\s+of\s+your|one\s+of\s+the|a\s+member\s+of|member\s+of)\s+"
    r"{described})?"
    r"(?:(?:real|actual|live|proper|human|other|senior|competent|qualified)\s+)?"
    r"(?:human(?:\s+being)?|person|agent|rep|representative|operator|advis[oe]r|manager|"
    r"supervisor|staff(?:\s+member)?|team\s+(?:member|lead|leader)|colleague|employee|boss|"
    r"owner|director|head\s+office|complaints\s+(?:team|department)|support|helpdesk|"
    r"person\s+in\s+charge|"
    r"specialist|consultant|account\s+manager|engineer|technician|tech|teacher|tutor|"
    r"librarian|receptionist|coordinator|planner|broker|solicitor|adjuster|assessor|"
    r"(?:claims|case|loan|mortgage|letting|property)\s+(?:handler|officer|advis[oe]r|manager|"
    r"agent)|customer\s+(?:services?|support|care)|"
    r"support\s+(?:team|staff|agent)|(?:your|the)\s+(?:team|staff|support|billing|sales)|"
    r"(?:your|the)\s+(?:[a-z]+\s+){{0,3}}(?:officer|office|department|team|desk)|"
    r"sales|billing(?:\s+team)?|(?:[a-z]+\s+)?(?:folks?|people)\s+(?:at|from|on|in))\b"
    # "an agent fee", "the manager app": a person word used as a noun modifier
    r"(?!\s+(?:fees?|codes?|numbers?|ids?|portal|login|app|mode|commission|list|roles?|rights|"
    r"access|tools?|view|resources|levels?|limits?|accounts?|dashboard|settings|permissions?|"
    r"articles?|pages?|docs?|site|hours|tickets?|plan|package|options?))"
)
# After a verb of reaching someone ("talk to", "put me through to", "have ... ring me") the
# person may carry one describing word: "the concerned person", "the branch manager". After
# "I want" or "is there" it may not: "I'd like the delivery person to knock".
_STAFF = _STAFF_TEMPLATE.format(described=r"(?:(?!(?:bot|chatbot|robot|machine)\b)[a-z]+\s+)??")
_STAFF_PLAIN = _STAFF_TEMPLATE.format(described="")
_SOMEONE = (
    r"(?:(?:someone|somebody|anyone|anybody)(?:\s+(?:competent|senior|qualified|experienced|"
    r"knowledgeable|responsible|official))?|a\s+person|a\s+human|whoever)"
)
# "someone who can deliver on a Sunday", "anyone that could install it": a service, not a person
# to talk to.
_SERVICE = (
    r"(?!\s+(?:can|could|will|would)\s+(?:deliver|collect|install|clean|cut|pick|drop|come|visit|"
    r"cater|fit|build|assemble|move|drive|walk|babysit|cook|make|repair|service)\b)"
)
_SOMEONE_Q = (
    _SOMEONE
    + r"\s+(?:(?:who|that)"
    + _SERVICE
    + r"|from|on|at|in|there|real|actually|senior|i\s+can|i\s+could|to\s+"
    r"(?:talk|speak|chat)|can)\b"
)
# "is there someone in billing?" asks for a person; "is there someone at the front desk at
# night?" asks about opening hours.
_SOMEONE_THERE = (
    _SOMEONE
    + r"\s+(?:(?:who|that)"
    + _SERVICE
    + r"|from|in|on|real|actually|senior|i\s+can|i\s+could|to\s+"
    r"(?:talk|speak|chat)|can)\b"
)
# "one of your sommeliers", "one of the nurses": after a verb of reaching, one of a business's
# people, whatever they are called.
_ONE_OF_YOURS = r"one\s+of\s+(?:your|the)\s+(?:[a-z]+\s+)?[a-z]{3,}s\b"
_ANY_PERSON = rf"(?:{_STAFF}|{_SOMEONE}|{_ONE_OF_YOURS})"
# A role told by its suffix ("a claims handler", "an admissions officer", "the consultant"),
# read only after a verb of reaching someone.
_ROLE = (
    r"(?:the|a|an|your|one\s+of\s+your)\s+(?:[a-z-]+\s+){0,2}?"
    r"(?:[a-z]+(?:er|or|ist|ian|ant|ent|ic|man|woman|ary|ee))\b"
)

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
            "contact",
            "word",
            "meet",
            "demo",
            "raise",
            "take",
        ),
        rf"\b(?:talk|speak|chat|explain|discuss|sort|deal|go\s+through|a\s+call|a\s+word|meet|"
        rf"raise\s+(?:this|it|my\s+\w+)|take\s+(?:this|it)\s+up|"
        rf"a\s+meeting|a\s+demo|"
        rf"be\s+put\s+in\s+(?:touch|contact)|put\s+(?:me|us)\s+in\s+(?:touch|contact)|"
        rf"get\s+in\s+(?:touch|contact)|get\s+through)\b"
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
        r"correct|amend|investigate|(?:get|hop|jump)\s+on\s+a\s+call|meet|speak|talk|email|"
        r"reach\s+out|phone)"
        r"\b",
    ),
    # ask a person ("I'd rather ask someone who has built one")
    (("ask",), rf"\bask\s+(?:{_STAFF}|{_SOMEONE})\b"),
    # "who can I contact about ...", "who would know?"
    (
        ("who",),
        r"\bwhom?\s+(?:do|should|can|could|would|shall)\s+i\s+(?:(?:actually|really|best|need\s+to|"
        r"have\s+to)\s+){0,2}(?:contact|call|ring|email|phone|ask|reach)\b|"
        # told as an indirect question: "let me know whom I should contact"
        r"\bwhom?\s+(?:i|we)\s+(?:should|can|could|need\s+to|have\s+to|must|am\s+to)\s+"
        r"(?:contact|call|ring|email|phone|ask|reach|speak\s+to|talk\s+to|write\s+to)\b",
    ),
    # "get me someone.", "find me a human now"
    (
        ("get me", "find me", "give me"),
        r"\b(?:get|find|give)\s+me\s+(?:someone|somebody|anyone|a\s+person|a\s+human|a\s+real\s+"
        r"(?:one|person))\b(?:\s+(?:now|please|asap|here))*\s*(?:[.!?]|$)",
    ),
    # contact details of the business: "contact details for your head office please"
    (
        ("contact",),
        r"\bcontact\s+(?:details|info(?:rmation)?|number|email)\s+(?:for|of)\s+(?:your|customer|"
        r"support|the\s+(?:head\s+office|support|complaints|manager|office))\b|"
        r"\byour\s+contact\s+(?:details|info(?:rmation)?|number)\b",
    ),
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
    # asked in the passive: "may I be connected to a customer service advisor?"
    (
        ("connected", "transferred", "put through", "passed", "referred", "escalated"),
        rf"\bbe\s+(?:connected|transferred|put\s+through|passed|referred|escalated)\s+(?:on\s+)?"
        rf"(?:to|with)\s+{_ANY_PERSON}",
    ),
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
        r"(?:you\s+|someone\s+)?(?:call|ring|phone)\s+me\b(?!\s+(?:a|an)\s)",
    ),
    (
        ("any", "some"),
        r"^(?:is\s+there\s+)?(?:anyone|someone|somebody|anybody)\s+(?:here\s+|there\s+)?"
        rf"(?:who|that){_SERVICE}\s+(?:can|could|knows?|actually)\b",
    ),
    (
        ("number", "email"),
        r"\b(?:phone\s+|contact\s+|telephone\s+)?(?:number|email(?:\s+address)?)\s+(?:for|of)\s+"
        r"(?:customer\s+(?:services?|support|care)|support|your\s+(?:team|support|office)|billing|"
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
        r"\b(?:(?:someone|somebody)(?:\s+(?:competent|senior|qualified|experienced|knowledgeable))?|"
        r"a\s+(?:real\s+)?person|a\s+human|an?\s+(?:agent|advis[oe]r)|"
        r"a\s+member\s+of\s+(?:staff|your\s+team))\s+(?:could|can|would|to)\s+(?:please\s+)?"
        r"(?:look|check|call|ring|contact|help(?!\s+me\s+(?:choose|pick|find|decide|select))|sort|"
        r"review|get\s+back|take\s+a\s+look|phone|correct|"
        r"fix|amend|explain|refund|deal\s+with|investigate)\b",
    ),
    # "speak to the mechanic who worked on it": a named role, not a bot
    (
        ("speak", "talk", "chat"),
        r"\b(?:speak|talk|chat)\s+(?:to|with)\s+(?:the|a|an|your|one\s+of\s+your)\s+"
        r"(?:[a-z-]+\s+){0,2}?(?:[a-z]+(?:er|or|ist|ian|ant|ic|man|woman|ary|ee))\b"
        r"(?:\s+(?:please|now|asap|today|urgently|right\s+away))*"
        r"(?:\s+(?:who|that|about|in|on|at|from|regarding|re|for|to|[a-z]+ing)\b|\s*[?.!,]|$)|"
        # a family member's teacher or doctor: "speak with my son's form tutor"
        r"\b(?:speak|talk|chat)\s+(?:to|with)\s+my\s+[a-z]+'s\s+(?:[a-z-]+\s+)?"
        r"(?:[a-z]+(?:er|or|ist|ian|ant|ic|man|woman|ary|ee))\b",
    ),
    (
        ("who",),
        r"\bwho\s+(?:do|should|can|could|would)\s+i\s+(?:(?:actually|really|need\s+to|"
        r"have\s+to)\s+){0,3}"
        r"(?:speak|talk|write|go|complain|escalate\s+this|turn)\s+to\b|\bwho\s+(?:would|might|else\s+would)\s+know\b|"
        r"\bwho\s+(?:handles|deals\s+with|looks\s+after|is\s+in\s+charge\s+of|manages|runs)\b",
    ),
    (
        ("by a",),
        r"\bby\s+(?:a|an)\s+(?:real\s+|actual\s+|live\s+)?(?:person|human|agent|manager)\b",
    ),
    (
        (
            "any",
            "some",
            "person",
            "human",
            "people",
            "staff",
            "agents",
            "reps",
            "operators",
            "advis",
        ),
        r"(?:\b(?:is|are)\s+|^)(?:anybody|anyone|somebody|someone|a\s+(?:real\s+)?(?:person|human))"
        r"(?:\s+(?:from|in|on)\s+(?:the\s+|your\s+)?[a-z]+)?"
        r"\s+(?:(?:actually|even|really)\s+)?(?:there|here|around|available|real|reading|listening|"
        r"awake|online|about)\b|"
        r"(?:\b(?:is|are)\s+there\s+|^)(?:any\s+)?(?:real\s+|actual\s+)?(?:humans|people|staff|"
        r"agents|reps|representatives|operators|advis[oe]rs)\s+"
        # "any people on?", "staff in the office?"; not "people on reddit say..."
        r"(?:(?:working|around|available|online|there|here)\b|(?:on|in)(?:\s+(?:the\s+)?(?:line|"
        r"chat|shift|duty|today|tonight|now|phone|call|office|team|support)\b|\s*(?:[?.!,]|$)))",
    ),
    (
        ("is there", "do you have"),
        r"\b(?:is\s+there|do\s+you\s+have)\s+(?:a|an|someone|somebody|anyone)\s+(?:[a-z]+\s+){0,2}"
        r"(?:i|we)\s+(?:can|could)\s+(?:ask|talk|speak|chat|call|ring|email|explain)\b",
    ),
    (
        ("hold", "reach", "contact", " by "),
        rf"\b(?:get\s+(?:a\s+)?hold\s+of|reach|contact)\s+(?:{_STAFF}|{_SOMEONE})\b|"
        rf"\bbe\s+(?:called|contacted|rung|phoned|emailed)\s+by\s+(?:{_STAFF}|{_SOMEONE}|{_ROLE})",
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
            "get",
            "have",
        ),
        rf"\b(?:want|need|like|rather|prefer|demand|get\s+me|give\s+me|find\s+me|request|"
        rf"(?:can|could|may)\s+(?:i|we)\s+(?:please\s+)?(?:get|have))"
        rf"(?:\s+for)?\s+(?:to\s+(?:have|get)\s+)?(?:{_STAFF_PLAIN}|{_SOMEONE_Q})",
    ),
    # is there a person / anyone there / am I talking to a bot
    (
        ("there",),
        rf"\b(?:is|are)\s+there\s+(?:{_STAFF_PLAIN}|{_SOMEONE_THERE}|(?:a|an)\s+(?:real|actual|live)"
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
        r"\b(?:is\s+there|do\s+you\s+have)\s+a\s+(?:phone\s+)?number\s+(?:(?:i|we)\s+(?:can|could)\s+)?"
        r"(?:to\s+)?(?:call|ring|phone|speak|talk|reach)\b",
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
    (
        (),
        r"^(?:customer\s+(?:services?|support|care)|helpdesk|help\s+desk|live\s+support)[\s.!?]*$",
    ),
    (
        ("escalat",),
        r"\b(?:get|have)\s+(?:this|it|my\s+\w+)\s+escalated\b|\bescalate\s+(?:this|it|my|me)\b",
    ),
    (("human agent",), r"\bhuman\s+agent\b"),
    # anyone asked to ring the customer: "can you get an engineer to call me", "have someone from
    # the assistance team ring me", "can the guy who came yesterday give me a ring"; not "call me
    # a taxi", not the rider ringing on arrival
    (
        ("call me", "ring me", "phone me", "contact me", "a ring", "a call", "a bell", "a buzz"),
        r"\b(?:can|could|would|will|please|have|get|need|want|like|ask|available|able|free)\s+"
        r"(?:[\w']+\s+){0,7}?"
        r"(?:call|ring|phone|contact)\s+me(?:\s+back)?\b(?!\s+(?:a|an)\s)"
        r"(?!\s+(?:when|once|if|on\s+arrival|from\s+outside))|"
        r"\bgive\s+(?:me|us)\s+a\s+(?:ring|call|bell|buzz)\b(?!\s+(?:when|once|if|on\s+arrival))",
    ),
    # "who's the best person to speak to", "is a person able to help me or only the bot?"
    (
        ("who", "person", "human", "people", "bot"),
        r"\bwho(?:'s|\s+is|\s+would\s+be)\s+the\s+(?:best|right|correct)\s+(?:person|people|team|"
        r"department|contact)\b|\b(?:is|are)\s+(?:a|an|any|some)\s+(?:real\s+)?(?:person|human|"
        r"people|agent|staff)\s+(?:able|available)\s+to\b|\bor\s+(?:is\s+it\s+)?(?:only|just)\s+"
        r"(?:a|the|this)\s+(?:bot|robot|machine)\b",
    ),
    # a helpline: "do you have a helpline?", "is there a hotline"
    (
        ("helpline", "hotline", "phone line", "phone number", "contact number"),
        r"\b(?:do\s+you\s+have|is\s+there|what's|what\s+is|give\s+me)\s+(?:a|an|your|the)\s+"
        r"(?:helpline|hotline|phone\s+line|(?:phone|contact|telephone)\s+number)\b"
        r"(?!\s+(?:for|of)\s+(?:the|my|our)\b)",
    ),
    # help from a person: "I need help from an actual staff member"
    (
        ("help from", "assistance from", "support from"),
        rf"\b(?:help|assistance|support)\s+from\s+(?:{_STAFF_PLAIN}|{_SOMEONE}|{_ONE_OF_YOURS})",
    ),
    # a role on a call: "could an accountant from your side walk me through it on a call"
    (
        ("through", "on a call", "call"),
        rf"\b(?:can|could|would|will)\s+{_ROLE}\s+(?:(?:from|on|in)\s+(?:[a-z]+\s+){{1,3}}?)?"
        rf"(?:walk|talk|take)\s+(?:me|us)\s+through\b|\b(?:can|could|would|will)\s+{_ROLE}\s+"
        rf"(?:[a-z]+\s+){{0,4}}?(?:on\s+a\s+call|call\s+me)\b"
        rf"(?!\s+(?:when|once|if|on\s+arrival|from\s+outside))",
    ),
    # a channel to a person: "an email address I can write to", "a tech on the line"
    (
        ("email", "number", "address", "line", "phone"),
        r"\b(?:an?|the|your)\s+(?:email(?:\s+address)?|(?:phone\s+|contact\s+)?number|"
        r"address|phone\s+line|line)\s+(?:i|we)\s+(?:can|could)\s+(?:write|email|call|ring|"
        r"send|reach|contact|phone)\b|\b(?:get|put|have)\s+(?:a|an|the|someone|somebody|"
        r"anyone)\s+(?:[a-z]+\s+)?on\s+the\s+(?:line|phone)\b",
    ),
    # a number to ring: "phone number?", "what's your customer service number", "give me a
    # number to call"; "the phone number for the Leeds branch" asks about a place
    (
        ("number",),
        r"^(?:(?:your|a|the)\s+)?(?:phone|telephone|contact|helpline|support)\s+number\s*[?.!]*$|"
        r"\b(?:what's|what\s+is|give\s+me|send\s+me|can\s+i\s+(?:have|get)|need|want|"
        r"(?:i|we)\s+need)\s+(?:your\s+(?:[a-z]+\s+){0,2}?(?:phone\s+|telephone\s+|contact\s+)?"
        r"number\b(?<!order number)(?<!account number)(?<!reference number)"
        r"(?<!tracking number)(?<!vat number)|(?:a|the)\s+(?:(?:customer\s+(?:service|support|"
        r"care)|support|helpline|direct)\s+)?(?:phone|telephone|contact|helpline)\s+number\b"
        r"(?!\s+(?:for|of)\s+(?:the|my|our)\b))|\b(?:customer\s+(?:services?|support|care)|"
        r"support|helpline)\s+(?:phone\s+|telephone\s+)?number\b|"
        r"\ba\s+(?:phone\s+)?number\s+(?:(?:i|we)\s+can\s+|to\s+)(?:call|ring|phone)\b",
    ),
    # the line of a department: "the number for your complaints department"
    (
        ("number",),
        r"\bnumber\s+(?:for|of)\s+(?:your|the)\s+(?:[a-z]+\s+){0,2}?(?:department|team|office|desk|"
        r"line|support|helpline)\b",
    ),
    # "transfer me", "put me through please"
    (
        ("transfer", "connect", "escalat", "put me"),
        r"^(?:please\s+|ok\s+|just\s+)?escalate(?:\s+(?:this|it|please|now))*[\s.!?]*$|"
        r"^(?:please\s+|ok\s+|just\s+)?(?:transfer|connect|escalate|put)\s+me"
        r"(?:\s+(?:through|over|on|please|now|asap|then))*[\s.!?]*$",
    ),
    # turning the bot down: "I don't want to chat with a bot", "no more bots"
    (
        ("bot", "robot", "machine"),
        r"\b(?:don't|do\s+not|won't)\s+want\s+(?:to\s+(?:talk|speak|chat|deal)\s+(?:to|with)\s+)?"
        r"(?:a|the|this|your|some|another)\s+(?:bot|chatbot|robot|machine)\b|"
        r"\bno\s+(?:more\s+)?(?:bots?|chatbots?|robots?)\b|"
        r"\b(?:not|won't|refuse\s+to|can't\s+keep)\s+[^.?!]{0,40}?\b(?:to|with)\s+(?:a|the|this|your)\s+"
        r"(?:bot|chatbot|robot|machine)\b|"
        r"\b(?:fed\s+up|sick|done|tired)\s+(?:of|with)\s+(?:talking\s+to\s+)?"
        r"(?:a|the|this|your)\s+(?:bot|chatbot|robot|machine)\b",
    ),
    (("live ",), r"\blive\s+(?:agent|person|chat\s+with)\b"),
    # "can you get the office to check?", "have someone call me"
    (
        ("get ", "ask ", "have "),
        r"\b(?:get|ask|have)\s+(?:(?:the|your)\s+(?:\w+\s+)?(?:office|team|manager|staff|"
        r"supervisor|department|engineers?)|someone|somebody)\s+to\s+(?:check|look\s+into|call|"
        r"ring|contact|email|confirm|get\s+back|phone)\b",
    ),
    # "who is your complaints officer?": a named person to take it to
    (
        ("who",),
        r"\bwho(?:'s|\s+is)\s+(?:your|the)\s+(?:\w+\s+)?(?:officer|manager|supervisor|director|"
        r"owner|person\s+in\s+charge)\b",
    ),
    # a person in charge asked for by role: "is the owner around", "is your manager in today"
    (
        ("owner", "manager", "supervisor", "boss", "head"),
        r"\b(?:is|are)\s+(?:the|your)\s+(?:practice\s+|shop\s+|store\s+|site\s+|branch\s+|"
        r"duty\s+)?(?:owner|manager|supervisor|boss|head\s+of\s+\w+)\s+(?:around|in|there|here|"
        r"available|about|free|on)\b",
    ),
)
EXPLICIT_FAMILIES: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = tuple(
    (keywords, re.compile(branch)) for keywords, branch in _EXPLICIT
)

# Words that, shortly before a match, turn an ask into its opposite ("I don't need a person").
ASK_NEGATION = re.compile(
    # "I don't know how to talk with an operator" wants the ask answered, it does not refuse it
    r"(?:\b(?:don't|do\s+not|dont)(?!\s+know\s+(?:how|where|who))|\bno\s+need|\bnot\b|\bnever\b|\bwithout\b|\bno\b|"
    r"\bbefore\s+you|\bdon't\s+bother|\bno\s+point|\bwon't|"
    # "do I need to speak to anyone to cancel?" asks whether a person is needed
    r"\b(?:do|does|will|would|should)\s+(?:i|we)\s+(?:really\s+)?(?:need|have)\s+to)[^.,;:!?]*$"
)
