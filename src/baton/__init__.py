"""Baton: hand a website chatbot's conversation to a human without the customer repeating a word."""

__version__ = "0.1.0"
