"""Log lines for people or for a log shipper, each carrying the id of the request it served.

`log_format = "json"` writes one JSON object a line (`timestamp`, `level`, `logger`, `message`,
`request_id`, and `exc_info` after an error) through python-json-logger; "text" writes a short
line for a terminal. Uvicorn's access and error logs go through the same handler. The request id
(one per HTTP request and per socket, `web/request_ids.py`) lives in a context variable, so every
line logged while serving a request carries it, whichever module logs it.
"""

from __future__ import annotations

import logging
import logging.config
import re
import uuid
from contextvars import ContextVar
from typing import Any, Literal

from pythonjsonlogger.core import RESERVED_ATTRS

REQUEST_ID: ContextVar[str | None] = ContextVar("baton_request_id", default=None)
# An id a caller sends is kept when it is this plain, so it can be searched for.
_GOOD_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Uvicorn's own extra field, the same message with colours.
_NOT_LOGGED = [*RESERVED_ATTRS, "color_message"]


def request_id_from(incoming: str | None) -> str:
    """The caller's id when it is a plain token, else a new one."""
    if incoming and _GOOD_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def log_config(log_format: Literal["text", "json"], level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` for Baton and uvicorn (uvicorn's `log_config`)."""
    formatter: dict[str, Any]
    if log_format == "json":
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message", "request_id"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,
            "reserved_attrs": _NOT_LOGGED,
        }
    else:
        formatter = {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"baton": formatter},
        "handlers": {
            "baton": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "baton",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["baton"], "level": level},
        "loggers": {
            # Uvicorn's loggers reach the root handler, in the same format as Baton's own.
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": level, "propagate": True},
            "bm25s": {"level": "WARNING"},
        },
    }


def configure_logging(log_format: Literal["text", "json"], level: str = "INFO") -> None:
    logging.config.dictConfig(log_config(log_format, level))
