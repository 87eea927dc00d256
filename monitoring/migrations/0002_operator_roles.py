"""Operators read the monitoring records (error groups, provider checks, weekly reports)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OPERATOR_PERMISSIONS = [
    "monitoring.view_errorgroup",
    "monitoring.view_erroroccurrence",
    "monitoring.view_providercheck",
    "monitoring.view_weeklyreport",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("monitoring")
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
        permissions = Permission.objects.filter(content_type__app_label="monitoring", codename__in=codenames)
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0001_initial"),
        ("generation", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
