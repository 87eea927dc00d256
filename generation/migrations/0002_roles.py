"""Create the Reviewers and Operators groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Reviewers": [
        "artists.view_artist",
        "generation.view_batch",
        "generation.view_generationrun",
        "generation.decide_run",
        "generation.view_runstage",
        "generation.view_track",
        "generation.view_videoclip",
        "generation.view_reviewdecision",
        "analytics.view_audiofeatures",
        "releases.view_release",
    ],
    "Operators": [
        f"{app}.{action}_{model}"
        for app, models in {
            "artists": ["artist", "artistversion", "creationreport"],
            "generation": ["batch", "generationrun", "runstage", "runtransition", "track", "videoclip", "reviewdecision"],
            "releases": ["release", "releaseasset", "delivery"],
            "analytics": ["audiofeatures", "metricevent"],
            "llm": ["llmcall", "prompttemplate"],
        }.items()
        for model in models
        for action in ("view", "add", "change", "delete")
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
            group.permissions.add(permission)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("artists", "0001_initial"),
        ("generation", "0001_initial"),
        ("releases", "0001_initial"),
        ("analytics", "0001_initial"),
        ("llm", "0001_initial"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
