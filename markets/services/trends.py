"""Trends and alerts over country profiles, vectorised across every series of a country.

A series is one number per period of a country's all-genre profile: a feature's mean
(`energy`) or a genre's share of chart entries (`share:pop`).

- Trend: least-squares slope over the last MARKETS_TREND_WINDOW periods, its two-sided
  t-test p-value with the sample shrunk to its effective size for lag-1 autocorrelation, R²,
  and a strength — the fitted change over the window divided by the series' standard
  deviation there. Rising or falling only when p < MARKETS_TREND_P_VALUE.
- Alert: a value more than MARKETS_ALERT_Z standard deviations away from the mean of the
  series' own previous MARKETS_ALERT_BASELINE periods (each series against its own usual
  variation, with a small floor so a perfectly flat series does not alert on rounding).
  New alerts in a series' latest period are published as `market.alert` integration events.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction
from scipy import stats

from kernel.events import event_publish
from markets.features import FEATURES, PERIODS, SHARE_PREFIX, UNIT_FEATURES
from markets.models import CountryProfile, MarketAlert, MarketTrend

logger = logging.getLogger(__name__)

# The smallest standard deviation a baseline is credited with, per kind of series: below
# these, a change is rounding noise, not news (a share moving 1 point, tempo 0.5 BPM...).
_STD_FLOOR = {"share": 0.015, "loudness": 0.2, "tempo": 1.0, **{name: 0.008 for name in UNIT_FEATURES}}


@dataclass
class SeriesMatrix:
    """Every series of one country and period type, aligned on the periods present."""

    country: str
    period: str
    names: list[str]
    starts: list[dt.date]
    values: np.ndarray  # series x periods, NaN where unknown


def series_matrices(*, countries: list[str] | None = None, periods: list[str] | None = None) -> list[SeriesMatrix]:
    """Build the series matrices from the stored all-genre profiles (one query)."""
    profiles = CountryProfile.objects.filter(genre="", period__in=periods or PERIODS)
    if countries is not None:
        profiles = profiles.filter(country__in=countries)
    rows = profiles.order_by("country", "period", "period_start").values_list(
        "country", "period", "period_start", "features", "genre_shares"
    )
    grouped: dict[tuple[str, str], list[tuple]] = {}
    for country, period, start, features, shares in rows:
        grouped.setdefault((country, period), []).append((start, features, shares))
    out = []
    for (country, period), items in grouped.items():
        genres = sorted({g for _, _, shares in items for g in shares if g})
        names = [*FEATURES, *(f"{SHARE_PREFIX}{g}" for g in genres)]
        values = np.full((len(names), len(items)), np.nan)
        for t, (_, features, shares) in enumerate(items):
            for i, name in enumerate(FEATURES):
                if name in features:
                    values[i, t] = features[name]["mean"]
            for i, genre in enumerate(genres, start=len(FEATURES)):
                values[i, t] = shares.get(genre, 0.0)
        out.append(SeriesMatrix(country, period, names, [item[0] for item in items], values))
    return out


@dataclass
class TrendFit:
    slope: np.ndarray
    p_value: np.ndarray
    r_squared: np.ndarray
    strength: np.ndarray
    n: np.ndarray
    last: np.ndarray


def trend_fit(values: np.ndarray) -> TrendFit:
    """OLS of each row on time (0, 1, 2...), ignoring NaN: slope, p-value, R², strength. Vectorised over rows."""
    y = np.atleast_2d(values).astype(float)
    mask = ~np.isnan(y)
    x = np.broadcast_to(np.arange(y.shape[1], dtype=float), y.shape)
    n = mask.sum(axis=1).astype(float)
    yz = np.where(mask, y, 0.0)
    xz = np.where(mask, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_x = xz.sum(axis=1) / n
        mean_y = yz.sum(axis=1) / n
        dx = np.where(mask, x - mean_x[:, None], 0.0)
        dy = np.where(mask, y - mean_y[:, None], 0.0)
        sxx = (dx**2).sum(axis=1)
        sxy = (dx * dy).sum(axis=1)
        syy = (dy**2).sum(axis=1)
        slope = sxy / sxx
        residual = np.maximum(syy - slope * sxy, 0.0)
        # Chart series are autocorrelated (most tracks stay from one period to the next): shrink the
        # sample to its effective size from the residuals' lag-1 autocorrelation (Santer et al. 2000),
        # so a smooth wander is not mistaken for a trend.
        e = np.where(mask, dy - slope[:, None] * dx, 0.0)
        pairs = mask[:, 1:] & mask[:, :-1]
        r1 = np.where(pairs, e[:, 1:] * e[:, :-1], 0.0).sum(axis=1) / np.maximum((e**2).sum(axis=1), 1e-300)
        r1 = np.clip(np.nan_to_num(r1), 0.0, 0.95)
        n_eff = np.maximum(n * (1 - r1) / (1 + r1), 3.0)
        dof = n_eff - 2
        se = np.sqrt(residual / dof / sxx)
        t = slope / se
        p_value = np.where(se > 0, 2 * stats.t.sf(np.abs(t), np.maximum(dof, 1)), np.where(slope != 0, 0.0, 1.0))
        r_squared = np.where(syy > 0, slope * sxy / syy, 0.0)
        spread = np.sqrt(syy / np.maximum(n - 1, 1))
        span = np.where(mask, x, -np.inf).max(axis=1) - np.where(mask, x, np.inf).min(axis=1)
        strength = np.where(spread > 0, slope * span / spread, 0.0)
    last_index = np.where(mask, x, -1).argmax(axis=1)
    last = y[np.arange(len(y)), last_index]
    p_value = np.where(n >= 3, p_value, 1.0)
    return TrendFit(
        slope=np.nan_to_num(slope),
        p_value=np.nan_to_num(p_value, nan=1.0),
        r_squared=np.nan_to_num(r_squared),
        strength=np.nan_to_num(strength),
        n=n.astype(int),
        last=last,
    )


def _floor(name: str) -> float:
    return _STD_FLOOR["share"] if name.startswith(SHARE_PREFIX) else _STD_FLOOR.get(name, 0.005)


def baseline_scores(values: np.ndarray, names: list[str], baseline: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """z-score of every value against the mean and spread of the `baseline` values before it (NaN if too few)."""
    y = np.atleast_2d(values).astype(float)
    series, periods = y.shape
    z = np.full(y.shape, np.nan)
    mean = np.full(y.shape, np.nan)
    std = np.full(y.shape, np.nan)
    if periods <= baseline:
        return z, mean, std
    windows = np.lib.stride_tricks.sliding_window_view(y, baseline, axis=1)[:, :-1, :]  # windows before t=baseline..
    present = (~np.isnan(windows)).sum(axis=2)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows are masked by `enough` below
        w_mean = np.nanmean(windows, axis=2)
        w_std = np.nanstd(windows, axis=2, ddof=1)
    floors = np.array([_floor(name) for name in names])[:, None]
    w_std = np.maximum(np.nan_to_num(w_std), floors)
    enough = present >= max(3, baseline // 2)
    current = y[:, baseline:]
    z[:, baseline:] = np.where(enough, (current - w_mean) / w_std, np.nan)
    mean[:, baseline:] = w_mean
    std[:, baseline:] = w_std
    return z, mean, std


def _label(name: str) -> str:
    return f"{name[len(SHARE_PREFIX) :]} share" if name.startswith(SHARE_PREFIX) else name


def _format(name: str, value: float) -> str:
    if name.startswith(SHARE_PREFIX):
        return f"{value * 100:.1f}%"
    if name == "tempo":
        return f"{value:.1f} BPM"
    if name == "loudness":
        return f"{value:.1f} dB"
    return f"{value:.3f}"


def trends_refresh(*, countries: list[str] | None = None) -> tuple[int, int]:
    """Recompute trends and alerts for these countries (all when None). Returns (trends, new alerts)."""
    window = settings.MARKETS_TREND_WINDOW
    threshold = settings.MARKETS_TREND_P_VALUE
    baseline = settings.MARKETS_ALERT_BASELINE
    z_limit = settings.MARKETS_ALERT_Z
    trends: list[MarketTrend] = []
    alerts: list[MarketAlert] = []
    latest: set[tuple] = set()
    for matrix in series_matrices(countries=countries):
        recent = matrix.values[:, -window:]
        starts = matrix.starts[-window:]
        fit = trend_fit(recent)
        for i, name in enumerate(matrix.names):
            if fit.n[i] < 3:
                continue
            significant = fit.p_value[i] < threshold and fit.slope[i] != 0
            direction = MarketTrend.Direction.FLAT
            if significant:
                direction = MarketTrend.Direction.UP if fit.slope[i] > 0 else MarketTrend.Direction.DOWN
            trends.append(
                MarketTrend(
                    country=matrix.country,
                    genre="",
                    period=matrix.period,
                    series=name,
                    direction=direction,
                    slope=float(fit.slope[i]),
                    strength=float(fit.strength[i]),
                    p_value=float(fit.p_value[i]),
                    r_squared=float(fit.r_squared[i]),
                    periods=int(fit.n[i]),
                    first_period=starts[0],
                    last_period=starts[-1],
                    last_value=float(fit.last[i]),
                )
            )
        z, mean, std = baseline_scores(matrix.values, matrix.names, baseline)
        flagged = np.argwhere(np.abs(np.nan_to_num(z)) >= z_limit)
        for i, t in flagged:
            name, value = matrix.names[i], float(matrix.values[i, t])
            direction = MarketTrend.Direction.UP if z[i, t] > 0 else MarketTrend.Direction.DOWN
            verb = "jumped to" if direction == MarketTrend.Direction.UP else "fell to"
            alerts.append(
                MarketAlert(
                    country=matrix.country,
                    genre="",
                    period=matrix.period,
                    series=name,
                    period_start=matrix.starts[t],
                    value=value,
                    baseline_mean=float(mean[i, t]),
                    baseline_std=float(std[i, t]),
                    z_score=float(z[i, t]),
                    direction=direction,
                    message=(
                        f"{matrix.country}: {_label(name)} {verb} {_format(name, value)} in the {matrix.period} of "
                        f"{matrix.starts[t]:%Y-%m-%d} (usually {_format(name, float(mean[i, t]))} "
                        f"± {_format(name, float(std[i, t]))}, z = {z[i, t]:+.1f})"
                    )[:300],
                )
            )
            if t == len(matrix.starts) - 1:
                latest.add((matrix.country, matrix.period, name, matrix.starts[t]))
    with transaction.atomic():
        scope = MarketTrend.objects.all() if countries is None else MarketTrend.objects.filter(country__in=countries)
        scope.delete()
        MarketTrend.objects.bulk_create(trends, batch_size=500)
        existing = set(
            (
                MarketAlert.objects.all() if countries is None else MarketAlert.objects.filter(country__in=countries)
            ).values_list("country", "genre", "period", "series", "period_start")
        )
        fresh = [a for a in alerts if (a.country, a.genre, a.period, a.series, a.period_start) not in existing]
        MarketAlert.objects.bulk_create(fresh, batch_size=500, ignore_conflicts=True)
        for alert in fresh:
            if (alert.country, alert.period, alert.series, alert.period_start) in latest:
                _alert_publish(alert)
    return len(trends), len(fresh)


def _alert_publish(alert: MarketAlert) -> None:
    """Announce a new alert to the integrations (sent after the transaction commits; idempotent by key)."""
    key = f"market.alert:{alert.country}:{alert.genre}:{alert.period}:{alert.series}:{alert.period_start}"
    event_publish(
        name="market.alert",
        key=key[:120],
        payload={
            "country": alert.country,
            "genre": alert.genre,
            "period": alert.period,
            "series": alert.series,
            "period_start": alert.period_start.isoformat(),
            "value": alert.value,
            "baseline_mean": alert.baseline_mean,
            "baseline_std": alert.baseline_std,
            "z_score": alert.z_score,
            "direction": alert.direction,
            "message": alert.message,
        },
    )
