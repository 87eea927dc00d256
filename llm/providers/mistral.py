"""Mistral through its own mistralai SDK (`Mistral(api_key).chat.complete`)."""

from __future__ import annotations

from functools import lru_cache

import httpx
import httpx2
from mistralai.client import Mistral
from mistralai.client import errors as mistral_errors

from llm.providers.base import retry_after_seconds, status_error, with_json_instruction
from llm.types import ProviderError, ProviderRequest, ProviderResponse, RefusalError, RetryableProviderError

TIMEOUTS = (httpx.TimeoutException, httpx2.TimeoutException)
TRANSPORT_ERRORS = (httpx.TransportError, httpx2.TransportError)


@lru_cache(maxsize=16)
def _client(api_key: str, base_url: str) -> Mistral:
    # The SDK retries only when given a retry_config; without one the router owns retries.
    return Mistral(api_key=api_key, server_url=base_url)


class MistralProvider:
    """Chat completions; structured answers use `response_format` json_schema."""

    def __init__(self, name: str, *, api_key: str, base_url: str) -> None:
        self.name = name
        self.api_key = api_key
        self.base_url = base_url

    def complete(self, request: ProviderRequest) -> ProviderResponse:
        kwargs: dict = {
            "model": request.model,
            "messages": with_json_instruction(request),
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "random_seed": request.seed % 2**31,
            "timeout_ms": max(1, int(request.timeout * 1000)),
        }
        if request.json_schema is not None:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.schema.__name__, "schema": request.json_schema, "strict": False},
            }
        try:
            response = _client(self.api_key, self.base_url).chat.complete(**kwargs)
        except mistral_errors.MistralError as exc:
            if exc.status_code < 400:  # the SDK could not read a 2xx body
                raise ProviderError(f"malformed response: HTTP {exc.status_code}: {exc.body[:300]}") from exc
            raise status_error(
                exc.status_code,
                f"HTTP {exc.status_code}: {exc.body[:500]}",
                retry_after=retry_after_seconds(exc.headers),
            ) from exc
        except mistral_errors.NoResponseError as exc:
            raise RetryableProviderError(f"no response: {exc}") from exc
        except TIMEOUTS as exc:
            raise RetryableProviderError(f"timeout after {request.timeout:g}s") from exc
        except TRANSPORT_ERRORS as exc:
            raise RetryableProviderError(f"connection error: {exc}") from exc
        except ValueError as exc:  # a body that is not JSON, or not the documented shape
            raise ProviderError(f"malformed response: {type(exc).__name__}: {exc}") from exc
        if not response.choices:
            raise ProviderError("the response has no choices")
        choice = response.choices[0]
        if choice.finish_reason == "content_filter":
            raise RefusalError("the answer was stopped by the content filter (finish_reason=content_filter)")
        content = choice.message.content
        if isinstance(content, list):
            content = "".join(getattr(chunk, "text", "") or "" for chunk in content)
        usage = response.usage
        return ProviderResponse(
            text=content or "",
            tokens_in=(usage.prompt_tokens or 0) if usage else 0,
            tokens_out=(usage.completion_tokens or 0) if usage else 0,
            model=response.model or request.model,
        )
