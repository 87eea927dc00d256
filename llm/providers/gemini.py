"""Google Gemini through google-genai, the maintained successor of google-generativeai."""

from __future__ import annotations

from functools import lru_cache

import httpx
import httpx2
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from llm.providers.base import retry_after_seconds, split_system, status_error
from llm.types import ProviderError, ProviderRequest, ProviderResponse, RefusalError, RetryableProviderError

# Finish reasons that mean "blocked on content grounds", from the API's FinishReason enum.
BLOCKED_FINISH_REASONS = {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "IMAGE_SAFETY"}
TIMEOUTS = (httpx.TimeoutException, httpx2.TimeoutException)
TRANSPORT_ERRORS = (httpx.TransportError, httpx2.TransportError)


@lru_cache(maxsize=16)
def _client(api_key: str, base_url: str, timeout_ms: int) -> genai.Client:
    # No retry_options: the SDK then makes exactly one attempt and the router does the retrying.
    options = types.HttpOptions(base_url=base_url, api_version="v1beta", timeout=timeout_ms)
    return genai.Client(api_key=api_key, http_options=options)


class GeminiProvider:
    """generateContent; structured answers use `response_mime_type` + `response_json_schema`."""

    def __init__(self, name: str, *, api_key: str, base_url: str) -> None:
        self.name = name
        self.api_key = api_key
        self.base_url = base_url

    def complete(self, request: ProviderRequest) -> ProviderResponse:
        system, messages = split_system(request.messages)
        if request.json_schema is not None:
            system = f"{system}\n\nAnswer with one JSON object that validates against the given schema.".strip()
        config = types.GenerateContentConfig(
            system_instruction=system or None,
            temperature=request.temperature,
            max_output_tokens=request.max_tokens,
            seed=request.seed % 2**31,
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        )
        if request.json_schema is not None:
            config.response_mime_type = "application/json"
            config.response_json_schema = request.json_schema
        contents = [
            types.Content(role="model" if m["role"] == "assistant" else "user", parts=[types.Part(text=m["content"])])
            for m in messages
        ]
        client = _client(self.api_key, self.base_url, max(1, int(request.timeout * 1000)))
        try:
            response = client.models.generate_content(model=request.model, contents=contents, config=config)
        except genai_errors.APIError as exc:
            headers = getattr(getattr(exc, "response", None), "headers", None)
            raise status_error(
                exc.code or 0, f"HTTP {exc.code} {exc.status}: {exc.message}", retry_after=retry_after_seconds(headers)
            ) from exc
        except TIMEOUTS as exc:
            raise RetryableProviderError(f"timeout after {request.timeout:g}s") from exc
        except TRANSPORT_ERRORS as exc:
            raise RetryableProviderError(f"connection error: {exc}") from exc
        except ValueError as exc:  # a body that is not JSON, or not the documented shape
            raise ProviderError(f"malformed response: {type(exc).__name__}: {exc}") from exc
        feedback = response.prompt_feedback
        if feedback is not None and feedback.block_reason:
            raise RefusalError(f"prompt blocked ({feedback.block_reason})")
        if not response.candidates:
            raise ProviderError("the response has no candidates")
        candidate = response.candidates[0]
        reason = str(getattr(candidate.finish_reason, "value", candidate.finish_reason) or "")
        if reason in BLOCKED_FINISH_REASONS:
            raise RefusalError(f"answer blocked (finishReason={reason})")
        parts = (candidate.content.parts if candidate.content else None) or []
        text = "".join(part.text or "" for part in parts if not getattr(part, "thought", False))
        usage = response.usage_metadata
        return ProviderResponse(
            text=text,
            tokens_in=(usage.prompt_token_count or 0) if usage else 0,
            tokens_out=(usage.candidates_token_count or 0) if usage else 0,
            model=response.model_version or request.model,
        )
