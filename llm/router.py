"""The LLM router: one `complete()` for every caller, walking the role's provider chain.

Per provider in the chain: skip it when it has no key, is cooling down (circuit breaker) or
has spent its daily budget; otherwise call it, retrying retryable errors (timeouts,
connection errors, 429 honouring Retry-After, 5xx) with exponential backoff and jitter.
Refusals and context-length errors go straight to the next provider; an answer that is not
valid against the requested schema is re-asked once with the validation errors, then the
next provider is tried. Every attempt and every recorded skip is an `LLMCall` row.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model
from pydantic import BaseModel, ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception, wait_exponential_jitter

from kernel.errors import ApplicationError
from kernel.monitoring import failure_report
from kernel.redaction import redact
from llm import breaker
from llm.models import LLMCall, PromptTemplate
from llm.pricing import call_cost
from llm.providers import PROVIDER_NAMES, default_model, get_provider, provider_unavailable_reason
from llm.selectors import (
    prompt_template_active,
    prompt_template_version,
    provider_routing_stats,
    provider_spend_since,
    start_of_today,
)
from llm.types import Completion, InvalidOutputError, LLMUnavailableError, Message, ProviderError, ProviderRequest

POLICIES = ("ordered", "cost", "latency")
MESSAGE_ROLES = ("system", "user", "assistant")
FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


@dataclass(frozen=True)
class ChainEntry:
    """One `provider:model` step of a chain."""

    provider: str
    model: str

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}"


def parse_chain(spec: str, *, source: str) -> list[ChainEntry]:
    """Parse "deepseek:deepseek-v4-flash,gemini:default,local:default"; unknown providers are errors."""
    entries = []
    for item in spec.split(","):
        if not item.strip():
            continue
        provider, _, model = (part.strip() for part in item.partition(":"))
        provider = provider.lower()
        if provider not in PROVIDER_NAMES:
            raise ImproperlyConfigured(
                f"{source}: unknown LLM provider {provider!r} in {item.strip()!r}; "
                f"known providers: {', '.join(PROVIDER_NAMES)}."
            )
        entries.append(ChainEntry(provider, default_model(provider) if model in ("", "default") else model))
    if not entries:
        raise ImproperlyConfigured(f"{source} names no provider.")
    return entries


def role_chain(role: str, override: str | None = None) -> list[ChainEntry]:
    if role not in settings.LLM_CHAINS:
        raise ApplicationError(f"Unknown LLM role {role!r}.", {"roles": list(settings.LLM_CHAINS)})
    if override:
        return parse_chain(override, source=f"chain for role {role!r}")
    return parse_chain(settings.LLM_CHAINS[role], source=f"LLM_CHAIN_{role.upper()}")


def role_policy(role: str) -> str:
    policy = settings.LLM_POLICIES.get(role, "ordered")
    if policy not in POLICIES:
        raise ImproperlyConfigured(f"LLM_POLICY_{role.upper()}={policy!r}; use one of {', '.join(POLICIES)}.")
    return policy


def order_chain(entries: list[ChainEntry], policy: str) -> list[ChainEntry]:
    """Apply the routing policy. `local` stays last: it is the safety net, not a competitor."""
    if policy == "ordered":
        return entries
    stats = provider_routing_stats()
    remote = [entry for entry in entries if entry.provider != "local"]
    local = [entry for entry in entries if entry.provider == "local"]

    def healthy(entry: ChainEntry) -> bool:
        return provider_unavailable_reason(entry.provider) is None and breaker.cooldown_remaining(entry.provider) == 0

    if policy == "cost":

        def key(entry: ChainEntry) -> tuple:
            seen = stats.get(entry.provider)
            # Without history, estimate a typical call (1000 tokens in, 500 out) from the price list.
            cost = (
                seen.avg_cost
                if seen and seen.avg_cost is not None
                else call_cost(entry.provider, entry.model, 1000, 500)
            )
            return (not healthy(entry), cost)

    else:

        def key(entry: ChainEntry) -> tuple:
            seen = stats.get(entry.provider)
            latency = seen.p50_ms if seen else None
            return (not healthy(entry), latency is None, latency or 0)

    return sorted(remote, key=key) + local


@lru_cache(maxsize=256)
def json_schema_of(schema: type[BaseModel]) -> dict[str, Any]:
    return schema.model_json_schema()


def request_seed(role: str, messages: list[Message], schema: type[BaseModel] | None) -> int:
    """A stable seed per request, so `local` (and providers that take a seed) answer repeatably."""
    payload = json.dumps([role, messages, schema.__name__ if schema else None], sort_keys=True)
    return int.from_bytes(hashlib.blake2b(payload.encode(), digest_size=8).digest(), "big")


def parse_answer(text: str, schema: type[BaseModel] | None) -> BaseModel | None:
    """Validate an answer; raise InvalidOutputError with readable errors when it does not fit."""
    if schema is None:
        if not text.strip():
            raise InvalidOutputError("empty answer", text=text, errors=["the answer was empty"])
        return None
    match = FENCE.match(text)
    cleaned = match.group(1) if match else text.strip()
    try:
        data = json.loads(cleaned)
    except ValueError as exc:
        raise InvalidOutputError(f"answer is not JSON: {exc}", text=text, errors=[f"not valid JSON ({exc})"]) from exc
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        errors = [f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()]
        raise InvalidOutputError(
            f"answer does not match {schema.__name__}: {'; '.join(errors[:5])}", text=text, errors=errors
        ) from exc


def validate_messages(messages: list[Message]) -> list[Message]:
    if not isinstance(messages, list) or not messages:
        raise ApplicationError("An LLM call needs at least one message.")
    clean = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in MESSAGE_ROLES:
            raise ApplicationError(f"Message {index} needs a role among {', '.join(MESSAGE_ROLES)}.")
        if not isinstance(message.get("content"), str):
            raise ApplicationError(f"Message {index} needs text content.")
        clean.append({"role": message["role"], "content": message["content"]})
    return clean


@dataclass
class _Call:
    """Everything one complete() call shares across its attempts."""

    role: str
    messages: list[Message]
    schema: type[BaseModel] | None
    template: PromptTemplate | None
    temperature: float
    max_tokens: int
    subject: Any
    seed: int
    call_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def record(self, entry: ChainEntry, position: int, outcome: str, **fields: Any) -> LLMCall:
        if fields.get("error_message"):
            # Vendor errors can quote the request URL or headers, credentials included.
            fields["error_message"] = redact(fields["error_message"])
        return LLMCall.objects.create(
            provider=entry.provider,
            model=entry.model,
            role=self.role,
            prompt_template=self.template,
            template_name=self.template.name if self.template else "",
            template_version=self.template.version if self.template else None,
            outcome=outcome,
            chain_position=position,
            call_id=self.call_id,
            subject=self.subject,
            **fields,
        )


def _error_class(exc: ProviderError) -> str:
    cause = exc.__cause__
    return f"{type(exc).__name__}({type(cause).__name__})" if cause else type(exc).__name__


def _should_retry(exc: BaseException) -> bool:
    if not isinstance(exc, ProviderError) or getattr(exc, "breaker_opened", False):
        return False
    return exc.retryable or getattr(exc, "reask", False)


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if getattr(exc, "reask", False):
        return 0.0
    if getattr(exc, "retry_after", None) is not None:
        return min(exc.retry_after, settings.LLM_RETRY_AFTER_MAX_SECONDS)
    initial = settings.LLM_BACKOFF_INITIAL_SECONDS
    return wait_exponential_jitter(initial=initial, max=settings.LLM_BACKOFF_MAX_SECONDS, jitter=initial)(state)


def _note_backoff(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    row = getattr(exc, "row", None)
    if row is not None and state.next_action is not None:
        LLMCall.objects.filter(pk=row.pk).update(backoff_ms=round(state.next_action.sleep * 1000))


def _skip_reason(entry: ChainEntry, deadline: float) -> tuple[str, str] | None:
    """(error class, reason) when a configured provider must be skipped right now."""
    if entry.provider != "local" and time.monotonic() >= deadline:
        return "TimeBudgetSpent", f"this call's time budget of {settings.LLM_CALL_BUDGET_SECONDS:g}s is spent"
    remaining = breaker.cooldown_remaining(entry.provider)
    if remaining > 0:
        return "Cooldown", f"cooling down for another {remaining:.1f}s after repeated failures"
    budget = settings.LLM_DAILY_BUDGETS.get(entry.provider)
    if budget is not None:
        spent = provider_spend_since(entry.provider, start_of_today())
        if spent >= Decimal(str(budget)):
            return "BudgetExceeded", f"daily budget of {budget:.2f} USD reached ({spent:.4f} USD spent today)"
    return None


def _call_entry(call: _Call, entry: ChainEntry, position: int) -> Completion:
    """Call one provider with retries and one re-ask; raise its last ProviderError when it gives up."""
    provider = get_provider(entry.provider)
    state = {"messages": call.messages, "reasked": False}

    def stop(retry_state: RetryCallState) -> bool:
        return retry_state.attempt_number >= settings.LLM_MAX_ATTEMPTS + int(state["reasked"])

    def attempt(number: int) -> Completion:
        request = ProviderRequest(
            messages=state["messages"],
            model=entry.model,
            temperature=call.temperature,
            max_tokens=call.max_tokens,
            timeout=settings.LLM_TIMEOUT_SECONDS,
            schema=call.schema,
            json_schema=json_schema_of(call.schema) if call.schema else None,
            seed=call.seed,
            role=call.role,
        )
        started = time.perf_counter()
        try:
            raw = provider.complete(request)
        except ProviderError as exc:
            latency_ms = round((time.perf_counter() - started) * 1000)
            opened = exc.trips_breaker and breaker.record_failure(entry.provider)
            note = f" (cooldown of {settings.LLM_COOLDOWN_SECONDS:g}s started)" if opened else ""
            exc.breaker_opened = opened
            exc.row = call.record(
                entry,
                position,
                exc.outcome,
                attempt=number,
                latency_ms=latency_ms,
                error_class=_error_class(exc),
                error_message=f"{exc.message}{note}"[:5000],
            )
            raise
        latency_ms = round((time.perf_counter() - started) * 1000)
        cost = call_cost(entry.provider, entry.model, raw.tokens_in, raw.tokens_out)
        usage = {"tokens_in": raw.tokens_in, "tokens_out": raw.tokens_out, "cost": cost, "latency_ms": latency_ms}
        try:
            parsed = parse_answer(raw.text, call.schema)
        except InvalidOutputError as exc:
            exc.row = call.record(
                entry,
                position,
                exc.outcome,
                attempt=number,
                error_class="InvalidOutputError",
                error_message=exc.message[:5000],
                **usage,
            )
            if not state["reasked"]:
                state["reasked"] = True
                exc.reask = True
                state["messages"] = [
                    *call.messages,
                    {"role": "assistant", "content": raw.text[:20000]},
                    {
                        "role": "user",
                        "content": "Your answer was not valid:\n- "
                        + "\n- ".join(exc.errors[:20])
                        + "\nReply again with one JSON object only, valid against the schema.",
                    },
                ]
            raise
        breaker.record_success(entry.provider)
        call.record(entry, position, LLMCall.Outcome.SUCCESS, attempt=number, **usage)
        return Completion(
            text=raw.text,
            parsed=parsed,
            provider=entry.provider,
            model=entry.model,
            template=call.template.name if call.template else None,
            template_version=call.template.version if call.template else None,
            **usage,
        )

    retrying = Retrying(
        stop=stop, wait=_wait, retry=retry_if_exception(_should_retry), before_sleep=_note_backoff, reraise=True
    )
    for try_ in retrying:
        with try_:
            completion = attempt(try_.retry_state.attempt_number)
    return completion


def complete(
    *,
    role: str,
    messages: list[Message],
    schema: type[BaseModel] | None = None,
    template: str | None = None,
    template_version: int | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    subject: Model | None = None,
    chain: str | None = None,
) -> Completion:
    """Answer `messages` for `role` through its chain; `parsed` is a `schema` instance when one is given.

    `template` names a PromptTemplate whose newest active version becomes the system prompt;
    `template_version` picks another version of it (an A/B experiment's variant).
    `chain` overrides the role's chain (e.g. from an artist's llm_settings).
    `subject` is the caller's object the call is for (saved; recorded on every attempt).
    Raises LLMUnavailableError (HTTP 503) when no provider answers.
    """
    entries = order_chain(role_chain(role, chain), role_policy(role))
    messages = validate_messages(messages)
    if template and template_version is not None:
        prompt = prompt_template_version(template, template_version)
    else:
        prompt = prompt_template_active(template) if template else None
    if prompt is not None:
        if messages[0]["role"] == "system":
            messages = [{"role": "system", "content": f"{prompt.text}\n\n{messages[0]['content']}"}, *messages[1:]]
        else:
            messages = [{"role": "system", "content": prompt.text}, *messages]
    call = _Call(
        role=role,
        messages=messages,
        schema=schema,
        template=prompt,
        temperature=settings.LLM_DEFAULT_TEMPERATURE if temperature is None else temperature,
        max_tokens=max_tokens or settings.LLM_DEFAULT_MAX_TOKENS,
        subject=subject,
        seed=request_seed(role, messages, schema),
    )
    failures: list[str] = []
    deadline = time.monotonic() + settings.LLM_CALL_BUDGET_SECONDS
    for position, entry in enumerate(entries):
        unavailable = provider_unavailable_reason(entry.provider)
        if unavailable:
            failures.append(f"{entry}: unavailable ({unavailable})")
            continue
        skip = _skip_reason(entry, deadline)
        if skip:
            call.record(entry, position, LLMCall.Outcome.SKIPPED, error_class=skip[0], error_message=skip[1])
            failures.append(f"{entry}: skipped ({skip[1]})")
            continue
        try:
            return _call_entry(call, entry, position)
        except ProviderError as exc:
            failures.append(f"{entry}: {exc.outcome} ({exc.message[:300]})")
            failure_report(
                source="llm",
                scope=entry.provider,
                exception_type=_error_class(exc),
                message=exc.message,
                subject=call.subject,
            )
    raise LLMUnavailableError(
        f"No LLM provider answered for role {role!r}: {'; '.join(failures)}",
        {"role": role, "attempts": failures},
    )
