"""The monitoring jobs `setup_schedules` creates (registered through kernel.schedules)."""

from __future__ import annotations

from django.conf import settings
from django_q.models import Schedule


def schedule_specs() -> list[dict]:
    return [
        {
            "name": "provider health checks",
            "func": "monitoring.tasks.check_providers",
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.HEALTH_CHECK_MINUTES,
        },
        {"name": "weekly report", "func": "monitoring.tasks.make_weekly_report", "cron": settings.WEEKLY_REPORT_CRON},
    ]
