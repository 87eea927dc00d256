"""The provider registry: which vendors exist, which are configured, and their clients."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from llm.providers.base import Provider

PROVIDER_NAMES = ("openai", "deepseek", "xai", "gemini", "mistral", "anthropic", "local")
KEY_ENV = {
    "openai": "OPENAI_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "xai": "XAI_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
}


def provider_config(name: str) -> dict[str, str]:
    if name not in PROVIDER_NAMES:
        raise ImproperlyConfigured(f"Unknown LLM provider {name!r}; known providers: {', '.join(PROVIDER_NAMES)}.")
    return settings.LLM_PROVIDERS.get(name) or {}


def provider_unavailable_reason(name: str) -> str | None:
    """Why a provider cannot be used right now (None when it can), e.g. "no OPENAI_API_KEY"."""
    if name not in PROVIDER_NAMES:
        return "unknown provider"
    if name == "local":
        return None
    config = provider_config(name)
    if not config.get("api_key"):
        return f"no {KEY_ENV[name]}"
    if not config.get("base_url"):
        return f"no {name.upper()}_BASE_URL"
    return None


def default_model(name: str) -> str:
    return provider_config(name).get("model") or "default"


def get_provider(name: str) -> Provider:
    """The client for a provider; raises ImproperlyConfigured naming the missing variable."""
    config = provider_config(name)
    if name == "local":
        from llm.providers.local import LocalProvider

        return LocalProvider(name)
    if not config.get("api_key"):
        raise ImproperlyConfigured(f"{KEY_ENV[name]} is not set; the {name} provider cannot be used.")
    api_key, base_url = config["api_key"], config.get("base_url", "")
    if name in ("openai", "deepseek", "xai"):
        from llm.providers.openai_compat import OpenAICompatibleProvider

        return OpenAICompatibleProvider(
            name,
            api_key=api_key,
            base_url=base_url,
            # DeepSeek's endpoint accepts json_object but not json_schema response formats.
            json_mode="json_object" if name == "deepseek" else "json_schema",
            max_tokens_field="max_completion_tokens" if name == "openai" else "max_tokens",
        )
    if name == "gemini":
        from llm.providers.gemini import GeminiProvider

        return GeminiProvider(name, api_key=api_key, base_url=base_url)
    if name == "mistral":
        from llm.providers.mistral import MistralProvider

        return MistralProvider(name, api_key=api_key, base_url=base_url)
    from llm.providers.anthropic import AnthropicProvider

    return AnthropicProvider(name, api_key=api_key, base_url=base_url)
