from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from baton.domain.asks import normalise
from baton.domain.policy import decide
from baton.domain.reasons import ReasonCategory
from baton.domain.signals import (
    Signal,
    SignalKind,
    SignalSettings,
    page_kind,
    read_signals,
)
from baton.domain.turns import ContactView, PageView, Turn

K, R = SignalKind, ReasonCategory


def kinds(signals: list[Signal]) -> set[SignalKind]:
    return {s.kind for s in signals}


def customer(text: str, at: datetime | None = None) -> Turn:
    return Turn("customer", text, at=at)


def answered(text: str = "You can do that under Settings > Account.") -> Turn:
    return Turn("bot", text, outcome="answered")


def fallback(text: str = "Sorry, I don't have an answer for that.") -> Turn:
    return Turn("bot", text, outcome="fallback")


# --- asking for a person -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        pytest.param("human please", id="bare"),
        pytest.param("humna agent", id="typo-swapped-letters"),
        pytest.param("can i speek to a persn", id="typo-person"),
        pytest.param("r u a bot? i need a reel person", id="texting"),
        pytest.param("Please connect me with a support agent.", id="connect-me"),
        pytest.param("is there a real person I can talk to?", id="is-there-a-real-person"),
        pytest.param(
            "is there an actual person monitoring this chat or is it just the bot", id="monitoring"
        ),
        pytest.param("I'd rather talk to someone", id="rather-talk"),
        pytest.param("I'd rather ask someone who has actually built one.", id="rather-ask"),
        pytest.param(
            "Is there a number I can ring to talk it through with someone?", id="number-to-ring"
        ),
        pytest.param("can you get this in front of whoever handles refunds?", id="whoever-handles"),
        pytest.param("Please have our account manager reach out.", id="account-manager"),
        pytest.param("This is one for the staff rather than a bot.", id="staff-not-bot"),
        pytest.param("put me through to someone in billing now", id="put-through"),
        pytest.param("then get me someone who can.", id="get-me-someone-who-can"),
        pytest.param("Can a real human sort my account out?", id="human-as-subject"),
        pytest.param("is there a pharmacist I could ask?", id="any-role-i-could-ask"),
        pytest.param("Is there any way to get this escalated?", id="escalated"),
        pytest.param("customer service please", id="customer-service-please"),
        pytest.param("Whats the best way to get hold of someone about this?", id="get-hold-of"),
        pytest.param("I want this reviewed by a person, not a form.", id="by-a-person"),
    ],
)
def test_explicit_asks_in_many_phrasings(message: str) -> None:
    signals = read_signals(message, [])
    explicit = [s for s in signals if s.kind is K.EXPLICIT_ASK]
    assert explicit, message
    assert explicit[0].reason is R.EXPLICIT_REQUEST
    assert explicit[0].evidence


@pytest.mark.parametrize(
    "message",
    [
        pytest.param("I don't need a person, where is my PUK code?", id="dont-need-a-person"),
        pytest.param("No need for a human, just tell me the price.", id="no-need-for-a-human"),
        pytest.param("Don't bother passing me to support, does it exist?", id="dont-bother"),
        pytest.param(
            "I don't want to talk to anyone, what time do you close?", id="dont-want-to-talk"
        ),
        pytest.param(
            "Before you offer to transfer me: where is the invoice?", id="before-you-offer"
        ),
        pytest.param(
            "I'd like someone to show me how the machines work.", id="service-not-handoff"
        ),
        pytest.param("Does someone need to be home for the delivery?", id="someone-at-home"),
        pytest.param("Can someone else collect my order?", id="someone-else"),
        pytest.param("Can our agents get tasks assigned automatically?", id="their-agents"),
        pytest.param("I need to speak to my manager before we buy.", id="my-manager"),
        pytest.param("I'm a travel agent booking for a client.", id="travel-agent"),
    ],
)
def test_negated_or_unrelated_person_words_are_not_asks(message: str) -> None:
    assert K.EXPLICIT_ASK not in kinds(read_signals(message, []))


@pytest.mark.parametrize(
    "message",
    ["can I talk to a humna please", "connect me with an agnet", "i need a reel persn to help me"],
)
def test_misspelt_asks_are_read_by_the_reader(message: str) -> None:
    assert K.EXPLICIT_ASK in kinds(read_signals(message, []))


