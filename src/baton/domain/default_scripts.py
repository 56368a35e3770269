"""The default handoff scripts: warm, specific about what happens next, and never "soon".

Each is a Jinja2 template (see `baton.domain.scripts`). Line breaks inside a paragraph are
joined with a space, so text can be wrapped freely and each reason's wording can sit in its own
branch; a blank line starts a new paragraph. The wording changes with the reason: honest about
the limit on a knowledge gap, acknowledging frustration when emotional, a straight yes to an
explicit request.
"""

from __future__ import annotations

from types import MappingProxyType

OFFER = """\
{% if reason == "emotional" %}
I'm sorry this has been such a hassle{% if first_name %}, {{ first_name }}{% endif %}.
It sounds like we should get a human involved here — want me to loop in our support team
directly?
{% elif reason == "knowledge_gap" %}
I don't want to guess on this one, and I'm not certain I have the right answer for you.
Want me to loop in our support team directly?
{% elif reason == "high_value" %}
I want to make sure you get the best help here{% if first_name %}, {{ first_name }}{% endif %}.
Want me to loop in our support team directly? They're great at exactly this kind of thing.
{% else %}
It sounds like we should get a human involved here{% if first_name %}, {{ first_name }}{% endif %} —
want me to loop in our support team directly?
{% endif %}
"""

ESCALATE_EMAIL = """\
{% if reason == "explicit_request" %}
Of course{% if first_name %}, {{ first_name }}{% endif %} — I'm passing this to the
{{ company_name }} support team now.
{% elif reason == "emotional" %}
I'm really sorry this has been so frustrating{% if first_name %}, {{ first_name }}{% endif %}.
You deserve a proper answer from a person, so I'm passing this to the {{ company_name }}
support team now.
{% elif reason == "knowledge_gap" %}
This one's better handled by our team than by me — I don't want to guess on something this
important. I'm flagging it for the {{ company_name }} support team now.
{% elif reason == "high_value" %}
I want to make sure you get the best help here, so I'm bringing in the {{ company_name }}
support team personally.
{% else %}
This needs a closer look than I can give it here, so I'm passing it to the {{ company_name }}
support team — they're great at exactly this kind of situation.
{% endif %}
They'll have our full conversation, so you won't need to repeat anything, and they'll email
you{% if email %} at {{ email }}{% endif %} {{ promise }}.
"""

LIVE_TRANSFER = """\
{% if reason == "explicit_request" %}
Of course{% if first_name %}, {{ first_name }}{% endif %} — I'm bringing in one of our customer
service specialists now.
{% elif reason == "emotional" %}
I'm sorry about the trouble{% if first_name %}, {{ first_name }}{% endif %}. Let me bring in one
of our customer service specialists right away.
{% elif reason == "knowledge_gap" %}
I don't want to guess on this one, so I'm going to bring in one of our customer service
specialists.
{% else %}
I want to make sure you get the best help here, so I'm going to bring in one of our customer
service specialists — they're great at exactly this kind of situation.
{% endif %}
{% if not position %}
They'll have our full conversation history, so you won't need to repeat anything. One moment
while they join.
{% endif %}
"""

AFTER_HOURS = """\
{% if reason == "emotional" %}
I'm sorry for the trouble{% if first_name %}, {{ first_name }}{% endif %}, and I want to get
you a real answer.
{% elif reason == "explicit_request" %}
Of course{% if first_name %}, {{ first_name }}{% endif %}.
{% elif reason == "knowledge_gap" %}
I don't want to guess on this one{% if first_name %}, {{ first_name }}{% endif %}.
{% endif %}
Our support team isn't online right now (it's outside our business hours), but I'll queue this
with full context, so you won't need to repeat anything — they'll reply {{ promise }}.
{% if email %}
The reply will go to {{ email }}, so nothing falls through.
{% endif %}
"""

NOBODY_FREE = """\
{% if reason == "emotional" %}
I'm really sorry this has been so frustrating{% if first_name %}, {{ first_name }}{% endif %}.
{% elif reason == "explicit_request" %}
Of course{% if first_name %}, {{ first_name }}{% endif %}.
{% elif reason == "knowledge_gap" %}
I don't want to guess on this one{% if first_name %}, {{ first_name }}{% endif %}.
{% endif %}
Nobody from the {{ company_name }} support team is free to chat right now, so I'm passing this
to them with our full conversation — you won't need to repeat anything — and they'll email
you{% if email %} at {{ email }}{% endif %} {{ promise }}.
"""

