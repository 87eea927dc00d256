"""The audio features a market profile describes, and the calendar periods it is built for.

Kept apart from the models so that parsers, the demo generator and the forecasting code share
one list without importing the ORM.
"""

from __future__ import annotations

import datetime as dt

# Spotify's audio-feature vocabulary, which imported datasets use and our extractor measures
# (all but liveness). Unit-interval features first; loudness in dB (LUFS when measured), tempo in BPM.
UNIT_FEATURES = ["danceability", "energy", "valence", "acousticness", "instrumentalness", "speechiness", "liveness"]
FEATURES = [*UNIT_FEATURES, "loudness", "tempo"]
FEATURE_RANGES: dict[str, tuple[float, float]] = {
    **{name: (0.0, 1.0) for name in UNIT_FEATURES},
    "loudness": (-60.0, 5.0),
    "tempo": (1.0, 300.0),
}
PITCHES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
TEMPO_EDGES = list(range(60, 201, 10))  # histogram bins; values outside are clipped into the ends
GLOBAL = "GLOBAL"  # the country code of worldwide charts

WEEK, MONTH, QUARTER = "week", "month", "quarter"
PERIODS = [WEEK, MONTH, QUARTER]
SHARE_PREFIX = "share:"


def period_start(day: dt.date, period: str) -> dt.date:
    """The first day of the week (Monday), month or quarter containing `day`."""
    if period == WEEK:
        return day - dt.timedelta(days=day.weekday())
    if period == MONTH:
        return day.replace(day=1)
    if period == QUARTER:
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValueError(f"unknown period {period!r}")


def period_next(start: dt.date, period: str) -> dt.date:
    """The first day of the period after the one starting at `start`."""
    if period == WEEK:
        return start + dt.timedelta(days=7)
    months = 1 if period == MONTH else 3
    month = start.month - 1 + months
    return dt.date(start.year + month // 12, month % 12 + 1, 1)


def period_previous(start: dt.date, period: str) -> dt.date:
    if period == WEEK:
        return start - dt.timedelta(days=7)
    months = 1 if period == MONTH else 3
    month = start.month - 1 - months
    return dt.date(start.year + month // 12, month % 12 + 1, 1)


def series_name(*, feature: str | None = None, genre_share: str | None = None) -> str:
    """A series is a feature mean ('energy') or a genre's share of chart entries ('share:pop')."""
    return feature if feature is not None else f"{SHARE_PREFIX}{genre_share}"
