from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    """Releases, their assets and delivery attempts."""

    name = "releases"
