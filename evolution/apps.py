from django.apps import AppConfig


class EvolutionConfig(AppConfig):
    """Performance after release, artist scores, evolution plans, reflection and the market simulation."""

    name = "evolution"

    def ready(self) -> None:
        from evolution.schedules import schedule_specs
        from kernel.schedules import schedules_register

        schedules_register(schedule_specs)
