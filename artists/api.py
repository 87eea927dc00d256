"""REST endpoints for artists."""

from __future__ import annotations

import django_filters
from rest_framework import serializers, viewsets
from rest_framework.routers import BaseRouter

from artists.models import Artist, ArtistVersion
from artists.selectors import artist_list


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
    status = django_filters.MultipleChoiceFilter(choices=Artist.Status.choices)
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Artist
        fields = ["status", "autopilot", "slug"]


class ArtistViewSet(viewsets.ReadOnlyModelViewSet):
    """Virtual artists with their full profile."""

    serializer_class = ArtistSerializer
    filterset_class = ArtistFilter
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "created_at", "last_run_at"]
    queryset = Artist.objects.none()

    def get_queryset(self):
        return artist_list()


def register(router: BaseRouter) -> None:
    router.register("artists", ArtistViewSet, basename="artist")
