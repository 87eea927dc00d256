"""Forecasts of market series with statsmodels ETS, beside naive and drift baselines, with a backtest.

The model is exponential smoothing with an additive, damped trend and additive errors
(ETS(A,Ad,N), `statsmodels.tsa.exponential_smoothing.ets.ETSModel`): it follows a trend
without extrapolating it forever, and its prediction intervals come from the fitted state
space model. statsmodels was chosen over statsforecast, whose numba JIT costs seconds at each
worker start and brings llvmlite (tens of MB) for a few hundred short series.

Every forecast carries a rolling-origin backtest: the model is refitted at each of the last
MARKETS_BACKTEST_ORIGINS origins and scored on what followed — MASE (against the in-sample
one-step naive error), sMAPE, and how often the actual value fell inside the 80 % and 95 %
intervals (their real coverage). The naive (last value) and drift (straight line through
the first and last values) baselines get the same MASE and sMAPE.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.utils import timezone

from kernel.errors import ApplicationError, NotFoundError
from markets.features import period_next
from markets.models import CountryProfile, MarketForecast
from markets.services.trends import series_matrices

METHOD = "ets-AAdN (statsmodels)"
MIN_HISTORY = 10
MIN_TRAIN = 8
Z80, Z95 = 1.2815515655446004, 1.959963984540054


class NotEnoughHistory(ApplicationError):
    status_code = 422
    code = "not_enough_history"


class ForecastFailed(ApplicationError):
    """The model could not be fitted to this series (degenerate values); the page says so instead of failing."""

    status_code = 422
    code = "forecast_failed"


@dataclass
class ModelForecast:
    mean: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray


def ets_forecast(history: np.ndarray, horizon: int) -> ModelForecast:
    """Fit ETS(A,Ad,N) to the history and forecast `horizon` steps with 80 % and 95 % intervals."""
    # Imported here: statsmodels and pandas take about a second to import, which only the
    # processes that forecast should pay (not every web request or worker start).
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = pd.Series(np.asarray(history, dtype=float))
    if np.ptp(y.to_numpy()) < 1e-12:
        # A constant series: ETS cannot estimate a variance; the forecast is the constant, exactly.
        flat = np.full(horizon, float(y.iloc[-1]))
        return ModelForecast(flat, flat, flat, flat, flat)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter on short, smooth series
            fit = ETSModel(y, error="add", trend="add", damped_trend=True).fit(disp=False, maxiter=200)
            prediction = fit.get_prediction(start=len(y), end=len(y) + horizon - 1)
            frame80 = prediction.summary_frame(alpha=0.20)
            frame95 = prediction.summary_frame(alpha=0.05)
    except (ValueError, np.linalg.LinAlgError) as exc:
        raise ForecastFailed(f"ETS could not be fitted to this series: {exc}") from exc
    if not np.isfinite(frame95[["mean", "pi_lower", "pi_upper"]].to_numpy()).all():
        raise ForecastFailed("ETS gave a non-finite forecast for this series.")
    return ModelForecast(
        mean=frame80["mean"].to_numpy(),
        lo80=frame80["pi_lower"].to_numpy(),
        hi80=frame80["pi_upper"].to_numpy(),
        lo95=frame95["pi_lower"].to_numpy(),
        hi95=frame95["pi_upper"].to_numpy(),
    )


def naive_forecast(history: np.ndarray, horizon: int) -> np.ndarray:
    return np.full(horizon, float(history[-1]))


def drift_forecast(history: np.ndarray, horizon: int) -> np.ndarray:
    slope = (history[-1] - history[0]) / max(len(history) - 1, 1)
    return history[-1] + slope * np.arange(1, horizon + 1)


def _smape(forecast: np.ndarray, actual: np.ndarray) -> float:
    denominator = np.abs(actual) + np.abs(forecast)
    ratio = np.where(denominator > 0, 2 * np.abs(forecast - actual) / np.where(denominator > 0, denominator, 1), 0)
    return float(100 * ratio.mean())


def backtest(history: np.ndarray, horizon: int, origins: int) -> dict:
    """Rolling-origin evaluation: refit at each origin, forecast up to `horizon` ahead, score on what followed."""
    y = np.asarray(history, dtype=float)
    n = len(y)
    # Folds with the full horizon ahead of them when the series is long enough, else the last origins.
    starts = list(range(max(MIN_TRAIN, n - horizon - origins + 1), n - horizon + 1))
    if not starts:
        starts = list(range(max(MIN_TRAIN, n - origins), n))
    if not starts:
        return {"origins": 0}
    errors = {"model": [], "naive": [], "drift": []}
    smapes = {"model": [], "naive": [], "drift": []}
    inside80 = inside95 = points = 0
    for origin in starts:
        train, actual = y[:origin], y[origin : origin + horizon]
        steps = len(actual)
        scale = np.mean(np.abs(np.diff(train))) or 1e-9
        model = ets_forecast(train, steps)
        for name, forecast in (
            ("model", model.mean),
            ("naive", naive_forecast(train, steps)),
            ("drift", drift_forecast(train, steps)),
        ):
            errors[name].append(np.abs(forecast - actual) / scale)
            smapes[name].append(_smape(forecast, actual))
        inside80 += int(((actual >= model.lo80) & (actual <= model.hi80)).sum())
        inside95 += int(((actual >= model.lo95) & (actual <= model.hi95)).sum())
        points += steps
    scores = {
        name: {
            "mase": round(float(np.mean(np.concatenate(errors[name]))), 4),
            "smape": round(float(np.mean(smapes[name])), 4),
        }
        for name in errors
    }
    scores["model"]["coverage80"] = round(inside80 / points, 4)
    scores["model"]["coverage95"] = round(inside95 / points, 4)
    return {"origins": len(starts), "points": points, "horizon": horizon, **scores}


def forecast_compute(history: np.ndarray, *, horizon: int, origins: int) -> tuple[ModelForecast, dict, dict]:
    """The model's forecast, the baselines' forecasts and the backtest, for one series."""
    y = np.asarray(history, dtype=float)
    if len(y) < MIN_HISTORY:
        raise NotEnoughHistory(
            f"A forecast needs at least {MIN_HISTORY} periods of history; this series has {len(y)}.",
            extra={"periods": len(y), "needed": MIN_HISTORY},
        )
    model = ets_forecast(y, horizon)
    baselines = {"naive": naive_forecast(y, horizon).tolist(), "drift": drift_forecast(y, horizon).tolist()}
    return model, baselines, backtest(y, horizon, origins)


def _history(country: str, series: str, period: str) -> tuple[list[dt.date], np.ndarray]:
    matrices = series_matrices(countries=[country], periods=[period])
    if not matrices or series not in matrices[0].names:
        raise NotFoundError(f"No {period}ly series {series!r} for {country}.", extra={"country": country})
    matrix = matrices[0]
    values = matrix.values[matrix.names.index(series)]
    keep = ~np.isnan(values)
    return [d for d, k in zip(matrix.starts, keep, strict=True) if k], values[keep]


def forecast_get(*, country: str, series: str, period: str = "week", refresh: bool = False) -> MarketForecast:
    """The stored forecast of a series, recomputed when the profiles have moved past it (or on request)."""
    country = country.upper()
    horizon = min(max(settings.MARKETS_FORECAST_HORIZON, 4), 8)
    latest = (
        CountryProfile.objects.filter(country=country, genre="", period=period)
        .order_by("-period_start")
        .values_list("period_start", "built_at")
        .first()
    )
    if latest is None:
        raise NotFoundError(f"No {period}ly profile for {country}.", extra={"country": country})
    stored = MarketForecast.objects.filter(country=country, genre="", period=period, series=series).first()
    if (
        stored is not None
        and not refresh
        and stored.origin == latest[0]
        and stored.computed_at >= latest[1]
        and stored.horizon == horizon
    ):
        return stored
    starts, values = _history(country, series, period)
    model, baselines, scores = forecast_compute(values, horizon=horizon, origins=settings.MARKETS_BACKTEST_ORIGINS)
    future, day = [], starts[-1]
    for _ in range(horizon):
        day = period_next(day, period)
        future.append(day)
    points = [
        {
            "period_start": day.isoformat(),
            "mean": round(float(model.mean[i]), 6),
            "lo80": round(float(model.lo80[i]), 6),
            "hi80": round(float(model.hi80[i]), 6),
            "lo95": round(float(model.lo95[i]), 6),
            "hi95": round(float(model.hi95[i]), 6),
        }
        for i, day in enumerate(future)
    ]
    forecast, _ = MarketForecast.objects.update_or_create(
        country=country,
        genre="",
        period=period,
        series=series,
        defaults={
            "method": METHOD,
            "origin": starts[-1],
            "horizon": horizon,
            "history": [[d.isoformat(), round(float(v), 6)] for d, v in zip(starts, values, strict=True)],
            "points": points,
            "baselines": {name: [round(v, 6) for v in values_] for name, values_ in baselines.items()},
            "backtest": scores,
            "computed_at": timezone.now(),
        },
    )
    return forecast


def forecasts_refresh(
    *, countries: list[str] | None = None, period: str = "week", series: list[str] | None = None
) -> int:
    """Recompute stale forecasts (the scheduled pull and `build_country_profiles --forecasts` call this)."""
    done = 0
    for matrix in series_matrices(countries=countries, periods=[period]):
        for name in series or matrix.names:
            if name not in matrix.names:
                continue
            try:
                forecast_get(country=matrix.country, series=name, period=period)
            except NotEnoughHistory:
                continue
            done += 1
    return done
