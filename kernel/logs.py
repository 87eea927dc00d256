"""Structured logs: a request id or run id on every line, JSON or text (LOG_FORMAT).

`RequestIdMiddleware` takes `X-Request-ID` from the proxy (or makes one), puts it in a context
variable for the request and echoes it in the response. The stage runner sets the run id with
`log_context(run_id=...)`. `ContextFilter` copies both onto every record, so the formatters
(and any other filter in LOGGING, such as secret redaction) see them as plain attributes.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
run_id_var: ContextVar[str] = ContextVar("run_id", default="")

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is echoed only when it looks like an id (no header injection, bounded length).
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged too.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}


@contextmanager
def log_context(*, run_id: int | str | None = None, request_id: str | None = None) -> Iterator[None]:
    """Within the block, every log line carries these ids."""
    tokens = []
    if run_id is not None:
        tokens.append((run_id_var, run_id_var.set(str(run_id))))
    if request_id is not None:
        tokens.append((request_id_var, request_id_var.set(request_id)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class ContextFilter(logging.Filter):
    """Adds `request_id` and `run_id` (empty when unknown) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get()
        if not getattr(record, "run_id", ""):
            record.run_id = run_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, ids, extra fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "run_id"):
            if getattr(record, key, ""):
                entry[key] = getattr(record, key)
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The plain format, with `[request_id]` or `[run N]` when known."""

    def format(self, record: logging.LogRecord) -> str:
        ids = []
        if getattr(record, "request_id", ""):
            ids.append(f"req={record.request_id}")
        if getattr(record, "run_id", ""):
            ids.append(f"run={record.run_id}")
        record.ids = f" [{' '.join(ids)}]" if ids else ""
        return super().format(record)


class RequestIdMiddleware:
    """Honours or makes `X-Request-ID`, keeps it for the request's log lines and echoes it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        with log_context(request_id=request_id):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response
