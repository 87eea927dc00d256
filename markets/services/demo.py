"""A deterministic generator of realistic chart histories, for `make run` and the benchmarks.

Ten countries, 52 weekly charts of 200 rows each. Every country has its own genre mix; some
genres drift slowly over the year; a few breakouts are planted (a genre or a sound that
suddenly takes a large part of one country's chart), so trends, alerts and forecasts have
something real to find. Tracks carry audio features drawn around their genre's sound.
The same seed and end date always give the same charts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.utils import timezone

from markets.features import FEATURES, GLOBAL
from markets.models import Chart, TrackFeatures
from markets.parsers import ParsedChart, ParsedRow
from markets.services.imports import charts_store
from markets.services.profiles import profiles_rebuild

DEMO_COUNTRIES = ["US", "GB", "DE", "FR", "BR", "MX", "JP", "KR", "ES", "IT"]
GENRES = ["pop", "hip-hop", "rock", "electronic", "latin", "k-pop", "r&b", "sertanejo", "reggaeton", "indie"]

# Typical sound of each genre: danceability, energy, valence, acousticness, instrumentalness,
# speechiness, liveness, loudness (dB), tempo (BPM).
_SOUND = {
    "pop": [0.68, 0.66, 0.55, 0.18, 0.01, 0.07, 0.15, -5.8, 118],
    "hip-hop": [0.78, 0.62, 0.45, 0.14, 0.01, 0.26, 0.17, -6.2, 96],
    "rock": [0.50, 0.80, 0.45, 0.06, 0.04, 0.05, 0.20, -5.0, 128],
    "electronic": [0.70, 0.82, 0.42, 0.05, 0.45, 0.06, 0.16, -5.2, 126],
    "latin": [0.75, 0.72, 0.68, 0.20, 0.01, 0.08, 0.14, -5.0, 104],
    "k-pop": [0.70, 0.78, 0.60, 0.10, 0.01, 0.09, 0.15, -4.2, 122],
    "r&b": [0.66, 0.52, 0.42, 0.30, 0.02, 0.10, 0.12, -7.0, 98],
    "sertanejo": [0.62, 0.70, 0.65, 0.40, 0.00, 0.05, 0.55, -4.8, 140],
    "reggaeton": [0.82, 0.74, 0.66, 0.15, 0.01, 0.11, 0.13, -4.6, 95],
    "indie": [0.52, 0.55, 0.40, 0.45, 0.12, 0.04, 0.14, -8.0, 112],
}
_SPREAD = [0.10, 0.12, 0.18, 0.12, 0.05, 0.05, 0.08, 1.6, 14]

# Genre weights per country (relative), and a yearly drift in log-weight per genre.
_MIX = {
    "US": {"pop": 5, "hip-hop": 5, "r&b": 2, "rock": 1, "latin": 1.5, "electronic": 1, "indie": 1},
    "GB": {"pop": 5, "hip-hop": 3, "electronic": 2.5, "indie": 2, "rock": 1.5, "r&b": 1},
    "DE": {"pop": 4, "hip-hop": 5, "electronic": 3, "rock": 1, "indie": 1},
    "FR": {"hip-hop": 6, "pop": 4, "electronic": 2, "r&b": 1, "latin": 0.5},
    "BR": {"sertanejo": 6, "pop": 2, "hip-hop": 2, "latin": 1.5, "electronic": 0.5},
    "MX": {"reggaeton": 4, "latin": 5, "pop": 2, "hip-hop": 1},
    "JP": {"pop": 6, "rock": 3, "k-pop": 2, "indie": 1},
    "KR": {"k-pop": 7, "pop": 2, "hip-hop": 1.5, "r&b": 1, "indie": 0.5},
    "ES": {"reggaeton": 4, "latin": 3, "pop": 3, "hip-hop": 1.5},
    "IT": {"hip-hop": 5, "pop": 4, "latin": 1, "rock": 1, "indie": 1},
}
_DRIFT = {
    "US": {"latin": 0.9, "rock": -0.6},
    "GB": {"electronic": 0.7},
    "DE": {"hip-hop": -0.5, "electronic": 0.6},
    "FR": {"r&b": 0.8},
    "BR": {"pop": 0.5},
    "MX": {"reggaeton": 0.6},
    "JP": {"k-pop": 0.9},
    "KR": {"hip-hop": 0.6},
    "ES": {"latin": -0.4, "reggaeton": 0.4},
    "IT": {"indie": 0.7},
}


@dataclass(frozen=True)
class Breakout:
    """From `week` on, a genre (or a louder, faster sound) floods one country's chart."""

    country: str
    week: int
    genre: str | None = None
    feature: str | None = None
    shift: float = 0.0


BREAKOUTS = [
    Breakout("KR", 40, genre="latin"),
    Breakout("GB", 44, genre="r&b"),
    Breakout("BR", 46, feature="energy", shift=0.22),
    Breakout("DE", 36, feature="tempo", shift=24.0),
]

_WORDS = [
    "midnight",
    "neon",
    "summer",
    "river",
    "golden",
    "echo",
    "velvet",
    "paper",
    "fire",
    "ocean",
    "silver",
    "broken",
    "wild",
    "electric",
    "heart",
    "city",
    "dream",
    "shadow",
    "light",
    "rain",
    "moon",
    "sugar",
    "highway",
    "crystal",
    "thunder",
    "honey",
    "satellite",
    "gravity",
]
_NAMES = [
    "Luna",
    "Nova",
    "Kai",
    "Mila",
    "Rio",
    "Zara",
    "Leo",
    "Sol",
    "Iris",
    "Theo",
    "Maya",
    "Jun",
    "Ana",
    "Noah",
    "Lia",
    "Omar",
    "Eva",
    "Yuki",
    "Caio",
    "Nina",
    "Hana",
    "Enzo",
    "Lara",
    "Milo",
    "Ivy",
]


