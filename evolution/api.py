"""REST endpoints for evolution: performance import and list, artist scores, evolution plans."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from evolution.models import PerformanceImport, PerformanceRecord
from evolution.selectors import performance_list
from evolution.services.performance import performance_import
from kernel.actors import Channel
from kernel.errors import ApplicationError

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class PerformanceRecordSerializer(serializers.ModelSerializer):
    artist = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    isrc = serializers.CharField(source="release.isrc", read_only=True)
    upc = serializers.CharField(source="release.upc", read_only=True)

    class Meta:
        model = PerformanceRecord
        fields = [
            "id",
            "release",
            "isrc",
            "upc",
            "artist",
            "platform",
            "date",
            "country",
            "streams",
            "listeners",
            "saves",
            "playlist_adds",
            "updated_at",
        ]


class PerformanceImportSerializer(serializers.ModelSerializer):
    class Meta:
        model = PerformanceImport
        fields = [
            "id",
            "file_name",
            "format",
            "channel",
            "rows_created",
            "rows_updated",
            "rows_unchanged",
            "rows_skipped",
            "errors",
            "created_at",
        ]


class PerformanceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="CSV, JSON or JSON Lines (multipart upload).")
    rows = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="Rows as JSON objects (instead of a file)."
    )


class PerformanceFilter(django_filters.FilterSet):
    artist = django_filters.CharFilter(field_name="artist__slug")
    isrc = django_filters.CharFilter(field_name="release__isrc")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = PerformanceRecord
        fields = ["artist", "release", "isrc", "platform", "country", "date_from", "date_to"]


class PerformanceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Performance after release: list it, or POST a file or rows to import (idempotent)."""

    serializer_class = PerformanceRecordSerializer
    filterset_class = PerformanceFilter
    parser_classes = [JSONParser, MultiPartParser]

    def get_queryset(self):
        return performance_list()

    @extend_schema(
        request=PerformanceUploadSerializer,
        responses={201: PerformanceImportSerializer, 400: OpenApiResponse(description="Unreadable input.")},
        description=(
            "Import rows (isrc or upc, platform, date, country, streams, listeners, saves, playlist_adds). "
            "Rows already imported are updated in place; refused rows are listed with their line numbers "
            "(JSON: the line where the row starts; CSV: the file line, header = 1)."
        ),
    )
    def create(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                raise ApplicationError(f"Files up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.", {"size": upload.size})
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise ApplicationError("The file is not UTF-8 text.") from exc
            report = performance_import(text=text, file_name=upload.name, channel=Channel.API, user=request.user)
        else:
            rows = request.data.get("rows") if isinstance(request.data, dict) else request.data
            if not isinstance(rows, list):
                raise ApplicationError('Send a "file" upload, a JSON array of rows, or {"rows": [...]}.')
            report = performance_import(rows=rows, file_name="api", channel=Channel.API, user=request.user)
        return Response(PerformanceImportSerializer(report.record).data, status=status.HTTP_201_CREATED)


def register(router: BaseRouter) -> None:
    router.register("performance", PerformanceViewSet, basename="performance")
