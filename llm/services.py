"""Operations that change LLM state: prompt template versions, breaker resets."""

from __future__ import annotations

from django.db import transaction

from kernel.errors import ApplicationError
from llm import breaker
from llm.models import PromptTemplate
from llm.providers import PROVIDER_NAMES


@transaction.atomic
def prompt_template_revise(*, name: str, text: str, description: str = "") -> PromptTemplate:
    """A new active version of a template; earlier versions stay, so old calls still name their prompt."""
    text = text.strip()
    if not text:
        raise ApplicationError("A prompt template needs text.")
    latest = PromptTemplate.objects.select_for_update().filter(name=name).order_by("-version").first()
    return PromptTemplate.objects.create(
        name=name, version=(latest.version + 1) if latest else 1, text=text, description=description, is_active=True
    )


def provider_cooldown_reset(*, provider: str) -> None:
    """Let a cooled-down provider be tried again right away (after fixing its key, say)."""
    if provider not in PROVIDER_NAMES:
        raise ApplicationError(f"Unknown LLM provider {provider!r}.")
    breaker.reset(provider)
