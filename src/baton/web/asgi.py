"""The app as uvicorn's worker processes build it: settings from the environment.

`baton serve --workers N` sets BATON_CONFIG_FILE (and BATON_SERVE_DEMO for the demo) and points
uvicorn here, so every worker reads the same settings.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from baton.config import load_settings
from baton.demo import apply_demo
from baton.runtime.clock import demo_clock
from baton.web.app import create_app


def create_from_environment() -> FastAPI:
    config = os.environ.get("BATON_CONFIG_FILE")
    demo = os.environ.get("BATON_SERVE_DEMO") == "1"
    settings = load_settings(Path(config) if config else None, demo=demo)
    if demo:
        apply_demo(settings)
    return create_app(settings, server_process=True, clock=demo_clock(os.environ, demo=demo))
