"""The `baton` command starts without the web app, the store or the bots."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("fastapi", "starlette", "sqlalchemy", "bm25s", "numpy", "vaderSentiment", "uvicorn")
BATON = Path(sys.executable).with_name("baton")


def test_importing_the_command_loads_no_heavy_library() -> None:
    code = (
        "import json, sys\n"
        "import baton.cli\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout) == []


def test_help_lists_every_command() -> None:
    done = subprocess.run(
        [str(BATON), "--help"], capture_output=True, text=True, check=True, timeout=120
    )
    for command in ("serve", "init", "db", "kb", "agent", "contact", "token", "check", "eval"):
        assert command in done.stdout
