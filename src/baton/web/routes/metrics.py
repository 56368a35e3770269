"""Handoff quality for people (JSON, CSV) and for Prometheus (`/metrics`)."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from baton.runtime.telemetry import metrics_registry, set_outbox_backlog
from baton.services.errors import NotFound
from baton.services.jobs import outbox_backlog
from baton.services.metrics import build_report, handoff_rows, load_records, period_of
from baton.web.console_auth import CurrentAgent
from baton.web.console_schemas import MetricsReport
from baton.web.deps import Ctx, Unauthorized, limit_address
from baton.web.openapi import errors

router = APIRouter(
    tags=["metrics"],
    dependencies=[Depends(limit_address)],
    responses=errors(401, 422, 429, 503),
)
# Spreadsheet programs run cells that start with these; a leading quote keeps them text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@router.get("/api/console/metrics", name="read_report")
async def metrics_report(
    ctx: Ctx,
    me: CurrentAgent,
    response: Response,
    start: date | None = None,
    end: date | None = None,
) -> MetricsReport:
    """Every handoff-quality measure for the period, as JSON."""
    response.headers["Cache-Control"] = "private, no-store"
    report = await build_report(ctx, period_of(start, end, ctx.clock.now().date()))
    return MetricsReport.model_validate(report)


def safe_cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


@router.get(
    "/api/console/metrics.csv",
    name="export_csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def metrics_csv(
    ctx: Ctx, me: CurrentAgent, start: date | None = None, end: date | None = None
) -> Response:
    """One row per handoff, for a spreadsheet."""
    *_, rows = await load_records(ctx, period_of(start, end, ctx.clock.now().date()))
    table = handoff_rows(rows)
    buffer = io.StringIO()
    fields = list(table[0]) if table else ["handoff_id"]
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    for row in table:
        writer.writerow({key: safe_cell(value) for key, value in row.items()})
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="baton-handoffs.csv"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/metrics", include_in_schema=False)
async def prometheus(ctx: Ctx, authorization: Annotated[str | None, Header()] = None) -> Response:
    """Counters, gauges and histograms in the Prometheus text format, summed over processes."""
    settings = ctx.settings
    if settings.metrics_port is not None:
        # Served on their own port (`baton serve`), away from the public one.
        raise NotFound("metrics are served on their own port")
    if settings.metrics_token is not None:
        scheme, _, token = (authorization or "").partition(" ")
        expected = settings.metrics_token.get_secret_value()
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            token.strip().encode(), expected.encode()
        ):
            raise Unauthorized("send the metrics token as 'Authorization: Bearer <token>'")
    set_outbox_backlog(await outbox_backlog(ctx))
    return Response(generate_latest(metrics_registry()), media_type=CONTENT_TYPE_LATEST)
