from django.apps import AppConfig


class EvolutionConfig(AppConfig):
    """Performance after release, artist scores, evolution plans, reflection and the market simulation."""

    name = "evolution"
