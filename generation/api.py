"""REST endpoints for generation runs."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from generation.models import Channel, GenerationRun, ReviewDecision, RunStatus
from generation.selectors.review import run_list
from generation.services.review import run_decide


class ReviewDecisionSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(read_only=True)

    class Meta:
        model = ReviewDecision
        fields = ["decision", "decided_by", "channel", "comment", "decided_at"]


class RunSerializer(serializers.ModelSerializer):
    artist = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    artist_name = serializers.CharField(source="artist.name", read_only=True)
    audio_url = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()

    class Meta:
        model = GenerationRun
        fields = [
            "id",
            "batch",
            "artist",
            "artist_name",
            "status",
            "status_changed_at",
            "title",
            "seed",
            "parameters",
            "prompts",
            "variant",
            "audio_url",
            "decision",
            "error",
            "created_at",
            "updated_at",
        ]

    def get_audio_url(self, run: GenerationRun) -> str | None:
        track = getattr(run, "track", None)
        return track.audio.url if track and track.audio else None

    def get_decision(self, run: GenerationRun) -> dict | None:
        decision = getattr(run, "decision", None)
        return ReviewDecisionSerializer(decision).data if decision else None


class DecisionInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class DecisionResultSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    status = serializers.CharField()
    decision = ReviewDecisionSerializer()


class CanDecideRuns(BasePermission):
    """Approving and rejecting needs `generation.decide_run` (the Reviewers group has it)."""

    message = "You do not have permission to approve or reject runs."

    def has_permission(self, request: Request, view) -> bool:
        return request.user.has_perm("generation.decide_run")


_DECISION_RESPONSES = {
    200: DecisionResultSerializer,
    403: OpenApiResponse(description="Missing the generation.decide_run permission."),
    404: OpenApiResponse(description="Unknown run."),
    409: OpenApiResponse(
        description="Already decided (the body says by whom, through which channel) or not awaiting review."
    ),
}


class RunFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=RunStatus.choices)
    artist = django_filters.CharFilter(field_name="artist__slug")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = GenerationRun
        fields = ["status", "artist", "batch", "variant"]


class RunViewSet(viewsets.ReadOnlyModelViewSet):
    """Generation runs, filterable by status, artist and batch."""

    serializer_class = RunSerializer
    filterset_class = RunFilter
    search_fields = ["title", "artist__name"]
    ordering_fields = ["created_at", "status_changed_at"]
    queryset = GenerationRun.objects.none()

    def get_queryset(self):
        return run_list()

    def _decide(self, request: Request, decision: str) -> Response:
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = self.get_object()
        record = run_decide(
            run=run.pk,
            decision=decision,
            actor=request.user,
            channel=Channel.API,
            comment=data.validated_data["comment"],
        )
        body = {"run": run.pk, "status": record.decision, "decision": ReviewDecisionSerializer(record).data}
        return Response(DecisionResultSerializer(body).data)

    @extend_schema(request=DecisionInputSerializer, responses=_DECISION_RESPONSES)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanDecideRuns])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve a run awaiting review; the release job is enqueued."""
        return self._decide(request, ReviewDecision.Decision.APPROVED)

    @extend_schema(request=DecisionInputSerializer, responses=_DECISION_RESPONSES)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanDecideRuns])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject a run awaiting review, with an optional comment."""
        return self._decide(request, ReviewDecision.Decision.REJECTED)


def register(router: BaseRouter) -> None:
    router.register("runs", RunViewSet, basename="run")