def test_normalise_writes_out_shorthand_and_leaves_other_words() -> None:
    assert normalise("Talk to a HUMNA’s AGNET") == "talk to a humna's agnet"
    assert normalise("r u a bot") == "are you a bot"


# --- linguistic signals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "emotional"),
    [
        pytest.param("Not terrible at all, just slow. Can I change the plan?", False, id="negated"),
        pytest.param(
            "Nothing's broken, just curious: how long is the guarantee?", False, id="hedged"
        ),
        pytest.param("I'm terrible at yoga. Is there a beginners' class?", False, id="about-self"),
        pytest.param(
            "The weather's terrible, are you still delivering?", False, id="about-weather"
        ),
        pytest.param(
            "My old app was useless. Do you have a vegan filter?", False, id="about-old-app"
        ),
        pytest.param(
            "Drag and drop doesn't work on my iPad, is that expected?", False, id="calm-question"
        ),
        pytest.param("What is your refund policy?", False, id="refund-policy-question"),
        pytest.param("How do I cancel my booking for Friday?", False, id="cancel-question"),
        pytest.param("Terrible. I want a refund.", True, id="complaint-and-demand"),
        pytest.param("This is unacceptable for what we pay.", True, id="unacceptable"),
        pytest.param("I'm really frustrated and about to cancel.", True, id="frustrated-threat"),
        pytest.param("this chat is useless", True, id="useless-chat"),
        pytest.param("I'm absolutely furious.", True, id="furious"),
        pytest.param("Why does this keep happening!!!", True, id="exclamations"),
        pytest.param("you lot have ruined my holiday", True, id="ruined"),
    ],
)
def test_complaint_words_read_in_context(message: str, emotional: bool) -> None:
    signals = read_signals(message, [])
    weight = sum(s.weight for s in signals if s.reason is R.EMOTIONAL)
    assert (weight >= 0.5) is emotional, [(s.kind, s.weight, s.evidence) for s in signals]


def test_sarcasm_after_a_fallback() -> None:
    history = [customer("can I hide a column from guests?"), fallback()]
    signals = read_signals("great. so you know nothing. brilliant", history)
    assert {K.SARCASM, K.INSULT} <= kinds(signals)


def test_praise_after_an_answer_is_not_sarcasm() -> None:
    history = [customer("Do you have a vegan filter?"), answered()]
    assert read_signals("Brilliant, thank you", history) == []


# --- behavioural signals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "shouting"),
    [
        pytest.param("Does SKU HG-22031 include VAT?", False, id="sku-and-vat"),
        pytest.param("Is 5G on the SIM-only plan? And eSIM on an iPhone SE?", False, id="5g-esim"),
        pytest.param("Does the API support OAuth and SCIM via SAML SSO?", False, id="acronym-list"),
        pytest.param("Where is order FK-558120? ETA please", False, id="order-number"),
        pytest.param("WHERE IS MY FOOD", True, id="all-caps"),
        pytest.param(
            "I told you the card is fine. THE APP JUST SAYS TRY AGAIN", True, id="caps-run"
        ),
    ],
)
def test_capitals_shout_but_acronyms_and_codes_do_not(message: str, shouting: bool) -> None:
    assert (K.SHOUTING in kinds(read_signals(message, []))) is shouting


@pytest.mark.parametrize(
    ("first", "again", "repeated"),
    [
        pytest.param(
            "What time does the pool close on Sundays?",
            "that's the gym though. what time does the pool close on sundays?",
            True,
            id="reworded",
        ),
        pytest.param(
            "why is my build slow",
            "it used to take 2 minutes, now 25. why is the build so slow?",
            True,
            id="with-more-detail",
        ),
        pytest.param(
            "What are the Sunday opening hours for the Leeds showroom?",
            "And the Saturday opening hours for the Leeds showroom?",
            False,
            id="follow-up-not-repeat",
        ),
        pytest.param(
            "How long do swatches take to arrive?",
            "Is there a swatch for the moss velvet?",
            False,
            id="new-question",
        ),
    ],
)
def test_same_question_after_an_answer(first: str, again: str, repeated: bool) -> None:
    signals = read_signals(again, [customer(first), answered()])
    assert (K.REPEATED_QUESTION in kinds(signals)) is repeated


def test_a_repeat_is_only_counted_after_the_bot_answered() -> None:
    signals = read_signals("how thick is the top?", [customer("how thick is the top?"), fallback()])
    assert K.REPEATED_QUESTION not in kinds(signals)
    assert K.BOT_FALLBACK in kinds(signals)


