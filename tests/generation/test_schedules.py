"""Recurring jobs: created once, and edits made in the admin survive later runs."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django_q.models import Schedule

pytestmark = pytest.mark.django_db


def test_setup_schedules_is_idempotent_and_keeps_admin_edits(settings):
    settings.BATCH_CRON = "*/10 * * * *"
    call_command("setup_schedules", stdout=StringIO())
    batch = Schedule.objects.get(name="generation batch")
    assert (batch.func, batch.schedule_type, batch.cron) == (
        "generation.tasks.start_batch",
        Schedule.CRON,
        "*/10 * * * *",
    )
    assert Schedule.objects.get(name="stuck run sweep").func == "generation.tasks.recover_stuck_runs"
    assert Schedule.objects.get(name="artist lifecycle sweep").func == "generation.tasks.evaluate_lifecycle"
    batch.cron = "0 * * * *"  # an operator's edit in the admin
    batch.save()
    out = StringIO()
    call_command("setup_schedules", stdout=out)
    assert "0 created" in out.getvalue()
    assert Schedule.objects.get(name="generation batch").cron == "0 * * * *"
    assert Schedule.objects.filter(name="generation batch").count() == 1


def test_scheduled_tasks_run(settings):
    from generation.tasks import evaluate_lifecycle, recover_stuck_runs, start_batch
    from tests.factories import ArtistFactory

    settings.MIN_ACTIVE_ARTISTS = 0
    assert recover_stuck_runs() == {"requeued": 0, "failed": 0, "releases": 0}
    assert evaluate_lifecycle() == {}
    ArtistFactory()
    batch_id = start_batch(size=1)
    from generation.models import Batch

    assert Batch.objects.get(pk=batch_id).runs.count() == 1
