"""Markets pages for staff: overview, country, genre, alerts. Thin: selectors read, templates draw."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404
from django.views.generic import ListView, TemplateView

from kernel.errors import ApplicationError
from markets.features import FEATURES, PERIODS, WEEK
from markets.selectors import (
    alerts_list,
    country_chart_data,
    country_detail,
    genre_across_countries,
    known_genres,
    markets_overview,
    series_label,
)
from markets.services.forecasts import forecast_get


class MarketsAccess(LoginRequiredMixin, PermissionRequiredMixin):
    """Signed-in staff with the right to read country profiles (Reviewers and Operators have it)."""

    permission_required = "markets.view_countryprofile"

    def period(self) -> str:
        period = self.request.GET.get("period", WEEK)
        return period if period in PERIODS else WEEK


class OverviewView(MarketsAccess, TemplateView):
    template_name = "markets/overview.html"

    def get_context_data(self, **kwargs):
        period = self.period()
        cards = markets_overview(period=period)
        return super().get_context_data(
            cards=cards,
            period=period,
            periods=PERIODS,
            genres=known_genres()[:12],
            card_charts=[(f"card-data-{card.country}", card.history) for card in cards],
            **kwargs,
        )


def forecast_chart(forecast, feature: str) -> dict:
    """History, forecast mean, 80 % and 95 % bands and the two baselines on one label axis."""
    history = forecast.history
    labels = [day for day, _ in history] + [p["period_start"] for p in forecast.points]
    pad = [None] * (len(history) - 1)
    last = history[-1][1]

    def ahead(values: list[float]) -> list:
        return [*pad, last, *values]

    return {
        "labels": labels,
        "datasets": [
            {"label": "95% interval", "band": {"lower": ahead([p["lo95"] for p in forecast.points]),
                                                "upper": ahead([p["hi95"] for p in forecast.points])},
             "color": "#3b82f6", "opacity": 0.12},
            {"label": "80% interval", "band": {"lower": ahead([p["lo80"] for p in forecast.points]),
                                                "upper": ahead([p["hi80"] for p in forecast.points])},
             "color": "#3b82f6", "opacity": 0.22},
            {"label": feature, "data": [v for _, v in history] + [None] * len(forecast.points), "color": "#1f2937"},
            {"label": "forecast (ETS)", "data": ahead([p["mean"] for p in forecast.points]), "color": "#3b82f6"},
            {"label": "naive", "data": ahead(forecast.baselines["naive"]), "color": "#9ca3af", "dashed": True},
            {"label": "drift", "data": ahead(forecast.baselines["drift"]), "color": "#f59e0b", "dashed": True},
        ],
    }  # fmt: skip


class CountryView(MarketsAccess, TemplateView):
    template_name = "markets/country.html"

    def get_context_data(self, **kwargs):
        period = self.period()
        detail = country_detail(country=self.kwargs["country"], period=period)
        if detail.latest is None:
            raise Http404(f"No {period}ly profile for {detail.country}.")
        feature = self.request.GET.get("feature", "energy")
        feature = feature if feature in FEATURES or feature.startswith("share:") else "energy"
        forecast, forecast_error = None, ""
        try:
            forecast = forecast_get(country=detail.country, series=feature, period=period)
        except ApplicationError as exc:
            forecast_error = exc.message
        data = country_chart_data(detail)
        trends = sorted(detail.trends, key=lambda t: (t.direction == "flat", -abs(t.strength)))
        return super().get_context_data(
            detail=detail,
            period=period,
            periods=PERIODS,
            feature=feature,
            feature_label=series_label(feature),
            features=FEATURES,
            forecast=forecast,
            forecast_error=forecast_error,
            forecast_chart=forecast_chart(forecast, series_label(feature)) if forecast else None,
            shares_chart=data["shares"],
            tempo_chart=data["tempo"],
            trends=[(t, series_label(t.series)) for t in trends],
            **kwargs,
        )


class GenreView(MarketsAccess, TemplateView):
    template_name = "markets/genre.html"

    def get_context_data(self, **kwargs):
        period = self.period()
        data = genre_across_countries(genre=self.kwargs["genre"], period=period)
        if not data["chart"]["datasets"]:
            raise Http404(f"No country charts {self.kwargs['genre']!r}.")
        return super().get_context_data(data=data, period=period, periods=PERIODS, features=FEATURES, **kwargs)


class AlertsView(MarketsAccess, ListView):
    template_name = "markets/alerts.html"
    context_object_name = "alerts"
    paginate_by = 50

    def get_queryset(self):
        return alerts_list(
            country=self.request.GET.get("country") or None,
            period=self.request.GET.get("period") or None,
        )
