"""Recurring jobs contributed by apps that the schedule owner does not import.

An app registers a function returning its schedule specs (dicts in the shape
`generation.services.schedules.schedule_specs` uses); `setup_schedules` creates them with its own.
"""

from __future__ import annotations

from collections.abc import Callable

SpecProvider = Callable[[], list[dict]]
_providers: list[SpecProvider] = []


def schedules_register(provider: SpecProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def registered_schedule_specs() -> list[dict]:
    """Every registered app's specs, read now (the providers read settings at call time)."""
    return [spec for provider in _providers for spec in provider()]
