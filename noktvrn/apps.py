from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


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
        # Large uploads stream to files in this folder of our own (swept of leftovers by
        # analytics' temporary-file sweep); Django needs it to exist.
        Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)

        # Dashboard panels register themselves on import (noktvrn/dashboard/registry.py).
        from importlib import import_module

        from noktvrn.console.artists import ARTIST_PANEL_MODULES
        from noktvrn.dashboard.registry import PANEL_MODULES

        for module in [*PANEL_MODULES, *ARTIST_PANEL_MODULES]:
            import_module(module)
