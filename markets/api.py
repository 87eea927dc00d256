"""REST endpoints for markets: countries, profiles, trends, forecasts, alerts, charts and chart import."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter
from rest_framework.throttling import ScopedRateThrottle

from kernel.errors import ApplicationError, NotFoundError
from markets.features import PERIODS, WEEK
from markets.models import Chart, CountryProfile, MarketAlert, MarketForecast, MarketTrend
from markets.parsers import FORMATS
from markets.selectors import CurrentProfile, country_profile_current, markets_overview
from markets.services.forecasts import forecast_get
from markets.services.imports import ChartFileTooLarge, charts_import


class HasPerm(permissions.BasePermission):
    """A fixed Django permission, for endpoints that are not one model's CRUD."""

    perm = ""

    def has_permission(self, request: Request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_perm(self.perm))


class CanReadMarkets(HasPerm):
    perm = "markets.view_countryprofile"


class CanImportCharts(HasPerm):
    perm = "markets.add_chartimport"


def _period(request: Request) -> str:
    period = request.query_params.get("period", WEEK)
    if period not in PERIODS:
        raise ApplicationError(f"period must be one of {', '.join(PERIODS)}.", extra={"period": period})
    return period


# --- serializers -------------------------------------------------------------------------------


class CountryProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = CountryProfile
        fields = [
            "id",
            "country",
            "genre",
            "period",
            "period_start",
            "period_end",
            "entries",
            "tracks",
            "measured_share",
            "features",
            "genre_shares",
            "tempo_histogram",
            "key_distribution",
            "movers",
            "newcomers",
            "sources",
            "built_at",
        ]


class MarketTrendSerializer(serializers.ModelSerializer):
    class Meta:
        model = MarketTrend
        fields = [
            "id",
            "country",
            "genre",
            "period",
            "series",
            "direction",
            "slope",
            "strength",
            "p_value",
            "r_squared",
            "periods",
            "first_period",
            "last_period",
            "last_value",
            "computed_at",
        ]


class MarketAlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = MarketAlert
        fields = [
            "id",
            "country",
            "genre",
            "period",
            "series",
            "period_start",
            "value",
            "baseline_mean",
            "baseline_std",
            "z_score",
            "direction",
            "message",
            "created_at",
        ]


class MarketForecastSerializer(serializers.ModelSerializer):
    class Meta:
        model = MarketForecast
        fields = [
            "id",
            "country",
            "genre",
            "period",
            "series",
            "method",
            "origin",
            "horizon",
            "history",
            "points",
            "baselines",
            "backtest",
            "computed_at",
        ]


class ChartSerializer(serializers.ModelSerializer):
    class Meta:
        model = Chart
        fields = ["id", "source", "kind", "country", "chart_date", "size", "file_name", "imported_at", "updated_at"]


class CountrySummarySerializer(serializers.Serializer):
    country = serializers.CharField()
    period_start = serializers.DateField()
    entries = serializers.IntegerField()
    top_genres = serializers.ListField(child=serializers.DictField())
    moving = serializers.ListField(child=serializers.DictField())
    alerts = serializers.IntegerField(help_text="Alerts in the recent periods.")


class ChartImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A chart CSV (Spotify Charts, YouTube Charts or a country x day dataset).")
    format = serializers.ChoiceField(choices=FORMATS, required=False, help_text="Detected from the header if absent.")
    country = serializers.CharField(max_length=6, required=False, help_text="When the file name does not say it.")
    date = serializers.DateField(required=False, help_text="Chart date, when the file name does not say it.")


