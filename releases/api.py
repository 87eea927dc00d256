"""REST endpoints for releases: list, detail (assets, QC report, deliveries), redeliver."""

from __future__ import annotations

from pathlib import Path

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from releases.models import DeliveredFile, Delivery, Release, ReleaseAsset
from releases.selectors import release_detail_queryset, release_distributor_summary, release_list
from releases.services import release_can_redeliver, release_redeliver


class ReleaseAssetSerializer(serializers.ModelSerializer):
    url = serializers.FileField(source="file", read_only=True)
    name = serializers.SerializerMethodField()

    class Meta:
        model = ReleaseAsset
        fields = ["kind", "name", "url", "sha256", "size"]

    def get_name(self, asset: ReleaseAsset) -> str:
        return Path(asset.file.name).name


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = ["distributor", "attempt", "status", "response", "error", "started_at", "finished_at"]


class DeliveredFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveredFile
        fields = ["name", "sha256", "size", "is_marker", "remote_ref", "confirmed_at"]


class DistributorStateSerializer(serializers.Serializer):
    distributor = serializers.CharField()
    complete = serializers.BooleanField(help_text="Every file and the completion marker confirmed.")
    marker_ref = serializers.CharField(help_text="Where the marker landed: path, upload id or IPFS CID.")
    files = DeliveredFileSerializer(many=True)


class ReleaseSerializer(serializers.ModelSerializer):
    artist = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assets = ReleaseAssetSerializer(many=True, read_only=True)
    can_redeliver = serializers.SerializerMethodField(
        help_text="Whether POST .../redeliver/ would be accepted now (the same rule as the release page)."
    )

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
            "error",
            "assets",
            "delivered_at",
            "can_redeliver",
            "created_at",
            "updated_at",
        ]

    def get_can_redeliver(self, release: Release) -> bool:
        return release_can_redeliver(release)


class ReleaseDetailSerializer(ReleaseSerializer):
    deliveries = DeliverySerializer(many=True, read_only=True)
    distributors = serializers.SerializerMethodField()

    class Meta(ReleaseSerializer.Meta):
        fields = [*ReleaseSerializer.Meta.fields, "metadata", "qc_report", "deliveries", "distributors"]

    @extend_schema_field(DistributorStateSerializer(many=True))
    def get_distributors(self, release: Release) -> list[dict]:
        return DistributorStateSerializer(release_distributor_summary(release), many=True).data


class ReleaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Release.Status.choices, distinct=False)  # a column
    artist = django_filters.CharFilter(field_name="artist__slug")
    released_after = django_filters.DateFilter(field_name="release_date", lookup_expr="gte")

    class Meta:
        model = Release
        fields = ["status", "artist", "isrc", "upc"]


class CanRedeliver(BasePermission):
    """Sending a release again changes it: the model's change permission."""

    def has_permission(self, request: Request, view) -> bool:
        return bool(request.user and request.user.has_perm("releases.change_release"))


class ReleaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Releases with their files, QC report and delivery attempts."""

    filterset_class = ReleaseFilter
    search_fields = ["title", "isrc", "upc", "artist__name"]
    ordering_fields = ["created_at", "release_date"]
    queryset = Release.objects.none()

    def get_queryset(self):
        return release_detail_queryset() if self.action != "list" else release_list()

    def get_serializer_class(self):
        return ReleaseSerializer if self.action == "list" else ReleaseDetailSerializer

    @extend_schema(request=None, responses={202: ReleaseDetailSerializer})
    @action(detail=True, methods=["post"], permission_classes=[CanRedeliver])
    def redeliver(self, request: Request, pk: str | None = None) -> Response:
        """Queue a failed (or stuck) delivery again; files already confirmed are not re-sent."""
        release = release_redeliver(release=self.get_object(), actor=request.user)
        return Response(
            ReleaseDetailSerializer(release_detail_queryset().get(pk=release.pk), context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
        )


def register(router: BaseRouter) -> None:
    router.register("releases", ReleaseViewSet, basename="release")
