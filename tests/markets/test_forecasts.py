"""Forecasts beat the naive baseline on a trended series; the backtest reports interval coverage."""

from __future__ import annotations

import numpy as np
import pytest

from markets.models import MarketForecast
from markets.services.forecasts import NotEnoughHistory, backtest, forecast_compute, forecast_get
from markets.services.profiles import profiles_rebuild


def test_on_a_trended_series_the_model_beats_naive_and_reports_coverage():
    rng = np.random.default_rng(3)
    y = 0.40 + 0.006 * np.arange(40) + rng.normal(0, 0.004, 40)
    model, baselines, scores = forecast_compute(y, horizon=6, origins=5)
    assert scores["origins"] == 5 and scores["points"] == 30
    assert scores["model"]["mase"] < scores["naive"]["mase"]
    assert 0.0 <= scores["model"]["coverage80"] <= scores["model"]["coverage95"] <= 1.0
    assert scores["model"]["coverage95"] >= 0.5
    assert len(model.mean) == 6 and np.all(model.lo95 <= model.lo80) and np.all(model.hi80 <= model.hi95)
    assert np.all(np.diff(model.mean) > 0)  # it follows the trend
    assert baselines["naive"] == [pytest.approx(y[-1])] * 6
    assert baselines["drift"][0] == pytest.approx(y[-1] + (y[-1] - y[0]) / 39)


def test_a_constant_series_is_forecast_exactly():
    scores = backtest(np.full(20, 0.5), 4, 3)
    assert scores["model"]["mase"] == 0 and scores["model"]["coverage95"] == 1.0


def test_short_series_are_refused_with_the_reason():
    with pytest.raises(NotEnoughHistory, match="at least 10 periods"):
        forecast_compute(np.arange(5.0), horizon=4, origins=3)


def test_forecast_is_stored_and_reused_until_the_profiles_move(market_history):
    first = forecast_get(country="BR", series="energy")
    assert first.horizon == 6 and len(first.points) == 6 and len(first.history) == 20
    assert set(first.backtest) >= {"model", "naive", "drift", "origins"}
    again = forecast_get(country="BR", series="energy")
    assert again.computed_at == first.computed_at
    profiles_rebuild(touched=None)
    moved = forecast_get(country="BR", series="energy")
    assert moved.computed_at > first.computed_at
    assert MarketForecast.objects.count() == 1


def test_a_series_the_model_cannot_fit_is_refused_with_the_reason():
    from markets.services.forecasts import ForecastFailed

    with pytest.raises(ForecastFailed, match="non-finite"):
        forecast_compute(np.r_[np.linspace(0, 1, 12), np.inf], horizon=4, origins=2)
