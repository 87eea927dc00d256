"""Country profiles: what each country's charts sound like per genre and period, built with numpy.

Entries, charts and track features are read in three narrow queries and turned into arrays;
every statistic (means, spreads, genre shares, tempo and key distributions, best ranks,
movers, newcomers) is a grouped reduction (`np.unique`, `np.bincount`, sorting), never a
Python loop over chart rows. Python loops run only over the resulting profiles.

A rebuild is incremental when given the (country, chart date) pairs that changed: only the
week, month and quarter containing each date (and the period after it, whose movers compare
against it) are recomputed and replaced. History — every earlier period — is kept.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db.models import Max, Min
from django.utils import timezone

from kernel.locks import exclusive
from markets.features import FEATURES, PERIODS, PITCHES, TEMPO_EDGES, period_next, period_previous, period_start
from markets.models import Chart, ChartEntry, ChartTrack, CountryProfile, TrackFeatures
from markets.services.bulk import insert_many, json_value
from markets.services.trends import trends_refresh

logger = logging.getLogger(__name__)

TOP_MOVERS = 10
_KEY_NAMES = [f"{pitch} {mode}" for pitch in PITCHES for mode in ("minor", "major")]  # index key*2 + mode


@dataclass
class BuildReport:
    profiles: int
    periods: int
    entries: int
    seconds: float


@dataclass
class _Data:
    """The entries of the charts in scope, as parallel arrays."""

    country: np.ndarray  # country code per entry (index into countries)
    day: np.ndarray  # chart date per entry, as numpy datetime64[D]
    source: np.ndarray
    track: np.ndarray  # track id
    rank: np.ndarray
    genre: np.ndarray  # genre code per entry (index into genres; 0 is unknown '')
    values: np.ndarray  # entries x FEATURES, NaN where unknown
    key: np.ndarray  # key*2+mode, -1 unknown
    countries: list[str]
    sources: list[str]
    genres: list[str]


def _load(chart_filter: dict) -> _Data | None:
    charts = list(Chart.objects.filter(**chart_filter).values_list("id", "country", "chart_date", "source"))
    if not charts:
        return None
    chart_ids = np.array([c[0] for c in charts], dtype=np.int64)
    countries = sorted({c[1] for c in charts})
    sources = sorted({c[3] for c in charts})
    chart_country = np.array([countries.index(c[1]) for c in charts], dtype=np.int64)
    chart_day = np.array([c[2] for c in charts], dtype="datetime64[D]")
    chart_source = np.array([sources.index(c[3]) for c in charts], dtype=np.int64)
    order = np.argsort(chart_ids)
    chart_ids, chart_country, chart_day, chart_source = (
        chart_ids[order],
        chart_country[order],
        chart_day[order],
        chart_source[order],
    )

    entries = ChartEntry.objects.filter(chart__in=Chart.objects.filter(**chart_filter))
    raw = np.array(list(entries.values_list("chart_id", "track_id", "rank")), dtype=np.int64).reshape(-1, 3)
    if raw.size == 0:
        return None
    position = np.searchsorted(chart_ids, raw[:, 0])
    track_ids = raw[:, 1]

    # Tracks and features of the tracks in scope, as arrays indexed through searchsorted.
    in_scope = entries.values("track_id")
    tracks = list(ChartTrack.objects.filter(pk__in=in_scope).values_list("id", "genre"))
    genres = ["", *sorted({g for _, g in tracks if g})]
    genre_index = {g: i for i, g in enumerate(genres)}
    t_ids = np.array([t[0] for t in tracks], dtype=np.int64)
    t_genre = np.array([genre_index[t[1]] for t in tracks], dtype=np.int64)
    t_order = np.argsort(t_ids)
    t_ids, t_genre = t_ids[t_order], t_genre[t_order]

    columns = ["track_id", *FEATURES, "key", "mode"]
    feats = list(TrackFeatures.objects.filter(track_id__in=in_scope).values_list(*columns))
    f_ids = np.array([f[0] for f in feats], dtype=np.int64)
    f_values = np.array([f[1 : 1 + len(FEATURES)] for f in feats], dtype=float).reshape(-1, len(FEATURES))
    f_key = np.array(
        [(f[-2] * 2 + f[-1]) if f[-2] is not None and f[-1] is not None else -1 for f in feats], dtype=np.int64
    )
    f_order = np.argsort(f_ids)
    f_ids, f_values, f_key = f_ids[f_order], f_values[f_order], f_key[f_order]

    t_pos = np.searchsorted(t_ids, track_ids)
    f_pos = np.searchsorted(f_ids, track_ids) if f_ids.size else np.zeros_like(track_ids)
    has_features = f_ids.size > 0
    found = np.zeros(len(track_ids), dtype=bool)
    if has_features:
        clipped = np.minimum(f_pos, f_ids.size - 1)
        found = f_ids[clipped] == track_ids
    values = np.full((len(track_ids), len(FEATURES)), np.nan)
    key = np.full(len(track_ids), -1, dtype=np.int64)
    if has_features:
        values[found] = f_values[np.minimum(f_pos, f_ids.size - 1)[found]]
        key[found] = f_key[np.minimum(f_pos, f_ids.size - 1)[found]]
    return _Data(
        country=chart_country[position],
        day=chart_day[position],
        source=chart_source[position],
        track=track_ids,
        rank=raw[:, 2],
        genre=t_genre[t_pos],
        values=values,
        key=key,
        countries=countries,
        sources=sources,
        genres=genres,
    )


def _period_starts(days: np.ndarray, period: str) -> np.ndarray:
    """Each day's period start, vectorised (weeks start on Monday)."""
    if period == "week":
        # 1970-01-01 was a Thursday: shift so that Monday is day 0 of each 7-day block.
        offset = (days.astype(np.int64) + 3) % 7
        return days - offset.astype("timedelta64[D]")
    months = days.astype("datetime64[M]")
    if period == "quarter":
        index = months.astype(np.int64)
        months = (index - index % 3).astype("datetime64[M]")
    return months.astype("datetime64[D]")


