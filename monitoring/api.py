"""Read-only REST endpoints for monitoring: error groups, provider health checks, weekly reports.

The same data as the /monitoring/ pages, for scripts and integrations; reads need the models'
`view` permission (Operators have them), like the rest of the API.
"""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from kernel.filters import IsoDateTimeFilter
from monitoring.models import ErrorGroup, ErrorOccurrence, ProviderCheck, WeeklyReport
from monitoring.selectors import error_group_detail, error_groups, provider_health

# --- Error groups ---------------------------------------------------------------------------


class ErrorGroupSerializer(serializers.ModelSerializer):
    runs = serializers.IntegerField(read_only=True, help_text="Distinct runs the group affected.")
    url = serializers.SerializerMethodField(help_text="The group's page.")

    class Meta:
        model = ErrorGroup
        fields = [
            "id",
            "fingerprint",
            "source",
            "scope",
            "exception_type",
            "message",
            "last_message",
            "count",
            "runs",
            "first_seen",
            "last_seen",
            "url",
        ]

    def get_url(self, group: ErrorGroup) -> str:
        return reverse("monitoring:error-detail", args=[group.pk])


class ErrorOccurrenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ErrorOccurrence
        fields = ["id", "run", "subject", "message", "created_at"]


class AffectedRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    artist = serializers.CharField(source="artist.slug")
    created_at = serializers.DateTimeField()


class ErrorGroupDetailSerializer(ErrorGroupSerializer):
    """A group with the runs it affected (newest first) and its latest occurrences, at most 50 of each."""

    affected_runs = AffectedRunSerializer(many=True, read_only=True)
    occurrences = ErrorOccurrenceSerializer(many=True, read_only=True, source="latest_occurrences")

    class Meta(ErrorGroupSerializer.Meta):
        fields = [*ErrorGroupSerializer.Meta.fields, "affected_runs", "occurrences"]

    def to_representation(self, group: ErrorGroup) -> dict:
        detail = error_group_detail(group=group)
        group.affected_runs, group.latest_occurrences = detail["runs"], detail["occurrences"]
        return super().to_representation(group)


class ErrorGroupFilter(django_filters.FilterSet):
    last_seen_after = IsoDateTimeFilter(field_name="last_seen", lookup_expr="gte")
    last_seen_before = IsoDateTimeFilter(field_name="last_seen", lookup_expr="lt")

    class Meta:
        model = ErrorGroup
        fields = ["source", "scope", "exception_type", "fingerprint"]


class ErrorGroupViewSet(viewsets.ReadOnlyModelViewSet):
    """Failures grouped by fingerprint (exception type, stage or provider, normalised message), newest first."""

    filterset_class = ErrorGroupFilter
    search_fields = ["message", "scope", "exception_type"]
    ordering_fields = ["last_seen", "first_seen", "count"]
    queryset = ErrorGroup.objects.none()

    def get_queryset(self):
        return error_groups()

    def get_serializer_class(self):
        return ErrorGroupDetailSerializer if self.action == "retrieve" else ErrorGroupSerializer


# --- Provider health checks -----------------------------------------------------------------


class ProviderCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProviderCheck
        fields = ["id", "provider", "kind", "ok", "detail", "latency_ms", "critical", "checked_at"]


class ProviderCheckFilter(django_filters.FilterSet):
    checked_after = IsoDateTimeFilter(field_name="checked_at", lookup_expr="gte")
    checked_before = IsoDateTimeFilter(field_name="checked_at", lookup_expr="lt")

    class Meta:
        model = ProviderCheck
        fields = ["provider", "kind", "ok", "critical"]


class ProviderSummarySerializer(serializers.Serializer):
    provider = serializers.CharField()
    kind = serializers.CharField()
    critical = serializers.BooleanField(help_text="Listed in CRITICAL_PROVIDERS now.")
    latest = ProviderCheckSerializer()
    checks = serializers.IntegerField(help_text="Checks over the last 7 days.")
    uptime = serializers.FloatField(allow_null=True, help_text="Share of those checks that passed.")


class ProviderCheckViewSet(viewsets.ReadOnlyModelViewSet):
    """Every scheduled health check of every provider (kind:name), newest first."""

    serializer_class = ProviderCheckSerializer
    filterset_class = ProviderCheckFilter
    ordering_fields = ["checked_at", "latency_ms"]
    queryset = ProviderCheck.objects.none()

    def get_queryset(self):
        return ProviderCheck.objects.order_by("-checked_at", "-id")

    @extend_schema(responses=ProviderSummarySerializer(many=True), filters=False)
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def summary(self, request: Request) -> Response:
        """Per provider: the latest check, and the checks and uptime over the last 7 days."""
        critical = set(settings.CRITICAL_PROVIDERS)
        rows = [{**row, "critical": row["provider"] in critical} for row in provider_health(history=0)]
        return Response(ProviderSummarySerializer(rows, many=True).data)


# --- Weekly reports -------------------------------------------------------------------------


class WeeklyReportSerializer(serializers.ModelSerializer):
    markdown_url = serializers.SerializerMethodField()
    csv_url = serializers.SerializerMethodField()

    class Meta:
        model = WeeklyReport
        fields = ["id", "period_start", "period_end", "markdown_url", "csv_url", "created_at", "updated_at"]

    def get_markdown_url(self, report: WeeklyReport) -> str:
        return reverse("monitoring:report-download", args=[report.pk, "md"])

    def get_csv_url(self, report: WeeklyReport) -> str:
        return reverse("monitoring:report-download", args=[report.pk, "csv"])


class WeeklyReportDetailSerializer(WeeklyReportSerializer):
    """A report with its numbers (the `numbers` of the report.weekly event) and its Markdown."""

    numbers = serializers.JSONField(source="data", read_only=True)

    class Meta(WeeklyReportSerializer.Meta):
        fields = [*WeeklyReportSerializer.Meta.fields, "numbers", "markdown"]


class WeeklyReportFilter(django_filters.FilterSet):
    period_after = IsoDateTimeFilter(field_name="period_start", lookup_expr="gte")
    period_before = IsoDateTimeFilter(field_name="period_start", lookup_expr="lt")

    class Meta:
        model = WeeklyReport
        fields: list[str] = []


class WeeklyReportViewSet(viewsets.ReadOnlyModelViewSet):
    """The weekly reports, newest week first; the list leaves out the numbers and the text."""

    filterset_class = WeeklyReportFilter
    ordering_fields = ["period_start"]
    queryset = WeeklyReport.objects.none()

    def get_queryset(self):
        if self.action == "retrieve":
            return WeeklyReport.objects.order_by("-period_start")
        return WeeklyReport.objects.only("pk", "period_start", "period_end", "created_at", "updated_at").order_by(
            "-period_start"
        )

    def get_serializer_class(self):
        return WeeklyReportDetailSerializer if self.action == "retrieve" else WeeklyReportSerializer


def register(router: BaseRouter) -> None:
    router.register("error-groups", ErrorGroupViewSet, basename="error-group")
    router.register("provider-checks", ProviderCheckViewSet, basename="provider-check")
    router.register("weekly-reports", WeeklyReportViewSet, basename="weekly-report")
