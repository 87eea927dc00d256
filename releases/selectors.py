"""Read queries over releases."""

from django.db.models import Prefetch, QuerySet

from releases.models import Release, ReleaseAsset


def release_list() -> QuerySet[Release]:
    return Release.objects.select_related("artist", "run").prefetch_related(
        Prefetch("assets", queryset=ReleaseAsset.objects.order_by("kind"))
    )
