"""Read queries for the markets pages, the API and other apps (a fixed, small number of queries each).

`country_profile_current` is the stable interface other apps (evolution) use to learn what a
country's charts sound like now; its return type is a pydantic model so the shape is explicit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from pydantic import BaseModel, Field

from markets.features import FEATURES, SHARE_PREFIX, TEMPO_EDGES, WEEK
from markets.models import Chart, ChartEntry, CountryProfile, MarketAlert, MarketTrend


class FeatureStat(BaseModel):
    """Mean and spread of one audio feature over a period's chart entries."""

    mean: float
    std: float
    n: int = Field(description="Entries with a value for this feature.")


class CurrentProfile(BaseModel):
    """What a country's charts sound like in the latest period built (all genres, or one)."""

    country: str
    genre: str | None = Field(description="None: every genre.")
    period: str
    period_start: dt.date
    period_end: dt.date
    entries: int
    tracks: int
    measured_share: float = Field(description="Share of entries whose track has audio features.")
    features: dict[str, FeatureStat]
    genre_shares: dict[str, float] = Field(description="Share of entries per genre ('' = unknown); all-genre only.")
    tempo_edges: list[int]
    tempo_histogram: list[int]
    key_distribution: dict[str, float]


def country_profile_current(country: str, genre: str | None = None, period: str = WEEK) -> CurrentProfile | None:
    """The latest profile of a country (optionally for one genre), or None when none was built. One query."""
    profile = (
        CountryProfile.objects.filter(country=country.upper(), genre=(genre or "").lower(), period=period)
        .order_by("-period_start")
        .first()
    )
    if profile is None:
        return None
    return CurrentProfile(
        country=profile.country,
        genre=profile.genre or None,
        period=profile.period,
        period_start=profile.period_start,
        period_end=profile.period_end,
        entries=profile.entries,
        tracks=profile.tracks,
        measured_share=profile.measured_share,
        features={name: FeatureStat(**stat) for name, stat in profile.features.items()},
        genre_shares=profile.genre_shares,
        tempo_edges=list(TEMPO_EDGES),
        tempo_histogram=profile.tempo_histogram,
        key_distribution=profile.key_distribution,
    )


def _latest_profiles(period: str, genre: str = "") -> dict[str, CountryProfile]:
    """The latest profile of every country (two queries)."""
    latest = (
        CountryProfile.objects.filter(period=period, genre=genre).values("country").annotate(last=Max("period_start"))
    )
    condition = Q(pk__in=[])
    for row in latest:
        condition |= Q(country=row["country"], period_start=row["last"])
    return {p.country: p for p in CountryProfile.objects.filter(condition, period=period, genre=genre)}


@dataclass
class CountryCard:
    country: str
    profile: CountryProfile
    top_genres: list[tuple[str, float]]
    moving: list[MarketTrend]
    alerts: int
    history: dict = field(default_factory=dict)


def markets_overview(*, period: str = WEEK, history: int = 12) -> list[CountryCard]:
    """One card per country: latest leading genres, the features and shares moving most, recent alerts.

    Five queries whatever the number of countries.
    """
    latest = _latest_profiles(period)
    if not latest:
        return []
    trends: dict[str, list[MarketTrend]] = {}
    for trend in MarketTrend.objects.filter(period=period, genre="").exclude(direction=MarketTrend.Direction.FLAT):
        trends.setdefault(trend.country, []).append(trend)
    newest = max(p.period_start for p in latest.values())
    since = newest - dt.timedelta(weeks=8) if period == WEEK else newest - dt.timedelta(days=366)
    alerts = dict(
        MarketAlert.objects.filter(period=period, period_start__gte=since)
        .values("country")
        .annotate(n=Count("pk"))
        .values_list("country", "n")
    )
    rows = CountryProfile.objects.filter(period=period, genre="", period_start__gt=_back(newest, period, history))
    series: dict[str, list[CountryProfile]] = {}
    for profile in rows.order_by("period_start").only("country", "period_start", "genre_shares"):
        series.setdefault(profile.country, []).append(profile)
    cards = []
    for country, profile in sorted(latest.items()):
        top = sorted(((g, s) for g, s in profile.genre_shares.items() if g), key=lambda item: -item[1])[:3]
        points = series.get(country, [])
        chart = {
            "labels": [p.period_start.isoformat() for p in points],
            "datasets": [
                {"label": genre, "data": [round(p.genre_shares.get(genre, 0.0) * 100, 1) for p in points]}
                for genre, _ in top
            ],
            # A small multiple: the genres and their colours are named above the chart.
            "options": {"plugins": {"legend": {"display": False}}},
        }
        moving = sorted(trends.get(country, []), key=lambda t: -abs(t.strength))[:4]
        for trend in moving:
            trend.label = series_label(trend.series)
        cards.append(CountryCard(country, profile, top, moving, alerts.get(country, 0), chart))
    return cards


