"""LLM calls name their subject generically, so the LLM layer depends on no domain app.

Every existing link (run, creation report) is copied to the generic subject before the
foreign keys are dropped.
"""

import django.db.models.deletion
from django.db import migrations, models

LINKS = (("run_id", "generation", "generationrun"), ("creation_report_id", "artists", "creationreport"))


def copy_links(apps, schema_editor):
    LLMCall = apps.get_model("llm", "LLMCall")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for column, app_label, model in LINKS:
        calls = LLMCall.objects.filter(**{f"{column}__isnull": False})
        if not calls.exists():
            continue
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        calls.update(subject_type=content_type, subject_id=models.F(column))


def copy_back(apps, schema_editor):
    LLMCall = apps.get_model("llm", "LLMCall")
    for column, app_label, model in LINKS:
        LLMCall.objects.filter(subject_type__app_label=app_label, subject_type__model=model).update(
            **{column: models.F("subject_id")}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("llm", "0003_seed_prompt_templates"),
    ]

    operations = [
        migrations.AddField(
            model_name="llmcall",
            name="subject_id",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="llmcall",
            name="subject_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.RunPython(copy_links, copy_back),
        migrations.RemoveField(model_name="llmcall", name="creation_report"),
        migrations.RemoveField(model_name="llmcall", name="run"),
        migrations.AddIndex(
            model_name="llmcall",
            index=models.Index(fields=["subject_type", "subject_id"], name="llmcall_subject"),
        ),
    ]
