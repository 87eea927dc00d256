"""Artist lifecycle: promote what works, pause what fails, retire what reviewers keep rejecting.

Failed runs count as errors: an artist whose runs keep failing is paused like one whose
runs keep being rejected (the old system ignored failures and so never retired anyone).
Performance after release and the fit with the target markets count too: the latest scores
(artists.ArtistScore, written by the evolution app) within the window are read, and every
change records them with the review figures.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from artists.models import Artist, ArtistScore
from artists.selectors import artist_latest_scores
from artists.services import artist_set_status
from generation.models import APPROVED_STATUSES, REJECTED_STATUSES, GenerationRun, RunStatus, approval_rate


@dataclass(frozen=True)
class LifecycleMetrics:
    runs: int
    approved: int
    rejected: int
    expired: int
    failed: int
    approval_rate: float | None
    error_rate: float | None
    rejection_streak: int
    window_days: int
    performance_ratio: float | None = None
    performance_alert: str = ""
    compatibility: float | None = None


def artist_lifecycle_metrics(*, artist: Artist) -> LifecycleMetrics:
    since = timezone.now() - timedelta(days=settings.LIFECYCLE_WINDOW_DAYS)
    statuses = list(
        GenerationRun.objects.filter(artist=artist, created_at__gte=since)
        .order_by("-created_at")
        .values_list("status", flat=True)
    )
    approved = sum(status in APPROVED_STATUSES for status in statuses)
    rejected = sum(status in REJECTED_STATUSES for status in statuses)
    failed = statuses.count(RunStatus.FAILED)
    rate = approval_rate(approved, rejected)
    streak = 0
    for status in statuses:
        if status in REJECTED_STATUSES:
            streak += 1
        elif status in APPROVED_STATUSES:
            break
    return LifecycleMetrics(
        runs=len(statuses),
        approved=approved,
        rejected=rejected,
        expired=statuses.count(RunStatus.EXPIRED),
        failed=failed,
        approval_rate=None if rate is None else round(rate, 3),
        error_rate=round(failed / len(statuses), 3) if statuses else None,
        rejection_streak=streak,
        window_days=settings.LIFECYCLE_WINDOW_DAYS,
        **_recent_scores(artist, since),
    )


def _recent_scores(artist: Artist, since) -> dict:
    scores = {kind: score for kind, score in artist_latest_scores(artist=artist).items() if score.computed_at >= since}
    performance = scores.get(ArtistScore.Kind.PERFORMANCE)
    compatibility = scores.get(ArtistScore.Kind.COMPATIBILITY)
    return {
        "performance_ratio": performance.value if performance else None,
        "performance_alert": performance.alert if performance else "",
        "compatibility": compatibility.value if compatibility else None,
    }


def lifecycle_decision(*, artist: Artist, metrics: LifecycleMetrics, now=None) -> tuple[str, str] | None:
    """The (status, reason) the rules ask for, or None to leave the artist as it is."""
    now = now or timezone.now()
    s = settings
    if artist.status == Artist.Status.RETIRED:
        return None
    if artist.status == Artist.Status.PAUSED:
        paused_since = artist.status_changed_at or artist.updated_at
        if paused_since and now - paused_since > timedelta(days=s.LIFECYCLE_RETIRE_AFTER_PAUSED_DAYS):
            return Artist.Status.RETIRED, f"Paused for more than {s.LIFECYCLE_RETIRE_AFTER_PAUSED_DAYS} days."
        return None
    if metrics.rejection_streak >= s.LIFECYCLE_RETIRE_REJECTION_STREAK:
        return Artist.Status.RETIRED, f"{metrics.rejection_streak} rejections in a row."
    if metrics.runs >= s.LIFECYCLE_MIN_RUNS and (metrics.error_rate or 0) >= s.LIFECYCLE_PAUSE_ERROR_RATE:
        return Artist.Status.PAUSED, (
            f"Error rate {metrics.error_rate:.0%} over {metrics.runs} runs in {metrics.window_days} days."
        )
    decided = metrics.approved + metrics.rejected
    if decided >= s.LIFECYCLE_MIN_RUNS and (metrics.approval_rate or 0) < s.LIFECYCLE_PAUSE_APPROVAL_RATE:
        return Artist.Status.PAUSED, f"Approval rate {metrics.approval_rate:.0%} over {decided} decided runs."
    fit = metrics.compatibility
    if metrics.performance_alert == "fall" and fit is not None and fit < s.LIFECYCLE_PAUSE_COMPATIBILITY:
        return Artist.Status.PAUSED, (
            f"Streams fell to {metrics.performance_ratio:.0%} of the artist's own baseline and its market fit is "
            f"{fit:.2f} (under {s.LIFECYCLE_PAUSE_COMPATIBILITY})."
        )
    last_active = artist.last_run_at or artist.created_at
    if last_active and now - last_active > timedelta(days=s.LIFECYCLE_INACTIVE_DAYS):
        return Artist.Status.PAUSED, f"No run for more than {s.LIFECYCLE_INACTIVE_DAYS} days."
    if (
        artist.status == Artist.Status.CANDIDATE
        and decided >= s.LIFECYCLE_MIN_RUNS
        and (metrics.approval_rate or 0) >= s.LIFECYCLE_PROMOTE_APPROVAL_RATE
    ):
        return Artist.Status.ACTIVE, f"Approval rate {metrics.approval_rate:.0%} over {decided} decided runs."
    if (
        artist.status == Artist.Status.CANDIDATE
        and metrics.performance_alert == "jump"
        and (fit is None or fit >= s.LIFECYCLE_PROMOTE_COMPATIBILITY)
        and (metrics.approval_rate is None or metrics.approval_rate >= s.LIFECYCLE_PAUSE_APPROVAL_RATE)
    ):
        shown = "unknown" if fit is None else f"{fit:.2f}"
        return Artist.Status.ACTIVE, (
            f"Streams jumped to {metrics.performance_ratio:.0%} of the artist's own baseline; market fit {shown}."
        )
    return None


def artists_evaluate_lifecycle() -> dict[str, int]:
    """The lifecycle sweep: apply the rules to every artist that is not retired."""
    changes: dict[str, int] = {}
    for artist in Artist.objects.exclude(status=Artist.Status.RETIRED):
        metrics = artist_lifecycle_metrics(artist=artist)
        decision = lifecycle_decision(artist=artist, metrics=metrics)
        if decision is None:
            continue
        to_status, reason = decision
        if artist_set_status(artist=artist, to_status=to_status, reason=reason, metrics=asdict(metrics)):
            changes[to_status] = changes.get(to_status, 0) + 1
    return changes