def _grouped_stats(group: np.ndarray, groups: int, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group and feature: count, mean and standard deviation of the non-NaN values."""
    present = ~np.isnan(values)
    filled = np.where(present, values, 0.0)
    counts = np.stack([np.bincount(group, weights=present[:, j], minlength=groups) for j in range(values.shape[1])], 1)
    sums = np.stack([np.bincount(group, weights=filled[:, j], minlength=groups) for j in range(values.shape[1])], 1)
    squares = np.stack(
        [np.bincount(group, weights=filled[:, j] ** 2, minlength=groups) for j in range(values.shape[1])], 1
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
        variance = np.maximum(squares / counts - means**2, 0.0)
    return counts, means, np.sqrt(variance)


def _top_per_group(group: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores within each group (ties: first seen)."""
    order = np.lexsort((-score, group))
    sorted_group = group[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    first_of = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    within = np.arange(len(order)) - first_of
    return order[within < k]


def _build(data: _Data, period: str, wanted: set[tuple[str, dt.date]] | None) -> list[CountryProfile]:
    """Profiles of one period type for every (country, period) in the data, or only those `wanted`."""
    starts = _period_starts(data.day, period)
    unique_starts, start_idx = np.unique(starts, return_inverse=True)
    n_starts = len(unique_starts)
    n_genres = len(data.genres)
    n_countries = len(data.countries)
    start_dates = [d.item() for d in unique_starts]
    # Where the calendar's previous period sits among the periods present (-1 when absent).
    date_index = {d: i for i, d in enumerate(start_dates)}
    previous_idx = np.array([date_index.get(period_previous(d, period), -1) for d in start_dates], dtype=np.int64)

    # Group ids: genre slot 0 is "all genres", slot g+1 is genre g (g=0, unknown, is not profiled).
    slots = n_genres + 1
    base = data.country * n_starts + start_idx
    all_group = base * slots
    genre_group = base * slots + data.genre + 1
    group = np.concatenate([all_group, genre_group[data.genre > 0]])
    take = np.concatenate([np.arange(len(base)), np.flatnonzero(data.genre > 0)])
    n_groups = n_countries * n_starts * slots

    counts, means, stds = _grouped_stats(group, n_groups, data.values[take])
    entries = np.bincount(group, minlength=n_groups)
    measured = np.bincount(group, weights=(~np.isnan(data.values[take]).all(axis=1)).astype(float), minlength=n_groups)
    shares = np.bincount(all_group * n_genres + data.genre, minlength=n_groups * n_genres).reshape(n_groups, n_genres)
    tempo = data.values[take, FEATURES.index("tempo")]
    tempo_bin = np.clip(
        np.searchsorted(np.asarray(TEMPO_EDGES), np.nan_to_num(tempo, nan=-1), side="right") - 1, 0, None
    )
    tempo_bins = len(TEMPO_EDGES) - 1
    tempo_bin = np.minimum(tempo_bin, tempo_bins - 1)
    tempo_ok = ~np.isnan(tempo)
    tempo_hist = np.bincount(
        group[tempo_ok] * tempo_bins + tempo_bin[tempo_ok], minlength=n_groups * tempo_bins
    ).reshape(n_groups, tempo_bins)
    keys = data.key[take]
    key_ok = keys >= 0
    key_hist = np.bincount(group[key_ok] * 24 + keys[key_ok], minlength=n_groups * 24).reshape(n_groups, 24)
    n_sources = len(data.sources)
    source_hist = np.bincount(group * n_sources + data.source[take], minlength=n_groups * n_sources).reshape(
        n_groups, n_sources
    )

    # Best rank of each track in each group: sort by (group, track, rank), keep the first.
    tracks = data.track[take]
    ranks = data.rank[take]
    order = np.lexsort((ranks, tracks, group))
    g_sorted, t_sorted, r_sorted = group[order], tracks[order], ranks[order]
    first = np.r_[True, (g_sorted[1:] != g_sorted[:-1]) | (t_sorted[1:] != t_sorted[:-1])]
    best_group, best_track, best_rank = g_sorted[first], t_sorted[first], r_sorted[first]
    distinct_tracks = np.bincount(best_group, minlength=n_groups)

    # The same group one period earlier, and the track's best rank there (searchsorted on a combined key).
    slot = best_group % slots
    b_base = best_group // slots
    b_start = b_base % n_starts
    b_country = b_base // n_starts
    prev_start = previous_idx[b_start]
    prev_group = np.where(prev_start >= 0, (b_country * n_starts + prev_start) * slots + slot, -1)
    combined = best_group * (best_track.max() + 1) + best_track
    lookup = prev_group * (best_track.max() + 1) + best_track
    pos = np.clip(np.searchsorted(combined, lookup), 0, len(combined) - 1)
    in_previous = (prev_group >= 0) & (combined[pos] == lookup)
    prev_rank = np.where(in_previous, best_rank[pos], 0)
    previous_exists = np.zeros(n_groups, dtype=bool)
    previous_exists[np.unique(best_group)] = True
    has_previous = (prev_group >= 0) & previous_exists[np.maximum(prev_group, 0)]

    climb = np.where(in_previous, prev_rank - best_rank, -1)
    mover_idx = _top_per_group(best_group, np.where(climb > 0, climb, -1).astype(float), TOP_MOVERS)
    mover_idx = mover_idx[climb[mover_idx] > 0]
    newcomer_mask = has_previous & ~in_previous
    new_idx = np.flatnonzero(newcomer_mask)
    new_idx = new_idx[_top_per_group(best_group[new_idx], -best_rank[new_idx].astype(float), TOP_MOVERS)]

    listed = np.unique(np.concatenate([best_track[mover_idx], best_track[new_idx]]))
    names = dict(
        (pk, (title, artists))
        for pk, title, artists in ChartTrack.objects.filter(pk__in=listed.tolist()).values_list(
            "id", "title", "artists"
        )
    )

    def track_rows(indices: np.ndarray, with_previous: bool) -> dict[int, list[dict]]:
        rows: dict[int, list[dict]] = {}
        for i in indices[np.lexsort((best_rank[indices], best_group[indices]))]:
            title, artists = names.get(int(best_track[i]), ("", ""))
            row = {"track_id": int(best_track[i]), "title": title, "artists": artists, "rank": int(best_rank[i])}
            if with_previous:
                row["previous_rank"] = int(prev_rank[i])
                row["climb"] = int(climb[i])
            rows.setdefault(int(best_group[i]), []).append(row)
        return rows

    movers = track_rows(mover_idx, True)
    newcomers = track_rows(new_idx, False)

    profiles = []
    for g in np.flatnonzero(entries):
        g = int(g)
        genre_slot = g % slots
        start_i = (g // slots) % n_starts
        country = data.countries[g // slots // n_starts]
        start = start_dates[start_i]
        if wanted is not None and (country, start) not in wanted:
            continue
        features = {
            name: {"mean": round(float(means[g, j]), 5), "std": round(float(stds[g, j]), 5), "n": int(counts[g, j])}
            for j, name in enumerate(FEATURES)
            if counts[g, j] > 0
        }
        genre_shares = {}
        key_distribution = {}
        if genre_slot == 0:
            genre_shares = {
                data.genres[i]: round(float(shares[g, i] / entries[g]), 5) for i in np.flatnonzero(shares[g])
            }
        key_total = key_hist[g].sum()
        if key_total:
            key_distribution = {
                _KEY_NAMES[i]: round(float(key_hist[g, i] / key_total), 5) for i in np.flatnonzero(key_hist[g])
            }
        profiles.append(
            CountryProfile(
                country=country,
                genre="" if genre_slot == 0 else data.genres[genre_slot - 1],
                period=period,
                period_start=start,
                period_end=period_next(start, period) - dt.timedelta(days=1),
                entries=int(entries[g]),
                tracks=int(distinct_tracks[g]),
                measured_share=round(float(measured[g] / entries[g]), 5),
                features=features,
                genre_shares=genre_shares,
                tempo_histogram=tempo_hist[g].tolist(),
                key_distribution=key_distribution,
                movers=movers.get(g, []),
                newcomers=newcomers.get(g, []),
                sources={data.sources[i]: int(source_hist[g, i]) for i in np.flatnonzero(source_hist[g])},
            )
        )
    return profiles


_JSON_FIELDS = ["features", "genre_shares", "tempo_histogram", "key_distribution", "movers", "newcomers", "sources"]
_PLAIN_FIELDS = ["country", "genre", "period", "period_start", "period_end", "entries", "tracks", "measured_share"]


def _profiles_insert(profiles: list[CountryProfile]) -> None:
    now = timezone.now()
    insert_many(
        CountryProfile,
        [*_PLAIN_FIELDS, *_JSON_FIELDS, "built_at"],
        [
            (
                *(getattr(p, name) for name in _PLAIN_FIELDS),
                *(json_value(getattr(p, name)) for name in _JSON_FIELDS),
                now,
            )
            for p in profiles
        ],
    )


def _affected(touched: Iterable[tuple[str, dt.date]]) -> dict[str, set[tuple[str, dt.date]]]:
    """Per period type, the (country, period start) to rebuild: the changed periods and the ones after them."""
    out: dict[str, set[tuple[str, dt.date]]] = {period: set() for period in PERIODS}
    for country, day in touched:
        for period in PERIODS:
            start = period_start(day, period)
            out[period].add((country, start))
            out[period].add((country, period_next(start, period)))
    return out


def profiles_rebuild(*, touched: Iterable[tuple[str, dt.date]] | None = None, analyse: bool = True) -> BuildReport:
    """Rebuild country profiles: everything (`touched=None`) or the periods around the changed charts.

    Then recompute the trends and alerts of the countries concerned (`analyse=False` skips that).
    """
    started = time.perf_counter()
    if touched is not None:
        touched = set(touched)
        if not touched:
            return BuildReport(0, 0, 0, 0.0)
    # One rebuild at a time (the scheduled pull and an import can meet): interleaved, each would
    # delete what the other had not written yet and insert beside it, or write profiles from a
    # read that misses the other's new chart.
    with exclusive("markets.profiles"):
        built, countries, total_entries = _rebuild(touched)
        if analyse and countries:
            trends_refresh(countries=countries)  # it rewrites the trend rows the same way
    seconds = time.perf_counter() - started
    periods = len({(p.country, p.period, p.period_start) for p in built})
    logger.info("Built %s profiles (%s periods, %s entries) in %.2f s", len(built), periods, total_entries, seconds)
    return BuildReport(profiles=len(built), periods=periods, entries=total_entries, seconds=seconds)


def _rebuild(touched: set[tuple[str, dt.date]] | None) -> tuple[list[CountryProfile], list[str], int]:
    """Read the charts, build the profiles and replace the stored ones: (built, countries, entries read)."""
    built: list[CountryProfile] = []
    total_entries = 0
    if touched is None:
        data = _load({})
        if data is not None:
            total_entries = len(data.track)
            for period in PERIODS:
                built.extend(_build(data, period, None))
        CountryProfile.objects.all().delete()
        _profiles_insert(built)
        return built, sorted({p.country for p in built}), total_entries
    affected = _affected(touched)
    countries = sorted({country for country, _ in touched})
    for period in PERIODS:
        wanted = affected[period]
        first = min(start for _, start in wanted)
        lo = period_previous(first, period)
        hi = period_next(max(start for _, start in wanted), period)
        data = _load({"country__in": countries, "chart_date__gte": lo, "chart_date__lt": hi})
        if data is None:
            continue
        total_entries += len(data.track)
        profiles = _build(data, period, wanted)
        built.extend(profiles)
        for country in countries:
            starts = [start for cc, start in wanted if cc == country]
            CountryProfile.objects.filter(country=country, period=period, period_start__in=starts).delete()
        _profiles_insert(profiles)
    return built, countries, total_entries


def chart_span() -> tuple[dt.date | None, dt.date | None]:
    """The first and last chart dates stored."""
    span = Chart.objects.aggregate(first=Min("chart_date"), last=Max("chart_date"))
    return span["first"], span["last"]
