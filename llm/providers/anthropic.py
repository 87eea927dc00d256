"""Anthropic Claude through the anthropic SDK (Messages API)."""

from __future__ import annotations

from functools import lru_cache

import anthropic

from llm.providers.base import retry_after_seconds, split_system, status_error, with_json_instruction
from llm.types import (
    ContextLengthError,
    ProviderError,
    ProviderRequest,
    ProviderResponse,
    RefusalError,
    RetryableProviderError,
)


@lru_cache(maxsize=16)
def _client(api_key: str, base_url: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key=api_key, base_url=base_url, max_retries=0)


class AnthropicProvider:
    """Messages API; structured answers use `output_config.format` with the SDK-transformed schema."""

    def __init__(self, name: str, *, api_key: str, base_url: str) -> None:
        self.name = name
        self.api_key = api_key
        self.base_url = base_url

    def complete(self, request: ProviderRequest) -> ProviderResponse:
        system, messages = split_system(with_json_instruction(request))
        kwargs: dict = {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "messages": messages,
            # This SDK's Messages API no longer takes sampling parameters (temperature is model-controlled).
            "timeout": request.timeout,
        }
        if system:
            kwargs["system"] = system
        if request.schema is not None:
            kwargs["output_config"] = {
                "format": {"type": "json_schema", "schema": anthropic.transform_schema(request.schema)}
            }
        try:
            message = _client(self.api_key, self.base_url).messages.create(**kwargs)
        except anthropic.APITimeoutError as exc:
            raise RetryableProviderError(f"timeout after {request.timeout:g}s") from exc
        except anthropic.APIConnectionError as exc:
            raise RetryableProviderError(f"connection error: {exc.__cause__ or exc}") from exc
        except anthropic.APIStatusError as exc:
            raise status_error(
                exc.status_code,
                f"HTTP {exc.status_code}: {exc.message}",
                retry_after=retry_after_seconds(exc.response.headers),
            ) from exc
        except (anthropic.AnthropicError, ValueError) as exc:  # ValueError: a body that is not JSON
            raise ProviderError(f"malformed response: {type(exc).__name__}: {exc}") from exc
        if message.stop_reason == "refusal":
            raise RefusalError("refused (stop_reason=refusal)")
        if message.stop_reason == "model_context_window_exceeded":
            raise ContextLengthError("the model's context window was exceeded")
        text = "".join(block.text for block in message.content if getattr(block, "type", "") == "text")
        return ProviderResponse(
            text=text,
            tokens_in=message.usage.input_tokens,
            tokens_out=message.usage.output_tokens,
            model=message.model or request.model,
        )