def last_thursday(today: dt.date) -> dt.date:
    """Spotify's weekly charts are dated on the Thursday that ends their week."""
    return today - dt.timedelta(days=(today.weekday() - 3) % 7)


def demo_charts(
    *, end: dt.date, weeks: int = 52, rows: int = 200, countries: list[str] | None = None, seed: int = 7
) -> tuple[list[ParsedChart], dict[str, str]]:
    """The charts (oldest first) and each track's genre. Features ride on the rows (row.features)."""
    rng = np.random.default_rng(seed)
    countries = countries or DEMO_COUNTRIES
    charts: list[ParsedChart] = []
    genres_of: dict[str, str] = {}
    sound = np.array([_SOUND[g] for g in GENRES])
    spread = np.array(_SPREAD)
    for country in countries:
        if country == GLOBAL:
            continue
        base = np.array([_MIX.get(country, {}).get(g, 0.15) for g in GENRES], dtype=float)
        drift = np.array([_DRIFT.get(country, {}).get(g, 0.0) for g in GENRES])
        breakouts = [b for b in BREAKOUTS if b.country == country]
        made = 0
        current = np.empty(0, dtype=np.int64)  # track serials on the chart, by rank
        genre_of: list[int] = []
        values: list[np.ndarray] = []

        def new_tracks(
            count: int, weights: np.ndarray, shift: np.ndarray, genre_of: list[int], values: list[np.ndarray]
        ) -> np.ndarray:
            nonlocal made
            picks = rng.choice(len(GENRES), size=count, p=weights / weights.sum())
            drawn = sound[picks] + rng.normal(0, 1, (count, len(FEATURES))) * spread + shift
            drawn[:, :7] = np.clip(drawn[:, :7], 0.0, 1.0)
            drawn[:, 7] = np.clip(drawn[:, 7], -30.0, 0.0)
            drawn[:, 8] = np.clip(drawn[:, 8], 60.0, 200.0)
            genre_of.extend(picks.tolist())
            values.extend(drawn)
            serials = np.arange(made, made + count)
            made += count
            return serials

        for week in range(weeks):
            progress = week / max(weeks - 1, 1)
            weights = base * np.exp(drift * progress)
            shift = np.zeros(len(FEATURES))
            churn = 0.12
            for b in breakouts:
                if week >= b.week:
                    if b.genre:
                        weights = weights.copy()
                        weights[GENRES.index(b.genre)] += base.sum() * 0.6
                    if b.feature:
                        shift[FEATURES.index(b.feature)] += b.shift
                if week == b.week:
                    churn = 0.45
            if current.size == 0:
                current = new_tracks(rows, weights, shift, genre_of, values)
            else:
                keep = current[: int(rows * (1 - churn))]
                fresh = new_tracks(rows - keep.size, weights, shift, genre_of, values)
                # Carried tracks move a little; new ones enter anywhere (breakout tracks high).
                score = np.r_[
                    np.arange(keep.size) + rng.normal(0, 12, keep.size), rng.uniform(0, rows * 1.2, fresh.size)
                ]
                current = np.r_[keep, fresh][np.argsort(score, kind="stable")]
            day = end - dt.timedelta(weeks=weeks - 1 - week)
            chart = ParsedChart(source="demo", kind="weekly", country=country, chart_date=day)
            for rank, serial in enumerate(current.tolist(), start=1):
                key = f"demo:{country.lower()}-{serial}"
                features = None
                if key not in genres_of:  # features ride on a track's first appearance only
                    genres_of[key] = GENRES[genre_of[serial]]
                    features = {name: round(float(v), 4) for name, v in zip(FEATURES, values[serial], strict=True)}
                    features.update(key=serial % 12, mode=int(serial % 3 != 0), time_signature=4)
                words = (serial * 7 + len(country)) % len(_WORDS), (serial * 13 + 3) % len(_WORDS)
                chart.rows.append(
                    ParsedRow(
                        line=rank,
                        key=key,
                        title=f"{_WORDS[words[0]].title()} {_WORDS[words[1]].title()}",
                        artists=f"{_NAMES[serial % len(_NAMES)]} {_NAMES[(serial // 7) % len(_NAMES)][0]}.",
                        rank=rank,
                        features=features,
                    )
                )
            charts.append(chart)
    return charts, genres_of


def demo_markets_load(
    *, today: dt.date | None = None, weeks: int = 52, rows: int = 200, countries: list[str] | None = None
) -> int:
    """Store the demo chart history once (idempotent) and build every profile. Returns charts created."""
    if Chart.objects.filter(source=Chart.Source.DEMO).exists():
        return 0
    end = last_thursday(today or timezone.localdate())
    charts, genres = demo_charts(end=end, weeks=weeks, rows=rows, countries=countries)
    outcomes = charts_store(charts, file_name="demo", genres=genres, feature_source=TrackFeatures.Source.DEMO)
    profiles_rebuild(touched=None)
    return sum(1 for outcome in outcomes if outcome.status == "created")
