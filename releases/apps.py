from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    """Releases, their assets and delivery attempts."""

    name = "releases"

    def ready(self) -> None:
        from releases import checks  # noqa: F401 - registers the deployment checks
