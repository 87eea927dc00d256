"""The failure recorder and the batch gates: how every app reports to monitoring without importing it.

Apps call `failure_report(...)` where something failed for good (a stage, a delivery, an LLM
provider giving up); the `monitoring` app listens on `failure_reported` and groups failures by
`Failure.fingerprint`. The batch scheduler asks `batch_blockers()` before a scheduled cycle;
monitoring registers a gate that answers "critical provider X is down". Neither side imports
the other: kernel is the meeting point (see docs/architecture.md, "Monitoring").
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.dispatch import Signal

from kernel.redaction import redact

logger = logging.getLogger(__name__)

# Sent with `failure=<Failure>`; receivers must never raise into the reporter (send_robust).
failure_reported = Signal()

_NORMALISERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE), "<url>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE), "<uuid>"),
    (re.compile(r"(?:(?<=\s)|(?<=^)|(?<=[('\"=]))(?:[A-Za-z]:)?(?:[.~]{0,2}/|\\)[^\s'\"():,]+"), "<path>"),
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b", re.IGNORECASE), "<hex>"),
    (re.compile(r"\b[A-Za-z0-9_-]*\d[A-Za-z0-9_-]*\b"), "<n>"),
    (re.compile(r"\s+"), " "),
)


def message_normalise(message: str) -> str:
    """A message with the parts that change between occurrences (numbers, ids, paths, URLs) blanked."""
    text = message.strip()
    for pattern, replacement in _NORMALISERS:
        text = pattern.sub(replacement, text)
    return text.strip()[:500]


def fingerprint_of(*, exception_type: str, scope: str, message: str) -> str:
    """The group key: exception type, stage or provider, and the normalised message."""
    key = "\x1f".join((exception_type, scope, message_normalise(message)))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass
class Failure:
    """One failure as reported by an app: where (source and scope), what (type, message), about what."""

    source: str  # stage, delivery, llm, request, event ...
    scope: str  # the stage, provider, distributor or view name
    exception_type: str
    message: str
    run_id: int | None = None
    subject: Any = None  # any saved model instance the failure was about
    exc: BaseException | None = field(default=None, repr=False)

    @property
    def normalised(self) -> str:
        return message_normalise(self.message)

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(exception_type=self.exception_type, scope=self.scope, message=self.message)


def failure_report(
    *,
    source: str,
    scope: str,
    exc: BaseException | None = None,
    exception_type: str = "",
    message: str = "",
    run_id: int | None = None,
    subject: Any = None,
) -> Failure:
    """Tell whoever listens (the monitoring app) that something failed; never raises."""
    if exc is not None:
        exception_type = exception_type or type(exc).__name__
        message = message or str(getattr(exc, "message", "") or exc)
    failure = Failure(
        source=source,
        scope=scope,
        exception_type=exception_type or "Error",
        message=redact(message),  # error groups and Sentry never see a configured secret
        run_id=run_id,
        subject=subject,
        exc=exc,
    )
    for receiver, response in failure_reported.send_robust(sender=source, failure=failure):
        if isinstance(response, Exception):
            logger.warning("Failure recorder %r failed: %s", receiver, response)
    return failure


# --- Batch gates ------------------------------------------------------------------------------
BatchGate = Callable[[], list[str]]
_BATCH_GATES: dict[str, BatchGate] = {}


def register_batch_gate(name: str, gate: BatchGate) -> None:
    """A gate returns reasons not to start a scheduled batch now (an empty list lets it run)."""
    _BATCH_GATES[name] = gate


def batch_blockers() -> list[str]:
    """Every reason a scheduled batch should skip this cycle. A gate that crashes does not block."""
    reasons: list[str] = []
    for name, gate in _BATCH_GATES.items():
        try:
            reasons.extend(gate())
        except Exception:  # a broken gate must not stop production; it is logged loudly instead
            logger.exception("Batch gate %s failed; not blocking the batch", name)
    return reasons
