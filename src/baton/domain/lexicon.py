"""The phrase families of trouble the escalation signals look for, compiled once at import.

Every pattern runs on text that `baton.domain.asks.normalise` has lower-cased, with quotes made
plain and shorthand written out. Families are broad on purpose: customers complain, refuse an
answer and report problems in endless wordings, so each family names the shape of a phrase (a
negative word aimed at the service, a failure told as a fact, money taken that should not have
been) rather than a list of sentences. Asking for a person lives in `baton.domain.asks`.
See docs/escalation.md.
"""

from __future__ import annotations

import re

# --- calm, hedged and closing messages -----------------------------------------------------------

HEDGE = re.compile(
    r"\b(?:just\s+(?:curious|wondering|checking|asking|planning|reading|want\s+to\s+know)|"
    r"not\s+complaining|no\s+complaints?|haven't\s+had\s+(?:a|any)\s+(?:problem|issue)|"
    r"nothing(?:'s|\s+is|\s+has)\s+(?:broken|wrong|gone\s+wrong)|out\s+of\s+curiosity|"
    r"just\s+noting|(?:don't|do\s+not)\s+need\s+to\s+do\s+it\s+(?:now|yet)|"
    r"for\s+future\s+reference|hypothetically|planning\s+ahead|before\s+i\s+(?:buy|order|sign|"
    r"book|commit)|i'm\s+not\s+\w+,\s+just(?!\s+(?:(?:really|very|so|deeply|extremely)\s+)?(?:disappointed|sad|hurt|upset|frustrated|fed\s+up|let\s+down|tired|exhausted|worried))|just\s+want\s+to\s+(?:know|read|check|understand|see)|"
    r"for\s+(?:a|an|my)\s+(?:uni\s+|school\s+|college\s+|university\s+)?(?:assignment|project|"
    r"essay|dissertation|research))\b"
)
CLOSING = re.compile(
    r"^(?:(?:ok(?:ay)?|great|perfect|lovely|brilliant|nice|cool|sweet|good|fab|fine|"
    r"got\s+it|done|sorted|found\s+it|all\s+good|no\s+worries|that's\s+all|that's\s+it|"
    r"makes\s+sense|fair\s+enough|understood|noted|ah|oh|thanks?|thank\s+you|ty|ta|cheers|"
    r"bye|no|nope|nah|yes|yep|hmm+|hm|right|alright|oh\s+well|never\s?mind|shame|pity|"
    r"will\s+do|i\s+see)\b[\s,.!:)]*)+"
)
# Letting the matter go after the bot could not answer: no need to persist on the customer's behalf.
LETTING_GO = re.compile(
    r"\b(?:no\s+(?:problem|worries|bother|dramas|matter|biggie)|not\s+to\s+worry|never\s?mind|"
    r"(?:don't|dont|do\s+not)\s+worry|not\s+a\s+big\s+deal|(?:doesn't|does\s+not)\s+matter|"
    r"(?:was|it's)\s+a\s+long\s+shot|just\s+a\s+thought|i'll\s+(?:just\s+)?have\s+a\s+(?:look|"
    r"squiz|peek|check)|i'll\s+(?:look|check|try|"
    r"ask|find|google|search)|i\s+will\s+(?:look|check|try|ask|find))\b"
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
# A sentence that asks how things work, what they cost, when or whether, in any of the reader's
# languages (read on folded text: lower case, no accents). "Why" and "did" are left out: they
# presume that something went wrong.
HOW_QUESTION = re.compile(
    r"(?:^|[.!?;:,\-–—]\s*)[¡¿]?(?:hi|hello|hey|hiya|hola|bonjour|salut|hallo|ola|oi|ciao|buongiorno|"
    r"hoi|goedendag)?[,!¡¿\s]*"
    r"(?:how|what|when|where|which|can|could|do|does|is\s+(?:there|that|it)|are\s+there|"
    r"will|would|"
    r"como|cuanto|cuanta|cuando|donde|cual|puedo|se\s+puede|hay|teneis|tienen|"
    r"comment|combien|quand|quel(?:le)?s?|est.ce\s+que|puis.je|peut.on|pouvez.vous|y\s+a.t.il|"
    r"wie|wann|wo|welche[rsnm]?|kann\s+ich|gibt\s+es|habt\s+ihr|"
    r"quanto|quando|onde|qual|posso|da\s+pra|tem\s+como|"
    r"come|dove|quale|si\s+puo|"
    r"hoe|wanneer|waar|welke|kan\s+ik|kun\s+je|is\s+er)\b"
)

# --- linguistic trouble --------------------------------------------------------------------------

# Strong words: read as a complaint unless negated, hedged or aimed elsewhere.
STRONG_NEGATIVE = re.compile(
    r"\b(?:unacceptable|disgraceful|disgrace|disgusting|appalling|outrageous|ridiculous|absurd|"
    r"pathetic|useless|worthless|rubbish|garbage|trash|shambles|scam|furious|livid|fuming|"
    r"terrible|horrible|horrendous|awful|worst|atrocious|abysmal|shocking|dreadful|"
    r"incompetent|clueless|unbelievable|joke|nightmare|hopeless|ruined|ruining|ridiculously|"
    r"shocked|appalled|disgusted|horrified|outraged|insulted|robbery|rip[- ]?off|ripped\s+off|"
    r"humiliat\w*|embarrassing|degrading|"
    r"extortion\w*)\b"
)
MEDIUM_NEGATIVE = re.compile(
    r"\b(?:frustrat\w*|annoy\w*|disappoint\w*|upset(?!\s+(?:tummy|stomach|belly))|angry|irritat\w*|unhappy|not\s+happy|"
    r"fed\s+up|sick\s+(?:of|and\s+tired)|had\s+enough|broken|faulty|"
    r"(?:does\s*n[o']?t|do\s*n[o']?t|did\s*n[o']?t|won't|will\s+not|is\s*n't|isn't)\s+"
    r"(?:work|working|do\s+anything|load|help|make\s+sense)|not\s+working|stopped\s+working|"
    r"keeps?\s+(?:failing|crashing|breaking)|waste\s+of\s+(?:my\s+)?(?:time|money)|"
    r"not\s+good\s+enough|poor\s+service|not\s+acceptable|not\s+impressed|unimpressed|let\s+down|"
    r"fobbed\s+off|fed\s+up|panick\w*|stressed|(?:i'm|i\s+am)\s+(?:shaking|trembling|terrified|"
    r"scared|frightened)|devastated|distraught|gutted|heartbroken|"
    r"heartless|in\s+tears|worried\s+sick|at\s+a\s+loss|(?:very|really|so|extremely)\s+"
    r"(?:bad|poor)|bad\s+(?:service|experience|support)|(?:getting|got|gets|making\s+it|"
    r"makes\s+it|even|only\s+got)\s+worse)\b"
)
# Demands and threats: the calm question "what is your refund policy?" does not match these.
DEMAND = re.compile(
    r"\b(?:(?:i|we)\s+(?:want|need|demand|expect|deserve)\s+(?:a\s+|my\s+|our\s+|the\s+)?"
    r"(?:full\s+)?(?:refund|money\s+back|compensation|reimbursement)|refund\s+me|"
    r"give\s+me\s+my\s+money|(?:get|have)\s+(?:my|our)\s+money\s+back|(?:want|like|need)\s+(?:the|my|our)\s+(?:[\w-]+\s+){0,2}?(?:back|"
    r"refunded|returned)|(?:i'm|i\s+am)\s+not\s+(?:eating|paying|accepting|having|putting\s+up)|"
    r"(?:i'm\s+|i\s+am\s+|we're\s+|we\s+are\s+)?cancell?ing\s+(?:my|our)\s+"
    r"(?:direct\s+debit|account|subscription|membership|contract)\s+(?:today|now|right\s+now)|"
    r"(?:i|we)\s+paid\s+(?:[£$€]?\d[\d.,]*\s+)?for\s+(?:that|this)|"
    r"(?:i|we)\s+want\s+(?:it|my\s+money|that|them|our\s+money)\s+back|"
    r"(?:i|we)\s+(?:want|need|expect)\s+(?:this|it|that|them)\s+(?:refunded|reversed|corrected|"
    r"fixed|sorted|resolved|reimbursed|compensated|credited|paid\s+back)|"
    r"(?:about|going|ready|planning|thinking\s+of|considering|tempted)\s+(?:to\s+)?"
    r"(?:cancel|leave|switch|move|quit|close)\w*|"
    r"(?:i'll|i\s+will|we'll|we\s+will)\s+(?:(?:probably|just|likely|simply|definitely)\s+)+"
    r"(?:cancel|leave|quit|go\s+elsewhere)(?!\s+(?:and|then)\s+re)|"
    r"(?:if|unless)\s+[^.?!]{0,40}?(?:i'm|i\s+am|we're|we\s+are)\s+(?:cancell?ing|leaving|"
    r"reporting|stopping|going\s+to\s+(?:cancel|leave|report|stop))|"
    r"(?:i'll|i\s+will|we'll|we\s+will)\s+(?:go\s+elsewhere|take\s+my\s+business|"
    r"(?:cancel|leave|switch)\s+(?:if|unless))|"
    r"(?:moving|switching|move|switch)\s+(?:us\s+|over\s+)?to\s+(?:another|a\s+different|"
    r"a\s+competitor|someone\s+else)|"
    r"paying\s+for\s+a\s+service\s+that|for\s+what\s+(?:we|i)\s+pay|(?:we|i)\s+pay\s+you|"
    r"(?:cancel|close)\s+my\s+(?:account|subscription|membership|contract)\s+(?:if|unless|now)|"
    r"charge\s*back|small\s+claims|(?:make|file|raise|lodge|log)\s+a\s+(?:formal\s+)?complaint|"
    # going public: "a one-star review", "report you to trading standards"
    r"(?:bad|negative|1[- ]star|one[- ]star|terrible|honest)\s+review|report(?:ing)?\s+you\b|"
    r"never\s+(?:again|using\s+you|ordering\s+from\s+you|buying\s+from\s+you)|"
    r"about\s+(?:a|my)\s+complaint|my\s+complaint|(?:been\s+)?waiting\s+(?:for\s+)?(?:over\s+)?(?:\d+|two|three|"
    r"four|five|six|several)\s+(?:days|weeks|months)\s+for)\b"
)
EXASPERATION = re.compile(
    r"\b(?:seriously\s*\?|are\s+you\s+(?:kidding|serious|joking)|(?:kidding|joking)\s+me|"
    r"no\s+apology|not\s+even\s+an\s+apology|you(?:'re|\s+are)\s+"
    r"(?:joking|kidding)|come\s+on(?=\s*(?:[.!,]|now\b|guys|man\b|mate|seriously|really|please|people))|"
    r"^(?:oh\s+|aw\s+|ah\s+)?come\s+on\b|for\s+(?:god's|heaven's|goodness)\s+sake|ffs|wtf|omg|"
    r"forget\s+it|i\s+give\s+up|i'm\s+done|why\s+is\s+this\s+so\s+(?:hard|difficult)|"
    r"what\s+a\s+joke|thanks\s+for\s+nothing|no\s+help|not\s+helpful|"
    r"unhelpful|how\s+(?:hard|difficult)\s+(?:can\s+it|is\s+it)|it's\s+a\s+simple\s+question|"
    r"(?:the\s+)?one\s+thing\s+i\s+asked|u+g+h+\b|ar+g+h+\b|\bsigh\b|begging|desperate|please\s+help(?!\s+me\s+(?:find|with|understand|choose|pick))|"
    r"^(?:please\s+)?help(?:\s+(?:me|us))?(?:\s+please)?\s*[!.]*$|"
    r"(?:different|conflicting|contradictory|mixed)\s+(?:answers|information|info|stories)|"
    r"it's\s+been\s+(?:over\s+|more\s+than\s+)?(?:\d+|two|three|"
    r"four|five|six|several)\s+(?:working\s+|business\s+)?(?:days|weeks|months)|on\s+hold\s+for|"
    r"(?:nobody|no\s+one)\s+(?:came|called|cares|rang|knocked|turned\s+up|showed\s+up|replied|"
    r"answered|bothered)|what\s+am\s+i\s+supposed\s+to\s+do|so\s+what\s+now|now\s+what|"
    r"what\s+(?:do|should)\s+i\s+do\s+now|beyond\s+a\s+joke|end\s+of\s+my\s+tether|driving\s+me\s+(?:mad|crazy|insane|"
    r"nuts|up\s+the\s+wall|round\s+the\s+bend)|doing\s+my\s+head\s+in|losing\s+my\s+mind|"
    r"wits'?\s+end|lost\s+(?:my\s+)?patience|(?:can't|cannot)\s+believe|"
    r"(?:is|was)\s+(?:this|that)\s+(?:even\s+)?(?:acceptable|legal)\s*\?|"
    r"(?:is|was)\s+(?:this|that)\s+even\s+(?:ok|okay|allowed)\s*\?|"
    r"what\s+kind\s+of\s+(?:company|service|business|shop|outfit)|had\s+it\s+with|"
    r"treated\s+like|(?:this|that|it)\s+is\s+not\s+(?:ok|okay|on|right|fair)\b|"
    r"took\s+(?:a|the)\s+day\s+off|(?:taken|took)\s+(?:\w+\s+)?days?\s+off|how\s+you\s+treat|"
    r"been\s+a\s+(?:loyal\s+)?customer\s+for|going\s+round\s+and\s+round|"
    r"get\s+me\s+out\s+of\s+here|just\s+wow|what\s+(?:can|do)\s+you\s+(?:even\s+|actually\s+)?"
    r"(?:do|help\s+with)\s*\??\s*$|"
    r"are\s+you\s+(?:even\s+)?(?:reading|listening)|"
    r"did\s+you\s+(?:even\s+)?read|(?:going|go|goes)\s+"
    r"(?:round|around)\s+in\s+circles|round\s+in\s+circles|getting\s+nowhere|not\s+getting\s+"
    r"anywhere|"
    r"no\s+one\s+(?:came|called|cares))"
)
# The same let-down again: "third time this week", "every single day", "Again."
RECURRENCE = re.compile(
    r"\b(?:every\s+single|(?:second|third|fourth|fifth|2nd|3rd|4th|5th)\s+time|yet\s+again|"
    # "Again." and "again!" are let-downs; "could you tell me that again?" is a request
    # "ordering again!" and "try again." repeat a choice, not a let-down
    r"once\s+again|(?<!try )(?<!try it )(?<!do it )(?<!ordering )(?<!order )(?<!buying )(?<!book )"
    r"(?<!booking )(?<!shop )(?<!visit )again\s*[.!]|^again\s*\?+$|"
    r"(?:same\s+(?:thing|problem|issue)|happens|happening)\s+every\s+(?:night|day|morning|"
    r"evening|week|time)|keeps?\s+(?:on\s+)?[a-z]+ing|not\s+the\s+first\s+time|"
    r"every\s+time\s+i|the\s+last\s+(?:two|three|four|few|several|\d+)\s+times|"
    r"(?:second|third|fourth|fifth|2nd|3rd|4th|5th)\s+(?:\w+\s+){0,2}in\s+a\s+row|"
    r"again\s+and\s+again|constantly|all\s+the\s+time|(?:that's|this\s+is|it's)\s+the\s+"
    r"(?:second|third|fourth|fifth|2nd|3rd|4th|5th)\s+(?:one|\w+)|"
    r"(?:emailed|called|rang|"
    r"phoned|asked|tried|written|wrote|messaged|chased|contacted|reported|complained|raised|sent)\s+"
    r"(?:(?:it|this|you|them|about\s+(?:it|this)|photos|pictures|evidence|proof|the\s+\w+)\s+)?(?:twice|(?:three|four|five|several|many|"
    r"multiple|\d+)\s+times))"
)
INSULT = re.compile(
    r"\b(?:(?:stupid|dumb)(?!\s+question)|idiot\w*|moron\w*|crap|crappy|shit\w*|damn|bloody|useless\s+bot|"
    r"you\s+know\s+nothing|you're\s+useless|you\s+are\s+useless|pointless)\b"
)
# A positive word standing alone as its own sentence: sarcastic after a failure.
SARCASM = re.compile(
    r"(?:^|[.!?]\s*)(?:oh\s+)?(?:great|brilliant|wonderful|fantastic|perfect|lovely|amazing|"
    r"super|excellent|wow|nice\s+one|well\s+done|thanks\s+a\s+lot|cheers|interesting|"
    r"(?:thanks|cheers)\s+for\s+"
    r"that|really\s+professional|very\s+professional|good\s+job)(?:\s*[.!]+|\s*$)"
)
# Short prods after being left unhelped.
PROD = re.compile(
    r"^(?:hello+|hi|anyone|anybody|and|so|well|no|nope|wow|what|really|huh|still\s+nothing|"
    r"nothing|hello\s+anyone\s+there|is\s+anyone\s+there)\s*[?!.]*$|^\?+$"
)
# A word or two said again at once for force: "Three weeks. THREE WEEKS.", "wow. just wow."
EMPHATIC_REPEAT = re.compile(r"\b(\w+(?:\s+\w+)?)[.!?]+\s+(?:just\s+)?\1\b")
# Laughter: the customer is not upset, whatever the punctuation ("is my order lost?? lol").
# Checking what the bot just said ("so it's 30 days, right?", "just to confirm, ..."): the
# answer landed; asking it back is not a repeat.
CONFIRMING = re.compile(
    r"^(?:(?:ok(?:ay)?|right|great|cool|ah|oh)[,!.\s]+)?(?:so\s+(?!what\b|why\b|how\s+come\b|you\b|you're\b|i\s+(?:can't|cannot|have\s+to)\b|"
    r"there's\s+nothing\b|nothing\b|no\b)|just\s+to\s+"
    r"(?:confirm|be\s+clear|check|double[- ]check)|to\s+confirm|to\s+be\s+clear)|"
    r"\b(?:right|correct|yeah|yes)\s*\?+\s*$|\bis\s+that\s+(?:right|correct)\s*\?"
)
# Joy: capitals and "!!" next to these are excitement, not anger.
JOY = re.compile(
    "\U0001f680|\U0001f64c|\U0001f389|\U0001f973|\U0001f60d|\U0001f929|"
    "\U0001f601|\U0001f604|\U0001f603|\U0001f600|\u2764|\U0001f4aa|\u2728|"
    "\U0001f44f|\U0001f970|\U0001f60a|\U0001f642|\U0001f60e|\U0001f917|\U0001f4af"
)
# "I think I messed up ... can I fix it?": the customer's own slip, asked how to mend.
SELF_MISTAKE = re.compile(
    r"\bi\s+(?:think\s+i\s+|may\s+have\s+|might\s+have\s+|just\s+)?(?:messed\s+(?:it\s+)?up|"
    r"made\s+(?:a|an)\s+(?:mistake|error|typo)|screwed\s+up|entered\s+the\s+wrong|"
    r"typed\s+the\s+wrong|put\s+(?:in\s+)?the\s+wrong|accidentally)\b"
)
FIX_QUESTION = re.compile(
    r"\b(?:can|could|do|how\s+do|how\s+can|is\s+it\s+possible\s+to)\s+(?:i|we)\s+(?:still\s+)?"
    r"(?:fix|change|correct|undo|edit|amend|update|redo|reverse)\b"
)
LAUGHTER = re.compile(r"\b(?:lol|lmao|haha\w*|hehe\w*)\b|😂|🤣|😅|😆")
REPEATED_PUNCT = re.compile(r"!{2,}|\?{2,}|[?!]{3,}|\?!|!\?")
INTENSIFIER = re.compile(r"\b(?:really|so|absolutely|extremely|completely|utterly|totally|very)\b")
# Right before a complaint word, an intensifier strengthens it: "so fed up", "really not happy".
INTENSIFIED = re.compile(
    r"\b(?:really|so|absolutely|extremely|completely|utterly|totally|very|truly|incredibly|"
    r"seriously|beyond)\s+$"
)
# The word aims at the business: "this is terrible", "your app is useless", "Terrible." alone.
AIMED_AT_US = re.compile(
    r"(?:\b(?:this|that|it|you|your\s+\w+|the\s+(?:service|app|chat|bot|site|website|"
    r"experience|support))(?:'s|\s+is|\s+are|\s+was|\s+has\s+been|'re)?\s+(?:\w+\s+)?$)|"
    r"(?:^|[.!?]\s*)$"
)
# "I'm terrible at yoga": the word is about the customer, not about us.
SELF_OR_ELSEWHERE = re.compile(
    r"\b(?:my\s+old|the\s+old|my\s+previous|"
    r"the\s+weather|the\s+traffic|my\s+last|the\s+other|other|(?:your\s+)?competitors?|"
    r"the\s+last\s+(?:\w+\s+)?(?:agenc\w*|compan\w*|providers?|firms?|banks?|shops?|stores?|"
    r"places?|apps?|suppliers?|hosts?|gyms?|clinics?|vets?|dentists?|insurers?))\b[^.?!]*$"
)
NEGATED_BEFORE = re.compile(
    r"\b(?:not|never|no|isn't|wasn't|aren't|nothing|hardly|nothing's|n't|wouldn't|didn't)"
    r"\s+(?:\w+\s+){0,1}$"
)

# --- the bot's answer refused --------------------------------------------------------------------

REJECTION = re.compile(
    r"\b(?:(?:that|this|it)\s+(?:doesn't|does\s+not|didn't)\s+(?:answer|help)|"
    r"not\s+what\s+i\s+(?:asked|meant|said)|i\s+(?:already\s+)?(?:said|told\s+you)|"
    r"i'm\s+not\s+asking\s+(?:for|about|you\s+to)|i\s+didn't\s+ask\s+(?:for|about)|"
    r"as\s+i\s+said|i\s+know\s+(?:where|how|that)|you\s+keep\s+saying|"
    r"you\s+(?:already\s+)?said\s+that|the\s+problem\s+is|to\s+be\s+clear|"
    r"you're\s+not\s+listening|read\s+my\s+(?:message|question)|i\s+asked\s+(?:about|for)|"
    r"that's\s+not\s+(?:it|right|true|the\s+point|what)|wrong\s+answer|doesn't\s+answer|"
    r"irrelevant|(?:an?\s+)?(?:actual|real|proper|straight)\s+answer|not\s+a\s+link|"
    r"stop\s+sending\s+(?:me\s+)?(?:links|articles)|(?:i've|i\s+have|i)\s+(?:already\s+)?read\s+"
    r"(?:the|your|that)\s+(?:faq|help|article|page))\b"
)
# Weaker pushback: the customer says the answer did not work for them.
PUSHBACK = re.compile(
    r"\b(?:already\s+(?:did|done|tried|checked|doing|on|recurring|active)|(?:i've|i\s+have)\s+"
    r"(?:already\s+)?(?:tried|checked|done|restarted)|tried\s+(?:both|that|everything|all)|"
    r"still\s+(?:nothing|not|no|doesn't|don't|won't|isn't|can't|cannot|the\s+same)|"
    r"(?:that's|that\s+is|it's|it\s+is)\s+(?:not\s+\w+\s+)?(?:the\s+\w+\s+)?(?:though|not\s+what)|"
    r"which\s+(?:ones?|is\s+it)\s+(?:are|is)\s+for|\w+\s+though(?=\s*[.?!,]|\s*$)|"
    r"(?:did|done|tried)\s+that\s+(?:too|already|as\s+well)|still\s+\w+ing\b|"
    r"(?:it's|it\s+is)\s+not\s+(?:my|the|our)\s+\w+|same\s+(?:problem|issue)|"
    r"everyone\s+(?:on|in|here|else)|still\s+(?:says|shows|showing|getting|happening|broken|"
    r"failing|the\s+same|waiting)|not\s+\d+\s+\w+|not\s+there|\w+\s+either\s*[.!?]*$|"
    r"there(?:'s|\s+is)\s+no\s+\w+|there\s+(?:isn't|is\s+not|aren't|are\s+not)\b|(?:i\s+)?(?:can't|cannot|don't|do\s+not)\s+(?:see|find)\s+"
    r"(?:it|that|any|the|a|an)\b|(?:isn't|is\s+not)\s+there|doesn't\s+exist|"
    r"(?:i|we)\s+(?:don't|do\s+not)\s+have\s+(?:a|an|the|any)\b|(?:i\s+am|i'm)\s+"
    r"(?:an?\s+|the\s+)?(?:admin|owner|account\s+holder))"
)

# A failure told as a fact ("the engineer didn't turn up", "the email isn't arriving"); wishes
# and opinions ("I don't want to cancel", "I don't need a person") are not failures.
FAILURE = re.compile(
    r"\b(?:didn't|did\s+not|never|hasn't|haven't|has\s+not|have\s+not|isn't|aren't|wasn't|"
    r"weren't|won't|can't|cannot|couldn't|doesn't|failed\s+to|no\s+longer)\s+(?:even\s+|"
    r"actually\s+|"
    r"properly\s+|been\s+)?(?!(?:want|need|know|think|mind|care|like|mean|understand|remember|"
    r"worry|bother|matter|sure|expect|plan|intend|wish|have\s+to|seem)\b)[a-z]{3,}\b"
    r"(?!\s+(?:so\s+(?:good|well|nice|clean|great)|better\b|back\b|happier|easier|the\s+bank|me\b|"
    r"us\b|you\s+enough))"
)
SENTENCE_END = re.compile(r"[.!?;]|$")
# A problem supposed, not told: "what happens if my payment fails", "in case it arrives damaged".
SUPPOSED = re.compile(r"\b(?:if|in\s+case|whether|suppose|supposing|what\s+happens\s+when)\b")
# A question about how things work: "how do I dispute a charge?", "how to report fraud?"
HOW_TO = re.compile(
    r"\bhow\s+(?:do|can|could|would|should|does)\s+(?:i|we|you|one)\b|\bhow\s+to\b|"
    r"\bwhat\s+happens\s+(?:if|when)\b|\bwhere\s+(?:do|can|should)\s+i\b"
)
# A question that presumes the problem happened: "why was I charged twice?"
PRESUMING_QUESTION = re.compile(r"(?:hi|hello|hey|so|and|but|ok)?[,!\s]*(?:why|how\s+come)\b")
# Problem words that on their own only report an error message or a failed step, which the bot
# can often walk the customer through ("it says error 500", "card declined").
GLITCH = re.compile(
    r"error|invalid|failing|fails|failed|declined|stuck|crash(?:es|ing|ed)|not\s+showing|"
    r"stopped|mistake|wrong|incorrect|"
    # money taken, said without what was wrong with it: "I was charged £4.99 - is that delivery?"
    r"charged|billed|debited|deducted|"
    # a wait told without its length is news, not yet harm: "I'm waiting for a refund of $3"
    r"waiting\s+(?:for|on)\s+(?:my|a|the|our)\s+\w+"
)

# Talking to someone of the customer's own ("talk to my manager first", "hablarlo con mi
# marido"): not an ask for one of ours. Folded text (no accents), several languages.
OWN_PEOPLE = re.compile(
    r"\b(?:to|with)\s+(?:my|our)\s+(?!account\b)\w+|\bcon\s+(?:mi|mis|il\s+mio|la\s+mia|mio|mia)\s|"
    r"\bavec\s+(?:mon|ma|mes|notre)\s|\bmit\s+(?:meine[mnr]?|unsere[mnr]?)\s|"
    r"\bcom\s+(?:o\s+meu|a\s+minha|meu|minha)\s|\bmet\s+(?:mijn|onze)\s"
)

# Reads like an ask for a person and is not one: a person for a service ("call me a taxi", "the
# rider can call me", "someone to help me choose a gift"), or the bot itself ("can I speak
# Spanish to the chatbot?"). Vetoes an ask that only the reader found. Folded text.
NOT_OUR_PERSON = re.compile(
    r"\bcall\s+me\s+an?\s+(?:taxi|cab|uber|ambulance)\b|"
    r"\b(?:rider|driver|courier|postman|taxi|delivery\s+(?:guy|man|person|driver))\b[^.?!]*"
    r"\b(?:call|ring|text|phone)\s+me\b|"
    r"\b(?:someone|somebody)\s+to\s+(?:help\s+me\s+)?(?:choose|pick|find|show|carry|deliver|"
    r"install|fix|walk|drive|clean)\b|"
    r"\b(?:speak|write|talk|chat)\w*\s+(?:\w+\s+)?(?:to|with)\s+(?:the|your|this|a)\s+"
    r"(?:chat)?bot\b|"
    # someone of the customer's choosing ("can someone else collect it?"), someone for a job
    # ("is there someone who can deliver on a Sunday?"), a person word naming a product
    # ("a password manager option", "does the agent app work on Android?")
    r"\b(?:someone|somebody|anyone|anybody)\s+else\b|"
    r"\b(?:someone|somebody|anyone|anybody)\s+(?:who|that)\s+(?:can|could|will|would)\s+"
    r"(?:deliver|collect|install|clean|cut|pick|drop|visit|cater|fit|build|assemble|move|drive|"
    r"walk|babysit|cook|make|repair|service)\b|"
    r"\bpassword\s+manager|"
    r"\b(?:manager|agent|advis[oe]r|operator)\s+(?:app|dashboard|role|option|view|portal|"
    r"mode|tool|permissions?|fee|commission)\b"
)

# --- complex issues ------------------------------------------------------------------------------

# Something has gone wrong with money, an order, an account or a service.
PROBLEM = re.compile(
    r"\b(?:overcharged|double\s+charged|charging\s+me|still\s+(?:being\s+)?(?:charged|billed)|"
    r"taken\s+from\s+my|"
    # waiting told with how long: "been waiting 3 weeks for my refund"
    r"waiting\s+(?:(?:for\s+)?(?:over|nearly|almost|more\s+than)\s+)?(?:\d+|a|an|two|three|four|"
    r"five|six|several|a\s+few)\s+(?:hours?|days?|weeks?|months?)\s+(?:for|on)|(?:hours|days|"
    r"weeks|months)\s+of\s+waiting|"
    # someone at fault did nothing: "nobody has explained", "no one is answering my emails"
    r"(?:nobody|no\s+one)\s+(?:has\s+|have\s+|had\s+|is\s+|was\s+|ever\s+|even\s+|will\s+|can\s+|"
    r"could\s+|would\s+|seems\s+to\s+)*(?:tell|explain|help|told|"
    r"explained|called|contacted|replied|answered|responded|got\s+back|came|turned\s+up|"
    r"mentioned|warned|said\s+anything|"
    r"showed\s+up|rang|rung|bothered|answering|responding|replying|calling|picking\s+up|answers|"
    r"picks\s+up|responds|replies|calls\s+back|"
    r"helped|fixed|sorted|done|did|been\s+(?:out|round)|explaining)|"
    # a status that should not be: "the portal says withdrawn", "still showing due"
    r"(?:says|shows|showing|marked|listed|status\s+is)\s+(?:as\s+|it\s+was\s+|it's\s+|that\s+)?"
    r"[\"']?(?:cancelled|canceled|failed|withdrawn|closed|rejected|expired|unpaid|overdue|due|"
    r"suspended|incomplete|inactive|not\s+found|on\s+hold)\b|(?:still|again)\s+(?:the\s+\w+\s+)?(?:is\s+)?(?:showing|shows|says|saying|"
    r"charging|deducting)|"
    # things that came apart or arrived damaged
    r"fell\s+(?:out|off|apart)|came\s+(?:off|apart|loose)|falling\s+apart|arrived\s+with\s+"
    r"(?:a|an|the)?\s*(?:\w+\s+)?(?:tear|hole|crack|dent|scratch|stain|chip|mark|damage)|"
    r"(?:has\s+been|been|is\s+still|arrived|came|was|were)\s+broken|"
    # let down by someone's side: "cancelled on us", "stranded", "ran out of my insulin"
    r"(?:went|gone|has\s+gone|turned)\s+(?:flat|dead|mouldy|moldy|off|bad|missing)\b|"
    r"(?:is|are|was|were|has\s+been|have\s+been)\s+(?:all\s+)?(?:gone|wiped|deleted|erased)\b|"
    r"(?:goes|went|going|keeps\s+going)\s+offline|"
    r"overbooked|(?:been|got|was|were)\s+bumped|br(?:oke|oken|eaks)\s+down|"
    r"(?:two|2|three|3|multiple)\s+(?:bills|invoices|charges|payments|debits)\s+for\s+the\s+same|(?:started|starting|begun|begin)\s+(?:to\s+)?"
    r"(?:peel|crack|fray|fade|rust|leak|split|wobble|break|fall\s+apart)\w*|peeling|fraying|"
    r"rusting|coming\s+(?:off|apart|loose|away)|"
    # a promise broken long ago: "it was meant to arrive 3 weeks ago" (a day late is routine)
    r"(?:was|were)\s+(?:meant|supposed|due)\s+to\s+(?:arrive|be\s+(?:here|delivered|ready|done|"
    r"fixed|back)|come|ship|turn\s+up|show\s+up)\s+(?:\w+\s+){0,2}?(?:\d+|two|three|four|five|"
    r"six|several|a\s+few)\s+(?:weeks|months)\s+ago\b|"
    r"(?:haven't|have\s+not|hasn't|has\s+not|wasn't|weren't|not)\s+been\s+pa[iy]d|"
    r"(?:is|are|they're|it's|they\s+are|it\s+is)\s+(?:\w+\s+)?(?:unusable|unwearable|unreadable)|"
    r"nothing\s+(?:has\s+)?happened|(?:got|received|been\s+given|issued|sent)\s+(?:me\s+|us\s+)?"
    r"(?:a|an)\s+(?:\w+\s+){0,3}?(?:penalty|fine)\b|(?:was|were)\s+quoted\s+[^.?!]{0,40}?"
    r"(?:invoice|bill|charge|receipt)\s+(?:says|shows|is|was|came)|"
    r"\d[\d,.]*\s+(?:has|have)\s+been\s+(?:taken|charged|debited|deducted)|"
    r"yet\s+(?:the|my|our)\s+(?:direct\s+debit|payments?|charges?|billing|subscription|fees?)\s+"
    r"(?:continues?|is\s+still|are\s+still|keeps?)|(?:has|have)\s+not\s+(?:attended|turned\s+up|"
    r"shown\s+up)|(?:hasn't|haven't)\s+(?:attended|turned\s+up|shown\s+up)|"
    r"still\s+(?:taking|debiting|charging)|(?:been|is|are|went|was|were)\s+(?:down|"
    r"unreachable|offline|unavailable)\s+(?:since|for)|costing\s+(?:us|me)\s+(?:money|business|"
    r"customers|sales|clients)|not\s+what\s+(?:we|i)\s+(?:paid|booked|ordered|asked)\s+for|"
    r"stranded|(?:cancelled|canceled)\s+(?:on\s+(?:us|me)|from\s+your\s+side|by\s+you)|"
    r"r[au]n\s+out\s+of|nothing\s+(?:is\s+)?here|(?:has|have|had)\s+been\s+(?:\w+\s+)?"
    r"(?:late|delayed)|(?:arrived|came|turned\s+up|delivered)\s+(?:\w+\s+){0,2}?late|"
    r"(?:is|was|were|are)\s+delayed|delayed\s+again|without\s+(?:my|our|any)\s+(?:permission|"
    r"consent|authori[sz]ation|approval|warning|notice)|(?:been|was|were|got|get)\s+"
    r"(?:\w+\s+)?(?:fined|penali[sz]ed)|"
    r"(?:went|gone|jumped|increased|risen|rose|shot\s+up|doubled)\s+(?:up\s+)?from\s+[£$€]?\d|"
    # the business as the one who did harm: "you've been taking £100", "you lost my parcel"
    r"you(?:'ve|\s+have|'re|\s+are)?\s+(?:been\s+|now\s+|just\s+|also\s+)?(?:taking|taken|took|charging|"
    r"billing|debiting|deducting|charged|billed|debited|deducted|estimated|lost|broke|broken|"
    r"damaged|closed|blocked|cancelled|ignored|"
    r"overcharged|ghosted|forgot|forgotten|ruined|messed\s+up|given\s+(?:it|\w+\s+\w+)\s+away|"
    r"gave\s+(?:it|\w+\s+\w+)\s+away|sent\s+(?:me\s+)?(?:the\s+)?wrong)\b|"
    r"you(?:'d|\s+had)\s+(?:already\s+)?(?:given|sold|cancelled|lost|forgotten)\b|"
    # money taken for nothing: "took £38 and delivered zero kWh", "sent me an empty box"
    r"(?:delivered|gave|given|received|got|provided|sent\s+me)\s+(?:me\s+)?(?:zero|nothing|"
    r"no\s+\w+)\b|(?:an\s+)?empty\s+(?:box|parcel|package|envelope|bag)|"
    # sent to the wrong place, given the wrong thing
    r"(?:sent|delivered|given|gave|posted|shipped|fitted|installed|prescribed|dispensed|issued|"
    r"addressed)\s+(?:[\w']+\s+){0,3}?(?:the\s+|a\s+)?wrong\b|"
    # it came back spoiled: "came back pink", "come out orange"
    r"(?:came|come|has\s+come|turned|went)\s+(?:back|out)\s+(?:\w+\s+)?(?:orange|pink|green|"
    r"blue|grey|yellow|ruined|damaged|shrunk|stained|broken|worse|wrong|different|patchy)|"
    r"shr[au]nk|(?:isn't|is\s+not|aren't|not|won't|never|keeps?\s+not)\s+(?:answering|"
    r"picking\s+up|responding|replying|returning\s+(?:my\s+)?calls)|"
    r"\b(?:was|were|has\s+been|have\s+been|got|been)\s+(?:\w+\s+)?(?:cancelled|canceled)|"
    r"without\s+(?:anyone|anybody|any\s+one)\s+(?:explaining|telling|informing|warning|"
    r"notifying|asking)|(?:flight|order|booking|appointment|reservation|class|tour|trip|holiday|"
    r"event|delivery|session|lesson|course|surgery|operation)\s+(?:was\s+|has\s+been\s+|got\s+|"
    r"been\s+|is\s+)?(?:cancelled|canceled)|no\s+(?:rebooking|replacement|compensation|"
    r"accommodation|hotel|explanation)\b|(?:i|we)\s+(?:paid|paid\s+for|booked|ordered|bought)"
    r"\s+[^.?!]{1,40}?\s+but\s+(?:my|the|our|it|they|there|i|we|nobody|no\s+one)\b|"
    r"left\s+my\s+account|"
    # "charged twice", "the rules fire twice"; "I ordered twice last month" is no problem
    r"(?:charged|billed|debited|deducted|taken|paid|sent|delivered|fires?|fired|firing|applied|"
    r"booked|went\s+through|gone\s+through|came\s+out|come\s+out|went\s+out|processed|"
    r"imported|synced|posted|recorded|added|scanned|issued|renewed|"
    r"counted|run|ran|created|showing|shows|listed)\s+(?:[\w£$€.,]+\s+){0,4}?(?:twice|double|"
    r"two\s+times)|charged|billed|debited|deducted|"
    r"double[-\s](?:charged|billed|booked|charge)|duplicated|duplicates?\s+(?:of\s+)?(?:charges?|"
    r"payments?|transactions?|orders?|debits?|bookings?|invoices?|bills?)\b|"
    r"(?:the|these|those|all\s+the|getting|got|created|making)\s+duplicates|"
    r"(?:two|2|three|3)\s+copies|"
    r"never\s+(?:arrived|came|used|asked|received|ordered|got|signed|agreed|authori[sz]ed|"
    r"consented|requested)|haven't\s+(?:received|got|"
    r"heard)|(?:nobody|no\s+one)\s+has\s+(?:told|contacted|called|replied|got\s+back)|(?:didn't|"
    r"did\s+not)\s+(?:arrive|receive|get|order|come)|not\s+(?:arrived|"
    r"received|delivered)|nothing\s+(?:has\s+)?arrived|hasn't\s+(?:arrived|come|been)|"
    r"(?:still|yet)\s+(?:don't|do\s+not|haven't|hasn't|no|not|waiting|pending)|"
    r"missing|disappeared|vanished|lost|wrong|instead\s+of|incorrect|mistake|error|"
    r"stuck|pending\s+for|failing|fails|failed|declined|locked\s+out|can't\s+(?:log|sign)\s+in|"
    r"stopped|cancelled\s+automatically|(?:taken|took|charged|debited|billed)\s+(?:me\s+)?"
    r"(?:[£$€]?\d[\d.,]*\s+)?(?:from|off)\s+my|(?:hasn't|haven't|has\s+not|"
    r"have\s+not)\s+(?:updated|"
    r"changed|moved|shipped|worked|been\s+(?:sent|processed|refunded|fixed|resolved|updated))|"
    r"invalid|(?:i|we)\s+(?:already\s+)?cancelled|(?:can't|cannot|can\s+no\s+longer)\s+(?:access|"
    r"log\s+in|"
    r"sign\s+in|use|open|get\s+into)|rejected|refused|denied|no\s+reason|"
    r"(?:isn't|is\s+not|wasn't|never)\s+(?:here|there)|no\s+sign\s+of\s+it|"
    r"(?:leaves?|left|leaving)\s+(?:me|us)\s+without|without\s+(?:anyone|anybody|me|us|our|my)\s+"
    r"(?:\w+\s+){0,3}?(?:approving|agreeing|consent\w*|permission|asking|authori[sz]\w*)|nothing\s+like\s+(?:the|what|its)|"
    r"not\s+as\s+(?:described|advertised|pictured)|(?:didn't|did\s+not|never)\s+(?:have|use|"
    r"order|receive|get|buy|make|book|want|need|sign)\b|(?:arrived|came|turned\s+up|"
    r"was\s+delivered|"
    r"were\s+delivered|is|are|was|were)\s+(?:completely\s+|totally\s+|all\s+)?(?:dead|damaged|"
    r"smashed|crushed|squashed|soaked|melted|wilted|mouldy|moldy|stale|leaking|torn|ripped|"
    r"scratched|dented|faulty|defective|the\s+wrong)\b|worse\s+than|left\s+(?:a|an)\s+(?:hole|mess|"
    r"mark|scratch|dent|stain)|(?:damaged|broke|broken|scratched|ruined)\s+(?:my|our|the)\b|"
    r"(?:different|conflicting|contradictory)\s+(?:answers|information|info)|"
    r"(?:has\s+been|is|are|went|was)\s+down\b(?!\s+(?:by\s+)?(?:about\s+)?\d|\s+to\s+\d)|"
    r"(?:is|has\s+been|went|gone)\s+dead|"
    r"no\s+dial\s+tone|outage|cut\s+off|crash(?:es|ing|ed)|(?:has\s+been|been|got|was|is)\s+"
    r"(?:locked|suspended|blocked|frozen|closed|deactivated|disabled)|never\s+(?:comes|arrives|"
    r"works|loads|shows|"
    r"turned\s+up|showed\s+up)|doesn't\s+exist|(?:i\s+was|we\s+were)\s+(?:told|promised)|promised|"
    r"and\s+nothing|still\s+nothing|nothing\s+(?:yet|so\s+far|since)|(?:it's|it\s+has|has)\s+"
    r"(?:been\s+|said\s+(?:that\s+)?|shown\s+(?:that\s+)?|sat\s+)?(?:stuck\s+)?(?:like\s+that\s+)?for\s+"
    r"(?:over\s+)?(?:\d+|two|three|four|five|six|several)\s+(?:days|weeks|months)|"
    r"(?:it's|it\s+is|isn't|is\s+not)\s+(?:not\s+)?(?:on|in)\s+(?:my|the)\s+(?:statement|bill|"
    r"account|"
    r"invoice|order)|not\s+showing|no\s+way\s+this\s+is\s+right|(?:isn't|not|"
    r"doesn't\s+look)\s+right|"
    r"triple|(?:twice|double|three\s+times)\s+(?:what|as\s+much)|more\s+than\s+usual|"
    r"(?:nobody|no\s+one)\s+has\s+(?:replied|answered|responded)|heard\s+nothing|no\s+(?:reply|"
    r"response|answer)\s+(?:yet|from|to)|(?:not|never)\s+heard\s+back|without\s+(?:internet|power|"
    r"heating|water|"
    r"(?:a\s+)?phone|service|access|signal)|"
    r"(?:ordered|asked\s+for|booked|paid\s+for|chose|selected)\s+[^.?!]{1,60}?\b(?:got|received|"
    r"says|said|reads|"
    r"sent|came|arrived|billed|charged)\b|(?:says|shows|showing|marked|listed)\s+(?:as\s+|it\s+"
    r"was\s+|it's\s+)?'?delivered|(?:with|without)\s+(?:no|any)\s+(?:explanation|warning|"
    r"notice)|no\s+explanation|back-ordered|(?:went|gone|go|goes|going)\s+up|increased|doubled|"
    r"tripled|risen|rose\s+by|paid\s+for\s+[^.?!]{1,30}?\s+and\s+(?:it|they)\s+(?:took|was|were|"
    r"arrived|came|never)\b|someone\s+else's|(?:isn't|wasn't|not)\s+mine|waiting\s+(?:for|on)\s+"
    r"(?:my|a|the|our)\s+(?:refund|money|order|delivery|replacement|reply|response|callback|"
    r"engineer|parcel|package|credit|repair)|why\s+(?:did|was|were|is|are|has|have|hasn't|"
    r"haven't|isn't|wasn't)\s+(?:i|we|my|our|you|it|they)\b|"
    r"definitely\s+(?:wasn't|isn't|didn't)|marked\s+as\s+delivered|shows?\s+(?:as\s+)?'?"
    r"delivered|which\s+i\s+never|i\s+only\s+have|only\s+have\s+\w+\s+(?:members|users|"
    r"people|phone|line))\b"
)
# What is at stake: money, an order, an account, personal safety.
STAKES = re.compile(
    r"\b(?:charg\w*|bill\w*|invoice\w*|payment\w*|paid|pay|fee|fees|refund\w*|money|price|"
    r"£|\$|€|card|account|order\w*|deliver\w*|contract|subscription|plan|membership|"
    r"seats?|lines?|data|login|password|sso|access|allerg\w*|safety|injur\w*|parcel|package|"
    r"claim|policy|prescription|medication|booking|reservation|flight|ticket|warranty|guarantee|"
    r"insurance|verification|password|locked|application|deposit|fine|permit|visa|appointment|"
    r"salary|savings|rent|withdrawal|purchases?|prescription|premium|results|records|phone|"
    r"laptop|wallet|keys|passport|documents|belongings|paying|flights|tickets|box|case|items?|"
    r"goods|products?|bottles?|return)\b|[£$€]"
)
CONTRADICTION = re.compile(
    r"\b(?:even\s+though|despite|although|which\s+(?:i|it|we)\s+(?:never|definitely|didn't)|"
    r"paid\s+for\s+[^.?!]{1,30}?\s+and\s+(?:it|they)\s+(?:took|was|were|arrived|came|still)|"
    r"when\s+(?:i|we)\s+(?:haven't|have\s+not|didn't|did\s+not|never|only)|"
    r"but\s+(?:the|my|our|your)\s+\w+\s+(?:says|shows|still)|(?:that's|that\s+is|which\s+is|"
    r"it's)\s+(?:normally|usually)|(?:normally|usually)\s+(?:costs?|is|it's|only)|but\s+(?:it|they)\s+(?:says?|said|show)|nobody\s+has\s+told|"
    r"no\s+one\s+has\s+told|we\s+haven't\s+changed|i\s+haven't\s+changed|"
    r"which\s+(?:i'm|i\s+am|it's|it\s+is|we're|we\s+are|i\s+was|it\s+was)\s+not|"
    r"nothing\s+(?:has\s+)?changed|but\s+(?:i|we)\s+(?:chose|selected|asked\s+for|ordered|"
    r"paid\s+for|"
    r"booked|cancelled)|but\s+(?:we're|we\s+are|i'm|i\s+am)\s+on|but\s+(?:i|we)\s+(?:never|"
    r"didn't|did\s+not|haven't|have\s+not)|but\s+(?:there's|there\s+is)\s+nothing)\b"
)
RESOLUTION_ASK = re.compile(
    r"\b(?:sort\s+(?:this|it|that)?\s*out|untangle|what's\s+(?:actually\s+)?happening|"
    r"what\s+do\s+i\s+do|what\s+should\s+i\s+do|how\s+do\s+(?:we|i)\s+(?:sort|fix|resolve)|"
    r"explain\s+(?:both|this|why)|can\s+you\s+fix|fix\s+(?:this|it)|help\s+us|"
    r"(?:don't|do\s+not)\s+know\s+what\s+to\s+do|reverse\s+(?:it|this|that|the\s+\w+)|undo\s+(?:it|this|"
    r"that)|roll\s+(?:it|this)\s+back)\b"
)
SENSITIVE = re.compile(
    r"\b(?:hacked|fraud(?!\s+checks?\b)\w*|unauthori[sz]ed|stolen|identity\s+theft|data\s+breach|gdpr|cloned|"
    r"compromised|phishing|copy\s+of\s+(?:my|our|all)\s+(?:personal\s+)?data|subject\s+access|"
    r"(?:delete|erase|remove)\s+(?:all\s+)?(?:my|our)\s+(?:personal\s+)?(?:data|information)|"
    r"data\s+protection|disput\w+|contest(?:ing)?\s+(?:a|the|this)\s+charge|(?:i|we)\s+(?:didn't|"
    r"did\s+not|never)\s+(?:make|authori[sz]e|do\s+this|"
    r"do\s+that|sign\s+up|request)|(?:don't|do\s+not)\s+recogni[sz]e|wasn't\s+(?:me|us)|"
    r"someone\s+(?:else\s+)?(?:has\s+|had\s+|is\s+)?(?:been\s+)?(?:logg|us|access|get|got|broke|"
    r"hack)\w*\s+(?:into\s+|in\s+to\s+)?(?:my|our)\b|(?:orders?|payments?|charges?|transactions?|"
    r"purchases?)\s+(?:that\s+)?(?:i|we)\s+(?:didn't|did\s+not|never)\s+(?:place|make|order|"
    r"authori[sz]e|buy|recogni[sz]e)|"
    r"(?:logged|signed)\s+in(?:to)?\s+(?:\w+\s+){0,3}from\s+(?:an?\s+)?(?:unknown|another|"
    r"different|strange)|"
    r"lawyer|legal\s+action|(?:to|in|see\s+you\s+in)\s+court\b|court\s+(?:case|action|order|claim|"
    r"hearing|summons)|ombudsman|trading\s+standards|accident|aggressive|"
    r"threaten\w*|bereave\w*|passed\s+away|vulnerable|elderly|complaint\s+procedure|"
    r"(?:mum|mom|mother|dad|father|husband|wife|partner|son|daughter|child|baby|brother|sister|"
    r"grand\w+|friend|uncle|aunt|cousin|relative|he|she|they|dog|cat|pet|puppy|kitten|horse)\s+"
    r"(?:\w+\s+){0,2}?died|died\s+(?:last|recently|suddenly|unexpectedly|this)|"
    r"formal\s+complaint|allergic\s+reaction|food\s+poisoning|injured|"
    r"discriminat\w*|harass\w*|into\s+my\s+(?:car|house|wall|fence|gate|vehicle|van|bike)|dashcam|"
    r"(?:called|told|reported\s+it\s+to)\s+the\s+police|police\s+(?:report|reference)|"
    r"crime\s+reference|(?:payment|charge|transaction|purchase|debit)s?\s+[^.?!]{0,60}?(?:i|we)\s+"
    r"(?:know\s+nothing\s+about|have\s+no\s+idea\s+about|don't\s+know\s+anything\s+about)|damage\s+to\s+my|dangerous|unsafe|could\s+have\s+(?:been|died|killed)|ambulance|"
    r"a&e|poison\w*|autis\w*|distress\w*|special\s+needs|reasonable\s+adjustments?|"
    r"locked\s+out\s+of\s+(?:my|our|the)|leak(?:ing|ed)|(?:water|gas)\s+leak|flood(?:ed|ing)|"
    r"gas\s+smell|smell\s+of\s+gas|sparking|fire\s+hazard|electric\s+shock|"
    r"in\s+(?:a\s+lot\s+of\s+|so\s+much\s+)?pain|mou?ld|asbestos|carbon\s+monoxide|"
    r"(?:hard|difficult|struggling)\s+to\s+(?:breathe|swallow)|(?:can't|cannot)\s+(?:breathe|"
    r"swallow)|chest\s+pains?|anaphyla\w*|on\s+(?:home\s+)?oxygen|life[- ]support|"
    r"still\s+bleeding|(?:is|are|was|won't\s+stop|keeps?)\s+bleeding|bleeding\s+(?:heavily|a\s+lot)|"
    r"(?:ate|eaten|swallowed|chewed|drank|licked)\s+(?:\w+\s+){0,6}?(?:chocolate|grapes|raisins|"
    r"xylitol|pills|tablets|medication|batter(?:y|ies)|bleach|antifreeze|rat\s+poison)|"
    r"drifting|sinking|capsiz\w*|taking\s+on\s+water|(?:on|caught)\s+fire|smoke\s+(?:coming|"
    r"pouring)|(?:my\s+)?(?:ex|former\s+partner|a\s+stranger|someone|somebody)\s+(?:still\s+)?"
    r"(?:has|have|had|got|gained)\s+access|"
    r"(?:payments?|charges?|transactions?)\s+(?:to|from|at)\s+[^.?!]{0,80}?(?:i've|i\s+have)\s+"
    r"never|bruis\w*|(?:touch\w*|hand\s+on)\s+(?:my|her|his)\s+(?:knee|leg|thigh|body|chest)|"
    r"inappropriate(?:ly)?\s+(?:touch\w*|messages?|comments?|behaviou?r)|"
    # an allergy met, not only mentioned: "has a nut allergy, he drank some"
    r"allerg\w*[^.?!]{0,60}?\b(?:drank|ate|eaten|consumed|swallowed|had\s+a\s+reaction)|"
    r"(?:swelling|swelled)\s+up|"
    # harm to the body: "my face is red raw and burning"
    r"(?:my|his|her|their|our)\s+(?:face|skin|eyes?|lips|mouth|hands?|scalp|gums?|arms?|legs?|"
    r"tattoo|piercing|wound|cut|tooth|teeth|ears?|nose|feet|foot|back|neck)"
    r"\s+(?:is|are|was|were|has|have|went|got|feels?|looks?)\s+(?:\w+\s+){0,3}?(?:red|raw|"
    r"burning|burnt|swollen|swelling|itchy|sore|bleeding|blistered|peeling|rash|stinging))\b"
)

# --- size of a deal ------------------------------------------------------------------------------

AMOUNT = re.compile(
    r"(?:[£$€]\s?|\b(?:usd|eur|gbp)\s?)(\d[\d,]*(?:\.\d+)?)\s*(k\b)?|"
    r"\b(\d[\d,]*(?:\.\d+)?)\s*(k\b)?\s*(?:pounds|dollars|euros|usd|eur|gbp)\b"
)
QUANTITY = re.compile(
    # "invoice 7781", "ref 2231": a number after ref/invoice/number names a thing, not a count
    r"(?<!ref )(?<!invoice )(?<!number )(?<!no\. )(?<!#)"
    r"\b(\d[\d,]*)(?:\s*-\s*|\s+)(?:(?:or\s+so|of\s+us|[a-z]+)\s+)?"
    r"(?:people|persons?|staff|of\s+each|each|person|seat|user|room|"
    r"(?!(?:minutes|hours|days|weeks|months|years|seconds|mins|hrs|times|gb|mb|kb|tb|miles|"
    r"km|kg|pounds|dollars|euros|percent|points|stars|nights|tasks|messages|emails|calls|"
    r"pages|steps|attempts|says|does|goes|gets|has|was|is|yes|plus|bus|gas|always|"
    r"thanks|ones)\b)[a-z]{3,}s)\b|\b(?:team|group|party|company|class|office|staff|"
    r"workforce|department|crew)\s+of\s+(?:about\s+|around\s+|roughly\s+|over\s+|"
    r"up\s+to\s+)?(\d[\d,]*)"
)
PURCHASE = re.compile(
    r"\b(?:order\w*|buy\w*|purchas\w*|pric\w*|discount\w*|quote|volume|bulk|trade|wholesale|"
    r"invoice|catering|corporate|add|adding|upgrade|licen[cs]\w*|seats|onboard\w*|"
    r"considering|planning|move\s+our|roll\s+out|sign\s+up|membership\w*|contract|book|"
    r"booking|reserve|reservation|group|rates?|enterprise|enrol\w*|subscri\w*|team\s+plan|need|"
    r"want|looking\s+for|options|hire|rent|lease|supply|provide|cater|host|fees|quote|"
    r"management|manage)\b"
)

# --- shouting ------------------------------------------------------------------------------------

CAPS_WORD = re.compile(r"\b[A-Z][A-Z']+\b")
ANY_WORD = re.compile(r"\b[A-Za-z][A-Za-z']+\b")

# --- content words for "the same question again" -------------------------------------------------

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
# Four or more capital words in a row: shouting inside an otherwise calm message.
# "sorry for caps, my keyboard is stuck": capitals owned up to are not shouting.
CAPS_EXCUSED = re.compile(
    r"\b(?:sorry|apologi[sz]e|excuse)\s+(?:for\s+)?(?:the\s+)?(?:all\s+)?caps\b|caps\s*lock|"
    r"\b(?:left|leave|had|have)\s+(?:the\s+)?caps\s+on\b"
)
CAPS_RUN = re.compile(r"\b[A-Z][A-Z']+(?:[\s,.!?]+[A-Z][A-Z']+){3,}\b")

# --- what a complaint word is about --------------------------------------------------------------

# The word's object is elsewhere: "frustrated with my old bank".
ELSEWHERE_AFTER = re.compile(
    r"\s+(?:with|by|about|at|of)\s+(?:my|the|our)\s+(?:old|previous|last|other|former|current)\s|"
    # "terrible weather", "a horrible day at work": the word describes something not ours
    r"\s+(?:weather|traffic|rain|storm|wind|snow|cold|flu|headache|day|week|night|morning|luck|"
    r"news|pun|film|movie|match|game\s+(?:last|on|yesterday))\b"
)
# "I'm terrible at yoga": the word is about the customer, not about us.
SELF_AFTER = re.compile(r"\s+(?:at|with\s+(?:computers|tech|technology|names|numbers))\b")
SELF_BEFORE = re.compile(r"\b(?:i'm|i\s+am|i\s+was|i've\s+been)\s+(?:\w+\s+)?$")

# --- what raises the stakes of a problem ---------------------------------------------------------

# How long a problem has gone on: adds weight to a problem already reported.
DURATION = re.compile(
    r"\b(?:(?:\d+|a|an|two|three|four|five|six|several|few)\s+(?:hours?|days?|weeks?|months?)"
    r"\s+(?:ago|now|later)|in\s+(?:over\s+)?(?:\d+|two|three|four|five|six|several)\s+(?:days|"
    r"weeks|"
    r"months)|for\s+(?:over\s+|more\s+than\s+|nearly\s+|almost\s+)?(?:\d+|an?|two|"
    r"three|four|five|six|several|a\s+few)\s+(?:hours?|days?|weeks?|months?)|since\s+(?:yesterday|"
    r"last\s+\w+|monday|tuesday|wednesday|thursday|friday|saturday|sunday|the\s+\d+\w*)|"
    r"last\s+(?:week|month|night|year|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"all\s+(?:morning|day|afternoon|evening|night|week)|for\s+(?:hours|days|weeks|months|ages)|"
    r"for\s+(?:a|over\s+a|nearly\s+a)\s+fortnight|"
    r"(?:\d+|two|three|four|five|six|ten)\s+(?:days|weeks|months)\s+back|since\s+(?:january|february|march|april|"
    r"may|"
    r"june|july|august|september|october|november|december|christmas|easter|\d{4}))\b"
)
# It cannot wait: raises the stakes of a problem already reported.
URGENCY = re.compile(
    r"\b(?:urgent\w*|asap|emergency|immediately|right\s+now|today|tonight|tomorrow|"
    r"in\s+(?:an|one|two|\d+)\s+hours?|blocked|before\s+(?:monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|the\s+\d+\w*|month-end|the\s+deadline)|deadline|"
    # what the problem costs: lost sales, a day's work, a small child or an elderly parent
    r"losing\s+(?:sales|money|customers|business|revenue|orders|income)|(?:can't|cannot)\s+work|"
    r"work\s+from\s+home|newborn|baby|toddler|pregnant|elderly|disabled|wheelchair|kids|"
    r"children|funeral|wedding)\b"
)

# Asking for an exception to a rule: only a person can grant one.
EXCEPTION = re.compile(
    r"\b(?:waive\w*|exception|without\s+(?:the|a|any)\s+(?:fee|charge|penalty)|"
    r"special\s+circumstances|compassionate|goodwill|compensat\w*|proof\s+of\s+(?:the\s+)?"
    r"(?:move|purchase|payment|address|illness)|end\s+(?:it|my\s+\w+|the\s+contract)\s+early|"
    r"sped\s+up|speed\s+(?:this|it)\s+up|(?:can't|cannot|can\s+no\s+longer)\s+afford|"
    r"lost\s+my\s+job|hardship|financial\s+difficult\w*|anything\s+you\s+can\s+do\s+(?:about|for)|"
    r"expedite\w*|bring\s+(?:it|this|the\s+\w+)\s+forward)\b"
)

# --- the bot's side, counting clauses, events ----------------------------------------------------

# A bot's pleasantries: repeating them is no sign of going round in circles.
BOT_PLEASANTRY = re.compile(
    r"\b(?:anything\s+else|you're\s+welcome|glad\s+(?:that|i\s+could)|happy\s+to\s+help|"
    r"no\s+problem|have\s+a\s+(?:great|good|nice)|enjoy)\b"
)

# Where one clause ends and the next begins, for counting separate problems.
CLAUSE_BREAK = re.compile(r"[.;!?,]\s|\s(?:and|but|also|plus|then)\s")

# Events that make an order large by their nature (a wedding, a conference, a private hire),
# when the customer asks whether we can do them.
EVENT_ORDER = re.compile(
    r"\b(?:can|could|do|would)\s+you\s+(?:do|cater|supply|provide|handle|host|quote)\s+"
    r"(?:[\w'-]+\s+){0,3}?(?:for\s+)?(?:a\s+|an\s+|our\s+|my\s+)?(?:wedding|conference|"
    r"corporate\s+event|company\s+(?:party|event)|christmas\s+party|gala|banquet|festival)\b|"
    r"\b(?:wedding|conference|corporate\s+event|company\s+(?:party|event)|christmas\s+party|gala|"
    r"banquet|festival)\b[^.?!]{0,60}?\b(?:quote|private\s+hire)\b"
)
