"""HTTP request metrics, the metrics token, and the request id every answer carries."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi.testclient import TestClient

from baton.config import Settings
from baton.runtime.logs import RequestIdFilter, log_config
from baton.web.app import create_app
from tests.conftest import SECRET, ScriptedBot


def _client(tmp_path: Any, **settings: Any) -> TestClient:
    return TestClient(
        create_app(
            Settings(
                secret_key=SECRET,  # type: ignore[arg-type]
                database_url=f"sqlite+aiosqlite:///{tmp_path / 'o.db'}",
                **settings,
            ),
            bot=ScriptedBot(),
            run_jobs=False,
        )
    )


def test_requests_are_counted_by_route_template_and_status(tmp_path: Any) -> None:
    with _client(tmp_path) as client:
        client.get("/api/conversations/nope-1")
        client.get("/api/conversations/nope-2")
        text = client.get("/metrics").text
    route = 'method="GET",route="/api/conversations/{conversation_id}",status="401"'
    assert f"baton_http_requests_total{{{route}}}" in text
    assert "nope-1" not in text
    assert "baton_http_request_duration_seconds_bucket" in text
    assert "process_cpu_seconds_total" in text and "python_info" in text


def test_a_metrics_token_guards_metrics(tmp_path: Any) -> None:
    with _client(tmp_path, metrics_token="t" * 20) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        answer = client.get("/metrics", headers={"Authorization": f"Bearer {'t' * 20}"})
    assert answer.status_code == 200 and "baton_http_requests_total" in answer.text


def test_metrics_on_their_own_port_are_not_on_the_public_one(tmp_path: Any) -> None:
    with _client(tmp_path, metrics_port=9999) as client:
        assert client.get("/metrics").status_code == 404


def test_each_answer_carries_a_request_id_and_json_log_lines_carry_it(tmp_path: Any) -> None:
    formatter = logging.Formatter()
    config = log_config("json")["formatters"]["baton"]
    factory = config.pop("()")
    module, _, name = factory.rpartition(".")
    formatter = getattr(__import__(module, fromlist=[name]), name)(**config)
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(formatter.format(record))

    handler = Keep()
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("baton.web.errors")
    logger.addHandler(handler)
    try:
        with _client(tmp_path) as client:
            given = client.get("/healthz", headers={"X-Request-ID": "shop-42"})
            made = client.get("/healthz")
            bad = client.get("/healthz", headers={"X-Request-ID": "a b\\c"})
            logging.getLogger("baton.web.errors").warning("outside a request")
    finally:
        logger.removeHandler(handler)
    assert given.headers["X-Request-ID"] == "shop-42"
    assert len(made.headers["X-Request-ID"]) == 32
    assert bad.headers["X-Request-ID"] != "a b\\c"
    record = json.loads(lines[-1])
    assert record["message"] == "outside a request" and record["level"] == "WARNING"
    assert record["logger"] == "baton.web.errors" and "timestamp" in record
    assert record["request_id"] is None
