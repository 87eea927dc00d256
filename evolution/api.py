"""REST endpoints for evolution: performance import and list, artist scores, evolution plans."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from artists.models import Artist, ArtistScore
from evolution.models import EvolutionPlan, PerformanceImport, PerformanceRecord
from evolution.selectors import performance_list, plan_list, score_list
from evolution.services.performance import performance_import
from evolution.services.plans import plan_approve, plan_propose, plan_reject, plan_rollback
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


class ScoreSerializer(serializers.ModelSerializer):
    artist = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    version = serializers.IntegerField(source="version.number", default=None, read_only=True)

    class Meta:
        model = ArtistScore
        fields = ["id", "artist", "kind", "value", "explanation", "figures", "alert", "version", "computed_at"]


class ScoreFilter(django_filters.FilterSet):
    artist = django_filters.CharFilter(field_name="artist__slug")

    class Meta:
        model = ArtistScore
        fields = ["artist", "kind", "alert"]


class ScoreViewSet(viewsets.ReadOnlyModelViewSet):
    """Artist scores over time (approval rate, performance against own baseline, compatibility)."""

    serializer_class = ScoreSerializer
    filterset_class = ScoreFilter
    queryset = ArtistScore.objects.none()

    def get_queryset(self):
        return score_list()


class PlanSerializer(serializers.ModelSerializer):
    artist = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    base_version = serializers.IntegerField(source="base_version.number", read_only=True)
    applied_version = serializers.IntegerField(source="applied_version.number", default=None, read_only=True)
    rollback_version = serializers.IntegerField(source="rollback_version.number", default=None, read_only=True)
    decided_by = serializers.CharField(source="decided_by.get_username", default=None, read_only=True)
    # A plain string: the model's choices include "" (undecided), which would name a second Channel enum.
    decided_channel = serializers.CharField(
        read_only=True, help_text="web, api, admin, telegram, system, cli; empty until decided."
    )

    class Meta:
        model = EvolutionPlan
        fields = [
            "id",
            "artist",
            "status",
            "trigger",
            "base_version",
            "applied_version",
            "rollback_version",
            "changes",
            "bounds",
            "explanation",
            "evidence",
            "proposed_profile",
            "decided_by",
            "decided_channel",
            "decision_comment",
            "decided_at",
            "rolled_back_at",
            "created_at",
        ]


class PlanFilter(django_filters.FilterSet):
    artist = django_filters.CharFilter(field_name="artist__slug")

    class Meta:
        model = EvolutionPlan
        fields = ["artist", "status", "trigger"]


class PlanDecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class PlanProposeSerializer(serializers.Serializer):
    artist = serializers.SlugRelatedField(slug_field="slug", queryset=Artist.objects.all())
    reflect = serializers.BooleanField(default=True, help_text="Ask the reflection role for style-note edits.")


class CanDecidePlans(permissions.BasePermission):
    def has_permission(self, request: Request, view) -> bool:
        return bool(request.user and request.user.has_perm("evolution.decide_evolutionplan"))


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """Evolution plans: propose one on demand, approve, reject, roll back."""

    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    queryset = EvolutionPlan.objects.none()

    def get_queryset(self):
        return plan_list()

    @extend_schema(
        request=PlanProposeSerializer,
        responses={201: PlanSerializer, 200: OpenApiResponse(description="The evidence asks for no change.")},
    )
    @action(detail=False, methods=["post"], permission_classes=[CanDecidePlans])
    def propose(self, request: Request) -> Response:
        """Propose a plan for one artist now, from the current evidence."""
        data = PlanProposeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = plan_propose(
            artist=data.validated_data["artist"],
            trigger=EvolutionPlan.Trigger.ON_DEMAND,
            actor=request.user,
            reflect=data.validated_data["reflect"],
        )
        if plan is None:
            return Response({"plan": None, "detail": "The evidence asks for no change."})
        return Response(PlanSerializer(plan_list().get(pk=plan.pk)).data, status=status.HTTP_201_CREATED)

    def _decide(self, request: Request, service) -> Response:
        data = PlanDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = service(
            plan=self.get_object().pk, actor=request.user, channel=Channel.API, comment=data.validated_data["comment"]
        )
        return Response(PlanSerializer(plan_list().get(pk=plan.pk)).data)

    @extend_schema(request=PlanDecisionSerializer, responses={200: PlanSerializer})
    @action(detail=True, methods=["post"], permission_classes=[CanDecidePlans])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Apply a waiting plan as a new artist version (409 if it was decided or the profile moved on)."""
        return self._decide(request, plan_approve)

    @extend_schema(request=PlanDecisionSerializer, responses={200: PlanSerializer})
    @action(detail=True, methods=["post"], permission_classes=[CanDecidePlans])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject a waiting plan."""
        return self._decide(request, plan_reject)

    @extend_schema(request=PlanDecisionSerializer, responses={200: PlanSerializer})
    @action(detail=True, methods=["post"], permission_classes=[CanDecidePlans])
    def rollback(self, request: Request, pk: str | None = None) -> Response:
        """Restore the profile an applied plan started from, as a new version."""
        return self._decide(request, plan_rollback)


def register(router: BaseRouter) -> None:
    router.register("performance", PerformanceViewSet, basename="performance")
    router.register("evolution-plans", PlanViewSet, basename="evolution-plan")
    router.register("artist-scores", ScoreViewSet, basename="artist-score")
