"""Markets' recurring job, registered with kernel.schedules so that `setup_schedules` creates it."""

from __future__ import annotations

from django.conf import settings


def schedule_specs() -> list[dict]:
    return [{"name": "market charts pull", "func": "markets.tasks.pull_charts", "cron": settings.MARKETS_PULL_CRON}]
