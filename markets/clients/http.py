"""One HTTP path for the markets vendors: a timeout on every call, retries on 429/5xx honouring Retry-After.

A Retry-After longer than MARKETS_HTTP_MAX_RETRY_AFTER_SECONDS is not waited for: the call fails
with VendorUnavailable and the next scheduled pull tries again. Other 4xx fail at once.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from pydantic import BaseModel, ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from kernel.errors import ApplicationError

USER_AGENT = "noktvrn-markets/1 (+https://github.com/noktvrn)"


class VendorError(ApplicationError):
    """A chart or preview vendor could not give a usable answer."""

    status_code = 502
    code = "vendor_error"


class VendorUnavailable(VendorError):
    """The vendor kept failing (429, 5xx, timeouts) after the allowed attempts."""

    status_code = 503
    code = "vendor_unavailable"


class VendorPayloadError(VendorError):
    """The vendor answered, but not in its documented format."""

    code = "vendor_payload"


class Retryable(Exception):
    """A response worth asking again for (429, 5xx, or a vendor's own 'slow down' error)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def retry_after_seconds(response: httpx.Response) -> float | None:
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
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, Retryable) and exc.retry_after is not None:
        return exc.retry_after
    return min(0.5 * 2 ** (state.attempt_number - 1), 8.0)


def _retry(exc: BaseException) -> bool:
    if isinstance(exc, Retryable):
        limit = settings.MARKETS_HTTP_MAX_RETRY_AFTER_SECONDS
        return exc.retry_after is None or exc.retry_after <= limit
    return isinstance(exc, httpx.TimeoutException | httpx.TransportError)


def _call(vendor: str, method: str, url: str, **kwargs) -> httpx.Response:
    try:
        response = httpx.request(
            method,
            url,
            timeout=settings.MARKETS_HTTP_TIMEOUT_SECONDS,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=True,
            **kwargs,
        )
    except (httpx.TimeoutException, httpx.TransportError):
        raise
    if response.status_code == 429 or response.status_code >= 500:
        raise Retryable(f"{vendor} answered HTTP {response.status_code}", retry_after_seconds(response))
    if response.status_code >= 400:
        raise VendorError(
            f"{vendor} refused the request: HTTP {response.status_code} {response.text[:200]}",
            extra={"vendor": vendor, "status": response.status_code},
        )
    return response


def request_with_retries(vendor: str, method: str, url: str, check=None, **kwargs) -> httpx.Response:
    """Send one request, retried as the module docstring says; `check(response)` may raise Retryable too."""

    def attempt() -> httpx.Response:
        response = _call(vendor, method, url, **kwargs)
        if check is not None:
            check(response)
        return response

    retrying = Retrying(
        stop=stop_after_attempt(max(settings.MARKETS_HTTP_MAX_ATTEMPTS, 1)),
        wait=_wait,
        retry=retry_if_exception(_retry),
        reraise=True,
    )
    try:
        return retrying(attempt)
    except Retryable as exc:
        raise VendorUnavailable(f"{exc} (gave up after retries)", extra={"vendor": vendor}) from exc
    except (httpx.TimeoutException, httpx.TransportError) as exc:
        raise VendorUnavailable(
            f"{vendor} could not be reached: {type(exc).__name__}: {exc}", extra={"vendor": vendor}
        ) from exc


def get_json(vendor: str, url: str, *, params: dict | None = None, check=None) -> Any:
    """GET a JSON document (retried); a body that is not JSON is a VendorPayloadError."""
    response = request_with_retries(vendor, "GET", url, check=check, params=params)
    try:
        return response.json()
    except ValueError as exc:
        raise VendorPayloadError(
            f"{vendor} answered something that is not JSON: {response.text[:120]!r}", extra={"vendor": vendor}
        ) from exc


def parse(vendor: str, model: type[BaseModel], payload: Any) -> BaseModel:
    """Validate a payload against the vendor's documented shape, with a readable error."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise VendorPayloadError(
            f"{vendor} answered in an unexpected format ({where}: {first['msg']}).", extra={"vendor": vendor}
        ) from exc


def download(vendor: str, url: str, dest: Path, *, max_bytes: int) -> Path:
    """Stream a file to `dest`, refusing anything larger than `max_bytes` (checked as it arrives)."""
    try:
        with httpx.stream(
            "GET",
            url,
            timeout=settings.MARKETS_HTTP_TIMEOUT_SECONDS,
            headers={"User-Agent": USER_AGENT},
            follow_redirects=True,
        ) as response:
            if response.status_code >= 400:
                raise VendorError(f"{vendor} preview download failed: HTTP {response.status_code}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise VendorError(f"{vendor} preview is {declared} bytes; the limit is {max_bytes}.")
            size = 0
            with dest.open("wb") as handle:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise VendorError(f"{vendor} preview is larger than the {max_bytes} byte limit.")
                    handle.write(chunk)
    except (httpx.TimeoutException, httpx.TransportError) as exc:
        raise VendorUnavailable(f"{vendor} preview could not be downloaded: {exc}") from exc
    if size == 0:
        raise VendorError(f"{vendor} preview is empty.")
    return dest
