"""System checks of the analytics area."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

# The web timeout documented in docs/operations.md (gunicorn --timeout); the analysis limit
# stays under it so that no deployment can hold a request or a worker longer than that.
GUNICORN_TIMEOUT_SECONDS = 60


@register()
def check_analysis_time_limit(app_configs=None, **kwargs) -> list[Error]:
    """One analysis must end well before the worker (and the documented web timeout) kills it."""
    limit = settings.AUDIO_ANALYSIS_TIME_LIMIT_SECONDS
    q_timeout = settings.Q_CLUSTER.get("timeout") or 0
    bound = min(GUNICORN_TIMEOUT_SECONDS, q_timeout) if q_timeout else GUNICORN_TIMEOUT_SECONDS
    if limit >= bound:
        return [
            Error(
                f"AUDIO_ANALYSIS_TIME_LIMIT_SECONDS ({limit:g}) must be shorter than {bound} s "
                f"(the gunicorn timeout of {GUNICORN_TIMEOUT_SECONDS} s and Q_TIMEOUT_SECONDS ({q_timeout})).",
                hint="Lower AUDIO_ANALYSIS_TIME_LIMIT_SECONDS.",
                id="analytics.E001",
            )
        ]
    return []
