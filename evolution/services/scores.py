"""Scores per artist, each explained in words and kept as history (artists.ArtistScore).

- approval_rate: the generation app's one definition (approved / (approved + rejected),
  expired runs apart), over the last EVOLUTION_REVIEW_WINDOW_DAYS;
- performance: mean daily streams of the last EVOLUTION_PERFORMANCE_RECENT_DAYS against the
  EVOLUTION_PERFORMANCE_BASELINE_DAYS before them (1.0 = on baseline), with a jump or fall
  alert when the move is both large (relative change) and unusual (z against the baseline's
  own daily spread) — the artist is compared with itself, not with others;
- compatibility: evolution.compatibility over the target countries' current market profiles.
"""

from __future__ import annotations

import datetime as dt
import statistics
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from artists.models import Artist, ArtistScore
from artists.selectors import artist_current_version
from artists.services import artist_record_score
from evolution.compatibility import MarketSnapshot, compatibility, explain
from evolution.markets import market_snapshots
from evolution.models import PerformanceRecord
from evolution.services.video_learning import video_learning_refresh
from generation.selectors.review import approval_rates

Kind = ArtistScore.Kind


def artist_score_approval(*, artist: Artist, at: datetime | None = None) -> ArtistScore:
    at = at or timezone.now()
    window = settings.EVOLUTION_REVIEW_WINDOW_DAYS
    row = next(iter(approval_rates(by="artist", artist=artist, since=at - timedelta(days=window))), None)
    figures = {"window_days": window, **({k: row[k] for k in ("approved", "rejected", "expired")} if row else {})}
    if row is None or row["rate"] is None:
        value, text = None, f"No review decision in the last {window} days."
    else:
        value = row["rate"]
        text = f"{row['approved']} approved of {row['decided']} decided in the last {window} days ({value:.0%})" + (
            f"; {row['expired']} expired undecided." if row["expired"] else "."
        )
    return artist_record_score(
        artist=artist,
        kind=Kind.APPROVAL_RATE,
        value=value,
        explanation=text,
        figures=figures,
        version=artist_current_version(artist=artist),
        at=at,
    )


def daily_streams(*, artist: Artist, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    """Streams per day over every release, platform and country of the artist (missing days absent)."""
    rows = (
        PerformanceRecord.objects.filter(artist=artist, date__gte=start, date__lte=end)
        .values("date")
        .annotate(streams=Sum("streams"))
    )
    return {row["date"]: row["streams"] for row in rows}


def performance_against_baseline(*, artist: Artist) -> tuple[float | None, str, dict, str]:
    """(ratio, explanation, figures, alert) of recent streams against the artist's own baseline."""
    recent_days = settings.EVOLUTION_PERFORMANCE_RECENT_DAYS
    baseline_days = settings.EVOLUTION_PERFORMANCE_BASELINE_DAYS
    last = PerformanceRecord.objects.filter(artist=artist).order_by("-date").values_list("date", flat=True).first()
    if last is None:
        return None, "No performance imported yet.", {}, ""
    start = last - timedelta(days=recent_days + baseline_days - 1)
    streams = daily_streams(artist=artist, start=start, end=last)
    days = [start + timedelta(days=n) for n in range(recent_days + baseline_days)]
    # A day inside the covered span with no row had no streams; days before the first import are unknown.
    first_known = min(streams)
    series = [(day, streams.get(day, 0)) for day in days if day >= first_known]
    baseline = [value for day, value in series[:-recent_days]] if len(series) > recent_days else []
    recent = [value for _, value in series[-recent_days:]]
    figures = {"last_day": last.isoformat(), "recent_days": len(recent), "baseline_days": len(baseline)}
    if len(baseline) < 7:
        return (
            None,
            f"Only {len(baseline)} baseline days before the last {recent_days}: too early to compare.",
            figures,
            "",
        )
    base_mean = statistics.fmean(baseline)
    base_std = statistics.pstdev(baseline)
    recent_mean = statistics.fmean(recent)
    if base_mean <= 0:
        return None, "No streams in the baseline period.", figures, ""
    ratio = recent_mean / base_mean
    z = (recent_mean - base_mean) / base_std if base_std > 0 else 0.0
    figures.update(
        {"recent_mean": round(recent_mean, 1), "baseline_mean": round(base_mean, 1), "baseline_std": round(base_std, 1)}
    )
    figures.update({"ratio": round(ratio, 3), "z": round(z, 2)})
    alert = ""
    if abs(z) >= settings.EVOLUTION_ALERT_Z and abs(ratio - 1) >= settings.EVOLUTION_ALERT_CHANGE:
        alert = ArtistScore.Alert.JUMP if ratio > 1 else ArtistScore.Alert.FALL
    text = (
        f"{recent_mean:,.0f} streams a day over the last {len(recent)} days against {base_mean:,.0f} over the "
        f"{len(baseline)} days before ({ratio - 1:+.0%}, z {z:+.1f})" + (f": {alert.upper()} alert." if alert else ".")
    )
    return ratio, text, figures, alert


def artist_score_performance(*, artist: Artist, at: datetime | None = None) -> ArtistScore:
    value, text, figures, alert = performance_against_baseline(artist=artist)
    return artist_record_score(
        artist=artist,
        kind=Kind.PERFORMANCE,
        value=value,
        explanation=text,
        figures=figures,
        alert=alert,
        version=artist_current_version(artist=artist),
        at=at,
    )


def artist_score_compatibility(
    *, artist: Artist, markets: dict[str, MarketSnapshot] | None = None, at: datetime | None = None
) -> ArtistScore:
    version = artist_current_version(artist=artist)
    profile = version.profile if version is not None else artist.profile
    countries = list(profile["target_audience"]["countries"])
    markets = market_snapshots(countries, genre=profile["primary_genre"]) if markets is None else markets
    score, fits = compatibility(profile, markets)
    figures = {
        "countries": {
            fit.country: {"score": fit.score, "feature_fit": fit.feature_fit, "genre_fit": fit.genre_fit, "z": fit.z}
            for fit in fits
        },
        "markets": {country: markets[country].label for country in countries if country in markets},
    }
    return artist_record_score(
        artist=artist,
        kind=Kind.COMPATIBILITY,
        value=score,
        explanation=explain(score, fits, countries),
        figures=figures,
        version=version,
        at=at,
    )


def artist_scores_refresh(
    *, artist: Artist, markets: dict[str, MarketSnapshot] | None = None, at: datetime | None = None
) -> list[ArtistScore]:
    """All three scores now (each a new history row)."""
    return [
        artist_score_approval(artist=artist, at=at),
        artist_score_performance(artist=artist, at=at),
        artist_score_compatibility(artist=artist, markets=markets, at=at),
    ]


def scores_refresh_all() -> int:
    """The scheduled refresh: every artist that is not retired (scores and learned video preferences)."""
    artists = list(Artist.objects.exclude(status=Artist.Status.RETIRED))
    for artist in artists:
        artist_scores_refresh(artist=artist)
        video_learning_refresh(artist=artist)
    return len(artists)
