"""OpenAI and the OpenAI-compatible endpoints (DeepSeek, xAI Grok), all through the openai SDK."""

from __future__ import annotations

from functools import lru_cache

import openai

from llm.providers.base import retry_after_seconds, status_error, with_json_instruction
from llm.types import ProviderError, ProviderRequest, ProviderResponse, RefusalError, RetryableProviderError

# OpenAI's reasoning models answer 400 to any temperature but the default, so none is sent.
FIXED_TEMPERATURE_MODELS = ("gpt-5", "o1", "o3", "o4")


@lru_cache(maxsize=32)
def _client(api_key: str, base_url: str) -> openai.OpenAI:
    # The router owns retries (it records each attempt), so the SDK must not retry on its own.
    return openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0)


class OpenAICompatibleProvider:
    """Chat Completions; `json_mode` is "json_schema" where the endpoint supports it, else "json_object"."""

    def __init__(
        self, name: str, *, api_key: str, base_url: str, json_mode: str = "json_schema", max_tokens_field: str
    ) -> None:
        self.name = name
        self.api_key = api_key
        self.base_url = base_url
        self.json_mode = json_mode
        self.max_tokens_field = max_tokens_field

    def complete(self, request: ProviderRequest) -> ProviderResponse:
        kwargs: dict = {
            "model": request.model,
            "messages": with_json_instruction(request),
            self.max_tokens_field: request.max_tokens,
            "timeout": request.timeout,
        }
        if not request.model.startswith(FIXED_TEMPERATURE_MODELS):
            kwargs["temperature"] = request.temperature
        if request.json_schema is not None:
            if self.json_mode == "json_schema":
                kwargs["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": request.schema.__name__, "schema": request.json_schema, "strict": False},
                }
            else:
                kwargs["response_format"] = {"type": "json_object"}
        try:
            response = _client(self.api_key, self.base_url).chat.completions.create(**kwargs)
        except openai.APITimeoutError as exc:
            raise RetryableProviderError(f"timeout after {request.timeout:g}s") from exc
        except openai.APIConnectionError as exc:
            raise RetryableProviderError(f"connection error: {exc.__cause__ or exc}") from exc
        except openai.APIStatusError as exc:
            raise status_error(
                exc.status_code,
                f"HTTP {exc.status_code}: {exc.message}",
                retry_after=retry_after_seconds(exc.response.headers),
            ) from exc
        except (openai.OpenAIError, ValueError) as exc:  # ValueError: a body that is not JSON
            raise ProviderError(f"malformed response: {type(exc).__name__}: {exc}") from exc
        if not response.choices:
            raise ProviderError("the response has no choices")
        choice = response.choices[0]
        if getattr(choice.message, "refusal", None):
            raise RefusalError(f"refused: {choice.message.refusal}")
        if choice.finish_reason == "content_filter":
            raise RefusalError("the answer was stopped by the content filter (finish_reason=content_filter)")
        usage = response.usage
        return ProviderResponse(
            text=choice.message.content or "",
            tokens_in=usage.prompt_tokens if usage else 0,
            tokens_out=usage.completion_tokens if usage else 0,
            model=response.model or request.model,
        )
