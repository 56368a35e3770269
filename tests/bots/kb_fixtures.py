"""A small shop's knowledge base for the bot tests."""

from __future__ import annotations

from baton.domain.articles import Article

SHOP = [
    Article(
        id="refunds",
        title="Refund policy",
        answer="You can ask for a refund within 30 days of delivery.",
        questions=(
            "can I get a refund",
            "how do refunds work",
            "I want to return my order and get a refund",
            "how long does a refund take",
        ),
    ),
    Article(
        id="shipping",
        title="Shipping times",
        answer="Orders ship within 2 days; delivery takes 3 to 5 working days.",
        questions=(
            "when will my order arrive",
            "how long does delivery take",
            "do you ship abroad",
            "what does shipping cost",
        ),
    ),
    Article(
        id="password",
        title="Reset your password",
        answer="Use 'Forgot password' on the login page to get a reset link.",
        questions=(
            "I forgot my password",
            "how do I reset my password",
            "I cannot log in to my account",
        ),
    ),
    Article(
        id="gift-cards",
        title="Gift cards",
        answer="Gift cards are sold in amounts from 10 to 200 euros and never expire.",
        questions=(
            "do you sell gift cards",
            "does a gift card expire",
            "how do I redeem a gift voucher",
        ),
    ),
]
