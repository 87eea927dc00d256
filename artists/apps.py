from django.apps import AppConfig


class ArtistsConfig(AppConfig):
    """Virtual artists, their profile history and creation reports."""

    name = "artists"
