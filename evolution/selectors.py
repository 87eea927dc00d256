"""Read queries for evolution: performance, plans, scores and the artist timeline."""

from __future__ import annotations

from django.db.models import QuerySet

from evolution.models import PerformanceRecord


def performance_list() -> QuerySet[PerformanceRecord]:
    return PerformanceRecord.objects.select_related("release", "artist").order_by("-date", "pk")
