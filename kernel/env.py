"""The one environment reader: every setting the project takes comes through these functions.

Values are stripped; an empty value means "not set". A malformed value raises
ImproperlyConfigured naming the variable, so a typo stops start-up instead of hiding.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def load_dotenv_file(path: Path) -> None:
    """Read `.env` into the environment without overriding what is already set."""
    if os.environ.get("NOKTVRN_IGNORE_DOTENV") == "1" or not path.exists():
        return
    from dotenv import load_dotenv

    load_dotenv(path, override=False)


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}.") from exc


def env_float(name: str, default: float) -> float:
    value = env_str(name)
    if not value:
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}.") from exc


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name).lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list; blanks are dropped."""
    return [item.strip() for item in (env_str(name) or default).split(",") if item.strip()]


def env_int_list(name: str) -> list[int]:
    items = env_list(name)
    try:
        return [int(item) for item in items]
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be comma-separated whole numbers, got {items!r}.") from exc
