"""What every provider client shares: the interface, Retry-After parsing, JSON instructions."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping
from typing import Protocol

from llm.types import Message, ProviderRequest, ProviderResponse


class Provider(Protocol):
    """One vendor behind one small interface; errors are raised as `llm.types.ProviderError`s."""

    name: str

    def complete(self, request: ProviderRequest) -> ProviderResponse: ...


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from `retry-after-ms` or `Retry-After` (seconds or an HTTP date)."""
    if not headers:
        return None
    value = headers.get("retry-after-ms")
    if value:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def json_instruction(request: ProviderRequest) -> str:
    """The system-prompt addendum for a structured answer; every provider gets it, native schema or not."""
    return (
        "Answer with one JSON object only, no prose and no code fences. "
        f"It must validate against this JSON schema:\n{json.dumps(request.json_schema, separators=(',', ':'))}"
    )


def with_json_instruction(request: ProviderRequest) -> list[Message]:
    """Messages with the JSON instruction folded into the (first) system message."""
    if request.json_schema is None:
        return list(request.messages)
    instruction = json_instruction(request)
    messages = list(request.messages)
    if messages and messages[0]["role"] == "system":
        messages[0] = {"role": "system", "content": f"{messages[0]['content']}\n\n{instruction}"}
    else:
        messages.insert(0, {"role": "system", "content": instruction})
    return messages


def split_system(messages: list[Message]) -> tuple[str, list[Message]]:
    """System text apart from the conversation, for vendors that take it as a separate field."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    return system, [m for m in messages if m["role"] != "system"]


def status_error(status: int, message: str, *, retry_after: float | None, refusal_markers: tuple[str, ...] = ()):
    """Map an HTTP error status to the router's error classes (no retry on 4xx other than 408/409/429)."""
    from llm.types import ContextLengthError, ProviderError, RefusalError, RetryableProviderError

    lowered = message.lower()
    if status in (408, 409, 429) or status >= 500:
        return RetryableProviderError(message, retry_after=retry_after, status=status)
    if any(marker in lowered for marker in CONTEXT_MARKERS):
        return ContextLengthError(message, status=status)
    if any(marker in lowered for marker in (*REFUSAL_MARKERS, *refusal_markers)):
        return RefusalError(message, status=status)
    return ProviderError(message, status=status)


CONTEXT_MARKERS = (
    "context_length_exceeded",
    "context length",
    "context window",
    "maximum context",
    "prompt is too long",
    "too many tokens",
    "exceeds the maximum number of tokens",
)
REFUSAL_MARKERS = ("content_policy_violation", "content_filter", "content policy", "safety system", "prohibited")
