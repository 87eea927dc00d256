"""Settings for the llm area, read from the environment (see .env.example)."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from kernel.env import env_float, env_str

# One entry per vendor: key, base URL and default model. A provider without a key is
# unavailable (skipped by the router, reported by /readyz and the admin summary page).
LLM_PROVIDERS: dict[str, dict[str, str]] = {
    "openai": {
        "api_key": env_str("OPENAI_API_KEY"),
        "base_url": env_str("OPENAI_BASE_URL", "https://api.openai.com/v1"),
        "model": env_str("OPENAI_MODEL", "gpt-5-mini"),
    },
    "deepseek": {
        "api_key": env_str("DEEPSEEK_API_KEY"),
        "base_url": env_str("DEEPSEEK_BASE_URL", "https://api.deepseek.com"),
        "model": env_str("DEEPSEEK_MODEL", "deepseek-v4-flash"),
    },
    "xai": {
        "api_key": env_str("XAI_API_KEY"),
        "base_url": env_str("XAI_BASE_URL", "https://api.x.ai/v1"),
        "model": env_str("XAI_MODEL", "grok-4-fast"),
    },
    "gemini": {
        "api_key": env_str("GEMINI_API_KEY"),
        "base_url": env_str("GEMINI_BASE_URL", "https://generativelanguage.googleapis.com"),
        "model": env_str("GEMINI_MODEL", "gemini-2.5-flash"),
    },
    "mistral": {
        "api_key": env_str("MISTRAL_API_KEY"),
        "base_url": env_str("MISTRAL_BASE_URL", "https://api.mistral.ai"),
        "model": env_str("MISTRAL_MODEL", "mistral-small-latest"),
    },
    "anthropic": {
        "api_key": env_str("ANTHROPIC_API_KEY"),
        "base_url": env_str("ANTHROPIC_BASE_URL", "https://api.anthropic.com"),
        "model": env_str("ANTHROPIC_MODEL", "claude-haiku-4-5"),
    },
    "local": {"api_key": "", "base_url": "", "model": "default"},
}

# Chains per role: comma-separated `provider:model` (`provider` alone or `provider:default` = its model).
# Unavailable providers are skipped; every default ends in `local` so the product runs offline.
_DEFAULT_CHAINS = {
    "author": "openai,anthropic,gemini,deepseek,mistral,xai,local",
    "helper": "deepseek,gemini,openai,mistral,anthropic,xai,local",
    "validator": "gemini,openai,anthropic,deepseek,mistral,local",
    "lyricist": "anthropic,openai,gemini,mistral,deepseek,xai,local",
    "prompt_writer": "deepseek,gemini,openai,mistral,anthropic,local",
    "reflection": "openai,anthropic,gemini,deepseek,local",
    "analyst": "gemini,openai,deepseek,anthropic,local",
}
LLM_ROLES = tuple(_DEFAULT_CHAINS)
LLM_CHAINS: dict[str, str] = {
    role: env_str(f"LLM_CHAIN_{role.upper()}", chain) for role, chain in _DEFAULT_CHAINS.items()
}
# ordered | cost | latency, per role.
LLM_POLICIES: dict[str, str] = {role: env_str(f"LLM_POLICY_{role.upper()}", "ordered").lower() for role in LLM_ROLES}

# Retries: exponential backoff with jitter for retryable errors only; Retry-After is honoured
# up to LLM_RETRY_AFTER_MAX_SECONDS.
LLM_TIMEOUT_SECONDS = env_float("LLM_TIMEOUT_SECONDS", 60.0)
LLM_MAX_ATTEMPTS = int(env_str("LLM_MAX_ATTEMPTS", "3"))
LLM_BACKOFF_INITIAL_SECONDS = env_float("LLM_BACKOFF_INITIAL_SECONDS", 1.0)
LLM_BACKOFF_MAX_SECONDS = env_float("LLM_BACKOFF_MAX_SECONDS", 20.0)
LLM_RETRY_AFTER_MAX_SECONDS = env_float("LLM_RETRY_AFTER_MAX_SECONDS", 60.0)

# Circuit breaker: after this many consecutive failed attempts a provider rests for the cooldown.
LLM_COOLDOWN_FAILURES = int(env_str("LLM_COOLDOWN_FAILURES", "3"))
LLM_COOLDOWN_SECONDS = env_float("LLM_COOLDOWN_SECONDS", 120.0)

# Daily cost budget per provider in USD, e.g. "openai:5,anthropic:2.5" (unset = unlimited).
LLM_DAILY_BUDGETS: dict[str, float] = {}
for _item in filter(None, (part.strip() for part in env_str("LLM_DAILY_BUDGETS").split(","))):
    _name, _, _amount = _item.partition(":")
    try:
        LLM_DAILY_BUDGETS[_name.strip()] = float(_amount)
    except ValueError:
        raise ImproperlyConfigured(f"LLM_DAILY_BUDGETS: {_item!r} is not provider:USD, e.g. openai:5") from None
# Prices in USD per million tokens (input, output), "provider" or "provider:model" keys, e.g.
# "openai:gpt-5-mini=0.25/2.0,deepseek=0.28/0.42". Built-in defaults live in llm/pricing.py.
LLM_PRICES: dict[str, tuple[float, float]] = {}
for _item in filter(None, (part.strip() for part in env_str("LLM_PRICES").split(","))):
    _key, _, _prices = _item.rpartition("=")
    _in, _, _out = _prices.partition("/")
    try:
        LLM_PRICES[_key.strip()] = (float(_in), float(_out))
    except ValueError:
        raise ImproperlyConfigured(
            f"LLM_PRICES: {_item!r} is not key=in/out, e.g. openai:gpt-5-mini=0.25/2.0"
        ) from None
# Window of recorded calls that the cost and latency policies read.
LLM_STATS_WINDOW_HOURS = int(env_str("LLM_STATS_WINDOW_HOURS", "24"))
LLM_DEFAULT_TEMPERATURE = env_float("LLM_DEFAULT_TEMPERATURE", 0.8)
LLM_DEFAULT_MAX_TOKENS = int(env_str("LLM_DEFAULT_MAX_TOKENS", "2000"))
# Wall-clock budget of one complete() call: once spent, remaining remote providers are skipped
# (recorded) and only `local` is tried, so a task never outlives its worker timeout on retries.
LLM_CALL_BUDGET_SECONDS = env_float("LLM_CALL_BUDGET_SECONDS", 150.0)
