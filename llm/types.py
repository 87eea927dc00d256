"""Value types shared by the router, the provider clients and their callers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from kernel.errors import ApplicationError

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}


class Completion(BaseModel):
    """What `llm.router.complete` returns: the answer, its parsed object and what it cost."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    text: str
    parsed: Any = None
    provider: str
    model: str
    tokens_in: int = 0
    tokens_out: int = 0
    cost: Decimal = Decimal("0")
    latency_ms: int = 0
    template: str | None = None
    template_version: int | None = None


@dataclass(frozen=True)
class ProviderRequest:
    """One attempt as a provider client receives it: the model and the output shape are resolved."""

    messages: list[Message]
    model: str
    temperature: float
    max_tokens: int
    timeout: float
    schema: type[BaseModel] | None = None
    json_schema: dict[str, Any] | None = None
    seed: int = 0
    role: str = ""


@dataclass(frozen=True)
class ProviderResponse:
    """The raw answer of one provider attempt, before parsing and validation."""

    text: str
    tokens_in: int = 0
    tokens_out: int = 0
    model: str = ""


class ProviderError(Exception):
    """A provider attempt failed; the subclass tells the router whether to retry or move on."""

    outcome = "error"
    retryable = False
    # Counts towards the provider's circuit breaker (refusals and bad answers are about content).
    trips_breaker = True

    def __init__(self, message: str, *, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.status = status


class RetryableProviderError(ProviderError):
    """Timeouts, connection errors, 429 and 5xx: worth another attempt on the same provider."""

    outcome = "retryable_error"
    retryable = True


class RefusalError(ProviderError):
    """The model declined on content-policy grounds; another provider may answer."""

    outcome = "refused"
    trips_breaker = False


class ContextLengthError(ProviderError):
    """The prompt does not fit this model's context window; a larger one may take it."""

    trips_breaker = False


class InvalidOutputError(ProviderError):
    """The answer is not JSON, or not valid against the requested schema."""

    outcome = "invalid"
    trips_breaker = False

    def __init__(self, message: str, *, text: str, errors: list[str]) -> None:
        super().__init__(message)
        self.text = text
        self.errors = errors


class LLMUnavailableError(ApplicationError):
    """No provider in the role's chain produced a valid answer."""

    status_code = 503
    code = "llm_unavailable"
