"""Schedule the outbox sweep: hand-overs the broker refused are sent again once it is back."""

from django.conf import settings
from django.db import migrations

NAME = "task outbox sweep"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={
            "func": "kernel.tasks.drain_outbox",
            "schedule_type": "I",
            "minutes": settings.OUTBOX_SWEEP_MINUTES,
            "repeats": -1,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("kernel", "0001_task_outbox"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_schedule, remove_schedule)]
