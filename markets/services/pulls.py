"""The scheduled pull: live charts for the configured countries, then profiles, then previews.

One vendor failing (down, slow, garbage) is recorded and skipped; the others still land.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kernel.errors import ApplicationError
from markets.clients.charts import SOURCES, LiveChart
from markets.models import ChartTrack
from markets.services.imports import charts_store, tracks_resolve
from markets.services.previews import previews_analyse
from markets.services.profiles import profiles_rebuild

logger = logging.getLogger(__name__)


@dataclass
class PullReport:
    charts: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    previews: int = 0


def _tracks_annotate(live: LiveChart, track_ids: dict[str, int]) -> None:
    """Keep what the vendor said besides the rank: preview URL and Apple id where the track has none."""
    for key, extra in live.extras.items():
        updates = {name: value for name, value in extra.items() if name in ("preview_url", "apple_id") and value}
        if updates and key in track_ids:
            ChartTrack.objects.filter(pk=track_ids[key], **{name: "" for name in updates}).update(**updates)


def charts_pull(*, countries: list[str] | None = None, sources: list[str] | None = None) -> PullReport:
    """Pull every configured source for every configured country and store what arrived."""
    report = PullReport()
    countries = countries or settings.MARKETS_COUNTRIES
    sources = sources or settings.MARKETS_PULL_SOURCES
    touched = set()
    for source in sources:
        client = SOURCES.get(source)
        if client is None:
            report.failures.append(f"{source}: unknown source (known: {', '.join(SOURCES)})")
            continue
        # Deezer's chart is for wherever the caller is: one chart, filed under DEEZER_CHART_COUNTRY.
        targets = [settings.DEEZER_CHART_COUNTRY] if source == "deezer" else countries
        for country in targets:
            try:
                live = client(country, settings.MARKETS_PULL_LIMIT)
            except ImproperlyConfigured as exc:
                report.failures.append(f"{source}: {exc}")
                break
            except ApplicationError as exc:
                report.failures.append(f"{source} {country}: {exc.message}")
                logger.warning("Chart pull %s %s failed: %s", source, country, exc.message)
                continue
            if not live.chart.rows:
                report.failures.append(f"{source} {country}: empty chart")
                continue
            genres = {key: extra["genre"] for key, extra in live.extras.items() if extra.get("genre")}
            outcome = charts_store([live.chart], file_name=f"{source} pull", genres=genres)[0]
            _tracks_annotate(live, tracks_resolve(live.chart.rows))  # ids of the tracks charts_store made
            report.charts.append(f"{source} {live.chart.country} {live.chart.chart_date} {outcome.status}")
            if outcome.status != "unchanged":
                touched.add((live.chart.country, live.chart.chart_date))
    if touched:
        profiles_rebuild(touched=touched)
    report.previews = previews_analyse(limit=settings.MARKETS_PREVIEWS_PER_PULL)
    if report.previews and touched:
        profiles_rebuild(touched=touched)  # the measured features now count
    return report
