"""The pipeline's recurring jobs, created idempotently (by name) and editable in the admin afterwards.

The review sweep's schedule is created by the migration generation/0004_review_sweep_schedule.
"""

from __future__ import annotations

from django.conf import settings
from django_q.models import Schedule

from kernel.schedules import registered_schedule_specs


def schedule_specs() -> list[dict]:
    specs = [
        {"name": "generation batch", "func": "generation.tasks.start_batch", "cron": settings.BATCH_CRON},
        {
            "name": "artist lifecycle sweep",
            "func": "generation.tasks.evaluate_lifecycle",
            "cron": settings.LIFECYCLE_SWEEP_CRON,
        },
        {
            "name": "stuck run sweep",
            "func": "generation.tasks.recover_stuck_runs",
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.STUCK_SWEEP_MINUTES,
        },
        {
            "name": "vendor job check",
            "func": "generation.tasks.check_vendor_jobs",
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.VENDOR_CHECK_MINUTES,
        },
        {
            "name": "stuck artist creation sweep",
            "func": "artists.tasks.recover_creations",
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.STUCK_SWEEP_MINUTES,
        },
    ]
    # Jobs of apps this one must not import (markets' chart pulls), registered in their AppConfig.ready.
    specs.extend(registered_schedule_specs())
    return specs


def schedules_ensure() -> list[str]:
    created = []
    for spec in schedule_specs():
        spec = dict(spec)
        name = spec.pop("name")
        if "cron" in spec:
            spec["schedule_type"] = Schedule.CRON
        _, was_created = Schedule.objects.get_or_create(name=name, defaults={**spec, "repeats": -1})
        if was_created:
            created.append(name)
    return created
