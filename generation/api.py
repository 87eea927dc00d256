"""REST endpoints for generation runs."""

from __future__ import annotations

import django_filters
from rest_framework import serializers, viewsets
from rest_framework.routers import BaseRouter

from generation.models import GenerationRun, ReviewDecision, RunStatus
from generation.selectors import run_list


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


def register(router: BaseRouter) -> None:
    router.register("runs", RunViewSet, basename="run")
