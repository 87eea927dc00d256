"""Token prices, for the cost of each call and the daily budgets. USD per million tokens."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

# List prices as published by the vendors (late 2026); override any of them with LLM_PRICES.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "openai": (0.25, 2.0),
    "openai:gpt-5-mini": (0.25, 2.0),
    "openai:gpt-5": (1.25, 10.0),
    "deepseek": (0.28, 0.42),
    "xai": (0.2, 0.5),
    "gemini": (0.3, 2.5),
    "gemini:gemini-2.5-flash": (0.3, 2.5),
    "gemini:gemini-2.5-pro": (1.25, 10.0),
    "mistral": (0.1, 0.3),
    "anthropic": (1.0, 5.0),
    "anthropic:claude-haiku-4-5": (1.0, 5.0),
    "anthropic:claude-sonnet-4-5": (3.0, 15.0),
    "local": (0.0, 0.0),
}
MILLION = Decimal(1_000_000)


def price_of(provider: str, model: str) -> tuple[float, float]:
    """(input, output) price for a model: exact model first, then the provider's default."""
    prices = {**DEFAULT_PRICES, **settings.LLM_PRICES}
    return prices.get(f"{provider}:{model}") or prices.get(provider) or (0.0, 0.0)


def call_cost(provider: str, model: str, tokens_in: int, tokens_out: int) -> Decimal:
    price_in, price_out = price_of(provider, model)
    cost = (Decimal(str(price_in)) * tokens_in + Decimal(str(price_out)) * tokens_out) / MILLION
    return cost.quantize(Decimal("0.000001"))
