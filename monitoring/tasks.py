"""django-q entry points of monitoring: thin wrappers around services."""

from __future__ import annotations

from monitoring.services.health import providers_check
from monitoring.services.reports import weekly_report_make


def check_providers() -> dict[str, bool]:
    """Scheduled every HEALTH_CHECK_MINUTES: check every configured provider and keep the results."""
    return {result.provider: result.ok for result in providers_check()}


def make_weekly_report() -> int:
    """Scheduled by WEEKLY_REPORT_CRON: the report of the week that just ended."""
    return weekly_report_make().pk
