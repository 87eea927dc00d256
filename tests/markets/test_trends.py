"""Trends recover a known slope with its sign and significance; alerts fire on breakouts and not on flat series."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from generation.models import EventDelivery, WebhookEndpoint
from markets.models import Chart, CountryProfile, MarketAlert, MarketTrend, TrackFeatures
from markets.parsers import ParsedChart, ParsedRow
from markets.services.imports import charts_store
from markets.services.profiles import profiles_rebuild
from markets.services.trends import baseline_scores, trend_fit


def test_a_known_slope_is_recovered_with_its_sign_and_significance():
    rng = np.random.default_rng(11)
    t = np.arange(24)
    rising = 0.40 + 0.010 * t + rng.normal(0, 0.01, t.size)
    falling = 120.0 - 0.8 * t + rng.normal(0, 1.0, t.size)
    flat = 0.5 + rng.normal(0, 0.01, t.size)
    fit = trend_fit(np.vstack([rising, falling, flat]))
    assert fit.slope[0] == pytest.approx(0.010, abs=0.002)
    assert fit.slope[1] == pytest.approx(-0.8, abs=0.15)
    assert fit.p_value[0] < 1e-6 and fit.p_value[1] < 1e-6
    assert fit.p_value[2] > 0.05
    assert fit.strength[0] > 1.5 and fit.strength[1] < -1.5
    assert fit.r_squared[0] > 0.9


def test_trend_fit_ignores_missing_periods():
    values = np.array([[1.0, np.nan, 3.0, 4.0, np.nan, 6.0]])
    fit = trend_fit(values)
    assert fit.slope[0] == pytest.approx(1.0)
    assert fit.n[0] == 4 and fit.last[0] == 6.0


def test_a_planted_breakout_scores_far_beyond_its_baseline_and_a_flat_series_does_not():
    rng = np.random.default_rng(5)
    flat = 0.30 + rng.normal(0, 0.01, 30)
    exactly_flat = np.full(30, 0.25)
    breakout = flat.copy()
    breakout[24:] += 0.15
    z, _, _ = baseline_scores(np.vstack([flat, exactly_flat, breakout]), ["share:pop", "energy", "share:latin"], 8)
    assert np.nanmax(np.abs(z[0])) < 5
    assert np.nanmax(np.abs(z[1])) == 0
    assert z[2, 24] > 5
    assert np.all(np.abs(np.nan_to_num(z[2, :24])) < 5)


def _charts(country: str, weeks: int, breakout_week: int | None) -> list[ParsedChart]:
    """Weekly 50-row charts whose genre mix is steady, except (optionally) latin flooding in from one week on."""
    rng = np.random.default_rng(len(country))
    end = dt.date(2026, 11, 26)
    charts = []
    for week in range(weeks):
        chart = ParsedChart("spotify", "weekly", country, end - dt.timedelta(weeks=weeks - 1 - week))
        latin = 20 if breakout_week is not None and week >= breakout_week else 0
        for rank in range(1, 51):
            genre = "latin" if rank <= latin else ("pop" if rank % 2 else "rock")
            serial = week * 50 + rank if rng.random() < 0.3 else rank
            chart.rows.append(
                ParsedRow(
                    line=rank,
                    key=f"spotify:{country}{genre}{serial:07d}x",
                    title=f"T{serial}",
                    artists="A",
                    rank=rank,
                    features={"energy": 0.6 + (0.01 if rank % 3 else -0.01), "tempo": 120.0},
                )
            )
        charts.append(chart)
    return charts


@pytest.mark.django_db
def test_a_planted_breakout_raises_an_alert_and_a_signed_event_and_a_flat_country_raises_none():
    endpoint = WebhookEndpoint.objects.create(name="hook", url="http://127.0.0.1:9/hook", events=["market.alert"])
    charts = _charts("BR", 16, breakout_week=15) + _charts("DE", 16, breakout_week=None)
    genres = {row.key: row.key[len("spotify:") + 2 :].rstrip("0123456789x") for c in charts for row in c.rows}
    charts_store(charts, genres=genres, feature_source=TrackFeatures.Source.IMPORTED)
    profiles_rebuild(touched=None)
    alerts = MarketAlert.objects.filter(period="week")
    assert set(alerts.values_list("country", "series", "direction")) >= {("BR", "share:latin", "up")}
    assert not alerts.filter(country="DE").exists()
    latin = alerts.get(country="BR", series="share:latin")
    assert latin.value == pytest.approx(0.4) and latin.baseline_mean == pytest.approx(0.0)
    assert latin.period_start == Chart.objects.filter(country="BR").latest("chart_date").chart_date - dt.timedelta(
        days=3
    )
    delivery = EventDelivery.objects.get(name="market.alert", body__data__series="share:latin")
    assert delivery.endpoint == endpoint and delivery.body["data"]["country"] == "BR"
    # Rebuilding finds the same alert again and announces nothing new.
    profiles_rebuild(touched=None)
    assert MarketAlert.objects.filter(country="BR", series="share:latin").count() == 1
    assert EventDelivery.objects.filter(name="market.alert", body__data__series="share:latin").count() == 1
    trend = MarketTrend.objects.get(country="BR", period="week", series="share:latin")
    assert trend.direction == "flat" or trend.slope > 0
    assert CountryProfile.objects.filter(country="DE", period="week", genre="rock").exists()


def test_significance_allows_for_autocorrelation():
    """Without a trend few series are called significant, even when each period leans on the last."""
    rng = np.random.default_rng(1)
    series, periods = 2000, 12
    wander = np.zeros((series, periods))
    shocks = rng.normal(0, 1, (series, periods))
    for t in range(1, periods):
        wander[:, t] = 0.8 * wander[:, t - 1] + shocks[:, t]
    white = rng.normal(0, 1, (series, periods))
    trended = 0.4 + 0.01 * np.arange(periods) + rng.normal(0, 0.01, (series, periods))
    assert (trend_fit(white).p_value < 0.05).mean() < 0.07
    assert (trend_fit(wander).p_value < 0.05).mean() < 0.25  # plain OLS calls about a third of these trends
    assert (trend_fit(trended).p_value < 0.05).mean() > 0.95
