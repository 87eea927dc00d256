"""django-q entry points of the shared plumbing."""

from __future__ import annotations

from kernel.outbox import outbox_drain, outbox_purge


def drain_outbox() -> dict[str, int]:
    """Scheduled every minute: push hand-overs the broker refused earlier, forget old sent ones."""
    result = outbox_drain()
    result["purged"] = outbox_purge()
    return result