@pytest.mark.parametrize(
    ("messages", "shorter"),
    [
        pytest.param(
            [
                "Which classes suit a complete beginner? I haven't exercised in years.",
                "ok but which are for beginners",
                "not helpful",
            ],
            True,
            id="shrinking",
        ),
        pytest.param(
            ["How do I export a board?", "and archived cards?", "thanks!"], False, id="thanks"
        ),
        pytest.param(
            ["ok", "and the other one?", "what about this one here?"], False, id="growing"
        ),
    ],
)
def test_progressively_shorter_messages(messages: list[str], shorter: bool) -> None:
    history: list[Turn] = []
    for text in messages[:-1]:
        history += [customer(text), answered()]
    assert (K.SHORTER_MESSAGES in kinds(read_signals(messages[-1], history))) is shorter


def test_rapid_fire_needs_times() -> None:
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    history = [customer("hello?", start), customer("anyone?", start + timedelta(seconds=8))]
    now = start + timedelta(seconds=15)
    assert K.RAPID_FIRE in kinds(read_signals("hello??", history, now=now))
    assert K.RAPID_FIRE not in kinds(read_signals("hello??", history))
    later = start + timedelta(minutes=5)
    assert K.RAPID_FIRE not in kinds(read_signals("hello??", history, now=later))


def test_a_calm_customer_writing_every_six_seconds_to_a_bot_that_answers_is_not_rapid_fire() -> (
    None
):
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    history: list[Turn] = []
    for n in range(4):
        history += [customer(f"and what about option {n}?", start + timedelta(seconds=6 * n))]
        history += [answered()]
    now = start + timedelta(seconds=24)
    assert K.RAPID_FIRE not in kinds(read_signals("and the last one?", history, now=now))


def test_the_bot_repeating_itself() -> None:
    same = "Refunds are processed within 5-7 working days of the item reaching us."
    history = [
        customer("where is my refund"),
        answered(same),
        customer("it has been 15 days"),
        answered(same),
    ]
    assert K.BOT_REPEATED in kinds(read_signals("so where is it", history))


def test_pleasantries_repeated_are_not_a_loop() -> None:
    polite = "You're welcome! Anything else I can help with?"
    history = [customer("thanks"), answered(polite), customer("cheers"), answered(polite)]
    assert K.BOT_REPEATED not in kinds(read_signals("one more: do you deliver Sundays?", history))


# --- knowledge limit -----------------------------------------------------------------------------


def test_persisting_after_fallbacks_grows() -> None:
    one = read_signals(
        "what about hiding one field?", [customer("can I hide a column?"), fallback()]
    )
    two = read_signals(
        "and the sprint history?",
        [
            customer("does the importer keep estimates?"),
            fallback(),
            customer("and subtasks?"),
            fallback(),
        ],
    )
    assert [s.kind for s in one] == [K.BOT_FALLBACK]
    assert two[0].kind is K.BOT_FALLBACK and two[0].weight > one[0].weight
    assert one[0].reason is R.KNOWLEDGE_GAP


def test_letting_go_after_a_fallback_is_not_persisting() -> None:
    history = [customer("do you ship to Norway"), fallback()]
    assert read_signals("ok never mind, thanks anyway", history) == []


# --- complex issues ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "complex_"),
    [
        pytest.param(
            "Two meals were missing but the restaurant says they sent everything, and the "
            "service fee was charged twice. How do we sort this out?",
            True,
            id="multi-part-billing",
        ),
        pytest.param(
            "There are three card payments on my account I didn't make. I think it was cloned.",
            True,
            id="fraud",
        ),
        pytest.param(
            "My bill went up with no explanation and I got an arrears letter which I'm not in.",
            True,
            id="billing-dispute",
        ),
        pytest.param("How do I split a bill between two cards?", False, id="how-to"),
        pytest.param(
            "If I return a phone, how long does the refund take?", False, id="refund-timing"
        ),
    ],
)
def test_complex_issues(message: str, complex_: bool) -> None:
    weight = sum(s.weight for s in read_signals(message, []) if s.reason is R.COMPLEX_ISSUE)
    assert (weight >= 0.5) is complex_


