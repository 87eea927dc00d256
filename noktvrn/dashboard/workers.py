"""The worker cluster's state as django-q reports it, or "unknown" with the reason.

django-q clusters publish their status (`Stat`) into the default cache every few seconds; the
web process can only read it when that cache is shared (database or Redis). A local-memory
cache is private to each process, so the dashboard says so instead of claiming "no workers".
"""

from __future__ import annotations

import logging

from django.conf import settings
from django_q.brokers import get_broker
from django_q.status import Stat

logger = logging.getLogger(__name__)


def _cache_is_shared() -> bool:
    backend = settings.CACHES.get(settings.Q_CLUSTER.get("cache", "default"), {}).get("BACKEND", "")
    return not (backend.endswith("LocMemCache") or backend.endswith("DummyCache"))


def cluster_state() -> dict:
    """{"state": running|stopped|unknown, "reason", "clusters": [...], "queued": int | None}."""
    try:
        broker = get_broker()
    except Exception as exc:  # the broker itself may be down (Redis unreachable)
        logger.warning("dashboard: broker unavailable: %s", exc)
        return {"state": "unknown", "reason": f"broker unavailable ({exc})", "clusters": [], "queued": None}
    try:
        queued = broker.queue_size()
    except Exception as exc:
        logger.warning("dashboard: queue size unavailable: %s", exc)
        queued = None
    if not _cache_is_shared():
        return {
            "state": "unknown",
            "reason": "the cache is local to each process, so clusters cannot report here; "
            "use a database or Redis cache (docs/operations.md)",
            "clusters": [],
            "queued": queued,
        }
    try:
        stats = Stat.get_all(broker=broker)
    except Exception as exc:
        return {"state": "unknown", "reason": f"cluster status unreadable ({exc})", "clusters": [], "queued": queued}
    clusters = [
        {
            "id": str(stat.cluster_id),
            "host": stat.host,
            "status": stat.status,
            "workers": len(stat.workers),
            "uptime_seconds": round(stat.uptime()) if stat.tob else None,
            "reincarnations": stat.reincarnations,
        }
        for stat in stats
    ]
    if not clusters:
        return {
            "state": "stopped",
            "reason": "no cluster has reported in the last few seconds",
            "clusters": [],
            "queued": queued,
        }
    return {"state": "running", "reason": "", "clusters": clusters, "queued": queued}
