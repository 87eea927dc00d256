"""Project-wide system checks that no single app owns."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_time_limits(app_configs=None, **kwargs) -> list[Error]:
    """A stage must end before the worker kills it, and django-q must not retry a live task.

    django-q2 re-delivers a task after `retry` seconds; if that is not longer than `timeout`,
    a task still running is handed to a second worker.
    """
    errors: list[Error] = []
    q_timeout = settings.Q_CLUSTER.get("timeout")
    q_retry = settings.Q_CLUSTER.get("retry")
    stage_limit = getattr(settings, "STAGE_TIME_LIMIT_SECONDS", None)
    if q_timeout and stage_limit is not None and stage_limit >= q_timeout:
        errors.append(
            Error(
                f"STAGE_TIME_LIMIT_SECONDS ({stage_limit}) must be shorter than the worker timeout "
                f"Q_TIMEOUT_SECONDS ({q_timeout}), or the sweep never sees a stage the worker killed.",
                hint="Lower STAGE_TIME_LIMIT_SECONDS or raise Q_TIMEOUT_SECONDS.",
                id="kernel.E001",
            )
        )
    if q_timeout and q_retry and q_retry <= q_timeout:
        errors.append(
            Error(
                f"Q_CLUSTER retry ({q_retry}) must be longer than its timeout ({q_timeout}), "
                "or a task still running is delivered to a second worker.",
                hint="Raise Q_RETRY_SECONDS or lower Q_TIMEOUT_SECONDS.",
                id="kernel.E002",
            )
        )
    return errors