# --- context -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attributes", "high_value"),
    [
        pytest.param({"plan": "premium"}, True, id="premium-plan"),
        pytest.param({"plan": "Hearth+"}, True, id="plus-sign"),
        pytest.param({"plan": "Forkful for Business"}, True, id="business-word"),
        pytest.param({"lifetime_value": 12000}, True, id="lifetime-value"),
        pytest.param({"order_value": 1500}, True, id="order-value"),
        pytest.param({"order_value": 640}, False, id="small-order"),
        pytest.param({"plan": "team", "seats": 20}, False, id="team-plan"),
        pytest.param({"plan": "pay-as-you-go"}, False, id="payg"),
    ],
)
def test_high_value_contacts(attributes: dict[str, object], high_value: bool) -> None:
    signals = read_signals("how do I change my email?", [], ContactView(attributes=attributes))
    assert (K.HIGH_VALUE_CONTACT in kinds(signals)) is high_value


def test_premium_plans_come_from_settings() -> None:
    settings = SignalSettings(premium_plans=["anytime"])
    contact = ContactView(attributes={"plan": "Anytime"})
    assert K.HIGH_VALUE_CONTACT in kinds(read_signals("hi", [], contact, settings=settings))


@pytest.mark.parametrize(
    ("message", "large"),
    [
        pytest.param("We want to add 30 more lines to our business account.", True, id="lines"),
        pytest.param("Catering order for about 150 people on the 12th?", True, id="people"),
        pytest.param("The total would be about £1,800, can we pay by invoice?", True, id="amount"),
        pytest.param("I'd like to order 500 branded mugs for an event.", True, id="adjective"),
        pytest.param("Group order for 8 people, can I split it?", False, id="small"),
        pytest.param("About 40 tasks have duplicate assignees.", False, id="not-an-order"),
        pytest.param("My bill this month is £212.", False, id="small-amount"),
    ],
)
def test_large_orders_mentioned(message: str, large: bool) -> None:
    signals = read_signals(message, [])
    assert (K.LARGE_ORDER in kinds(signals)) is large


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://shop.example/checkout", "checkout"),
        ("https://gym.example/membership/cancel", "cancellation"),
        ("https://my.example/account/bills/2024-05", "billing"),
        ("https://shop.example/products/sofa", None),
    ],
)
def test_page_kinds(url: str, kind: str | None) -> None:
    assert page_kind(PageView(url=url), SignalSettings()) == kind


def test_every_signal_explains_itself() -> None:
    history = [customer("my card was charged twice"), fallback()]
    for signal in read_signals("so can you FIX IT OR NOT!!!", history):
        assert signal.evidence and signal.weight > 0


# --- generalisation: shapes of asks and complaints, and what is not one -------------------------


@pytest.mark.parametrize(
    "message",
    [
        pytest.param("phone number?", id="bare-phone-number"),
        pytest.param("what's your customer service phone number", id="service-number"),
        pytest.param("Give me a number to call.", id="number-to-call"),
        pytest.param("transfer me", id="bare-transfer"),
        pytest.param("yo can i get an agent on here", id="can-i-get"),
        pytest.param("I'd like to be contacted by a claims handler", id="contacted-by-role"),
        pytest.param("who do I complain to", id="who-complain"),
        pytest.param("Any chance I could have a word with someone in accounts?", id="a-word"),
        pytest.param("can I speak to an admissions officer please", id="role-please"),
        pytest.param("connect me with the concerned person for my query", id="described-person"),
        pytest.param("can u get the branch manager to ring me", id="get-x-to-ring"),
        pytest.param(
            "I'd appreciate it if someone competent could look at my claim", id="competent"
        ),
        pytest.param("Could you put me in contact with your billing team?", id="in-contact"),
        pytest.param("I don't want to chat with a bot", id="refuses-the-bot"),
        pytest.param("Can you get an engineer to call me?", id="engineer-call-me"),
        pytest.param("can the guy who came yesterday give me a ring?", id="give-me-a-ring"),
        pytest.param("anyone from support around? need help now", id="anyone-around"),
        pytest.param("i wud like to speak wid a teacher abt my level pls", id="texting"),
        pytest.param("Reps available?", id="reps-available"),
        pytest.param("may I please be connected to a customer service advisor?", id="passive"),
        pytest.param("Kindly let me know whom I should contact for the refund", id="whom"),
        pytest.param("I'm not typing all this out again to a robot. Get me someone.", id="get-me"),
    ],
)
def test_asks_for_a_person_in_new_shapes(message: str) -> None:
    assert K.EXPLICIT_ASK in kinds(read_signals(message, []))


