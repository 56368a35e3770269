"""A Redis server of a test's own, on a port of its own, so the test can stop and start it."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis


def start_redis(binary: str, port: int, folder: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            if client.ping():
                return process
        except redis.ConnectionError:
            time.sleep(0.05)
    raise AssertionError("redis-server did not start")
