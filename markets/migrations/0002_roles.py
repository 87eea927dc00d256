"""Reviewers read markets; Operators also import charts and manage what the imports produced."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = [
    "chart",
    "charttrack",
    "chartentry",
    "trackfeatures",
    "chartimport",
    "countryprofile",
    "markettrend",
    "marketalert",
    "marketforecast",
]
REVIEWER_PERMISSIONS = [f"view_{model}" for model in MODELS]
OPERATOR_PERMISSIONS = [
    *REVIEWER_PERMISSIONS,
    *(f"{action}_{model}" for model in ("chart", "charttrack", "trackfeatures") for action in ("add", "change", "delete")),
    "add_chartimport",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("markets")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (("Reviewers", REVIEWER_PERMISSIONS), ("Operators", OPERATOR_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="markets", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="markets")
    for group in Group.objects.filter(name__in=["Reviewers", "Operators"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("markets", "0001_initial"),
        ("generation", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