@pytest.mark.parametrize(
    "message",
    [
        pytest.param("Could you call me a taxi from the airport?", id="call-me-a-taxi"),
        pytest.param("can the rider call me when they arrive?", id="ring-on-arrival"),
        pytest.param("Is there someone who can deliver on a Sunday?", id="service-verb"),
        pytest.param("is there someone at the front desk 24/7?", id="staffed-hours"),
        pytest.param("Is there a number I can use for WhatsApp order updates?", id="whatsapp"),
        pytest.param("What's the phone number for the Leeds branch?", id="a-place"),
        pytest.param(
            "Do I need to speak to anyone to cancel, or can I do it online?", id="need-to"
        ),
        pytest.param("I'd like someone to help me choose a gift for my dad", id="recommendation"),
        pytest.param("Can I get a replacement for the zip?", id="replacement-not-rep"),
    ],
)
def test_look_alikes_are_not_asks(message: str) -> None:
    assert K.EXPLICIT_ASK not in kinds(read_signals(message, []))


@pytest.mark.parametrize(
    ("message", "offered"),
    [
        pytest.param("I was charged twice for order #44871", True, id="charged-twice"),
        pytest.param(
            "my payment went through twice, can u refund one pls", True, id="went-through"
        ),
        pytest.param("been waiting 3 weeks for my refund. 3 WEEKS.", True, id="waiting-weeks"),
        pytest.param(
            "I got an invoice for a subscription I cancelled in January", True, id="cancelled"
        ),
        pytest.param("The price went up from £29 to £41 and nobody told us", True, id="price-jump"),
        pytest.param("You've been taking £100 a month instead of £10", True, id="you-took"),
        pytest.param("Our bins haven't been collected for 3 weeks", True, id="failure-for-weeks"),
        pytest.param("I was charged twice?", False, id="asked-not-told"),
        pytest.param("What happens if my payment fails at renewal?", False, id="supposed"),
        pytest.param('The error says "payment failed" - what does that mean?', False, id="quoted"),
        pytest.param("I was charged £4.99 - is that the delivery fee?", False, id="bare-charge"),
        pytest.param("the app says error 500 when I try to pay", False, id="error-only"),
    ],
)
def test_first_message_problems_told_not_asked(message: str, offered: bool) -> None:
    assert decide(read_signals(message, [])).hands_over is offered


@pytest.mark.parametrize(
    ("message", "emotional"),
    [
        pytest.param("THANK YOU SO MUCH the rider was super fast!!!", False, id="caps-of-joy"),
        pytest.param("OMG THIS IS THE BEST NEWS EVER, it's here!!", False, id="delight"),
        pytest.param(
            "SORRY FOR CAPS, MY KEYBOARD IS STUCK. WHAT TIME DO YOU CLOSE", False, id="excused"
        ),
        pytest.param("is my order lost?? lol", False, id="laughing"),
        pytest.param("That's terrible weather lol, are you still delivering?", False, id="weather"),
        pytest.param("could you tell me the returns address again?", False, id="again-request"),
        pytest.param(
            "I'm so fed up with this app, every update makes it worse", True, id="so-fed-up"
        ),
        pytest.param("wow. just wow. 2 hours for a cold burger", True, id="just-wow"),
    ],
)
def test_feeling_read_in_context(message: str, emotional: bool) -> None:
    decision = decide(read_signals(message, []))
    assert (decision.hands_over and R.EMOTIONAL in decision.reasons) is emotional


def test_a_procedural_question_about_a_sensitive_matter_weighs_half() -> None:
    told = read_signals("Someone disputed a charge on my account without asking me", [])
    asked = read_signals("Can you remind me how to dispute a transaction?", [])
    weight = {s.kind: s.weight for s in told}[K.SENSITIVE_MATTER]
    assert {s.kind: s.weight for s in asked}[K.SENSITIVE_MATTER] == pytest.approx(weight / 2)


@pytest.mark.parametrize(
    ("first", "again", "repeated"),
    [
        pytest.param("how long is the return window?", "so 30 days, right?", False, id="check"),
        pytest.param(
            "if i buy Platinum can i resell?", "so platinum is ok to resell?", False, id="so"
        ),
        pytest.param(
            "hey! how many recipes a week can I get", "sold, signing up now", False, id="echo"
        ),
        pytest.param(
            "how do I move my booking to Friday?",
            "how do i move my booking to friday, it still shows thursday",
            True,
            id="asked-again",
        ),
    ],
)
def test_checking_an_answer_is_not_asking_again(first: str, again: str, repeated: bool) -> None:
    signals = read_signals(again, [customer(first), answered()])
    assert (K.REPEATED_QUESTION in kinds(signals)) is repeated


