"""Who did something and through which door: shared by every app that records history."""

from __future__ import annotations

from typing import Any

from django.db import models


class Channel(models.TextChoices):
    """Where an action came from."""

    WEB = "web", "Web"
    API = "api", "API"
    TELEGRAM = "telegram", "Telegram"
    SYSTEM = "system", "System"
    ADMIN = "admin", "Admin"
    CLI = "cli", "Command line"


def actor_display(actor: Any | None, actor_label: str = "") -> str:
    """A readable name for a recorded actor: the label wins, then the user, then 'system'."""
    if actor_label:
        return actor_label
    if actor is not None and getattr(actor, "pk", None) is not None:
        return actor.get_username()
    return "system"


def user_or_none(user: Any | None) -> Any | None:
    """A real, saved user or None (anonymous users and placeholders are recorded as no one)."""
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return None
    return user