def _back(day: dt.date, period: str, count: int) -> dt.date:
    days = {"week": 7, "month": 31, "quarter": 92}[period]
    return day - dt.timedelta(days=days * count)


@dataclass
class CountryDetail:
    country: str
    period: str
    profiles: list[CountryProfile]
    latest: CountryProfile | None
    trends: list[MarketTrend]
    alerts: list[MarketAlert]
    chart: Chart | None
    chart_entries: list[ChartEntry]
    genres: list[str]


def country_detail(*, country: str, period: str = WEEK, chart_rows: int = 50) -> CountryDetail:
    """Everything the country page shows, in six queries."""
    country = country.upper()
    profiles = list(CountryProfile.objects.filter(country=country, genre="", period=period).order_by("period_start"))
    latest = profiles[-1] if profiles else None
    trends = list(MarketTrend.objects.filter(country=country, genre="", period=period))
    alerts = list(MarketAlert.objects.filter(country=country, period=period)[:20])
    chart = Chart.objects.filter(country=country).order_by("-chart_date", "source").first()
    entries = []
    if chart is not None:
        entries = list(
            chart.entries.select_related("track", "track__features").order_by("rank")[:chart_rows],
        )
    totals: dict[str, float] = {}
    for profile in profiles:
        for genre, share in profile.genre_shares.items():
            if genre:
                totals[genre] = totals.get(genre, 0.0) + share
    genres = sorted(totals, key=lambda g: -totals[g])
    return CountryDetail(country, period, profiles, latest, trends, alerts, chart, entries, genres)


def country_chart_data(detail: CountryDetail, *, top_genres: int = 8) -> dict:
    """The JSON the country page's charts draw: feature means with spreads, genre shares, tempo histogram."""
    labels = [p.period_start.isoformat() for p in detail.profiles]
    features = {
        name: {
            "mean": [p.features.get(name, {}).get("mean") for p in detail.profiles],
            "std": [p.features.get(name, {}).get("std") for p in detail.profiles],
        }
        for name in FEATURES
    }
    shares = {
        "labels": labels,
        "datasets": [
            {"label": g, "data": [round(p.genre_shares.get(g, 0.0) * 100, 2) for p in detail.profiles]}
            for g in detail.genres[:top_genres]
        ],
        "yLabel": "% of chart entries",
    }
    tempo = {
        "labels": [f"{a}-{b}" for a, b in zip(TEMPO_EDGES[:-1], TEMPO_EDGES[1:], strict=True)],
        "datasets": [{"label": "entries", "data": detail.latest.tempo_histogram if detail.latest else []}],
        "yLabel": "entries",
    }
    return {"labels": labels, "features": features, "shares": shares, "tempo": tempo}


def genre_across_countries(*, genre: str, period: str = WEEK) -> dict:
    """A genre's share of each country's charts over time, and its latest sound per country (two queries)."""
    genre = genre.lower()
    rows = list(
        CountryProfile.objects.filter(period=period, genre="")
        .order_by("period_start")
        .values_list("country", "period_start", "genre_shares")
    )
    labels = sorted({start for _, start, _ in rows})
    index = {start: i for i, start in enumerate(labels)}
    by_country: dict[str, list[float | None]] = {}
    for country, start, shares in rows:
        by_country.setdefault(country, [None] * len(labels))[index[start]] = round(shares.get(genre, 0.0) * 100, 2)
    present = {c: v for c, v in by_country.items() if any(x for x in v if x)}
    latest = _latest_profiles(period, genre)
    return {
        "genre": genre,
        "chart": {
            "labels": [d.isoformat() for d in labels],
            "datasets": [{"label": c, "data": v} for c, v in sorted(present.items())],
            "yLabel": f"% of entries that are {genre}",
        },
        "profiles": [latest[c] for c in sorted(latest)],
        "share_now": {c: v[-1] for c, v in present.items()},
    }


def alerts_list(*, country: str | None = None, period: str | None = None, series: str | None = None):
    """Alerts, newest period first (a queryset: the page and the API paginate it)."""
    alerts = MarketAlert.objects.all()
    if country:
        alerts = alerts.filter(country=country.upper())
    if period:
        alerts = alerts.filter(period=period)
    if series:
        alerts = alerts.filter(series=series)
    return alerts.order_by("-period_start", "country", "series")


def known_genres() -> list[str]:
    """Every genre seen in the all-genre weekly profiles' shares, most common first (one query)."""
    totals: dict[str, float] = {}
    for shares in CountryProfile.objects.filter(period=WEEK, genre="").values_list("genre_shares", flat=True):
        for genre, share in shares.items():
            if genre:
                totals[genre] = totals.get(genre, 0.0) + share
    return sorted(totals, key=lambda g: -totals[g])


def series_label(series: str) -> str:
    return f"{series[len(SHARE_PREFIX) :]} share" if series.startswith(SHARE_PREFIX) else series
