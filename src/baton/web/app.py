"""The application factory: wires store, bus, job runner and bot, then mounts the routes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, WebSocket
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from baton import __version__
from baton.bots.base import Bot
from baton.bots.factory import build_bot
from baton.bots.kb_loader import load_articles
from baton.channels.email_jobs import register_email_jobs
from baton.channels.email_out import MailTransport
from baton.channels.integrations import install_integrations
from baton.channels.smtp_receiver import start_smtp_receiver
from baton.config import Settings
from baton.domain.articles import Article
from baton.runtime.bus import EventBus, InProcessBus
from baton.runtime.clock import Clock, SystemClock
from baton.runtime.logs import REQUEST_ID, request_id_from
from baton.runtime.redis_bus import RedisBus
from baton.runtime.telemetry import add_process_collectors, forget_process, set_outbox_backlog
from baton.services.alerts import check_promises
from baton.services.context import ServiceContext
from baton.services.jobs import outbox_backlog, register_job_handlers
from baton.services.knowledge_base import (
    import_articles,
    knowledge_base_version,
    load_knowledge_base,
)
from baton.services.queue import check_ownership, sweep_queue
from baton.services.retention import enqueue_purge
from baton.services.script_files import read_script_folder
from baton.store.database import (
    create_engine,
    create_session_factory,
    database_ready,
    upgrade,
)
from baton.web import ws
from baton.web.errors import install_error_handlers
from baton.web.limits import BodySizeLimit, RefuseNulInUrls
from baton.web.openapi import install_openapi, operation_id
from baton.web.rate_limits import RateLimiter
from baton.web.request_ids import RequestIds, incoming_request_id
from baton.web.request_metrics import RequestMetrics
from baton.web.routes import (
    console,
    handoffs,
    integrations,
    mail,
    metrics,
    rating_links,
    resolve_links,
    widget,
)
from baton.web.schemas import Health, Readiness
from baton.web.slow_clients import HeaderDeadline

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
KB_POLL_SECONDS = 5.0
PROMISE_CHECK_SECONDS = 30.0
# How often a process asks for the hourly purge (the first to ask each hour gets it run).
PURGE_CHECK_SECONDS = 300.0
GC_YOUNG_THRESHOLD = 20_000  # allocations between young collections (Python's default: 700)
DRAIN_SECONDS = 20.0
BACKLOG_SECONDS = 15.0
# Bot replies run straight from the socket at most this many at a time (see web/ws.py).
INLINE_JOBS = 8


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    bot: Bot | None = None,
    bus: EventBus | None = None,
    run_jobs: bool = True,
    mail_transport: MailTransport | None = None,
    server_process: bool = False,
) -> FastAPI:
    """A Baton app. `bot`, `clock` and `bus` replace the configured ones (tests, embedding).

    `server_process`: the app owns its process (`baton serve`), so it may tune the garbage
    collector for a long-lived heap."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        closers: list[Callable[[], Awaitable[None]]] = []
        await upgrade(engine)
        sessions = create_session_factory(engine)
        the_clock = clock or SystemClock()
        if settings.kb_path is not None:
            loaded = load_articles(settings.kb_path)
            await import_articles(
                sessions,
                [(a, str(settings.kb_path)) for a in loaded],
                now=the_clock.now(),
            )
        articles = [a for a, _ in await load_knowledge_base(sessions)]
        the_bus: EventBus
        if bus is not None:
            the_bus = bus
        elif settings.redis_url:
            redis_bus = RedisBus(settings.redis_url)
            await redis_bus.start()
            closers.append(redis_bus.close)
            the_bus = redis_bus
        else:
            the_bus = InProcessBus()
        ctx = ServiceContext.create(
            sessions=sessions,
            bus=the_bus,
            clock=the_clock,
            settings=settings,
            bot=bot or build_bot(settings, articles, word_matching_first=True),
            script_folder_texts=(
                read_script_folder(settings.scripts.folder) if settings.scripts.folder else None
            ),
        )
        register_job_handlers(ctx)
        register_email_jobs(ctx, mail_transport)
        install_integrations(ctx, settings.integrations)
        receiver = start_smtp_receiver(ctx)
        if receiver is not None:
            closers.append(lambda: asyncio.to_thread(receiver.stop))
        app.state.ctx = ctx
        # Made here, in the server's event loop: Redis connections and timers belong to it.
        app.state.rate_limiter = RateLimiter(settings.redis_url)
        closers.append(app.state.rate_limiter.close)
        tasks: list[asyncio.Task[Any]] = []
        if run_jobs:
            tasks.append(asyncio.create_task(ctx.jobs.serve(), name="baton-jobs"))
        if bot is None:
            tasks.append(asyncio.create_task(_follow_knowledge_base(ctx), name="baton-kb"))
            if getattr(ctx.bot, "building", False):
                tasks.append(
                    asyncio.create_task(_build_hybrid_index(ctx, articles), name="baton-index")
                )
        if run_jobs:
            tasks.append(asyncio.create_task(_watch_promises(ctx), name="baton-promises"))
            tasks.append(asyncio.create_task(_purge_hourly(ctx), name="baton-purge"))
        if settings.metrics_port is not None:
            tasks.append(asyncio.create_task(_count_backlog(ctx), name="baton-backlog"))
        app.state.redis_ping = getattr(the_bus, "ping", None)
        if server_process:
            settle_heap()
            HeaderDeadline.header_timeout_seconds = settings.limits.request_header_timeout_seconds
        try:
            yield
        finally:
            # Graceful: the runner finishes the job in hand before the process goes.
            ctx.jobs.stop()
            if tasks and tasks[0].get_name() == "baton-jobs":
                with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(asyncio.shield(tasks[0]), DRAIN_SECONDS)
            # Bot replies a socket started are let finish too: one cut off mid-statement
            # would be left to the runner, and its database thread would outlive the loop.
            answering: set[asyncio.Task[None]] = app.state.inline_answers
            if answering:
                await asyncio.wait(set(answering), timeout=DRAIN_SECONDS)
            tasks.extend(answering)
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for close in closers:
                await close()
            await engine.dispose()
            forget_process()

    app = BatonApp(
        title="Baton",
        version=__version__,
        summary="Chatbot-to-human handoff: the widget, console and handoff APIs.",
        description="How to call it, with each credential and the error shape: docs/api.md.",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    install_openapi(app)
    app.state.settings = settings
    app.state.inline_jobs = asyncio.Semaphore(INLINE_JOBS)
    app.state.inline_answers = set()  # bot replies started by sockets (`web.ws`)
    install_error_handlers(app)
    app.add_middleware(RefuseNulInUrls)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.limits.max_body_bytes,
        path_limits={mail.INBOUND_EMAIL_PATH: settings.email.max_inbound_bytes},
        body_timeout_seconds=settings.limits.request_body_timeout_seconds,
    )
    add_process_collectors()
    if settings.widget_origins:
        # Sites that embed the widget call the visitor API from their own origin. No
        # credentials cross origins: the console's cookie never does.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.widget_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
            max_age=600,
        )
    # Outermost: they see every answer, the size limit's and CORS's included.
    app.add_middleware(RequestMetrics)
    app.add_middleware(RequestIds)
    app.include_router(widget.router)
    app.include_router(console.router)
    app.include_router(rating_links.router)
    app.include_router(resolve_links.router)
    app.include_router(metrics.router)
    app.include_router(mail.router)
    app.include_router(integrations.router)
    app.include_router(handoffs.router)

    @app.get("/healthz", tags=["ops"], name="check_health")
    async def healthz() -> Health:
        """The process is up."""
        return Health(status="ok", version=__version__)

    @app.get(
        "/readyz",
        tags=["ops"],
        name="check_readiness",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "Not ready: see `checks`"}},
    )
    async def readyz() -> JSONResponse:
        """The database (and Redis, when used) answer: ready for traffic."""
        checks: dict[str, str] = {}
        try:
            await database_ready(app.state.ctx.sessions)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"failing: {type(exc).__name__}"
        ping = app.state.redis_ping
        if ping is not None:
            try:
                await ping()
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"failing: {type(exc).__name__}"
        ready = all(value == "ok" for value in checks.values())
        # Not a readiness check: the bot answers by word matching meanwhile.
        bot = "building the index" if getattr(app.state.ctx.bot, "building", False) else "ok"
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks, "bot": bot},
            status_code=200 if ready else 503,
        )

    @app.get("/", include_in_schema=False)
    async def demo_page() -> FileResponse:
        return FileResponse(STATIC / "demo.html", headers={"Cache-Control": "no-cache"})

    @app.get("/widget.js", include_in_schema=False)
    async def widget_script() -> FileResponse:
        return FileResponse(
            STATIC / "widget.js",
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"},
        )

    @app.get("/console/mailbox", include_in_schema=False)
    async def mailbox_page() -> FileResponse:
        return FileResponse(
            STATIC / "mailbox.html",
            headers={"Cache-Control": "no-cache", "X-Frame-Options": "DENY"},
        )

    @app.get("/console/dashboard", include_in_schema=False)
    async def dashboard_page() -> FileResponse:
        return FileResponse(
            STATIC / "dashboard.html",
            headers={"Cache-Control": "no-cache", "X-Frame-Options": "DENY"},
        )

    @app.get("/console", include_in_schema=False)
    async def console_page() -> FileResponse:
        return FileResponse(
            STATIC / "console.html",
            headers={"Cache-Control": "no-cache", "X-Frame-Options": "DENY"},
        )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


