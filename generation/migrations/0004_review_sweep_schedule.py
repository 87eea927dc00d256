"""Schedule the review sweep (autopilot approvals, expiry) with django-q2."""

from django.conf import settings
from django.db import migrations

NAME = "review: autopilot approvals and expiry"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={
            "func": "generation.review_tasks.sweep_reviews",
            "schedule_type": "I",
            "minutes": settings.REVIEW_SWEEP_MINUTES,
            "repeats": -1,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0003_review_events_telegram"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_schedule, remove_schedule)]
