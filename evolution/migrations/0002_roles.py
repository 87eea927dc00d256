"""Operators manage performance imports and decide evolution plans; Reviewers read them and the scores."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["performanceimport", "performancerecord", "evolutionplan"]
ROLE_PERMISSIONS = {
    "Reviewers": [*(f"evolution.view_{model}" for model in MODELS), "artists.view_artistscore"],
    "Operators": [
        *(f"evolution.{action}_{model}" for model in MODELS for action in ("view", "add", "change", "delete")),
        "evolution.decide_evolutionplan",
        "artists.view_artistscore",
    ],
}


def grant(apps, schema_editor):
    for label in ("evolution", "artists"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="evolution"))
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="artists", codename="view_artistscore"))


class Migration(migrations.Migration):
    dependencies = [
        ("evolution", "0001_initial"),
        ("artists", "0003_artistscore"),
        ("generation", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
