"""Prometheus counters and histograms, fed from the events every use case publishes and from
the HTTP requests served.

With several processes (`baton serve --workers N` sets PROMETHEUS_MULTIPROC_DIR before the
workers start), each process writes its values to files in that folder and a scrape sums them
(prometheus_client's multiprocess mode); one process also reports its own CPU, memory and
garbage collection.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from baton.runtime.bus import Event

MULTIPROCESS_FOLDER = "PROMETHEUS_MULTIPROC_DIR"
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

# Set from the database (`outbox_backlog`): the same figure whichever process read it, so
# the most recent reading stands for all of them.
OUTBOX_JOBS = Gauge(
    "baton_outbox_jobs",
    "Outbox jobs (emails, deliveries, bot replies) not done, by kind and status.",
    ["kind", "status"],
    registry=REGISTRY,
    multiprocess_mode="mostrecent",
)
HTTP_REQUESTS = Counter(
    "baton_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "baton_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
_backlog_labels: set[tuple[str, str]] = set()


def multiprocess_folder() -> Path | None:
    """Where the processes write their values, when several serve together."""
    folder = os.environ.get(MULTIPROCESS_FOLDER)
    return Path(folder) if folder else None


def metrics_registry() -> CollectorRegistry:
    """What a scrape reads: the sum over every process's files, or this process's values."""
    folder = multiprocess_folder()
    if folder is None:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(folder))  # type: ignore[no-untyped-call]
    return registry


def add_process_collectors() -> None:
    """This process's CPU, memory, open files, Python and garbage collection figures.

    Not with several processes: each scrape would report whichever process answered it."""
    if multiprocess_folder() is not None:
        return
    for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
        with contextlib.suppress(ValueError):  # registered by an app made earlier
            REGISTRY.register(collector)


def forget_process() -> None:
    """A process that stops gives up its live gauges (its counters stay in the sums)."""
    folder = multiprocess_folder()
    if folder is not None:
        mark_process_dead(os.getpid(), str(folder))  # type: ignore[no-untyped-call]


def set_outbox_backlog(backlog: dict[tuple[str, str], int]) -> None:
    if multiprocess_folder() is None:
        OUTBOX_JOBS.clear()  # a kind and status that emptied is no longer shown
    else:
        # Another process's files keep a vanished kind's last count: it reads 0 instead.
        for kind, status in _backlog_labels - backlog.keys():
            OUTBOX_JOBS.labels(kind=kind, status=status).set(0)
    for (kind, status), count in backlog.items():
        OUTBOX_JOBS.labels(kind=kind, status=status).set(count)
    _backlog_labels.update(backlog)


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