ChartImportResultSerializer = inline_serializer(
    "ChartImportResult",
    {
        "import_id": serializers.IntegerField(),
        "file_name": serializers.CharField(),
        "format": serializers.CharField(),
        "charts_created": serializers.IntegerField(),
        "charts_replaced": serializers.IntegerField(),
        "charts_unchanged": serializers.IntegerField(),
        "rows_read": serializers.IntegerField(),
        "rows_imported": serializers.IntegerField(),
        "rows_skipped": serializers.IntegerField(),
        "charts": serializers.ListField(child=serializers.DictField()),
        "errors": serializers.ListField(child=serializers.DictField(), help_text="[{line, message}] skipped rows."),
    },
)

PERIOD_PARAM = OpenApiParameter("period", str, enum=PERIODS, default=WEEK)


# --- viewsets ----------------------------------------------------------------------------------


class CountryViewSet(viewsets.ViewSet):
    """Countries with chart profiles: leading genres, moving series, recent alerts; one country's current profile."""

    permission_classes = [CanReadMarkets]
    lookup_field = "country"

    @extend_schema(parameters=[PERIOD_PARAM], responses=CountrySummarySerializer(many=True))
    def list(self, request: Request) -> Response:
        cards = markets_overview(period=_period(request))
        data = [
            {
                "country": card.country,
                "period_start": card.profile.period_start,
                "entries": card.profile.entries,
                "top_genres": [{"genre": g, "share": s} for g, s in card.top_genres],
                "moving": [
                    {"series": t.series, "direction": t.direction, "strength": t.strength, "p_value": t.p_value}
                    for t in card.moving
                ],
                "alerts": card.alerts,
            }
            for card in cards
        ]
        return Response(CountrySummarySerializer(data, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("country", str, OpenApiParameter.PATH, description="ISO 3166-1 alpha-2 code or GLOBAL."),
            PERIOD_PARAM,
            OpenApiParameter("genre", str, description="One genre (default: all)."),
        ],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="CurrentProfile (see docs/markets.md).")},
    )
    def retrieve(self, request: Request, country: str) -> Response:
        profile: CurrentProfile | None = country_profile_current(
            country, request.query_params.get("genre") or None, period=_period(request)
        )
        if profile is None:
            raise NotFoundError(f"No profile for {country.upper()}.", extra={"country": country.upper()})
        return Response(profile.model_dump(mode="json"))


class GenreFilter(django_filters.CharFilter):
    """`genre=all` selects the all-genre rows (stored with an empty genre, which a query string cannot say)."""

    def filter(self, qs, value):
        if value in ("all", "*"):
            return qs.filter(genre="")
        return super().filter(qs, (value or "").lower())


class CountryProfileFilter(django_filters.FilterSet):
    genre = GenreFilter(help_text="A genre, or `all` for the all-genre profiles.")
    country = django_filters.CharFilter(method="upper")

    class Meta:
        model = CountryProfile
        fields = ["country", "genre", "period", "period_start"]

    def upper(self, qs, name, value):
        return qs.filter(**{name: value.upper()})


class MarketTrendFilter(CountryProfileFilter):
    class Meta:
        model = MarketTrend
        fields = ["country", "genre", "period", "series", "direction"]


class MarketAlertFilter(CountryProfileFilter):
    class Meta:
        model = MarketAlert
        fields = ["country", "genre", "period", "series", "direction"]


class CountryProfileViewSet(viewsets.ReadOnlyModelViewSet):
    """Every built profile (history kept): filter by country, genre (`all` for all genres), period."""

    queryset = CountryProfile.objects.order_by("country", "genre", "period", "-period_start")
    serializer_class = CountryProfileSerializer
    filterset_class = CountryProfileFilter
    ordering_fields = ["period_start", "country"]


class MarketTrendViewSet(viewsets.ReadOnlyModelViewSet):
    """Direction, strength and significance of every feature and genre share per country and period."""

    queryset = MarketTrend.objects.order_by("country", "period", "series")
    serializer_class = MarketTrendSerializer
    filterset_class = MarketTrendFilter
    ordering_fields = ["strength", "p_value", "country"]


