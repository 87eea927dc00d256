"""Scheduled tasks follow the review tasks into generation.tasks (generation.review_tasks is gone)."""

from django.db import migrations

RENAMES = {
    "generation.review_tasks.sweep_reviews": "generation.tasks.sweep_reviews",
    "generation.review_tasks.deliver_event": "generation.tasks.deliver_event",
    "generation.review_tasks.close_telegram_messages": "generation.tasks.close_telegram_messages",
    "analytics.tasks.analyse_track": "generation.tasks.analyse_track",
}


def rename(apps, schema_editor, mapping=RENAMES):
    Schedule = apps.get_model("django_q", "Schedule")
    for old, new in mapping.items():
        Schedule.objects.filter(func=old).update(func=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, {new: old for old, new in RENAMES.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ("generation", "0005_review_roles"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
