"""The embedded provider: deterministic, offline, schema-valid, and readable in a demo."""

from __future__ import annotations

from llm.providers.local.compose import build_context, fill_model, write_prose
from llm.providers.local.reflection import reflection_answer
from llm.types import ProviderError, ProviderRequest, ProviderResponse


def _tokens(text: str) -> int:
    """A rough token count (about four characters per token), so local calls have comparable stats."""
    return max(1, len(text) // 4)


class LocalProvider:
    """Writes answers from curated vocabularies; the same request (and seed) gives the same answer."""

    def __init__(self, name: str = "local") -> None:
        self.name = name

    def complete(self, request: ProviderRequest) -> ProviderResponse:
        ctx = build_context(request.messages, request.seed)
        reflection = (
            reflection_answer(request.messages, request.schema)
            if request.role == "reflection" and request.schema is not None
            else None
        )
        if reflection is not None:
            text = reflection
        elif request.schema is not None:
            try:
                text = fill_model(request.schema, ctx).model_dump_json()
            except Exception as exc:  # any schema the writer cannot satisfy is this provider's failure
                raise ProviderError(f"the local writer cannot satisfy {request.schema.__name__}: {exc}") from exc
        else:
            text = write_prose(ctx, request.role)
        prompt = "".join(m["content"] for m in request.messages)
        return ProviderResponse(text=text, tokens_in=_tokens(prompt), tokens_out=_tokens(text), model=request.model)
