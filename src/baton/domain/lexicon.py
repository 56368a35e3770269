"""The phrase families the escalation signals look for, compiled once at import.

Every pattern runs on text that `normalise` has lower-cased, with typographic quotes made plain
and misspelt person words ("humna", "agnet") put right. Families are broad on purpose: customers
ask for a person, complain and give up in endless wordings, so each family names the shape of a
phrase (a verb of talking followed by a person word, a negative word aimed at the service) rather
than a list of sentences. See docs/escalation.md.
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
}
_TOKEN = re.compile(r"[a-z0-9][a-z0-9']*")


def _fix_word(match: re.Match[str]) -> str:
    word = match.group(0)
    return _SHORTHAND.get(word) or repair_word(word)


def normalise(text: str) -> str:
    """Lower-case, plain quotes, single spaces, shorthand written out, person words spelt right."""
    lowered = " ".join(text.translate(_QUOTES).lower().split())
    return _TOKEN.sub(_fix_word, lowered)


# --- asking for a person ---------------------------------------------------------------------------

# Someone who is clearly staff: a bare "someone" needs a qualifier (see _SOMEONE_Q) because
# "I'd like someone to show me the machines" is a request for a service, not for a handoff.
_STAFF = (
    r"(?:(?:a|an|the|some|your|one of your|one of the|a member of|member of)\s+)?"
    r"(?:(?:real|actual|live|proper|human|other)\s+)?"
    r"(?:human(?:\s+being)?|person|agent|rep|representative|operator|advis[oe]r|manager|"
    r"supervisor|staff(?:\s+member)?|team\s+member|colleague|employee|specialist|"
    r"account\s+manager|customer\s+(?:service|support|care)|support\s+(?:team|staff|agent)|"
    r"(?:your|the)\s+(?:team|staff|support|billing|sales)|"
    r"sales|billing(?:\s+team)?|(?:[a-z]+\s+)?(?:folks?|people)\s+(?:at|from|on|in)\b)"
)
_SOMEONE = r"(?:someone|somebody|anyone|anybody|a\s+person|a\s+human|whoever)"
_SOMEONE_Q = (
    _SOMEONE + r"\s+(?:who|that|from|on|at|in|there|else|real|actually|i\s+can|i\s+could|to\s+"
    r"(?:talk|speak|chat)|can)\b"
)
_ANY_PERSON = rf"(?:{_STAFF}|{_SOMEONE})"

EXPLICIT_ASK = re.compile(
    "|".join(
        (
            # talk/speak/chat/explain ... to/with a person ("talk it through with someone")
            rf"\b(?:talk|speak|chat|explain|discuss|sort|deal|go\s+through|a\s+call|"
            rf"be\s+put\s+in\s+touch|get\s+in\s+touch|get\s+through)\b[a-z' ]{{0,30}}?"
            rf"\b(?:to|with)\s+{_ANY_PERSON}\b",
            # ask a person ("I'd rather ask someone who has built one")
            rf"\bask\s+(?:{_STAFF}|{_SOMEONE})\b",
            # connect / transfer / put me through
            rf"\b(?:connect|transfer|put|pass|passing|hand|forward|escalate|route|refer|"
            rf"send)(?:ing|ed)?\s+(?:me|us|this|it|my\s+\w+)\s+(?:through\s+|over\s+|on\s+|up\s+)?"
            rf"(?:to\s+|with\s+)?{_ANY_PERSON}\b",
            r"\bput\s+me\s+through\b",
            r"\bby\s+(?:a|an)\s+(?:real\s+|actual\s+|live\s+)?(?:person|human|agent|manager)\b",
            r"\b(?:is|are)\s+(?:anybody|anyone|somebody|someone|a\s+(?:real\s+)?(?:person|human))"
            r"\s+(?:there|here|around|available|real|reading|listening|awake)\b",
            r"\b(?:is\s+there|do\s+you\s+have)\s+(?:a|an|someone|somebody|anyone)\s+(?:[a-z]+\s+){0,2}"
            r"(?:i|we)\s+(?:can|could)\s+(?:ask|talk|speak|chat|call|ring|email|explain)\b",
            rf"\b(?:get\s+(?:a\s+)?hold\s+of|reach|contact|be\s+called\s+by)\s+"
            rf"(?:{_STAFF}|{_SOMEONE})\b",
            rf"\bin\s+front\s+of\s+(?:{_ANY_PERSON}|whoever)\b",
            r"\bwhoever\s+(?:handles|deals|is\s+in\s+charge|looks\s+after|can)\b",
            # want / need / get me a person
            rf"\b(?:want|need|like|rather|prefer|demand|get\s+me|give\s+me|find\s+me|request)"
            rf"(?:\s+for)?\s+(?:to\s+(?:have|get)\s+)?(?:{_STAFF}|{_SOMEONE_Q})",
            # is there a person / anyone there / am I talking to a bot
            rf"\b(?:is|are)\s+there\s+(?:{_STAFF}|{_SOMEONE_Q}|(?:a|an)\s+(?:real|actual|live)"
            rf"\s+(?:person|human))",
            r"\b(?:is\s+this|am\s+i\s+(?:talking|chatting|speaking)\s+(?:to|with)|are\s+you)\s+"
            r"(?:just\s+)?(?:a|an)\s+(?:bot|robot|machine|computer|ai)\b",
            r"\bare\s+you\s+(?:a\s+)?(?:real|human|a\s+real\s+person)\b",
            r"\b(?:rather\s+than|not|instead\s+of)\s+(?:a|the|this|your)\s+(?:bot|chatbot|robot)\b",
            r"\bone\s+for\s+(?:the\s+)?(?:staff|team|humans?|a\s+person|people)\b",
            # someone should call / reach out / get back
            rf"\b(?:have|get|can|could|would|will|please|need)\s+(?:{_STAFF}|{_SOMEONE}|"
            rf"(?:our|my|an?)\s+account\s+manager)\s+(?:to\s+)?(?:call|ring|phone|contact|email|"
            rf"reach\s+out|get\s+in\s+touch|get\s+back|follow\s+up|look\s+at\s+this)\b",
            r"\b(?:call|ring|phone)\s+me\s+back\b",
            r"\b(?:a|the|your)\s+(?:phone\s+)?number\s+(?:i|we)\s+(?:can|could)\s+(?:call|ring)\b",
            r"\b(?:is\s+there|do\s+you\s+have)\s+a\s+(?:phone\s+)?number\s+(?:to|i|we|for)\b",
            # bare requests: "human please", "agent", "live chat"
            r"^(?:hi\s+|hello\s+)?(?:(?:real|live|actual)\s+)?(?:human|person|agent|operator|"
            r"representative|rep|manager|supervisor|someone)(?:\s+agent)?"
            r"(?:\s+(?:please|pls|plz|now|asap))*[\s.!?]*$",
            r"\b(?:human|agent|operator|representative|manager|person)\s+(?:please|pls|plz|now)\b",
            r"\bhuman\s+agent\b",
            r"\blive\s+(?:agent|person|chat\s+with)\b",
        )
    )
)

# Cheap test first: most messages name no person at all, and the full family is slow to run.
ASK_HINT = re.compile(
    r"human|person|people|agent|rep|operator|advis|manager|supervisor|staff|team|colleague|"
    r"employee|specialist|customer|support|billing|sales|folk|some|any|whoever|bot|robot|"
    r"machine|computer|\bai\b|real|call|ring|phone|number|live|contact|reach|hold|ask|talk|"
    r"speak|chat"
)

# Words that, shortly before a match, turn an ask into its opposite ("I don't need a person").
ASK_NEGATION = re.compile(
    r"(?:\bdon't|\bdo\s+not|\bdont|\bno\s+need|\bnot\b|\bnever\b|\bwithout\b|\bno\b|"
    r"\bbefore\s+you|\bdon't\s+bother|\bno\s+point|\bwon't)[^.,;:!?]*$"
)

# --- calm, hedged and closing messages -------------------------------------------------------------

HEDGE = re.compile(
    r"\b(?:just\s+(?:curious|wondering|checking|asking|planning|reading|want\s+to\s+know)|"
    r"not\s+complaining|no\s+complaints?|haven't\s+had\s+(?:a|any)\s+(?:problem|issue)|"
    r"nothing(?:'s|\s+is|\s+has)\s+(?:broken|wrong|gone\s+wrong)|out\s+of\s+curiosity|"
    r"for\s+future\s+reference|hypothetically|planning\s+ahead|before\s+i\s+(?:buy|order|sign|"
    r"book|commit)|i'm\s+not\s+\w+,\s+just)\b"
)
CLOSING = re.compile(
    r"^(?:(?:ok(?:ay)?|great|perfect|lovely|brilliant|nice|cool|sweet|good|fab|fine|"
    r"got\s+it|done|sorted|found\s+it|all\s+good|no\s+worries|that's\s+all|that's\s+it|"
    r"makes\s+sense|fair\s+enough|understood|noted|ah|oh|thanks?|thank\s+you|ty|ta|cheers|"
    r"bye|no|nope|nah|yes|yep)\b[\s,.!:)]*)+"
)
THANKS = re.compile(r"\b(?:thanks?|thank\s+you|ty|ta|cheers|appreciate(?:d)?)\b|👍|🙏")
FOLLOW_UP = re.compile(
    r"^(?:and|also|plus|what\s+about|how\s+about|one\s+more|another|separate\s+thing|"
    r"separately|oh\s+and|ok(?:ay)?\s+and)\b"
)
QUESTION_START = re.compile(
    r"^(?:hi|hello|hey|hiya)?[,!\s]*(?:how|what|when|where|which|who|why|can|could|do|does|is|"
    r"are|will|would|should|may|did)\b"
)

# --- linguistic trouble ---------------------------------------------------------------------------

# Strong words: read as a complaint unless negated, hedged or aimed elsewhere.
STRONG_NEGATIVE = re.compile(
    r"\b(?:unacceptable|disgraceful|disgrace|disgusting|appalling|outrageous|ridiculous|absurd|"
    r"pathetic|useless|worthless|rubbish|garbage|trash|shambles|scam|furious|livid|fuming|"
    r"terrible|horrible|horrendous|awful|worst|atrocious|abysmal|shocking|dreadful|"
    r"incompetent|clueless|unbelievable|joke|nightmare|hopeless)\b"
)
MEDIUM_NEGATIVE = re.compile(
    r"\b(?:frustrat\w*|annoy\w*|disappoint\w*|upset|angry|irritat\w*|unhappy|not\s+happy|"
    r"fed\s+up|sick\s+(?:of|and\s+tired)|had\s+enough|broken|faulty|"
    r"(?:does\s*n[o']?t|do\s*n[o']?t|did\s*n[o']?t|won't|will\s+not|is\s*n't|isn't)\s+"
    r"(?:work|working|do\s+anything|load|help|make\s+sense)|not\s+working|stopped\s+working|"
    r"keeps?\s+(?:failing|crashing|breaking)|waste\s+of\s+(?:my\s+)?(?:time|money)|"
    r"not\s+good\s+enough|poor\s+service|not\s+acceptable)\b"
)
# Demands and threats: the calm question "what is your refund policy?" does not match these.
DEMAND = re.compile(
    r"\b(?:(?:i|we)\s+(?:want|need|demand|expect|deserve)\s+(?:a\s+|my\s+|our\s+|the\s+)?"
    r"(?:full\s+)?(?:refund|money\s+back|compensation|reimbursement)|refund\s+me|"
    r"give\s+me\s+my\s+money|"
    r"(?:about|going|ready|planning|thinking\s+of|considering|tempted)\s+(?:to\s+)?"
    r"(?:cancel|leave|switch|move|quit|close)\w*|"
    r"(?:i'll|i\s+will|we'll|we\s+will)\s+(?:go\s+elsewhere|take\s+my\s+business|"
    r"(?:cancel|leave|switch)\s+(?:if|unless))|"
    r"(?:moving|switching|move|switch)\s+(?:us\s+|over\s+)?to\s+(?:another|a\s+different|"
    r"a\s+competitor|someone\s+else)|"
    r"paying\s+for\s+a\s+service\s+that|for\s+what\s+(?:we|i)\s+pay|(?:we|i)\s+pay\s+you|"
    r"(?:cancel|close)\s+my\s+(?:account|subscription|membership|contract)\s+(?:if|unless|now)|"
    r"charge\s*back|small\s+claims|(?:make|file|raise|lodge|log)\s+a\s+(?:formal\s+)?complaint|"
    r"about\s+(?:a|my)\s+complaint|(?:been\s+)?waiting\s+(?:for\s+)?(?:over\s+)?(?:\d+|two|three|"
    r"four|five|six|several)\s+(?:days|weeks|months)\s+for)\b"
)
EXASPERATION = re.compile(
    r"\b(?:seriously\s*\?|are\s+you\s+(?:kidding|serious|joking)|you(?:'re|\s+are)\s+"
    r"(?:joking|kidding)|come\s+on|for\s+(?:god's|heaven's|goodness)\s+sake|ffs|wtf|omg|"
    r"forget\s+it|i\s+give\s+up|i'm\s+done|why\s+is\s+this\s+so\s+(?:hard|difficult)|"
    r"what\s+a\s+joke|thanks\s+for\s+nothing|you\s+know\s+nothing|no\s+help|not\s+helpful|"
    r"unhelpful|how\s+(?:hard|difficult)\s+(?:can\s+it|is\s+it)|it's\s+a\s+simple\s+question|"
    r"(?:the\s+)?one\s+thing\s+i\s+asked|nobody\s+(?:came|called|cares)|"
    r"no\s+one\s+(?:came|called|cares))"
)
# The same let-down again: "third time this week", "every single day", "Again."
RECURRENCE = re.compile(
    r"\b(?:every\s+single|(?:second|third|fourth|fifth|2nd|3rd|4th|5th)\s+time|yet\s+again|"
    r"once\s+again|again\s*[.!?]|keeps?\s+happening|not\s+the\s+first\s+time|every\s+time\s+i|"
    r"(?:second|third)\s+(?:month|week)\s+in\s+a\s+row|again\s+and\s+again)"
)
INSULT = re.compile(
    r"\b(?:stupid|idiot\w*|dumb|moron\w*|crap|crappy|shit\w*|damn|bloody|useless\s+bot|"
    r"you\s+know\s+nothing|you're\s+useless|you\s+are\s+useless|pointless)\b"
)
# A positive word standing alone as its own sentence: sarcastic after a failure.
SARCASM = re.compile(
    r"(?:^|[.!?]\s*)(?:oh\s+)?(?:great|brilliant|wonderful|fantastic|perfect|lovely|amazing|"
    r"super|excellent|wow|nice\s+one|well\s+done|thanks\s+a\s+lot|cheers)(?:\s*[.!]+|\s*$)"
)
# Short prods after being left unhelped.
PROD = re.compile(
    r"^(?:hello+|hi|anyone|anybody|and|so|well|no|nope|wow|what|really|huh|still\s+nothing|"
    r"nothing|hello\s+anyone\s+there|is\s+anyone\s+there)\s*[?!.]*$|^\?+$"
)
REPEATED_PUNCT = re.compile(r"!{2,}|\?{2,}|[?!]{3,}|\?!|!\?")
INTENSIFIER = re.compile(r"\b(?:really|so|absolutely|extremely|completely|utterly|totally|very)\b")
# The word aims at the business: "this is terrible", "your app is useless", "Terrible." alone.
AIMED_AT_US = re.compile(
    r"(?:\b(?:this|that|it|you|your\s+\w+|the\s+(?:service|app|chat|bot|site|website|"
    r"experience|support))(?:'s|\s+is|\s+are|\s+was|\s+has\s+been|'re)?\s+(?:\w+\s+)?$)|"
    r"(?:^|[.!?]\s*)$"
)
# "I'm terrible at yoga": the word is about the customer, not about us.
SELF_OR_ELSEWHERE = re.compile(
    r"\b(?:my\s+old|the\s+old|my\s+previous|"
    r"the\s+weather|the\s+traffic|my\s+last|the\s+other|other)\b[^.?!]*$"
)
NEGATED_BEFORE = re.compile(
    r"\b(?:not|never|no|isn't|wasn't|aren't|nothing|hardly|nothing's|n't|wouldn't|didn't)"
    r"\s+(?:\w+\s+){0,1}$"
)

# --- the bot's answer refused ----------------------------------------------------------------------

REJECTION = re.compile(
    r"\b(?:(?:that|this|it)\s+(?:doesn't|does\s+not|didn't)\s+(?:answer|help)|"
    r"not\s+what\s+i\s+(?:asked|meant|said)|i\s+(?:already\s+)?(?:said|told\s+you)|"
    r"as\s+i\s+said|i\s+know\s+(?:where|how|that)|already\s+(?:did|done|tried|checked|"
    r"doing|on|recurring|active)|(?:i've|i\s+have)\s+(?:already\s+)?(?:tried|checked|done|"
    r"restarted)|tried\s+(?:both|that|everything|all)|still\s+(?:nothing|not|no|doesn't|"
    r"don't|won't|isn't|the\s+same)|you\s+keep\s+saying|you\s+(?:already\s+)?said\s+that|"
    r"(?:that's|that\s+is|it's|it\s+is)\s+(?:not\s+\w+\s+)?(?:the\s+\w+\s+)?(?:though|not\s+what)|"
    r"the\s+problem\s+is|to\s+be\s+clear|you're\s+not\s+listening|read\s+my\s+(?:message|question)|"
    r"i\s+asked\s+(?:about|for)|that's\s+not\s+(?:it|right|true|the\s+point)|wrong\s+answer|"
    r"doesn't\s+answer|irrelevant|which\s+(?:ones?|is\s+it)\s+(?:are|is)\s+for|"
    r"\w+\s+though(?=\s*[.?!,]|\s*$)|there(?:'s|\s+is)\s+no\s+\w+|(?:i\s+)?(?:can't|cannot|"
    r"don't|do\s+not)\s+(?:see|find)\s+(?:it|that|any|the|a|an)\b|it's\s+not\s+there|"
    r"(?:isn't|is\s+not)\s+there|doesn't\s+exist|(?:i\s+am|i'm)\s+(?:an?\s+|the\s+)?"
    r"(?:admin|owner|account\s+holder))"
)

# --- complex issues --------------------------------------------------------------------------------

# Something has gone wrong with money, an order, an account or a service.
PROBLEM = re.compile(
    r"\b(?:charged|billed|overcharged|double\s+charged|charging\s+me|debited|taken\s+from\s+my|"
    r"left\s+my\s+account|"
    r"twice|double|duplicates?|duplicated|(?:two|2|three|3)\s+copies|"
    r"never\s+(?:arrived|came|used|asked|received|ordered|got|signed)|haven't\s+(?:received|got|"
    r"heard)|(?:nobody|no\s+one)\s+has\s+(?:told|contacted|called|replied|got\s+back)|(?:didn't|did\s+not)\s+(?:arrive|receive|get|order|come)|not\s+(?:arrived|"
    r"received|delivered)|nothing\s+(?:has\s+)?arrived|hasn't\s+(?:arrived|come|been)|"
    r"(?:still|yet)\s+(?:don't|do\s+not|haven't|hasn't|no|not|waiting|pending)|"
    r"missing|disappeared|vanished|lost|wrong|instead\s+of|incorrect|mistake|error|"
    r"stuck|pending\s+for|failing|fails|failed|declined|locked\s+out|can't\s+(?:log|sign)\s+in|"
    r"stopped|cancelled\s+automatically|(?:can't|cannot|can\s+no\s+longer)\s+(?:access|log\s+in|"
    r"sign\s+in|use|open|get\s+into)|rejected|refused|denied|no\s+reason|"
    r"(?:isn't|is\s+not|wasn't|never)\s+(?:here|there)|no\s+sign\s+of\s+it|"
    r"(?:leaves?|left|leaving)\s+(?:me|us)\s+without|without\s+(?:internet|power|heating|water|"
    r"(?:a\s+)?phone|service|access|signal)|"
    r"(?:ordered|asked\s+for|booked|paid\s+for|chose|selected)\s+[^.?!]{1,30}?\b(?:got|received|"
    r"sent|came|arrived|billed|charged)\b|(?:says|shows|showing|marked|listed)\s+(?:as\s+|it\s+"
    r"was\s+|it's\s+)?'?delivered|(?:with|without)\s+(?:no|any)\s+(?:explanation|warning|"
    r"notice)|no\s+explanation|back-ordered|went\s+up|increased|"
    r"definitely\s+(?:wasn't|isn't|didn't)|marked\s+as\s+delivered|shows?\s+(?:as\s+)?'?"
    r"delivered|which\s+i\s+never|i\s+only\s+have|only\s+have\s+\w+\s+(?:members|users|"
    r"people|phone|line))\b"
)
# What is at stake: money, an order, an account, personal safety.
STAKES = re.compile(
    r"\b(?:charg\w*|bill\w*|invoice\w*|payment\w*|paid|pay|fee|fees|refund\w*|money|price|"
    r"£|\$|€|card|account|order\w*|deliver\w*|contract|subscription|plan|membership|"
    r"seats?|lines?|data|login|password|sso|access|allerg\w*|safety|injur\w*|parcel|package|"
    r"claim|policy|prescription|medication|booking|reservation|flight|ticket)\b|[£$€]"
)
CONTRADICTION = re.compile(
    r"\b(?:even\s+though|despite|although|which\s+(?:i|it|we)\s+(?:never|definitely|didn't)|"
    r"but\s+the\s+\w+\s+says|but\s+(?:it|they)\s+(?:says?|said|show)|nobody\s+has\s+told|"
    r"no\s+one\s+has\s+told|we\s+haven't\s+changed|i\s+haven't\s+changed|"
    r"which\s+(?:i'm|i\s+am|it's|it\s+is|we're|we\s+are|i\s+was|it\s+was)\s+not|"
    r"nothing\s+(?:has\s+)?changed|but\s+(?:i|we)\s+(?:chose|selected|asked\s+for|ordered|paid\s+for|"
    r"booked|cancelled)|but\s+(?:we're|we\s+are|i'm|i\s+am)\s+on)\b"
)
RESOLUTION_ASK = re.compile(
    r"\b(?:sort\s+(?:this|it|that)?\s*out|untangle|what's\s+(?:actually\s+)?happening|"
    r"what\s+do\s+i\s+do|what\s+should\s+i\s+do|how\s+do\s+(?:we|i)\s+(?:sort|fix|resolve)|"
    r"explain\s+(?:both|this|why)|can\s+you\s+fix|fix\s+(?:this|it)|help\s+us|"
    r"(?:don't|do\s+not)\s+know\s+what\s+to\s+do)\b"
)
SENSITIVE = re.compile(
    r"\b(?:hacked|fraud\w*|unauthori[sz]ed|stolen|identity\s+theft|data\s+breach|gdpr|cloned|"
    r"compromised|phishing|(?:i|we)\s+(?:didn't|did\s+not|never)\s+(?:make|authori[sz]e|do\s+this|"
    r"do\s+that|sign\s+up|request)|(?:don't|do\s+not)\s+recogni[sz]e|wasn't\s+(?:me|us)|"
    r"someone\s+(?:else\s+)?(?:has\s+)?(?:logged|got|broke|accessed|used\s+my)|"
    r"(?:logged|signed)\s+in(?:to)?\s+(?:\w+\s+){0,3}from\s+(?:an?\s+)?(?:unknown|another|"
    r"different|strange)|"
    r"lawyer|legal\s+action|court|ombudsman|trading\s+standards|accident|aggressive|"
    r"threaten\w*|bereave\w*|passed\s+away|died|complaint\s+"
    r"procedure|formal\s+complaint|allergic\s+reaction|food\s+poisoning|injured|"
    r"discriminat\w*|harass\w*)\b"
)

# --- size of a deal --------------------------------------------------------------------------------

AMOUNT = re.compile(
    r"(?:[£$€]\s?|\b(?:usd|eur|gbp)\s?)(\d[\d,]*(?:\.\d+)?)\s*(k\b)?|"
    r"\b(\d[\d,]*(?:\.\d+)?)\s*(k\b)?\s*(?:pounds|dollars|euros|usd|eur|gbp)\b"
)
QUANTITY = re.compile(
    r"\b(\d[\d,]*)(?:\s*-\s*|\s+)(?:(?:more|extra|additional|new|or\s+so|odd|of\s+us)\s+)?"
    r"(?:people|persons?|staff|of\s+each|each|person|seat|user|room|"
    r"(?!(?:minutes|hours|days|weeks|months|years|seconds|mins|hrs|times|gb|mb|kb|tb|miles|"
    r"km|kg|pounds|dollars|euros|percent|points|stars|nights|tasks|messages|emails|calls|"
    r"pages|steps|attempts)\b)[a-z]{3,}s)\b"
)
PURCHASE = re.compile(
    r"\b(?:order\w*|buy\w*|purchas\w*|pric\w*|discount\w*|quote|volume|bulk|trade|wholesale|"
    r"invoice|catering|corporate|add|adding|upgrade|licen[cs]\w*|seats|onboard\w*|"
    r"considering|planning|move\s+our|roll\s+out|sign\s+up|membership\w*|contract|book|"
    r"booking|reserve|reservation|group|rates?|enterprise|enrol\w*|subscri\w*|team\s+plan)\b"
)

# --- shouting -------------------------------------------------------------------------------------

CAPS_WORD = re.compile(r"\b[A-Z][A-Z']+\b")
ANY_WORD = re.compile(r"\b[A-Za-z][A-Za-z']+\b")

# --- content words for "the same question again" ---------------------------------------------------

STOPWORDS = frozenset(
    """a an the and or but so if then than to of in on at by for from with about as into onto over
    is are was were be been being am do does did done doing have has had having i me my mine we us
    our you your yours it its this that these those there here what which who whom whose when where
    why how can could would should will shall may might must not no yes ok okay please thanks thank
    hi hello hey just also too very really still again only even some any all each more most other
    such own same get got let i'm i've i'd it's that's there's don't doesn't didn't can't won't
    what's is it though sorry well now know need want like tell said say one""".split()
)
CONTENT_WORD = re.compile(r"[a-z0-9][a-z0-9']*")
CAPS_RUN = re.compile(r"\b[A-Z][A-Z']+(?:[\s,.!?]+[A-Z][A-Z']+){3,}\b")

