"""Live-chat load: customer-to-agent latency, saturation throughput, memory per customer.

Run: `.venv/bin/python bench/live_chat.py` (standard load: 1,000 customers, 20 agents, 20 s per
phase, 300 customer messages per second, one server process on SQLite it starts and stops
itself). Small run to try it: `--customers 50 --agents 5 --seconds 5`.

Other servers: `--url http://127.0.0.1:8000 --agent-password … [--agent-email 'a{i}@x']`
(agents must exist, be allowed to go online, and the server's rate limits raised;
`--server-pid` lets it read the server's memory). `--workers N` starts `baton serve --workers N`
on PostgreSQL and Redis (`--database-url`, `--redis-url`, defaults from the environment:
BATON_BENCH_DATABASE_URL, BATON_BENCH_REDIS_URL); the PostgreSQL schema is emptied first.

Flow: the agents sign in, go online and open console sockets; the customers start
conversations over HTTP, open widget sockets and ask for a person, so that automatic assignment
gives each one to an agent. Then:

1. steady: the customers together send `--rate` messages per second for `--seconds`; latency is
   the time from the send until the first agent console socket receives the message;
2. saturation: each customer sends its next message as soon as its previous one came back on its
   own widget socket; throughput in messages per second;
3. memory: server RSS (process tree) with the agents connected and no customer (after one
   warm-up customer went through the whole path, so that what the server builds once is not
   counted), and with every customer connected and assigned, per customer;
4. a bare `websockets` echo server (`bench/reference_servers.py echo`) with as many connections
   doing round trips as fast as they can, for comparison.

Side by side (`--compare`, needs `--database-url` and `--redis-url`): in one run, the bare echo
server and a plain FastAPI app that per message does one INSERT into PostgreSQL and one Redis
publish and answers (both in `bench/reference_servers.py`, their own processes), then Baton on
SQLite and Baton on PostgreSQL + Redis for each worker count of `--sweep` (default 1,2,4); each
saturation `--repetitions` times (default 3) on the same server, medians and ratios printed as
a table; "lost" counts the steady and saturation messages no agent's console ever received.
`--server-cpus 0 --client-cpus 1` pins the servers and this load generator with taskset.

The bot path (`--bot`): the server's knowledge base is the demo shop's
(`examples/demo-shop`, imported with `baton kb import` before it starts); each customer asks
one of a few questions its articles answer, waits for the bot's answer on its widget
socket, and asks the next; customer messages answered per second and the server's CPU per
message, `--repetitions` times (default 3), against SQLite and, with the two URLs, against
PostgreSQL + Redis (`--workers`, default 1).

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

T = TypeVar("T")

ALWAYS_OPEN = json.dumps(
    {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
)
AGENT_EMAIL = "bench-agent-{i}@bench.example"
AGENT_PASSWORD = "bench-password-1"
ASK_FOR_PERSON = "I want to talk to a person"
CONCURRENCY = 50
GRACE_SECONDS = 5.0
ROUND_TRIP_TIMEOUT = 60.0  # saturation: a closed loop of N customers waits about N / rate
DRAIN_SECONDS = 60.0  # the steady phase's backlog must clear before saturation starts
TARGET_P99_MS = 100.0
TARGET_RATIO = 0.10
TARGET_KIB = 64.0

REFERENCE_SERVERS = Path(__file__).with_name("reference_servers.py")
DEMO_SHOP = Path(__file__).resolve().parent.parent / "examples" / "demo-shop"


# --------------------------------------------------------------------------- helpers


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _raise_file_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))


def _percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    if not sorted_values:
        return None
    rank = max(0, min(len(sorted_values) - 1, int(fraction * len(sorted_values) + 0.999999) - 1))
    return sorted_values[rank]


def _process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (uvicorn's workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _rss_kib(pid: int) -> int:
    """VmRSS of the server's process tree, in KiB."""
    total = 0
    for member in _process_tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def _cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time used so far by the server's process tree."""
    if pid is None:
        return None
    ticks = 0
    for member in _process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


