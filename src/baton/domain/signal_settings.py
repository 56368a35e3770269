"""Settings of the escalation signals (`[signals]` in baton.toml): weights, thresholds, word lists.

Every field has a default that suits most sites and a description that `baton init` writes next
to the key. Weights are what each signal adds to the policy's score; see docs/escalation.md.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class SignalWeights(BaseModel):
    """How much each signal adds to the policy's score (0 turns a signal off)."""

    explicit_ask: float = Field(1.0, ge=0, description="The customer asks for a person.")
    bot_fallback: float = Field(
        0.55, ge=0, description="The customer goes on after the bot said it could not answer."
    )
    extra_fallback: float = Field(
        0.15, ge=0, description="Added to bot_fallback for each further fallback (up to two)."
    )
    earlier_fallbacks: float = Field(
        0.3, ge=0, description="Two or more fallbacks earlier in the conversation."
    )
    repeated_question: float = Field(
        0.5, ge=0, description="The customer asks again what the bot already answered."
    )
    bot_repeated: float = Field(
        0.5, ge=0, description="The bot gave the same answer twice and the customer went on."
    )
    answer_rejected: float = Field(
        0.5, ge=0, description="The answer refused: 'that doesn't answer it', 'not what I asked'."
    )
    pushback: float = Field(
        0.3, ge=0, description="The answer did not work: 'I already tried that', 'still nothing'."
    )
    unresolved: float = Field(
        0.3, ge=0, description="A reported problem goes on after the bot's answer."
    )
    strong_words: float = Field(
        0.55, ge=0, description="'Unacceptable', 'useless', 'terrible' aimed at the service."
    )
    medium_words: float = Field(
        0.35, ge=0, description="'Frustrated', 'broken', 'doesn't work' in a complaint."
    )
    demand: float = Field(
        0.35, ge=0, description="Demands a refund, threatens to cancel or to leave."
    )
    insult: float = Field(0.6, ge=0, description="Insults ('you know nothing', 'stupid').")
    sarcasm: float = Field(
        0.45, ge=0, description="A lone 'great.' or 'brilliant' after a failure."
    )
    exasperation: float = Field(
        0.45, ge=0, description="'Seriously?', 'forget it', 'third time', 'nobody came'."
    )
    recurrence: float = Field(
        0.35, ge=0, description="The same let-down again ('third time this week', 'Again.')."
    )
    prod: float = Field(0.4, ge=0, description="'hello?', 'and?', 'no' after being left unhelped.")
    repeated_punctuation: float = Field(0.3, ge=0, description="'!!!', '??', '?!'.")
    negative_sentiment: float = Field(
        0.2, ge=0, description="A clearly negative message by sentiment score."
    )
    shouting: float = Field(0.55, ge=0, description="A message written in capitals.")
    shorter_messages: float = Field(
        0.3, ge=0, description="Each of the last messages shorter than the one before."
    )
    rapid_fire: float = Field(0.25, ge=0, description="Several messages in a short time.")
    complex_per_problem: float = Field(
        0.3,
        ge=0,
        description="Each distinct problem reported (wrong charge, missing item); one problem "
        "with money, an order or an account at stake reaches the offer threshold.",
    )
    complex_glitch: float = Field(
        0.2,
        ge=0,
        description="Each problem that is only an error message or a failed step ('it says "
        "error 500'), or a problem asked about rather than told ('I was charged twice?').",
    )
    complex_bonus: float = Field(
        0.15,
        ge=0,
        description="Added for money or an account at stake, for several problems at once, "
        "and for a contradiction ('even though', 'which I never asked for').",
    )
    sensitive_matter: float = Field(
        0.55, ge=0, description="Security, fraud, legal or safety matters."
    )
    exception_asked: float = Field(
        0.35, ge=0, description="Asks for an exception to a rule (waive a fee, end early)."
    )
    large_order: float = Field(
        0.55, ge=0, description="A large order or deal discussed in this message."
    )
    large_order_earlier: float = Field(
        0.15, ge=0, description="Context: a large order discussed earlier."
    )
    high_value_contact: float = Field(
        0.15, ge=0, description="Context: premium plan or spend over a threshold."
    )
    page: float = Field(0.1, ge=0, description="Context: checkout, cancellation or billing page.")
    reader_emotional: float = Field(
        0.3,
        ge=0,
        description="The learned reader reads the customer as upset (times its probability).",
    )
    reader_complex: float = Field(
        0.3,
        ge=0,
        description="The learned reader reads a problem only a person can fix "
        "(times its probability).",
    )
    reader_trusted: float = Field(
        0.45,
        ge=0,
        description="The learned reader is confident the customer is upset or has a problem "
        "only a person can fix (at or over its bar; not for a calm question): with the default "
        "offer threshold, enough to offer a person on its own.",
    )


