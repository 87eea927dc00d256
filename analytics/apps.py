import sys

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Audio features, metrics, charts and markets."""

    name = "analytics"

    def ready(self) -> None:
        from analytics import checks  # noqa: F401  (registers the system checks)
        from kernel.schedules import schedules_register

        schedules_register(schedule_specs)
        # The worker cluster imports the analyser (numpy, scipy, soundfile, soxr) once in the
        # parent process, so the forked workers never pay for it per task. The analyser uses
        # no numba, so there is no JIT compile to warm up.
        if "qcluster" in sys.argv:
            import analytics.audio  # noqa: F401


def schedule_specs() -> list[dict]:
    from django.conf import settings
    from django_q.models import Schedule

    return [
        {
            "name": "analysis sweep",
            "func": "analytics.tasks.sweep_analysis_jobs",
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.ANALYSIS_SWEEP_MINUTES,
        }
    ]
