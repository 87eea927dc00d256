"""Operators manage performance imports and decide evolution plans; Reviewers read them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["performanceimport", "performancerecord", "evolutionplan"]
ROLE_PERMISSIONS = {
    "Reviewers": [f"evolution.view_{model}" for model in MODELS],
    "Operators": [
        *(f"evolution.{action}_{model}" for model in MODELS for action in ("view", "add", "change", "delete")),
        "evolution.decide_evolutionplan",
    ],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("evolution")
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


class Migration(migrations.Migration):
    dependencies = [
        ("evolution", "0001_initial"),
        ("generation", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