class MarketAlertViewSet(viewsets.ReadOnlyModelViewSet):
    """Series values beyond their own baseline; newest first."""

    queryset = MarketAlert.objects.order_by("-period_start", "country", "series")
    serializer_class = MarketAlertSerializer
    filterset_class = MarketAlertFilter
    ordering_fields = ["period_start", "z_score"]


class MarketForecastViewSet(viewsets.ReadOnlyModelViewSet):
    """Stored forecasts; `series/` returns (computing when stale) the forecast of one series."""

    queryset = MarketForecast.objects.order_by("country", "period", "series")
    serializer_class = MarketForecastSerializer
    filterset_fields = ["country", "genre", "period", "series"]

    @extend_schema(
        parameters=[
            OpenApiParameter("country", str, required=True),
            OpenApiParameter("series", str, required=True, description="A feature (energy) or share:<genre>."),
            PERIOD_PARAM,
            OpenApiParameter("refresh", bool, description="Recompute even if the stored forecast is current."),
        ],
        responses={
            200: MarketForecastSerializer,
            404: OpenApiResponse(description="No such country or series."),
            422: OpenApiResponse(description="Not enough history to forecast."),
        },
    )
    @action(detail=False, methods=["get"], url_path="series")
    def series(self, request: Request) -> Response:
        country = request.query_params.get("country", "")
        series = request.query_params.get("series", "")
        if not country or not series:
            raise ApplicationError("country and series are required.", extra={"required": ["country", "series"]})
        forecast = forecast_get(
            country=country,
            series=series,
            period=_period(request),
            refresh=request.query_params.get("refresh") in ("1", "true"),
        )
        return Response(MarketForecastSerializer(forecast).data)


class ChartViewSet(viewsets.ReadOnlyModelViewSet):
    """Imported and pulled charts; `import/` takes a chart file."""

    queryset = Chart.objects.order_by("-chart_date", "country", "source")
    serializer_class = ChartSerializer
    filterset_fields = ["source", "kind", "country", "chart_date"]
    # Used by the throttled `import/` action only (THROTTLE_CHART_IMPORT_RATE per user).
    throttle_scope = "chart_import"

    @extend_schema(
        request={"multipart/form-data": ChartImportRequestSerializer},
        responses={
            201: ChartImportResultSerializer,
            413: OpenApiResponse(description="Larger than MARKETS_IMPORT_MAX_BYTES."),
            422: OpenApiResponse(description="Unreadable file: unknown layout, no country or date, not UTF-8."),
            429: OpenApiResponse(description="Over THROTTLE_CHART_IMPORT_RATE for this user; see Retry-After."),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser],
        permission_classes=[CanImportCharts],
        throttle_classes=[ScopedRateThrottle],
    )
    def import_file(self, request: Request) -> Response:
        limit = settings.MARKETS_IMPORT_MAX_BYTES
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > limit + 64 * 1024:
            raise ChartFileTooLarge(f"The upload is larger than the {limit} byte limit.", extra={"limit": limit})
        serializer = ChartImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > limit:
            raise ChartFileTooLarge(f"The upload is larger than the {limit} byte limit.", extra={"limit": limit})
        day: dt.date | None = serializer.validated_data.get("date")
        report = charts_import(
            raw=upload.read(),
            name=upload.name or "upload.csv",
            fmt=serializer.validated_data.get("format"),
            country=serializer.validated_data.get("country"),
            chart_date=day,
            user=request.user,
            channel="api",
        )
        return Response(report.as_dict(), status=201)


def register(router: BaseRouter) -> None:
    router.register("countries", CountryViewSet, basename="market-country")
    router.register("country-profiles", CountryProfileViewSet, basename="country-profile")
    router.register("trends", MarketTrendViewSet, basename="market-trend")
    router.register("forecasts", MarketForecastViewSet, basename="market-forecast")
    router.register("alerts", MarketAlertViewSet, basename="market-alert")
    router.register("charts", ChartViewSet, basename="chart")
