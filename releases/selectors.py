"""Read queries over releases: the release log and the delivery queue are views over these."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from releases.models import DeliveredFile, Delivery, Release, ReleaseAsset


def release_list() -> QuerySet[Release]:
    return Release.objects.select_related("artist", "run").prefetch_related(
        Prefetch("assets", queryset=ReleaseAsset.objects.order_by("kind"))
    )


def release_detail_queryset() -> QuerySet[Release]:
    """A release with everything its page shows, in a fixed number of queries."""
    return release_list().prefetch_related(
        Prefetch("deliveries", queryset=Delivery.objects.order_by("distributor", "attempt")),
        Prefetch("delivered_files", queryset=DeliveredFile.objects.order_by("distributor", "confirmed_at", "id")),
    )


def release_distributor_summary(release: Release) -> list[dict]:
    """Per distributor: confirmed files, whether the marker is confirmed, and where it landed."""
    names = list(dict.fromkeys([d.distributor for d in release.deliveries.all()]))
    files = list(release.delivered_files.all())
    summary = []
    for name in names:
        rows = [f for f in files if f.distributor == name]
        marker = next((f for f in rows if f.is_marker), None)
        summary.append(
            {
                "distributor": name,
                "complete": marker is not None,
                "marker_ref": marker.remote_ref if marker else "",
                "files": rows,
            }
        )
    return summary


def release_asset(release: Release, kind: str) -> ReleaseAsset | None:
    return next((a for a in release.assets.all() if a.kind == kind), None)
