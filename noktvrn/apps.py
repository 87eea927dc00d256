from django.apps import AppConfig


class NoktvrnConfig(AppConfig):
    """Project-wide pieces: health checks, demo data, shared API plumbing, wiring between apps."""

    name = "noktvrn"
    verbose_name = "noktvrn"

    def ready(self) -> None:
        # The composition root connects apps that must not import each other: events published
        # through kernel.events (markets' alerts) go out as generation's signed webhooks.
        from generation.services.events import event_emit
        from kernel.events import event_sender_register

        event_sender_register(event_emit)
