"""REST pieces for artist creation from a brief: input, the job (CreationReport) and its LLM calls."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from rest_framework import serializers, viewsets

from artists.models import CreationReport
from llm.api import LLMCallSerializer
from llm.models import LLMCall


class GenerateArtistInput(serializers.Serializer):
    """`POST /api/v1/artists/generate/`; the service checks the brief's length and the country codes."""

    brief = serializers.CharField(allow_blank=True, trim_whitespace=True)
    genre = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=60)
    countries = serializers.ListField(child=serializers.CharField(max_length=10), required=False, max_length=30)


class CreationJobSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The creation report's id.")
    status = serializers.CharField(help_text="running, succeeded or failed")
    url = serializers.URLField(help_text="GET it to follow the creation.")


class GenerateArtistAccepted(serializers.Serializer):
    """The 202 answer: the job to poll."""

    job = CreationJobSerializer()


class CreationReportSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="outcome", read_only=True)
    artist = serializers.SerializerMethodField()
    llm_calls = LLMCallSerializer(many=True, read_only=True)

    class Meta:
        model = CreationReport
        fields = [
            "id",
            "status",
            "artist",
            "brief",
            "options",
            "steps",
            "validation",
            "warnings",
            "error",
            "duration_ms",
            "created_at",
            "llm_calls",
        ]

    def get_artist(self, report: CreationReport) -> dict | None:
        if report.artist is None:
            return None
        return {"id": report.artist.pk, "slug": report.artist.slug, "name": report.artist.name}


def creation_reports() -> QuerySet[CreationReport]:
    calls = LLMCall.objects.order_by("created_at", "id")
    return CreationReport.objects.select_related("artist").prefetch_related(Prefetch("llm_calls", queryset=calls))


def job_reference(report: CreationReport, request) -> dict:
    url = reverse("artist-creation-detail", args=[report.pk])
    return {"id": report.pk, "status": report.outcome, "url": request.build_absolute_uri(url) if request else url}


class ArtistCreationViewSet(viewsets.ReadOnlyModelViewSet):
    """Artist creations from a brief (the jobs behind `POST /api/v1/artists/generate/`)."""

    serializer_class = CreationReportSerializer
    filterset_fields = ["outcome"]
    ordering_fields = ["created_at"]
    search_fields = ["brief"]
    queryset = CreationReport.objects.none()

    def get_queryset(self):
        return creation_reports()
