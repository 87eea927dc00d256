"""LLM test fixtures, shared by tests/llm and the artist-creation tests.

Tiny timeouts and backoffs, a clean breaker, only `local` in every chain unless a test
points a provider at a scripted vendor server.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.llm.vendors import VendorServer

# Base URL of each vendor relative to the fake server, as each SDK expects it.
BASE_PATHS = {"openai": "/v1", "deepseek": "/v1", "xai": "/v1", "anthropic": "", "gemini": "", "mistral": ""}


@pytest.fixture(autouse=True)
def fast_llm(settings):
    """Keep retries and backoffs tiny so the whole LLM suite runs in seconds."""
    settings.LLM_TIMEOUT_SECONDS = 2  # only a loaded machine reaches it; tests of timeouts set their own
    settings.LLM_MAX_ATTEMPTS = 3
    settings.LLM_BACKOFF_INITIAL_SECONDS = 0.001
    settings.LLM_BACKOFF_MAX_SECONDS = 0.005
    settings.LLM_RETRY_AFTER_MAX_SECONDS = 0.02
    settings.LLM_COOLDOWN_FAILURES = 3
    settings.LLM_COOLDOWN_SECONDS = 60
    settings.LLM_DAILY_BUDGETS = {}
    settings.LLM_PROVIDERS = {name: {**config, "api_key": ""} for name, config in settings.LLM_PROVIDERS.items()}
    settings.LLM_CHAINS = {role: "local" for role in settings.LLM_ROLES}
    settings.LLM_POLICIES = {role: "ordered" for role in settings.LLM_ROLES}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def vendor():
    server = VendorServer().start()
    yield server
    server.stop()


@pytest.fixture
def use_vendor(settings):
    """Point one provider at a fake server and make it lead the given roles' chains (then `local`)."""

    def configure(provider: str, server: VendorServer | str, *, roles=("author",), chain: str | None = None):
        url = server if isinstance(server, str) else server.url + BASE_PATHS[provider]
        settings.LLM_PROVIDERS = {
            **settings.LLM_PROVIDERS,
            provider: {"api_key": f"test-{provider}-key", "base_url": url, "model": f"{provider}-model"},
        }
        settings.LLM_CHAINS = {**settings.LLM_CHAINS, **{role: chain or f"{provider},local" for role in roles}}

    return configure