# "I'm terrible at yoga": the word is about the customer, not about us (checked after the word).
SELF_AFTER = re.compile(r"\s+(?:at|with\s+(?:computers|tech|technology|names|numbers))\b")
SELF_BEFORE = re.compile(r"\b(?:i'm|i\s+am|i\s+was|i've\s+been)\s+(?:\w+\s+)?$")
# How long a problem has gone on: adds weight to a problem already reported.
DURATION = re.compile(
    r"\b(?:(?:\d+|a|an|two|three|four|five|six|several|few)\s+(?:hours?|days?|weeks?|months?)"
    r"\s+(?:ago|now|later)|for\s+(?:over\s+|more\s+than\s+|nearly\s+|almost\s+)?(?:\d+|an?|two|"
    r"three|four|five|six|several|a\s+few)\s+(?:hours?|days?|weeks?|months?)|since\s+(?:yesterday|"
    r"last\s+\w+|monday|tuesday|wednesday|thursday|friday|saturday|sunday|the\s+\d+\w*))\b"
)
# It cannot wait: raises the stakes of a problem already reported.
URGENCY = re.compile(
    r"\b(?:urgent\w*|asap|emergency|immediately|right\s+now|today|tonight|tomorrow|"
    r"in\s+(?:an|one|two|\d+)\s+hours?|blocked|before\s+(?:monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|the\s+\d+\w*|month-end|the\s+deadline)|deadline)\b"
)

# Asking for an exception to a rule: only a person can grant one.
EXCEPTION = re.compile(
    r"\b(?:waive\w*|exception|without\s+(?:the|a|any)\s+(?:fee|charge|penalty)|"
    r"special\s+circumstances|compassionate|goodwill|compensat\w*|proof\s+of\s+(?:the\s+)?"
    r"(?:move|purchase|payment|address|illness)|end\s+(?:it|my\s+\w+|the\s+contract)\s+early|"
    r"sped\s+up|speed\s+(?:this|it)\s+up|expedite\w*|bring\s+(?:it|this|the\s+\w+)\s+forward)\b"
)