class SignalSettings(BaseModel):
    """What counts as a signal: thresholds, word lists and weights (`[signals]`)."""

    weights: SignalWeights = Field(
        default_factory=SignalWeights,
        description="What each signal adds to the score (`[signals.weights]`).",
    )
    reader: bool = Field(
        True,
        description="Read each message with the learned reader (baton/models/reader.npz) as "
        "well as the rules; off, only the rules decide.",
    )
    reader_ask_probability: float | None = Field(
        None,
        gt=0,
        le=1,
        description="An ask for a person read by the reader alone (no rule found it) hands over "
        "at or over this probability (and the reader's own threshold); unset, at the bar "
        "fitted with the weights (cross-validated precision 0.97).",
    )
    reader_trouble_probability: float = Field(
        0.8,
        gt=0,
        le=1,
        description="The reader's emotional and complex-issue readings add to other signs at or "
        "over this probability (and the reader's own thresholds).",
    )
    reader_name_probability: float = Field(
        0.6,
        gt=0,
        le=1,
        description="Below its other bars, a reading of upset or a complex problem at or over "
        "this probability weighs nothing but names its reason when something else hands over.",
    )
    reader_offer_probability: float | None = Field(
        None,
        gt=0,
        le=1,
        description="The reader's emotional and complex-issue readings offer a person on their "
        "own at or over this probability; unset, at the bars fitted with the weights "
        "(cross-validated precision 0.9).",
    )
    premium_plans: list[str] = Field(
        default_factory=lambda: [
            "premium",
            "platinum",
            "enterprise",
            "business",
            "plus",
            "pro",
            "vip",
            "gold",
            "corporate",
            "trade",
        ],
        description="Plan or account-type words (whole words, any case) that mark a premium "
        "customer; a plan name ending in '+' counts too.",
    )
    plan_attributes: list[str] = Field(
        default_factory=lambda: ["plan", "tier", "plan_name", "subscription", "account_type"],
        description="Contact attributes that hold the plan or account type.",
    )
    value_thresholds: dict[str, float] = Field(
        default_factory=lambda: {
            "lifetime_value": 5000.0,
            "ltv": 5000.0,
            "total_spent": 5000.0,
            "order_value": 1000.0,
            "cart_value": 1000.0,
            "monthly_spend": 1000.0,
            "annual_spend": 10000.0,
            "seats": 100.0,
        },
        description="Numeric contact attributes and the value at or over which the customer "
        "is high value.",
    )
    large_order_amount: float = Field(
        1000.0, gt=0, description="An amount (£, $, €) at or over this in a message is large."
    )
    large_order_quantity: int = Field(
        25, gt=0, description="A quantity (people, seats, units) at or over this is large."
    )
    checkout_pages: list[str] = Field(
        default_factory=lambda: ["checkout", "cart", "basket", "payment"],
        description="Words in a page URL or title that mark a checkout page.",
    )
    cancellation_pages: list[str] = Field(
        default_factory=lambda: ["cancel", "unsubscribe", "close-account", "downgrade"],
        description="Words in a page URL or title that mark a cancellation page.",
    )
    billing_pages: list[str] = Field(
        default_factory=lambda: ["billing", "bills", "invoice", "refund"],
        description="Words in a page URL or title that mark a billing page.",
    )
    shouting_min_words: int = Field(
        3, ge=1, description="Fewest all-capital words for a message to count as shouting."
    )
    shouting_share: float = Field(
        0.6, gt=0, le=1, description="Share of words in capitals for shouting."
    )
    repeat_similarity: float = Field(
        0.6,
        gt=0,
        le=1,
        description="Share of the shorter question's content words found in the other for "
        "two questions to be the same question.",
    )
    shorter_ratio: float = Field(
        0.8, gt=0, lt=1, description="Each message at most this share of the one before."
    )
    shorter_max_chars: int = Field(
        30, ge=1, description="The last message must be this short to count as curt."
    )
    sentiment_threshold: float = Field(
        -0.5,
        ge=-1,
        le=0,
        description="VADER compound score at or below which a message is negative.",
    )
    rapid_fire_messages: int = Field(
        3, ge=2, description="This many customer messages in rapid_fire_seconds is rapid fire."
    )
    rapid_fire_seconds: float = Field(30.0, gt=0, description="The window for rapid_fire_messages.")
