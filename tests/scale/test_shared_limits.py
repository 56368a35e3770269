"""Two `baton serve` processes on PostgreSQL and Redis share one rate limit and one set of
Prometheus counters, and log JSON lines that carry each request's id."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import POSTGRES_URL, REDIS_URL, need_service
from tests.scale.test_two_processes import BATON, _free_port, _wait_healthy

LIMIT = 10


@pytest.fixture
def two_servers(database_url: str, tmp_path: Path) -> Iterator[list[tuple[str, Path]]]:
    if not database_url.startswith("postgresql"):
        need_service(POSTGRES_URL, "postgres")
        pytest.skip("runs on PostgreSQL only")
    redis_url = need_service(REDIS_URL, "redis")
    metrics_folder = tmp_path / "metrics"
    metrics_folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BATON_")}
    env.update(
        {
            "BATON_DATABASE_URL": database_url,
            "BATON_REDIS_URL": redis_url,
            "BATON_SECRET_KEY": "k" * 40,
            "BATON_LIMITS__REQUESTS_PER_MINUTE_PER_IP": str(LIMIT),
            "BATON_LOG_FORMAT": "json",
            # As `baton serve --workers N` sets it for its workers.
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_folder),
        }
    )
    # The limit's counts of an earlier run must not carry over.
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("baton-limits*"):
        client.delete(key)
    client.close()
    started: list[tuple[str, subprocess.Popen[bytes], Path]] = []
    try:
        for name in ("a", "b"):
            port = _free_port()
            url = f"http://127.0.0.1:{port}"
            log = tmp_path / f"{name}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [str(BATON), "serve", "--port", str(port)],
                    env={**env, "BATON_PUBLIC_URL": url},
                    cwd=tmp_path,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            started.append((url, process, log))
            _wait_healthy(url, process, log)
        yield [(url, log) for url, _, log in started]
    finally:
        for _, process, _ in started:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


def test_two_processes_share_one_rate_limit_and_sum_their_counters(
    two_servers: list[tuple[str, Path]],
) -> None:
    (url_a, log_a), (url_b, _) = two_servers
    statuses = []
    for n in range(LIMIT + 4):
        url = url_a if n % 2 else url_b
        answer = httpx.get(
            f"{url}/api/conversations/none-{n}", headers={"X-Request-ID": f"split-{n}"}
        )
        assert answer.headers["X-Request-ID"] == f"split-{n}"
        statuses.append(answer.status_code)
    # Requests split across two processes meet one limit.
    assert statuses.count(401) == LIMIT
    assert statuses[LIMIT:] == [429] * 4

    # Scraped from one process, the counter is the sum over both.
    text = _scrape(url_a)
    counted = {
        sample.labels["status"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "baton_http_requests_total"
        and sample.labels["route"] == "/api/conversations/{conversation_id}"
    }
    assert counted == {"401": LIMIT, "429": 4}

    lines = [json.loads(line) for line in log_a.read_text().splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("request_id") == "split-1"]
    assert mine, "the request's access line carries its id"
    assert {"timestamp", "level", "logger", "message"} <= mine[0].keys()
    assert mine[0]["logger"] == "uvicorn.access"


def _scrape(url: str) -> str:
    """/metrics, from an address the limit has not seen yet (another loopback address)."""
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2")) as client:
        answer = client.get(url + "/metrics")
    assert answer.status_code == 200, answer.text
    return answer.text