async def _bounded(limit: int, jobs: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
    gate = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await job()

    return list(await asyncio.gather(*(one(job) for job in jobs)))


def _loopback_source(url: str, index: int) -> str | None:
    """A distinct loopback source address per agent (sign-in is limited per address)."""
    host = urlsplit(url).hostname or ""
    if not host.startswith("127.") and host != "localhost":
        return None
    return f"127.0.{1 + index // 250}.{1 + index % 250}"


# --------------------------------------------------------------------------- the server


@dataclass
class Server:
    url: str
    pid: int | None
    process: subprocess.Popen[bytes] | None = None
    folder: Path | None = None
    log: Path | None = None
    keep: bool = False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.log is not None and self.log.exists():
            lines = self.log.read_text(errors="replace").splitlines()
            bad = [line for line in lines if line.startswith(("ERROR", "Traceback", "WARNING"))]
            if bad:
                print(f"server log: {len(bad)} error/warning lines, first ones:")
                for line in bad[:5]:
                    print(f"  {line[:200]}")
        if self.folder is not None and not self.keep:
            shutil.rmtree(self.folder, ignore_errors=True)


async def _reset_postgres(database_url: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    plain = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    connection = await asyncpg.connect(plain)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()


class _NoBot:
    async def answer(self, message: str, history: Sequence[Any]) -> Any:
        raise RuntimeError("no bot while creating agents")


async def _create_agents(database_url: str, agents: int, capacity: int, password: str) -> None:
    """Migrate the database and add the agents in this process (faster than the CLI)."""
    from baton.config import load_settings
    from baton.runtime.bus import InProcessBus
    from baton.runtime.clock import SystemClock
    from baton.services.agents import create_agent
    from baton.services.context import ServiceContext
    from baton.store.database import create_engine, create_session_factory, upgrade

    settings = load_settings(None)
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        ctx = ServiceContext.create(
            sessions=create_session_factory(engine),
            bus=InProcessBus(),
            clock=SystemClock(),
            settings=settings,
            bot=_NoBot(),
        )
        for i in range(agents):
            await create_agent(
                ctx,
                email=AGENT_EMAIL.format(i=i),
                name=f"Agent {i}",
                password=password,
                capacity=capacity,
            )
    finally:
        await engine.dispose()


def _spawn(
    command: list[str], env: dict[str, str], folder: Path, log: Path
) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            command, env=env, cwd=folder, stdout=output, stderr=subprocess.STDOUT
        )


async def start_server(args: argparse.Namespace) -> Server:
    folder = Path(tempfile.mkdtemp(prefix="baton-bench-"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    if args.workers > 1:
        if not args.database_url or not args.redis_url:
            raise SystemExit("--workers needs --database-url (PostgreSQL) and --redis-url")
        database_url = args.database_url
        await _reset_postgres(database_url)
    else:
        database_url = args.database_url or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        if database_url.startswith("postgresql"):
            await _reset_postgres(database_url)
    big = str(10**9)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BATON_")}
    env.update(
        {
            "BATON_DATABASE_URL": database_url,
            "BATON_PUBLIC_URL": url,
            "BATON_SECRET_KEY": "bench-secret-" + "k" * 40,
            "BATON_HANDOFF__LIVE_CHAT": "true",
            "BATON_HANDOFF__AUTO_ASSIGN": "true",
            "BATON_BUSINESS_HOURS__WEEKLY": ALWAYS_OPEN,
            "BATON_LIMITS__CONVERSATIONS_PER_HOUR_PER_IP": big,
            "BATON_LIMITS__MESSAGES_PER_MINUTE_PER_CONVERSATION": big,
            "BATON_LIMITS__REQUESTS_PER_MINUTE_PER_IP": big,
            "BATON_LIMITS__SOCKETS_PER_IP": big,
        }
    )
    if args.workers > 1 or args.redis_url:
        env["BATON_REDIS_URL"] = args.redis_url
    # The settings the agents are created with are the server's.
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    previous = Path.cwd()
    os.chdir(folder)  # no stray baton.toml is read
    try:
        capacity = args.customers // max(args.agents, 1) + max(5, args.customers // 10)
        await _create_agents(database_url, args.agents, capacity, args.agent_password)
    finally:
        os.chdir(previous)
        os.environ.clear()
        os.environ.update(saved)
    baton = Path(sys.executable).with_name("baton")
    if getattr(args, "bot", False):
        imported = await asyncio.to_thread(
            subprocess.run,
            [str(baton), "kb", "import", str(DEMO_SHOP / "articles")],
            env=env,
            cwd=folder,
            capture_output=True,
        )
        if imported.returncode != 0:
            raise SystemExit(f"baton kb import failed:\n{imported.stdout.decode()}")
    command = [str(baton), "serve", "--port", str(port)]
    if args.workers > 1:
        command += ["--workers", str(args.workers)]
    log = folder / "server.log"
    process = _spawn(_pinned(command, args.server_cpus), env, folder, log)
    server = Server(url, process.pid, process, folder, log, keep=args.keep)
    deadline = time.monotonic() + 90
    async with httpx.AsyncClient(base_url=url, timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                text = log.read_text(errors="replace")
                server.stop()
                raise SystemExit(f"baton serve exited:\n{text}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/readyz")).status_code == 200:
                    return server
            await asyncio.sleep(0.2)
    server.stop()
    raise SystemExit("baton serve never became ready")


# --------------------------------------------------------------------------- the clients


@dataclass
class Tally:
    """What the agents' consoles saw of the customers' messages."""

    sent_at: dict[str, float] = field(default_factory=dict)
    first_seen: dict[str, float] = field(default_factory=dict)  # latency, seconds
    copies: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    progress: asyncio.Event = field(default_factory=asyncio.Event)

    def seen_by_agent(self, client_id: str, now: float) -> None:
        sent = self.sent_at.get(client_id)
        if sent is None:
            return
        self.copies[client_id] = self.copies.get(client_id, 0) + 1
        if client_id not in self.first_seen:
            self.first_seen[client_id] = now - sent
            self.progress.set()

    def error(self, code: str) -> None:
        self.errors[code] = self.errors.get(code, 0) + 1


@dataclass
class Customer:
    index: int
    conversation_id: str
    token: str
    socket: ClientConnection | None = None
    state: str = "bot"
    assigned: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: dict[str, asyncio.Future[float]] = field(default_factory=dict)
    sequence: int = 0


def _ws_url(url: str, path: str) -> str:
    return url.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + path


async def _read_console(connection: ClientConnection, tally: Tally) -> None:
    with contextlib.suppress(ConnectionClosed, asyncio.CancelledError):
        async for raw in connection:
            now = time.perf_counter()
            frame = json.loads(raw)
            if frame.get("type") != "event":
                continue
            event = frame["event"]
            if event["type"] == "message.created" and event["data"].get("author") == "customer":
                client_id = event["data"].get("client_id")
                if client_id:
                    tally.seen_by_agent(client_id, now)


async def _read_widget(customer: Customer, tally: Tally) -> None:
    assert customer.socket is not None
    with contextlib.suppress(ConnectionClosed, asyncio.CancelledError):
        async for raw in customer.socket:
            now = time.perf_counter()
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "error":
                tally.error(str(frame.get("code")))
                continue
            if kind != "event":
                continue
            event = frame["event"]
            if event["type"] == "conversation.state_changed":
                customer.state = event["data"].get("state", customer.state)
                if customer.state == "agent":
                    customer.assigned.set()
            elif event["type"] == "message.created":
                client_id = event["data"].get("client_id")
                waiter = customer.waiting.pop(client_id, None) if client_id else None
                if waiter is not None and not waiter.done():
                    waiter.set_result(now)
                if event["data"].get("author") == "bot":
                    answer = customer.waiting.pop("bot", None)
                    if answer is not None and not answer.done():
                        answer.set_result(now)


@dataclass
class Agent:
    email: str
    cookie: str
    socket: ClientConnection


async def connect_agent(
    args: argparse.Namespace, index: int, tally: Tally, compression: str | None
) -> tuple[Agent, asyncio.Task[None]]:
    email = args.agent_email.format(i=index)
    source = _loopback_source(args.url, index)
    transport = httpx.AsyncHTTPTransport(local_address=source) if source else None
    async with httpx.AsyncClient(base_url=args.url, transport=transport, timeout=30) as http:
        login = await http.post(
            "/api/console/login", json={"email": email, "password": args.agent_password}
        )
        if login.status_code != 200:
            raise SystemExit(f"sign-in of {email} failed: {login.status_code} {login.text}")
        csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
        presence = await http.post(
            "/api/console/presence", json={"presence": "online"}, headers=csrf
        )
        if presence.status_code != 200:
            raise SystemExit(f"{email} cannot go online: {presence.status_code} {presence.text}")
        cookie = f"baton_session={http.cookies['baton_session']}"
    connection = await connect(
        _ws_url(args.url, "/ws/console"),
        origin=Origin(args.url),
        additional_headers={"Cookie": cookie},
        compression=compression,
        ping_interval=None,
        max_queue=None,
        open_timeout=30,
    )
    reader = asyncio.create_task(_read_console(connection, tally))
    return Agent(email, cookie, connection), reader


async def start_customer(http: httpx.AsyncClient, index: int) -> Customer:
    for attempt in range(5):
        try:
            answer = await http.post("/api/conversations", json={})
        except httpx.TransportError:  # e.g. a kept-alive connection the server just closed
            await asyncio.sleep(0.5 * (attempt + 1))
            continue
        if answer.status_code == 201:
            body = answer.json()
            return Customer(index, body["conversation"]["id"], body["token"])
        await asyncio.sleep(0.5 * (attempt + 1))
    raise SystemExit("cannot start a conversation after 5 attempts")


async def open_widget(url: str, customer: Customer, compression: str | None) -> None:
    connection = await connect(
        _ws_url(url, "/ws/widget"),
        origin=Origin(url),
        compression=compression,
        ping_interval=None,
        max_queue=None,
        open_timeout=60,
    )
    await connection.send(
        json.dumps(
            {
                "type": "hello",
                "conversation_id": customer.conversation_id,
                "token": customer.token,
                "last_event_id": 0,
            }
        )
    )
    welcome = json.loads(await connection.recv())
    if welcome.get("type") != "welcome":
        raise SystemExit(f"widget hello refused: {welcome}")
    customer.socket = connection


def _message(customer: Customer, phase: str, tally: Tally) -> str:
    customer.sequence += 1
    client_id = f"{phase}{customer.index}x{customer.sequence}"
    now = time.perf_counter()
    tally.sent_at[client_id] = now
    return client_id


async def _send(customer: Customer, client_id: str, text: str | None = None) -> None:
    assert customer.socket is not None
    text = text or f"bench message {client_id} sent at {time.time():.6f}"
    await customer.socket.send(
        json.dumps({"type": "message", "text": text, "client_id": client_id})
    )


async def warm_up(args: argparse.Namespace, tally: Tally, compression: str | None) -> None:
    """One customer through the whole path before memory is measured, so that what the
    server builds once (compiled statements, the signal reader, templates) is not counted as
    the customers'."""
    async with httpx.AsyncClient(base_url=args.url, timeout=60) as http:
        customer = await start_customer(http, -1)
    await open_widget(args.url, customer, compression)
    reader = asyncio.create_task(_read_widget(customer, tally))
    try:
        await _send(customer, _message(customer, "w", tally), ASK_FOR_PERSON)
        await asyncio.wait_for(customer.assigned.wait(), 60)
        client_id = _message(customer, "w", tally)
        echoed = asyncio.get_running_loop().create_future()
        customer.waiting[client_id] = echoed
        await _send(customer, client_id)
        await asyncio.wait_for(echoed, 60)
    finally:
        reader.cancel()
        assert customer.socket is not None
        await customer.socket.close()


async def _wait_for_agents(tally: Tally, client_ids: Sequence[str], grace: float) -> None:
    """Until an agent has seen every one of `client_ids`, or `grace` seconds have passed."""
    deadline = time.monotonic() + grace
    missing = [c for c in client_ids if c not in tally.first_seen]
    while missing and (left := deadline - time.monotonic()) > 0:
        tally.progress.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(tally.progress.wait(), min(left, 0.5))
        missing = [c for c in missing if c not in tally.first_seen]


async def steady_phase(
    customers: Sequence[Customer], rate: float, seconds: float, tally: Tally, grace: float
) -> list[str]:
    """Send `rate` messages per second in total, round robin over the customers."""
    total = int(rate * seconds)
    sent: list[str] = []
    started = time.perf_counter()
    tick = 0.005
    index = 0
    while index < total:
        due = min(total, int((time.perf_counter() - started) * rate) + 1)
        while index < due:
            customer = customers[index % len(customers)]
            client_id = _message(customer, "s", tally)
            sent.append(client_id)
            try:
                await _send(customer, client_id)
            except ConnectionClosed:
                tally.error("client_socket_closed")
            index += 1
        await asyncio.sleep(tick)
    await _wait_for_agents(tally, sent, grace)
    return sent


async def saturation_phase(
    customers: Sequence[Customer], seconds: float, tally: Tally, grace: float
) -> tuple[int, int, int]:
    """Every customer sends, waits for its message to come back, sends again.

    Returns the round trips completed within `seconds`, the messages that never came back
    within ROUND_TRIP_TIMEOUT, and those that came back to the customer but reached no agent
    within `grace` after the phase.
    """
    loop = asyncio.get_running_loop()
    deadline = time.perf_counter() + seconds
    echoed: list[str] = []
    completed = 0
    timeouts = 0

    async def customer_loop(customer: Customer) -> None:
        nonlocal completed, timeouts
        while time.perf_counter() < deadline:
            client_id = _message(customer, "r", tally)
            waiter: asyncio.Future[float] = loop.create_future()
            customer.waiting[client_id] = waiter
            try:
                await _send(customer, client_id)
                back = await asyncio.wait_for(waiter, timeout=ROUND_TRIP_TIMEOUT)
            except TimeoutError:
                timeouts += 1
                customer.waiting.pop(client_id, None)
                return
            except ConnectionClosed:
                tally.error("client_socket_closed")
                return
            echoed.append(client_id)
            if back <= deadline:
                completed += 1

    await asyncio.gather(*(customer_loop(c) for c in customers))
    await _wait_for_agents(tally, echoed, grace)
    return completed, timeouts, sum(1 for c in echoed if c not in tally.first_seen)


# --------------------------------------------------------------------------- references


def _pinned(command: list[str], cpus: str | None) -> list[str]:
    return ["taskset", "-c", cpus, *command] if cpus else command


async def _round_trips(connection: ClientConnection, deadline: float, tag: str) -> int:
    """Send, wait for the answer, send again until `deadline`; the round trips completed."""
    completed = 0
    while time.perf_counter() < deadline:
        client_id = f"{tag}-{completed}"
        text = f"bench message {client_id} sent at {time.time():.6f}"
        await connection.send(json.dumps({"type": "message", "text": text, "client_id": client_id}))
        await connection.recv()
        if time.perf_counter() <= deadline:
            completed += 1
    return completed


async def reference_rate(
    kind: str,
    args: argparse.Namespace,
    compression: str | None,
    repetitions: int = 1,
    cpu_ms: list[float] | None = None,
) -> list[float]:
    """Round trips per second through a reference server (`bench/reference_servers.py`, its
    own process), as many connections as customers, each sending its next frame as soon as
    the previous one came back; one figure per repetition, same server. `cpu_ms` receives the
    server's CPU milliseconds per round trip of each repetition."""
    command = [sys.executable, str(REFERENCE_SERVERS), kind]
    if kind == "plain":
        command += ["--database-url", args.database_url, "--redis-url", args.redis_url]
    process = await asyncio.create_subprocess_exec(
        *_pinned(command, args.server_cpus), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        port = int((await asyncio.wait_for(process.stdout.readline(), 60)).decode())
        url = f"ws://127.0.0.1:{port}" + ("/ws" if kind == "plain" else "")

        async def opener() -> ClientConnection:
            return await connect(url, compression=compression, ping_interval=None, open_timeout=60)

        sockets = await _bounded(CONCURRENCY, [opener] * args.customers)
        rates: list[float] = []
        for repetition in range(repetitions):
            deadline = time.perf_counter() + args.seconds
            cpu_start = _cpu_seconds(process.pid)
            counts = await asyncio.gather(
                *(_round_trips(s, deadline, f"r{i}x{repetition}") for i, s in enumerate(sockets))
            )
            cpu_end = _cpu_seconds(process.pid)
            rates.append(sum(counts) / args.seconds)
            if cpu_ms is not None and cpu_start is not None and cpu_end is not None:
                cpu_ms.append(1000 * (cpu_end - cpu_start) / max(sum(counts), 1))
            print(f"  {kind} {repetition + 1}/{repetitions}: {rates[-1]:.1f} round trips/s")
        await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
        return rates
    finally:
        if process.returncode is None:
            process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 10)
            if process.returncode is None:
                process.kill()
                await process.wait()


# --------------------------------------------------------------------------- the run


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 2)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    compression = None if args.no_compression else "deflate"
    load_average = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load_average[0]:.2f} at the start")
    server: Server | None = None
    if args.url is None:
        server = await start_server(args)
        args.url = server.url
        pid = server.pid
        print(
            f"server: {' '.join(['baton', 'serve', '--port', args.url.rsplit(':', 1)[1]])}"
            + (f" --workers {args.workers}" if args.workers > 1 else "")
            + f" (pid {pid}, log {server.log})"
        )
    else:
        pid = args.server_pid
    tally = Tally()
    readers: list[asyncio.Task[None]] = []
    agents: list[Agent] = []
    customers: list[Customer] = []
    result: dict[str, Any] = {}
    saturation_runs: list[float] = []
    cpu_runs: list[float] = []
    never_seen = 0
    try:
        t0 = time.perf_counter()
        connected = await asyncio.gather(
            *(connect_agent(args, i, tally, compression) for i in range(args.agents))
        )
        for agent, reader in connected:
            agents.append(agent)
            readers.append(reader)
        print(
            f"{len(agents)} agents signed in, online, console sockets open "
            f"({time.perf_counter() - t0:.1f} s)"
        )
        await warm_up(args, tally, compression)
        await asyncio.sleep(1.0)
        rss_before = _rss_kib(pid) if pid else None

        t0 = time.perf_counter()
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        async with httpx.AsyncClient(base_url=args.url, limits=limits, timeout=60) as http:
            customers = await _bounded(
                CONCURRENCY,
                [lambda i=i: start_customer(http, i) for i in range(args.customers)],  # type: ignore[misc]
            )
        print(f"{len(customers)} conversations started ({time.perf_counter() - t0:.1f} s)")
        t0 = time.perf_counter()
        await _bounded(
            CONCURRENCY,
            [lambda c=c: open_widget(args.url, c, compression) for c in customers],  # type: ignore[misc]
        )
        for customer in customers:
            readers.append(asyncio.create_task(_read_widget(customer, tally)))
        await asyncio.sleep(1.0)
        rss_sockets = _rss_kib(pid) if pid else None
        print(f"{len(customers)} widget sockets open ({time.perf_counter() - t0:.1f} s)")

        t0 = time.perf_counter()
        for customer in customers:
            client_id = _message(customer, "h", tally)
            await _send(customer, client_id, ASK_FOR_PERSON)
        assign_deadline = max(60.0, args.customers * 0.2)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(c.assigned.wait() for c in customers)), assign_deadline
            )
        assigned = sum(1 for c in customers if c.assigned.is_set())
        print(
            f"{assigned}/{len(customers)} customers assigned to an agent "
            f"({time.perf_counter() - t0:.1f} s)"
        )
        states: dict[str, int] = {}
        for c in customers:
            states[c.state] = states.get(c.state, 0) + 1
        if assigned < len(customers):
            print(f"  states: {states}")
        await asyncio.sleep(1.0)
        rss_after = _rss_kib(pid) if pid else None
        kib_per_customer = (
            round((rss_after - rss_before) / len(customers), 1)
            if rss_before is not None and rss_after is not None and customers
            else None
        )
        if rss_before is not None and rss_after is not None:
            print(
                f"server RSS: {rss_before / 1024:.1f} MiB with {len(agents)} agents, "
                f"{rss_after / 1024:.1f} MiB with {len(customers)} customers too: "
                f"{kib_per_customer} KiB per customer"
            )
        if rss_before is not None and rss_sockets is not None and rss_after is not None:
            print(
                f"  of which: sockets open, nothing said yet "
                f"{(rss_sockets - rss_before) / len(customers):.1f} KiB per customer; "
                f"asking for a person and assignment "
                f"{(rss_after - rss_sockets) / len(customers):.1f} KiB per customer"
            )
        errors_before = dict(tally.errors)

        # 1. Steady rate.
        print(f"steady: {args.rate:g} msg/s for {args.seconds:g} s …")
        cpu_start = _cpu_seconds(pid)
        steady = await steady_phase(customers, args.rate, args.seconds, tally, args.grace)
        latencies = sorted(tally.first_seen[c] for c in steady if c in tally.first_seen)
        lost = len(steady) - len(latencies)
        late, drain = 0, 0.0
        cpu_ms_per_msg: float | None = None
        # Only the agent holding a conversation (none is an admin) receives its messages.
        extra = sum(1 for c in steady if tally.copies.get(c, 0) > 1)
        p50, p99 = _percentile(latencies, 0.50), _percentile(latencies, 0.99)
        print(
            f"  sent {len(steady)}, seen by an agent {len(latencies)}, lost {lost}; "
            f"reached more than one console: {extra}"
        )
        print(
            f"  customer→agent latency p50 {_ms(p50)} ms, p99 {_ms(p99)} ms, "
            f"max {_ms(latencies[-1] if latencies else None)} ms"
        )
        if lost:
            t0 = time.perf_counter()
            await _wait_for_agents(tally, steady, DRAIN_SECONDS)
            if cpu_start is not None:
                cpu_end = _cpu_seconds(pid)
                assert cpu_end is not None
                handled = sum(1 for c in steady if c in tally.first_seen)
                print(
                    f"  server CPU while it worked through the steady load: "
                    f"{cpu_end - cpu_start:.1f} s for {handled} messages, "
                    f"{1000 * (cpu_end - cpu_start) / max(handled, 1):.1f} ms per message"
                )
            late = sum(1 for c in steady if c in tally.first_seen) - len(latencies)
            drain = time.perf_counter() - t0
            print(
                f"  backlog: {late} of the {lost} lost arrived late, "
                f"{drain:.1f} s after the grace period"
            )
            never = [c for c in steady if c not in tally.first_seen]
            if never:
                owners = {c.split("x", 1)[0] for c in never}
                print(
                    f"  never seen by an agent: {len(never)} from {len(owners)} customers, "
                    f"e.g. {never[:5]}"
                )

        # 2. Saturation, `--repetitions` times on the same customers; the median counts.
        for repetition in range(args.repetitions):
            print(
                f"saturation {repetition + 1}/{args.repetitions}: "
                f"round trips for {args.seconds:g} s …"
            )
            cpu_start = _cpu_seconds(pid)
            wall_start = time.perf_counter()
            completed, timeouts, sat_lost = await saturation_phase(
                customers, args.seconds, tally, args.grace
            )
            saturation_runs.append(completed / args.seconds)
            cpu_end = _cpu_seconds(pid)
            if cpu_start is not None and cpu_end is not None:
                used = cpu_end - cpu_start
                wall = time.perf_counter() - wall_start
                cpu_ms_per_msg = round(1000 * used / max(completed, 1), 2)
                cpu_runs.append(cpu_ms_per_msg)
                print(
                    f"  server CPU: {used:.1f} s in {wall:.1f} s "
                    f"({100 * used / wall:.0f}% of a core), about {cpu_ms_per_msg} ms per message"
                )
            print(
                f"  {completed} round trips: {saturation_runs[-1]:.1f} msg/s; no echo within "
                f"{ROUND_TRIP_TIMEOUT:g} s: {timeouts}; echoed but seen by no agent: {sat_lost}"
            )
        msgs_per_s = statistics.median(saturation_runs)
        # Lost: a customer message of the steady or saturation phases that no agent's console
        # received, after every phase and one more grace period.
        measured = [c for c in tally.sent_at if c[0] in "sr"]
        await _wait_for_agents(tally, measured, args.grace)
        never_seen = sum(1 for c in measured if c not in tally.first_seen)
        print(f"  never seen by an agent, all phases: {never_seen} of {len(measured)}")
        new_errors = {
            k: v - errors_before.get(k, 0)
            for k, v in tally.errors.items()
            if v != errors_before.get(k, 0)
        }
        if tally.errors:
            print(f"  error frames: {tally.errors} (during the phases: {new_errors})")
    finally:
        for customer in customers:
            if customer.socket is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(customer.socket.close(), 5)
        for agent in agents:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(agent.socket.close(), 5)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        if server is not None:
            server.stop()

    # 4. The bare echo server, the same number of connections.
    echo: float | None = None
    ratio: float | None = None
    if not args.compare:
        print(f"echo baseline: {args.customers} connections for {args.seconds:g} s …")
        echo = (await reference_rate("echo", args, compression))[0]
        ratio = msgs_per_s / echo if echo else None
        print(f"  {echo:.1f} round trips/s; Baton / echo = {ratio:.3f}" if ratio else "")

    met = {
        "p99_le_100ms": p99 is not None and p99 * 1000 <= TARGET_P99_MS and lost == 0,
        "ratio_ge_0.10": ratio is not None and ratio >= TARGET_RATIO,
        "kib_le_64": kib_per_customer is not None and kib_per_customer <= TARGET_KIB,
    }
    print("targets: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in met.items()))
    result.update(
        {
            "customers": args.customers,
            "agents": args.agents,
            "workers": args.workers,
            "seconds": args.seconds,
            "steady_rate": args.rate,
            "assigned": assigned,
            "sent": len(steady),
            "late": late,
            "drain_s": round(drain, 1),
            "received": len(latencies),
            "lost": lost,
            "reached_several_consoles": extra,
            "p50_ms": _ms(p50),
            "p99_ms": _ms(p99),
            "msgs_per_s": round(msgs_per_s, 1),
            "saturation_runs": [round(x, 1) for x in saturation_runs],
            "never_seen": never_seen,
            "saturation_timeouts": timeouts,
            "saturation_lost": sat_lost,
            "rss_kib_agents_only": rss_before,
            "rss_kib_sockets_open": rss_sockets,
            "rss_kib_with_customers": rss_after,
            "kib_per_customer": kib_per_customer,
            "echo_msgs_per_s": None if echo is None else round(echo, 1),
            "server_cpu_ms_per_msg": cpu_ms_per_msg,
            "server_cpu_ms_per_msg_median": (
                round(statistics.median(cpu_runs), 2) if cpu_runs else None
            ),
            "load_average": [round(x, 2) for x in load_average],
            "ratio": None if ratio is None else round(ratio, 4),
            "compression": compression or "none",
            "errors": tally.errors,
            "targets_met": met,
        }
    )
    return result


# Demo-shop questions its articles answer with confidence and no sign of trouble. A customer
# asks each once and then starts a new conversation (asked again, a question is a sign the
# answer did not help): the path measured is the bot answering, not a handoff.
BOT_QUESTIONS = (
    "do you accept google pay",
    "will there be any import tax on a delivery to belgium",
    "how often should I hoover my wool rug",
    "I need to update the house number on my order",
    "can the stoneware dinner set go in the dishwasher",
    "which lightbulb fits the ceramic table lamp",
    "what time does your shoreditch shop close on saturday",
    "how long do I have to return something",
)


async def _ask_bot(
    customer: Customer,
    http: httpx.AsyncClient,
    deadline: float,
    tally: Tally,
    compression: str | None,
) -> tuple[int, int, str]:
    """Ask, wait for the bot's answer, ask the next question until `deadline`: the answers in
    time, the handoffs, and why the loop stopped."""
    answered = handoffs = 0
    asked = 0
    reader: asyncio.Task[None] | None = None
    try:
        while time.perf_counter() < deadline:
            if customer.socket is None or asked == len(BOT_QUESTIONS):
                if customer.state not in ("bot", "offered"):
                    handoffs += 1
                if reader is not None:
                    reader.cancel()
                if customer.socket is not None:
                    await customer.socket.close()
                fresh = await start_customer(http, customer.index)
                customer.conversation_id, customer.token = fresh.conversation_id, fresh.token
                customer.state, asked = "bot", 0
                await open_widget(str(http.base_url).rstrip("/"), customer, compression)
                reader = asyncio.create_task(_read_widget(customer, tally))
            assert customer.socket is not None
            client_id = _message(customer, "b", tally)
            waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
            customer.waiting["bot"] = waiter
            await _send(customer, client_id, BOT_QUESTIONS[asked])
            asked += 1
            try:
                back = await asyncio.wait_for(waiter, ROUND_TRIP_TIMEOUT)
            except TimeoutError:
                return answered, handoffs, "timeout"
            if back <= deadline:
                answered += 1
            if customer.state not in ("bot", "offered"):
                asked = len(BOT_QUESTIONS)  # handed over: a new conversation next
        return answered, handoffs, "deadline"
    finally:
        if reader is not None:
            reader.cancel()
        if customer.socket is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(customer.socket.close(), 5)
            customer.socket = None  # the next repetition starts a new conversation


async def run_bot(args: argparse.Namespace) -> dict[str, Any]:
    """Customer messages the bot answers, per second, on one server."""
    compression = None if args.no_compression else "deflate"
    server = await start_server(args)
    args.url = server.url
    print(f"server: {server.url} (pid {server.pid}, log {server.log})")
    tally = Tally()
    customers = [Customer(i, "", "") for i in range(args.customers)]
    runs: list[float] = []
    cpu_runs: list[float] = []
    stopped: dict[str, int] = {}
    handoffs = 0
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    try:
        async with httpx.AsyncClient(base_url=args.url, limits=limits, timeout=60) as http:
            for repetition in range(args.repetitions):
                cpu_start = _cpu_seconds(server.pid)
                deadline = time.perf_counter() + args.seconds
                outcomes = await asyncio.gather(
                    *(_ask_bot(c, http, deadline, tally, compression) for c in customers)
                )
                cpu_end = _cpu_seconds(server.pid)
                answered = sum(n for n, _, _ in outcomes)
                handoffs += sum(h for _, h, _ in outcomes)
                for _, _, why in outcomes:
                    stopped[why] = stopped.get(why, 0) + 1
                runs.append(answered / args.seconds)
                if cpu_start is not None and cpu_end is not None:
                    cpu_runs.append(round(1000 * (cpu_end - cpu_start) / max(answered, 1), 2))
                print(
                    f"  bot {repetition + 1}/{args.repetitions}: {runs[-1]:.1f} answered msg/s, "
                    f"{cpu_runs[-1] if cpu_runs else '?'} ms server CPU per message "
                    f"(a new conversation every {len(BOT_QUESTIONS)} questions included)"
                )
    finally:
        for customer in customers:
            if customer.socket is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(customer.socket.close(), 5)
        server.stop()
    print(f"  handed over: {handoffs}; loops ended by: {stopped}; error frames: {tally.errors}")
    return {
        "customers": args.customers,
        "workers": args.workers,
        "database": "postgresql" if args.database_url else "sqlite",
        "bot_msgs_per_s": round(statistics.median(runs), 1),
        "runs": [round(x, 1) for x in runs],
        "cpu_ms_per_msg": statistics.median(cpu_runs) if cpu_runs else None,
        "stopped": stopped,
        "handoffs": handoffs,
    }


async def bot_path(args: argparse.Namespace) -> dict[str, Any]:
    """The bot path on SQLite and, with the two URLs, on PostgreSQL + Redis, in one run."""
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
    results = []
    setups = [("SQLite", None, None)]
    if args.database_url and args.redis_url:
        setups.append(("PostgreSQL + Redis", args.database_url, args.redis_url))
    for label, database_url, redis_url in setups:
        print(f"--- bot path, {label}, {args.customers} customers")
        one = argparse.Namespace(**vars(args))
        one.url, one.database_url, one.redis_url = None, database_url, redis_url
        results.append(await run_bot(one))
    return {"bot_path": results}


async def compare(args: argparse.Namespace) -> dict[str, Any]:
    """Side by side in one run: the echo server, the plain app, Baton on SQLite, and Baton on
    PostgreSQL + Redis with each worker count of `--sweep`; medians of `--repetitions`."""
    from rich.console import Console
    from rich.table import Table

    compression = None if args.no_compression else "deflate"
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
    rows: list[dict[str, Any]] = []
    for kind, label in (("echo", "echo (websockets + uvloop)"), ("plain", "plain FastAPI app")):
        print(f"{label}: {args.customers} connections, {args.repetitions} × {args.seconds:g} s …")
        cpu: list[float] = []
        rates = await reference_rate(kind, args, compression, args.repetitions, cpu)
        rows.append(
            {
                "setup": label,
                "runs": rates,
                "median": statistics.median(rates),
                "cpu_ms": round(statistics.median(cpu), 2) if cpu else None,
            }
        )
    configurations: list[tuple[str, int, bool]] = []
    if not args.skip_sqlite:
        configurations.append(("Baton, SQLite, 1 process", 1, False))
    configurations += [
        (f"Baton, PostgreSQL + Redis, {w} worker{'s' if w > 1 else ''}", w, True)
        for w in args.sweep
    ]
    for label, workers, shared in configurations:
        print(f"--- {label}")
        one = argparse.Namespace(**vars(args))
        one.workers = workers
        one.url = None
        if not shared:
            one.database_url = None
            one.redis_url = None
        figures = await run(one)
        rows.append(
            {
                "setup": label,
                "runs": figures["saturation_runs"],
                "cpu_ms": figures["server_cpu_ms_per_msg_median"],
                "median": figures["msgs_per_s"],
                "p99_ms": figures["p99_ms"],
                "lost": figures["never_seen"],
                "sent": figures["sent"],
                "kib_per_customer": figures["kib_per_customer"],
            }
        )
    echo, plain = rows[0]["median"], rows[1]["median"]
    table = Table(
        "setup",
        "round trips/s (runs)",
        "median",
        "÷ echo",
        "÷ plain app",
        "CPU ms/msg",
        "steady p99",
        "lost",
        title=f"{args.customers} customers, {args.agents} agents, {args.seconds:g} s phases, "
        f"load average {os.getloadavg()[0]:.2f} at the end",
    )
    for row in rows:
        row["vs_echo"] = round(row["median"] / echo, 3) if echo else None
        row["vs_plain"] = round(row["median"] / plain, 3) if plain else None
        table.add_row(
            row["setup"],
            " / ".join(f"{x:,.0f}" for x in row["runs"]),
            f"{row['median']:,.0f}",
            f"{row['vs_echo']:.3f}",
            f"{row['vs_plain']:.3f}",
            "—" if row.get("cpu_ms") is None else f"{row['cpu_ms']:.2f}",
            "—" if row.get("p99_ms") is None else f"{row['p99_ms']:.1f} ms",
            "—" if "lost" not in row else str(row["lost"]),
        )
    Console(width=140).print(table)
    return {"customers": args.customers, "agents": args.agents, "rows": rows}


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0, help="Length of each phase.")
    parser.add_argument("--rate", type=float, default=300.0, help="Steady msg/s, all customers.")
    parser.add_argument(
        "--grace",
        type=float,
        default=GRACE_SECONDS,
        help="Seconds a message may take before it counts as lost.",
    )
    parser.add_argument("--url", help="An existing server (none: start one).")
    parser.add_argument("--server-pid", type=int, help="With --url: its pid, to read memory.")
    parser.add_argument("--agent-email", default=AGENT_EMAIL, help="Pattern with {i}.")
    parser.add_argument("--agent-password", default=AGENT_PASSWORD)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--compare",
        action="store_true",
        help="Side by side: echo server, plain FastAPI app, Baton on SQLite, and Baton on "
        "PostgreSQL + Redis for each worker count of --sweep (needs the two URLs).",
    )
    parser.add_argument("--sweep", default="1,2,4", help="With --compare: worker counts.")
    parser.add_argument(
        "--bot",
        action="store_true",
        help="The bot path: customer messages the bot answers per second (SQLite, and "
        "PostgreSQL + Redis with the two URLs).",
    )
    parser.add_argument(
        "--skip-sqlite", action="store_true", help="With --compare: no SQLite Baton row."
    )
    parser.add_argument(
        "--repetitions", type=int, help="Saturation runs per server (default 1; --compare 3)."
    )
    parser.add_argument("--server-cpus", help="Pin the servers (taskset -c), e.g. 0.")
    parser.add_argument("--client-cpus", help="Pin this load generator, e.g. 1.")
    parser.add_argument("--database-url", help="With --workers (env BATON_BENCH_DATABASE_URL).")
    parser.add_argument("--redis-url", help="With --workers (env BATON_BENCH_REDIS_URL).")
    parser.add_argument(
        "--no-compression",
        action="store_true",
        help="Clients do not offer permessage-deflate (browsers do).",
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the started server's folder (log, database)."
    )
    args = parser.parse_args(argv)
    if args.customers < 1 or args.agents < 1 or args.seconds <= 0 or args.rate <= 0:
        parser.error("counts, --seconds and --rate must be positive")
    if args.workers > 1 or args.compare or args.bot:
        args.database_url = args.database_url or os.environ.get("BATON_BENCH_DATABASE_URL")
        args.redis_url = args.redis_url or os.environ.get("BATON_BENCH_REDIS_URL")
    if args.compare and not (args.database_url and args.redis_url):
        parser.error("--compare needs --database-url (PostgreSQL) and --redis-url")
    args.sweep = [int(w) for w in args.sweep.split(",") if w.strip()]
    args.repetitions = args.repetitions or (3 if args.compare or args.bot else 1)
    return args


def _cpu_range(part: str) -> range:
    first, _, last = part.partition("-")
    return range(int(first), int(last or first) + 1)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(argv)
    _raise_file_limit(4 * (args.customers + args.agents) + 1024)
    if args.client_cpus:
        cpus = {int(c) for part in args.client_cpus.split(",") for c in _cpu_range(part)}
        os.sched_setaffinity(0, cpus)
    main_task = bot_path(args) if args.bot else compare(args) if args.compare else run(args)
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(main_task)
    else:
        result = uvloop.run(main_task)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
