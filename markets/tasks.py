"""django-q entry points for markets: thin, they call services."""

from __future__ import annotations

from markets.services.forecasts import forecasts_refresh
from markets.services.profiles import profiles_rebuild
from markets.services.pulls import charts_pull


def pull_charts() -> dict:
    """Scheduled (MARKETS_PULL_CRON): live charts, profiles, previews."""
    report = charts_pull()
    return {"charts": report.charts, "failures": report.failures, "previews": report.previews}


def rebuild_profiles() -> int:
    return profiles_rebuild(touched=None).profiles


def refresh_forecasts(period: str = "week") -> int:
    """Precompute the forecasts the country pages show (they are otherwise computed on first view)."""
    return forecasts_refresh(period=period)
