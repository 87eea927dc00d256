"""REST endpoints for artists."""

from __future__ import annotations

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter
from rest_framework.throttling import ScopedRateThrottle

from artists.creation import artist_creation_enqueue
from artists.creation_api import (
    ArtistCreationViewSet,
    CreationReportSerializer,
    GenerateArtistAccepted,
    GenerateArtistInput,
    creation_reports,
    job_reference,
)
from artists.models import Artist, ArtistVersion
from artists.selectors import artist_list
from artists.services import artist_update_profile
from kernel.errors import NotFoundError
from kernel.filters import IsoDateTimeFilter


class ArtistSerializer(serializers.ModelSerializer):
    class Meta:
        model = Artist
        fields = [
            "id",
            "name",
            "slug",
            "status",
            "status_reason",
            "autopilot",
            "profile",
            "llm_settings",
            "last_run_at",
            "created_at",
            "updated_at",
        ]


class ArtistVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArtistVersion
        fields = ["id", "number", "profile", "reason", "diff", "created_at"]


class ArtistFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Artist.Status.choices, distinct=False)  # a column: no join
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Artist
        fields = ["status", "autopilot", "slug"]


class ArtistProfileUpdateInput(serializers.Serializer):
    profile = serializers.JSONField(help_text="The whole new profile, validated by the profile schema.")
    reason = serializers.CharField(max_length=300, required=False, default="Edited through the API.")


class ArtistViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Virtual artists with their full profile; PATCH edits the profile through the artist service."""

    http_method_names = ["get", "post", "patch", "head", "options"]

    serializer_class = ArtistSerializer
    filterset_class = ArtistFilter
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "created_at", "last_run_at"]
    queryset = Artist.objects.none()
    # Used by the throttled `generate` action only (the reads are not throttled).
    throttle_scope = "artist_generation"

    def get_queryset(self):
        return artist_list()

    @extend_schema(request=ArtistProfileUpdateInput, responses=ArtistSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        """Replace the profile; a change writes a new ArtistVersion with its diff (no change: no version)."""
        artist = self.get_object()
        data = ArtistProfileUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        artist_update_profile(
            artist=artist,
            profile=data.validated_data["profile"],
            reason=data.validated_data["reason"],
            actor=request.user,
        )
        artist.refresh_from_db()
        return Response(ArtistSerializer(artist).data)

    @extend_schema(responses=ArtistVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, pk: str | None = None) -> Response:
        """Every profile version of this artist, newest first, with its diff."""
        artist = self.get_object()
        return Response(ArtistVersionSerializer(artist.versions.order_by("-number"), many=True).data)

    @extend_schema(
        request=GenerateArtistInput,
        responses={
            202: GenerateArtistAccepted,
            429: OpenApiResponse(
                OpenApiTypes.OBJECT, description="Over THROTTLE_ARTIST_GENERATION_RATE for this user; see Retry-After."
            ),
        },
    )
    @action(detail=False, methods=["post"], throttle_classes=[ScopedRateThrottle])
    def generate(self, request: Request) -> Response:
        """Queue an artist creation from a brief; poll the returned job (a creation report) for the result."""
        data = GenerateArtistInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = artist_creation_enqueue(
            brief=data.validated_data["brief"],
            genre=data.validated_data.get("genre"),
            countries=data.validated_data.get("countries"),
            actor=request.user,
        )
        return Response({"job": job_reference(report, request)}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=CreationReportSerializer)
    @action(detail=True, methods=["get"], url_path="creation-report")
    def creation_report(self, request: Request, pk: str | None = None) -> Response:
        """How this artist was created: steps, prompts, validation, warnings and every LLM call."""
        artist = self.get_object()
        if not request.user.has_perm("artists.view_creationreport"):
            raise PermissionDenied()
        report = creation_reports().filter(artist=artist).first()
        if report is None:
            raise NotFoundError(f"Artist {artist.pk} was not created from a brief.")
        return Response(CreationReportSerializer(report).data)


def register(router: BaseRouter) -> None:
    router.register("artists", ArtistViewSet, basename="artist")
    router.register("artist-creations", ArtistCreationViewSet, basename="artist-creation")
