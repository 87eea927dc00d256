from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Audio features, metrics, charts and markets."""

    name = "analytics"
