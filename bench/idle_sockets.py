"""Memory per idle widget socket: many visitors with the chat open, nobody typing.

Run: `.venv/bin/python bench/idle_sockets.py [--sockets 10000]`. Starts `baton serve` (one
process, SQLite, as `bench/live_chat.py` does), starts the conversations over HTTP, then opens
the widget sockets (each says hello and gets its welcome) and reads the server's RSS before and
after, in steps. Target: 24 KiB per socket. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))

from live_chat import (
    CONCURRENCY,
    Customer,
    _bounded,
    _raise_file_limit,
    _rss_kib,
    open_widget,
    parse,
    start_customer,
    start_server,
)

TARGET_KIB = 24.0


async def run(sockets: int, steps: int, keep: bool) -> dict[str, Any]:
    # The live-chat bench's own settings, without agents to sign in.
    args = parse(["--customers", str(sockets), "--agents", "1"] + (["--keep"] if keep else []))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
    server = await start_server(args)
    assert server.pid is not None
    clients: list[Customer] = []
    try:
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=120) as http:
            t0 = time.perf_counter()
            customers = await _bounded(
                CONCURRENCY,
                [lambda i=i: start_customer(http, i) for i in range(sockets + 1)],  # type: ignore[misc]
            )
            print(f"{len(customers)} conversations started ({time.perf_counter() - t0:.1f} s)")
        # One socket first, so that what the server builds once is not counted per socket.
        await open_widget(server.url, customers[0], None)
        clients.append(customers[0])
        await asyncio.sleep(1.0)
        base = _rss_kib(server.pid)
        print(f"server RSS {base / 1024:.1f} MiB with one widget socket")
        per_step = max(1, sockets // steps)
        figures: list[tuple[int, float]] = []
        opened = 0
        while opened < sockets:
            batch = customers[1 + opened : 1 + min(sockets, opened + per_step)]
            t0 = time.perf_counter()
            await _bounded(
                CONCURRENCY,
                [lambda c=c: open_widget(server.url, c, None) for c in batch],  # type: ignore[misc]
            )
            clients.extend(batch)
            opened += len(batch)
            await asyncio.sleep(2.0)
            rss = _rss_kib(server.pid)
            per_socket = (rss - base) / opened
            figures.append((opened, per_socket))
            print(
                f"{opened} idle sockets ({time.perf_counter() - t0:.1f} s): "
                f"RSS {rss / 1024:.1f} MiB, {per_socket:.1f} KiB per socket"
            )
        kib = figures[-1][1]
        print(
            f"{kib:.1f} KiB per idle widget socket at {sockets} "
            f"(target {TARGET_KIB:g} KiB: {'met' if kib <= TARGET_KIB else 'NOT met'})"
        )
        return {
            "sockets": sockets,
            "rss_kib_one_socket": base,
            "kib_per_socket": round(kib, 1),
            "steps": [{"sockets": n, "kib_per_socket": round(k, 1)} for n, k in figures],
            "load_average": round(os.getloadavg()[0], 2),
        }
    finally:
        for client in clients:
            if client.socket is not None:
                client.socket.transport.abort()
        gc.collect()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sockets", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=4, help="RSS readings while opening.")
    parser.add_argument("--keep", action="store_true", help="Keep the server's folder.")
    args = parser.parse_args()
    _raise_file_limit(2 * args.sockets + 1024)
    import uvloop

    print(json.dumps(uvloop.run(run(args.sockets, args.steps, args.keep))))


if __name__ == "__main__":
    main()
