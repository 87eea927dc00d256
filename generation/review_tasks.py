"""django-q entry points of the review area: thin wrappers that take ids and call services."""

from __future__ import annotations

from generation.services.events import event_deliver
from generation.services.expiry import runs_sweep
from generation.telegram.notify import telegram_messages_close


def deliver_event(delivery_id: int) -> str:
    return event_deliver(delivery_id=delivery_id).status


def sweep_reviews() -> dict[str, int]:
    """Scheduled every REVIEW_SWEEP_MINUTES: autopilot approvals, then expiry."""
    return runs_sweep()


def close_telegram_messages(run_id: int) -> int:
    return telegram_messages_close(run_id=run_id)
