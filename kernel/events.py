"""Integration events between apps that must not import each other.

A domain app announces something (`event_publish`); whichever app delivers integration events
(today generation's signed webhooks) registers itself as the sender at start-up, from the
composition root. Apps that add event names register them so the sender accepts them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

EventSender = Callable[..., Any]

_sender: EventSender | None = None
_names: dict[str, str] = {}


def event_name_register(name: str, description: str) -> None:
    """Declare an event name an app may publish (shown to operators configuring endpoints)."""
    _names[name] = description


def registered_event_names() -> dict[str, str]:
    return dict(_names)


def event_sender_register(sender: EventSender) -> None:
    """Install the function that queues events: `sender(name=..., payload=..., key=...)`."""
    global _sender
    _sender = sender


def event_publish(*, name: str, payload: dict[str, Any], key: str = "") -> bool:
    """Hand an event to the registered sender; False (and a log line) when none is installed."""
    if _sender is None:
        logger.info("No integration event sender installed; %s not sent.", name)
        return False
    _sender(name=name, payload=payload, key=key)
    return True
