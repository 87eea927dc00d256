import sys

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Audio features, metrics, charts and markets."""

    name = "analytics"

    def ready(self) -> None:
        # The worker cluster imports the analyser (numpy, scipy, soundfile, soxr) once in the
        # parent process, so the forked workers never pay for it per task. The analyser uses
        # no numba, so there is no JIT compile to warm up.
        if "qcluster" in sys.argv:
            import analytics.audio  # noqa: F401