HOLDER_LEFT = """\
I'm sorry{% if first_name %}, {{ first_name }}{% endif %} —
{% if agent_name %}{{ agent_name }}{% else %}the person helping you{% endif %} had to step away
from the chat.
"""

ASK_EMAIL = """\
What's the best email for our team to reach you{% if first_name %}, {{ first_name }}{% endif %}?
That's all they need to get back to you.
"""

CONFIRM_EMAIL = """\
Thanks{% if first_name %}, {{ first_name }}{% endif %}! The reply will go to {{ email }}
{% if promise %}{{ promise }}{% endif %}. If that's not the right address, just type the
correct one.
"""

EMAIL_UPDATED = """\
Thanks{% if first_name %}, {{ first_name }}{% endif %} — I've noted {{ email }}, and replies
from the {{ company_name }} team will go there from now on.
"""

QUEUED = """\
{% if position == 1 %}
You're next in line
{% elif position %}
You're number {{ position }} in line
{% else %}
You're in line for the next free specialist
{% endif %}
{% if wait %}, and the expected wait is {{ wait }}{% endif %}. Whoever picks this up will see
our full conversation, so you won't need to repeat anything.
"""

AGENT_JOINED = """\
{% if agent_name %}
{{ agent_name }} from the {{ company_name }} team
{% else %}
Someone from the {{ company_name }} team
{% endif %}
has joined the chat and can see everything you've written so far.
"""

BACK_TO_BOT = """\
{% if agent_name %}
{{ agent_name }} has
{% else %}
Our team has
{% endif %}
handed the chat back to me. I'm here if you have more questions — and if you'd like a person
again, just say so.
"""

TICKET_FALLBACK = """\
I'm sorry{% if first_name %}, {{ first_name }}{% endif %} — nobody from the team was free to
pick this up just now. Rather than keep you waiting, I've sent it to them by email with our full
conversation attached, so you won't need to repeat anything. They'll email
you{% if email %} at {{ email }}{% endif %} {{ promise }}.
"""

DECLINED = """\
{% if reason == "emotional" %}
Understood{% if first_name %}, {{ first_name }}{% endif %}, and I'm sorry again for the trouble.
{% else %}
No problem{% if first_name %}, {{ first_name }}{% endif %}.
{% endif %}
I'll keep helping here — if you change your mind, just say "talk to a person" whenever you like.
"""

OFFER_EXPLAINED = """\
Someone from the {{ company_name }} support team would read our whole conversation and take it
from there — you won't need to repeat anything. If they can't answer right away, they'll reply
by email at a time I'll tell you. Shall I loop them in?
"""

ASK_EMAIL_AGAIN = """\
Sorry{% if first_name %}, {{ first_name }}{% endif %}, that doesn't look like a complete email
address. Could you type it again, like name@example.com? Or say "no email" and the team will
reply right here in this chat.
"""

EMAIL_DECLINED = """\
No problem{% if first_name %}, {{ first_name }}{% endif %}. Our team has our full conversation,
so you won't need to repeat anything, and they'll reply right here in this chat {{ promise }}.
Come back to this page any time to read it.
"""

ADDED_TO_REQUEST = """\
Thanks{% if first_name %}, {{ first_name }}{% endif %} — I've added that to your request, so the
{{ company_name }} team has it with the rest of our conversation.
{% if promise %}They'll reply {{ promise }}{% if email %}, here and by email{% endif %}.{% endif %}
"""

SATISFACTION = """\
How did we do{% if first_name %}, {{ first_name }}{% endif %}? Was this handled well — good or
bad? One tap is enough, and it helps {{ company_name }} get this right.
"""

DEFAULT_SCRIPTS: MappingProxyType[str, str] = MappingProxyType(
    {
        "offer": OFFER,
        "escalate_email": ESCALATE_EMAIL,
        "live_transfer": LIVE_TRANSFER,
        "after_hours": AFTER_HOURS,
        "nobody_free": NOBODY_FREE,
        "holder_left": HOLDER_LEFT,
        "ask_email": ASK_EMAIL,
        "confirm_email": CONFIRM_EMAIL,
        "email_updated": EMAIL_UPDATED,
        "queued": QUEUED,
        "agent_joined": AGENT_JOINED,
        "back_to_bot": BACK_TO_BOT,
        "ticket_fallback": TICKET_FALLBACK,
        "declined": DECLINED,
        "offer_explained": OFFER_EXPLAINED,
        "ask_email_again": ASK_EMAIL_AGAIN,
        "email_declined": EMAIL_DECLINED,
        "added_to_request": ADDED_TO_REQUEST,
        "satisfaction": SATISFACTION,
    }
)