class BatonApp(FastAPI):
    """The FastAPI app, with its WebSockets served directly.

    A chat socket lives for hours and carries every message: going through the HTTP
    middleware and router would keep a score of suspended frames per connected visitor and
    wrap every frame sent or received. The sockets check origins, sessions and sizes
    themselves (`web.ws`).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            path = scope["path"].removeprefix(scope.get("root_path", ""))
            handler = ws.SOCKETS.get(path)
            if handler is not None:
                scope["app"] = self
                # Every line logged for this socket carries its id (the connection's own task).
                REQUEST_ID.set(request_id_from(incoming_request_id(scope)))
                await handler(WebSocket(scope, receive, send))
                return
        await super().__call__(scope, receive, send)


def settle_heap() -> None:
    """Keep garbage collection from pausing live chat.

    With a thousand sockets open, a full collection walked every object the process made at
    start (the web framework, the bot's index) and stopped the event loop for 300-400 ms every
    few seconds. Objects made at start live as long as the process, so they are frozen out of
    collection, and young collections run less often, so that fewer short-lived objects
    (a message in flight) are promoted to the old generation and trigger full collections.
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


async def _watch_promises(ctx: ServiceContext) -> None:
    """Warn the team before a promise breaks; give back the chats of agents who left (and any
    conversation with nobody to answer, first at start-up); move the queue to tickets when
    nobody can take it."""
    while True:
        try:
            await check_promises(ctx)
            await check_ownership(ctx)
            await sweep_queue(ctx)
        except Exception:
            log.exception("promise and queue check failed; trying again shortly")
        await asyncio.sleep(PROMISE_CHECK_SECONDS)


async def _purge_hourly(ctx: ServiceContext) -> None:
    """Delete finished jobs and old events past `[retention]`, once an hour across processes."""
    while True:
        try:
            await enqueue_purge(ctx)
        except Exception:
            log.exception("scheduling the purge failed; trying again later")
        await asyncio.sleep(PURGE_CHECK_SECONDS)


async def _count_backlog(ctx: ServiceContext) -> None:
    """Keep the outbox gauge current for a scrape that reaches no app (`metrics_port`)."""
    while True:
        try:
            set_outbox_backlog(await outbox_backlog(ctx))
        except Exception:
            log.exception("reading the outbox backlog failed; trying again shortly")
        await asyncio.sleep(BACKLOG_SECONDS)


async def _build_hybrid_index(ctx: ServiceContext, articles: list[Article]) -> None:
    """Build the full index off the event loop; the bot answers by BM25 until it is in."""
    reload = getattr(ctx.bot, "reload", None)
    if reload is None:
        return
    log.info("building the knowledge-base index (encoding or tuning on new articles takes a while)")
    started = time.monotonic()
    try:
        await _in_daemon_thread(reload, articles)
    except Exception:
        log.exception("building the knowledge-base index failed; answering by word matching only")
        return
    log.info("knowledge-base index ready after %.0f s", time.monotonic() - started)


async def _in_daemon_thread(function: Callable[..., object], *args: object) -> None:
    """Run `function` in a thread the process does not wait for at exit: a server stopped
    while tuning stops now (a tuned model is saved whole or not at all), where
    `asyncio.to_thread` would hold the exit until tuning ends."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def settle(error: BaseException | None) -> None:
        if done.done():
            return
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)

    def run() -> None:
        error: BaseException | None = None
        try:
            function(*args)
        except BaseException as exc:  # handed to the awaiting task
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop closed while this ran
            loop.call_soon_threadsafe(settle, error)

    threading.Thread(target=run, name="baton-index", daemon=True).start()
    await done


async def _follow_knowledge_base(ctx: ServiceContext) -> None:
    """Reload the bot when the stored knowledge base changes (`baton kb import`), no restart."""
    version = await knowledge_base_version(ctx.sessions)
    while True:
        await asyncio.sleep(KB_POLL_SECONDS)
        try:
            current = await knowledge_base_version(ctx.sessions)
            if current != version:
                version = current
                articles = [a for a, _ in await load_knowledge_base(ctx.sessions)]
                reload = getattr(ctx.bot, "reload", None)
                if reload is not None:
                    # Rebuilding an index takes a moment: off the event loop, swapped at once.
                    await asyncio.to_thread(reload, articles)
                    log.info("knowledge base reloaded: %d articles", len(articles))
        except Exception:
            log.exception("knowledge base reload failed; keeping the current one")
