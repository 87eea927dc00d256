"""Evolution's recurring jobs, registered with kernel.schedules so that `setup_schedules` creates them."""

from __future__ import annotations

from django.conf import settings


def schedule_specs() -> list[dict]:
    return [
        {
            "name": "artist scores refresh",
            "func": "evolution.tasks.refresh_scores",
            "cron": settings.EVOLUTION_SCORES_CRON,
        },
        {
            "name": "evolution plans proposal",
            "func": "evolution.tasks.propose_plans",
            "cron": settings.EVOLUTION_PLAN_CRON,
        },
    ]
