from django.apps import AppConfig


class GenerationConfig(AppConfig):
    """Generation runs, stages, tracks, videos and review decisions."""

    name = "generation"
