from django.apps import AppConfig


class NoktvrnConfig(AppConfig):
    """Project-wide pieces: health checks, demo data, shared API plumbing."""

    name = "noktvrn"
    verbose_name = "noktvrn"
