"""Operators manage webhook endpoints and read event deliveries and Telegram records."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OPERATOR_PERMISSIONS = [
    *(f"generation.{action}_webhookendpoint" for action in ("view", "add", "change", "delete")),
    "generation.view_eventdelivery",
    "generation.view_eventattempt",
    "generation.view_telegrammessage",
    "generation.view_telegramupdate",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("generation")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    operators, _ = Group.objects.get_or_create(name="Operators")
    for dotted in OPERATOR_PERMISSIONS:
        app_label, codename = dotted.split(".")
        operators.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.filter(name="Operators").first()
    if group is not None:
        codenames = [dotted.split(".")[1] for dotted in OPERATOR_PERMISSIONS]
        permissions = Permission.objects.filter(content_type__app_label="generation", codename__in=codenames)
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0004_review_sweep_schedule"),
        ("generation", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
