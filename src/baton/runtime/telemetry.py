"""Prometheus counters and histograms, fed from the events every use case publishes."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from baton.runtime.bus import Event

REGISTRY = CollectorRegistry(auto_describe=True)

MESSAGES = Counter(
    "baton_messages_total", "Messages stored, by author.", ["author"], registry=REGISTRY
)
HANDOFFS = Counter(
    "baton_handoffs_total",
    "Handoffs to a human, by model and each reason.",
    ["model", "reason"],
    registry=REGISTRY,
)
CONVERSATIONS = Counter("baton_conversations_total", "Conversations started.", registry=REGISTRY)
RESOLVED = Counter(
    "baton_conversations_resolved_total", "Conversations resolved.", registry=REGISTRY
)
RATINGS = Counter("baton_ratings_total", "Satisfaction ratings.", ["rating"], registry=REGISTRY)
PROMISE_ALERTS = Counter(
    "baton_promise_alerts_total", "Promises at risk or broken.", ["kind"], registry=REGISTRY
)
FIRST_RESPONSE = Histogram(
    "baton_first_response_seconds",
    "Wall-clock time from handoff to the first human reply.",
    buckets=(60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200),
    registry=REGISTRY,
)

# Set from the database at each scrape (`outbox_backlog`): the same figure on every worker.
OUTBOX_JOBS = Gauge(
    "baton_outbox_jobs",
    "Outbox jobs (emails, deliveries, bot replies) not done, by kind and status.",
    ["kind", "status"],
    registry=REGISTRY,
)


def observe(event: Event) -> None:
    """Count what an event says happened."""
    data = event.data
    if event.type == "message.created":
        MESSAGES.labels(author=str(data.get("author", "unknown"))).inc()
    elif event.type == "handoff.first_response":
        FIRST_RESPONSE.observe(float(data.get("seconds", 0.0)))
    elif event.type == "handoff.escalated":
        for reason in data.get("reasons", []):
            HANDOFFS.labels(model=str(data.get("model")), reason=str(reason)).inc()
    elif event.type == "conversation.created":
        CONVERSATIONS.inc()
    elif event.type == "conversation.resolved":
        RESOLVED.inc()
    elif event.type == "handoff.rated":
        RATINGS.labels(rating=str(data.get("rating"))).inc()
    elif event.type in ("promise.at_risk", "promise.broken"):
        PROMISE_ALERTS.labels(kind=event.type.split(".")[1]).inc()
