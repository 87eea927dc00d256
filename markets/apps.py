from django.apps import AppConfig


class MarketsConfig(AppConfig):
    """Charts per country, what they sound like, and where they are heading."""

    name = "markets"
    verbose_name = "markets"

    def ready(self) -> None:
        from kernel.events import event_name_register
        from kernel.schedules import schedules_register
        from markets.services.schedules import schedule_specs

        event_name_register("market.alert", "A genre share or an audio feature left its usual range in a country.")
        schedules_register(schedule_specs)
