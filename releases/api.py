"""REST endpoints for releases."""

from __future__ import annotations

import django_filters
from rest_framework import serializers, viewsets
from rest_framework.routers import BaseRouter

from releases.models import Release, ReleaseAsset
from releases.selectors import release_list


class ReleaseAssetSerializer(serializers.ModelSerializer):
    url = serializers.FileField(source="file", read_only=True)

    class Meta:
        model = ReleaseAsset
        fields = ["kind", "url", "sha256", "size"]


class ReleaseSerializer(serializers.ModelSerializer):
    artist = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assets = ReleaseAssetSerializer(many=True, read_only=True)

    class Meta:
        model = Release
        fields = [
            "id",
            "run",
            "artist",
            "title",
            "isrc",
            "upc",
            "release_date",
            "status",
            "metadata",
            "qc_report",
            "error",
            "assets",
            "created_at",
            "updated_at",
        ]


class ReleaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Release.Status.choices)
    artist = django_filters.CharFilter(field_name="artist__slug")
    released_after = django_filters.DateFilter(field_name="release_date", lookup_expr="gte")

    class Meta:
        model = Release
        fields = ["status", "artist", "isrc", "upc"]


class ReleaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Releases with their files and QC report."""

    serializer_class = ReleaseSerializer
    filterset_class = ReleaseFilter
    search_fields = ["title", "isrc", "upc", "artist__name"]
    ordering_fields = ["created_at", "release_date"]
    queryset = Release.objects.none()

    def get_queryset(self):
        return release_list()


def register(router: BaseRouter) -> None:
    router.register("releases", ReleaseViewSet, basename="release")