@pytest.mark.parametrize(
    ("message", "urgent"),
    [
        ("my face is swelling up since my filling and it's hard to swallow", True),
        ("my dog just ate half a bar of dark chocolate, what do i do", True),
        ("the engine cut out and we're drifting towards the weir", True),
        ("she has a cut on her ear that's still bleeding", True),
        ("he has a nut allergy and he drank some before I noticed", True),
        ("my ex still has access to the account and turns the heating off", True),
        ("my son has a nut allergy so I need to know the oil isn't nut-based", False),
        ("lol my garden lights died after one winter, what size system do I need?", False),
        ("do you sell dog treats without chocolate?", False),
    ],
)
def test_urgent_harm_is_a_complex_issue(message: str, urgent: bool) -> None:
    assert (K.SENSITIVE_MATTER in kinds(read_signals(message, []))) is urgent


@pytest.mark.parametrize(
    ("message", "emotional"),
    [
        ("German grammar is SO frustrating haha. is there a section on cases?", False),
        ("Sorry in advance for the dumb question: are transfers included?", False),
        ("What time does the support act come on?", False),
        ("bad news, Pip has an upset tummy so we need to cancel tomorrow", False),
        ("JUST GOT THE KEYS!!! WE ARE IN BUSINESS 🚀", False),
        ("The last two agencies I used were useless but she got me 3 interviews", False),
        ("I'm not angry, just really disappointed. I'll probably just cancel.", True),
        ("oh come on, this is the third time", True),
        ("this is ridiculous lol", True),
    ],
)
def test_light_and_self_directed_words_are_not_complaints(message: str, emotional: bool) -> None:
    decision = decide(read_signals(message, []))
    if emotional:
        assert ReasonCategory.EMOTIONAL in decision.reasons
    else:
        assert not decision.hands_over, decision.explain()


@pytest.mark.parametrize(
    "message",
    [
        "I'd rather put it in writing to someone who can actually act on it.",
        "can you get the office to check then?",
        "Is there a disability adviser I could talk to about it?",
        "is the owner around, I'd like a word",
        "can someone at the café check?",
    ],
)
def test_asks_for_someone_to_act(message: str) -> None:
    assert K.EXPLICIT_ASK in kinds(read_signals(message, []))


def test_an_own_slip_asked_how_to_fix_is_no_complaint() -> None:
    message = "ugh I think I messed up, I entered 80 hours instead of 8. can I fix it?"
    assert read_signals(message, []) == []


@pytest.mark.parametrize(
    "message",
    [
        "ok what CAN you do",
        "I'm not asking for medical advice, I just want to know if it contains retinol",
        "I cancelled in January and you've taken £24.99 every month since. Interesting.",
    ],
)
def test_irritation_said_quietly_is_heard(message: str) -> None:
    history = [customer("is the night cream safe?"), answered("I can't give medical advice.")]
    reasons = {s.reason for s in read_signals(message, history)}
    assert ReasonCategory.EMOTIONAL in reasons


@pytest.mark.parametrize(
    ("message", "hands_over"),
    [
        (
            "my only complaint is that the kit doesn't come in purple haha. when are sessions?",
            False,
        ),
        ("trying to cancel court 3 for tomorrow 8am, the button does nothing", False),
        ("I'm booked to donate Thursday but I got a tattoo on Saturday, is that ok?", False),
        ("I want to know your complaint procedure, this is the third time", True),
        ("we will see you in court over this", True),
    ],
)
def test_words_with_two_meanings_read_by_their_company(message: str, hands_over: bool) -> None:
    assert decide(read_signals(message, [])).hands_over is hands_over


@pytest.mark.parametrize(
    "message",
    [
        "3 payments to some casino site in Malta on my card, I've never gambled in my life",
        "I set up £10 a month in January but £100 has been taken every month since",
        "the teacher has not attended a single lesson, yet the direct debit continues",
        "My daughter came home with a bruise across her cheek and nobody said anything at pickup",
        "he keeps putting his hand on my knee when I change gear",
        "Who is your complaints officer? I'd like their name and an email address please.",
    ],
)
def test_serious_matters_told_plainly_are_handed_over(message: str) -> None:
    assert decide(read_signals(message, [])).hands_over
