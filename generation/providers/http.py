"""HTTP plumbing shared by the vendor clients: time-limited steps, retries, polling, downloads.

Every call has a timeout no longer than what is left of its step. 429 (honouring Retry-After),
5xx, timeouts and connection errors are retried with backoff; other 4xx fail at once, because
asking again with the same request cannot help.
"""

from __future__ import annotations

import datetime
import email.utils
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
from django.conf import settings
from django.utils import timezone
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from .errors import ProviderError, ProviderTimeout

T = TypeVar("T")

USER_AGENT = "noktvrn/0.1 (+https://github.com/noktvrn)"


class Step:
    """One step of a provider job (submit, poll, download) with its own time limit."""

    def __init__(self, *, provider: str, name: str, limit: float) -> None:
        self.provider = provider
        self.name = name
        self.limit = limit
        self.deadline = time.monotonic() + limit

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def timeout_error(self, detail: str = "") -> ProviderTimeout:
        suffix = f": {detail}" if detail else ""
        return ProviderTimeout(
            f"{self.provider} {self.name} did not finish within {self.limit:g} s{suffix}",
            provider=self.provider,
            extra={"step": self.name},
        )


class _Retryable(Exception):
    """A response worth asking again for (429 or 5xx)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.retry_after = _retry_after_seconds(response)


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT; a sloppy vendor may leave the zone out
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - timezone.now()).total_seconds())


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, _Retryable | httpx.TimeoutException | httpx.TransportError)


def _retrying(step: Step) -> Retrying:
    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        cap = settings.PROVIDER_RETRY_MAX_WAIT_SECONDS
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            delay = min(exc.retry_after, cap)
        else:
            base = settings.PROVIDER_RETRY_BACKOFF_SECONDS * 2 ** (state.attempt_number - 1)
            delay = min(cap, base) * (0.5 + random.random() / 2)
        return max(0.0, min(delay, step.remaining()))

    def stop(state: RetryCallState) -> bool:
        if stop_after_attempt(settings.PROVIDER_HTTP_MAX_ATTEMPTS)(state) or step.remaining() <= 0:
            return True
        # A vendor asking us to wait past the step's limit: report the rate limit, not a timeout.
        exc = state.outcome.exception() if state.outcome else None
        return isinstance(exc, _Retryable) and exc.retry_after is not None and exc.retry_after >= step.remaining()

    return Retrying(retry=retry_if_exception(_is_retryable), stop=stop, wait=wait, reraise=True)


def _error_snippet(response: httpx.Response) -> str:
    try:
        text = response.text
    except (httpx.ResponseNotRead, UnicodeDecodeError):
        return ""
    return " ".join(text.split())[:300]


def _call_timeout(step: Step) -> float:
    remaining = step.remaining()
    if remaining <= 0:
        raise step.timeout_error()
    return min(settings.PROVIDER_HTTP_TIMEOUT_SECONDS, remaining)


def _translate(exc: BaseException, step: Step, what: str) -> ProviderError:
    """Turn the last retryable failure into the domain error the pipeline understands."""
    if isinstance(exc, _Retryable):
        status = exc.response.status_code
        reason = "rate limited (429)" if status == 429 else f"answered {status}"
        return ProviderError(
            f"{step.provider} {what} {reason}: {_error_snippet(exc.response)}".rstrip(": "),
            provider=step.provider,
            transient=True,
            extra={"status": status, "step": step.name},
        )
    if isinstance(exc, httpx.TimeoutException):
        return step.timeout_error(f"{what} timed out")
    return ProviderError(
        f"{step.provider} {what} failed: {exc}", provider=step.provider, transient=True, extra={"step": step.name}
    )


def request(client: httpx.Client, method: str, url: str, *, step: Step, **kwargs) -> httpx.Response:
    """Send one API request with retries; return the successful response or raise ProviderError."""
    what = f"{method} {httpx.URL(url).path}"
    try:
        for attempt in _retrying(step):
            with attempt:
                response = client.request(method, url, timeout=_call_timeout(step), **kwargs)
                if response.status_code == 429 or response.status_code >= 500:
                    raise _Retryable(response)
    except (_Retryable, httpx.TimeoutException, httpx.TransportError) as exc:
        raise _translate(exc, step, what) from exc
    if response.status_code >= 400:
        raise ProviderError(
            f"{step.provider} {what} answered {response.status_code}: {_error_snippet(response)}",
            provider=step.provider,
            extra={"status": response.status_code, "step": step.name},
        )
    return response


def json_body(response: httpx.Response, *, step: Step) -> dict:
    """The response's JSON object, or a ProviderError saying the vendor sent something else."""
    try:
        data = response.json()
    except ValueError as exc:
        raise ProviderError(
            f"{step.provider} {step.name}: response is not JSON: {_error_snippet(response)}", provider=step.provider
        ) from exc
    if not isinstance(data, dict):
        raise ProviderError(f"{step.provider} {step.name}: expected a JSON object", provider=step.provider)
    return data


def poll(fetch: Callable[[], T | None], *, step: Step, interval: float) -> T:
    """Call `fetch` until it returns a result (None means "not yet"), sleeping `interval` between calls."""
    while True:
        result = fetch()
        if result is not None:
            return result
        if step.remaining() <= 0:
            raise step.timeout_error("job still pending")
        time.sleep(max(0.0, min(interval, step.remaining())))


def download(url: str, dest: Path, *, step: Step, max_bytes: int) -> Path:
    """Stream `url` to `dest` (no vendor credentials are sent: the URL is usually a CDN's)."""
    what = f"download {httpx.URL(url).host}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    with httpx.Client(follow_redirects=True, headers={"User-Agent": USER_AGENT}) as client:
        try:
            for attempt in _retrying(step):
                with attempt, client.stream("GET", url, timeout=_call_timeout(step)) as response:
                    if response.status_code == 429 or response.status_code >= 500:
                        response.read()
                        raise _Retryable(response)
                    if response.status_code >= 400:
                        response.read()
                        raise ProviderError(
                            f"{step.provider} {what} answered {response.status_code}",
                            provider=step.provider,
                            extra={"status": response.status_code, "url": url},
                        )
                    _stream_to(response, dest, step=step, max_bytes=max_bytes)
        except (_Retryable, httpx.TimeoutException, httpx.TransportError) as exc:
            raise _translate(exc, step, what) from exc
    return dest


def _stream_to(response: httpx.Response, dest: Path, *, step: Step, max_bytes: int) -> None:
    written = 0
    with dest.open("wb") as fh:
        for chunk in response.iter_bytes(chunk_size=256 * 1024):
            written += len(chunk)
            if written > max_bytes:
                raise ProviderError(
                    f"{step.provider} download is larger than {max_bytes} bytes", provider=step.provider
                )
            if step.remaining() <= 0:
                raise step.timeout_error("download too slow")
            fh.write(chunk)
    if written == 0:
        raise ProviderError(f"{step.provider} download was empty", provider=step.provider)


def vendor_client(*, headers: dict[str, str] | None = None) -> httpx.Client:
    """An httpx client for one vendor's API (timeouts are set per call from the step)."""
    return httpx.Client(
        headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
        timeout=settings.PROVIDER_HTTP_TIMEOUT_SECONDS,
        follow_redirects=True,
    )
