"""Read queries for evolution: performance, plans, scores and the artist timeline."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.db.models import QuerySet, Sum
from django.utils import timezone

from artists.models import Artist, ArtistScore, ArtistVersion
from evolution.models import EvolutionPlan, PerformanceRecord


def performance_list() -> QuerySet[PerformanceRecord]:
    return PerformanceRecord.objects.select_related("release", "artist").order_by("-date", "pk")


def plan_list() -> QuerySet[EvolutionPlan]:
    return EvolutionPlan.objects.select_related(
        "artist", "base_version", "applied_version", "rollback_version", "decided_by"
    ).order_by("-created_at", "-pk")


def score_list() -> QuerySet[ArtistScore]:
    return ArtistScore.objects.select_related("artist", "version").order_by("-computed_at", "-pk")


def format_change(change: dict) -> str:
    """One line of a plan's readable diff: path: old → new (delta, bound)."""
    delta, bound = change.get("delta"), change.get("bound")
    if isinstance(change["old"], dict) or isinstance(change["new"], dict):
        old = ", ".join(f"{k} {v:.0%}" for k, v in (change["old"] or {}).items())
        new = ", ".join(f"{k} {v:.0%}" for k, v in (change["new"] or {}).items())
    else:
        old, new = change["old"], change["new"]
    suffix = ""
    if isinstance(delta, (int, float)) and isinstance(bound, (int, float)):
        suffix = f"  ({delta:+.3g}, bound {bound})"
    elif bound:
        suffix = f"  ({bound})"
    return f"{change['path']}: {old} → {new}{suffix}"


def version_diff_lines(version: ArtistVersion) -> list[str]:
    """A version's diff as readable lines; nested musical defaults are compared field by field."""
    lines = []
    for field, (old, new) in sorted((version.diff or {}).items()):
        if version.number == 1:
            continue
        if isinstance(old, dict) and isinstance(new, dict) and field != "genre_mix":
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    lines.append(f"{field}.{key}: {old.get(key)} → {new.get(key)}")
        elif field == "genre_mix":
            lines.append(format_change({"path": field, "old": old or {}, "new": new or {}}))
        else:
            lines.append(f"{field}: {old} → {new}")
    return lines


def _series(scores: list[ArtistScore], kind: str) -> list[tuple[str, float | None]]:
    return [(s.computed_at.date().isoformat(), s.value) for s in scores if s.kind == kind]


def artist_evolution_timeline(*, artist: Artist, days: int = 90) -> dict:
    """Everything the timeline page shows, in a fixed number of queries."""
    versions = list(ArtistVersion.objects.filter(artist=artist).select_related("created_by").order_by("-number"))
    plans = list(plan_list().filter(artist=artist))
    scores = list(ArtistScore.objects.filter(artist=artist).order_by("computed_at", "id"))
    since = timezone.localdate() - timedelta(days=days)
    streams = list(
        PerformanceRecord.objects.filter(artist=artist, date__gte=since)
        .values("date")
        .annotate(streams=Sum("streams"))
        .order_by("date")
    )
    score_days = sorted({s.computed_at.date().isoformat() for s in scores})

    def aligned(kind: str) -> list[float | None]:
        by_day = dict(_series(scores, kind))
        return [None if by_day.get(day) is None else round(by_day[day], 4) for day in score_days]

    latest = {}
    for score in scores:
        latest[score.kind] = score
    return {
        "artist": artist,
        "versions": [(version, version_diff_lines(version)) for version in versions],
        "plans": plans,
        "waiting": next((plan for plan in plans if plan.status == EvolutionPlan.Status.PROPOSED), None),
        "latest_scores": latest,
        "alerts": [s for s in reversed(scores) if s.alert][:10],
        "scores_chart": {
            "labels": score_days,
            "datasets": [
                {"label": "Approval rate", "data": aligned(ArtistScore.Kind.APPROVAL_RATE)},
                {"label": "Compatibility", "data": aligned(ArtistScore.Kind.COMPATIBILITY)},
            ],
        },
        "performance_chart": {
            "labels": score_days,
            "datasets": [{"label": "Recent streams / own baseline", "data": aligned(ArtistScore.Kind.PERFORMANCE)}],
        },
        "streams_chart": {
            "labels": [row["date"].isoformat() for row in streams],
            "datasets": [{"label": "Streams a day", "data": [row["streams"] for row in streams]}],
        },
        "has_scores": bool(scores),
        "has_streams": bool(streams),
    }


def evolution_overview() -> list[dict]:
    """One row per artist that is not retired: latest scores and the waiting plan (a few queries)."""
    artists = list(Artist.objects.exclude(status=Artist.Status.RETIRED).order_by("name"))
    latest: dict[tuple[int, str], ArtistScore] = {}
    recent = timezone.now() - dt.timedelta(days=60)
    for score in ArtistScore.objects.filter(computed_at__gte=recent).order_by("computed_at", "id"):
        latest[(score.artist_id, score.kind)] = score
    waiting = {plan.artist_id: plan for plan in EvolutionPlan.objects.filter(status=EvolutionPlan.Status.PROPOSED)}
    return [
        {
            "artist": artist,
            "approval": latest.get((artist.pk, ArtistScore.Kind.APPROVAL_RATE)),
            "performance": latest.get((artist.pk, ArtistScore.Kind.PERFORMANCE)),
            "compatibility": latest.get((artist.pk, ArtistScore.Kind.COMPATIBILITY)),
            "waiting": waiting.get(artist.pk),
        }
        for artist in artists
    ]
