"""Read queries for the batch pages and the batches API: a batch, its runs and every stage.

One batch's progress costs three queries whatever its size; the list costs one aggregate
query per page (run counts by status are annotated, not counted row by row).
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from generation.models import Batch, GenerationRun, RunStage, RunStatus
from generation.services.pipeline import STAGE_ORDER

# A run is still being made while it is in one of these; any other status means its batch is done with it.
OPEN_STATUSES = (RunStatus.PENDING, RunStatus.GENERATING)


def batch_list() -> QuerySet[Batch]:
    """Batches newest first, each with its runs counted by status (one query per page)."""
    return (
        Batch.objects.select_related("requested_by")
        .annotate(
            run_count=Count("runs"),
            pending=Count("runs", filter=Q(runs__status=RunStatus.PENDING)),
            generating=Count("runs", filter=Q(runs__status=RunStatus.GENERATING)),
            awaiting=Count("runs", filter=Q(runs__status=RunStatus.AWAITING_REVIEW)),
            failed=Count("runs", filter=Q(runs__status=RunStatus.FAILED)),
            done=Count("runs", filter=~Q(runs__status__in=OPEN_STATUSES)),
        )
        .order_by("-created_at", "-pk")
    )


def batch_estimate_seconds(*, batch: Batch, fraction_done: float) -> int | None:
    """Seconds left for a running batch, extrapolated from its own pace so far; None when unknown."""
    if batch.status != Batch.Status.RUNNING or fraction_done <= 0:
        return None
    elapsed = (timezone.now() - batch.created_at).total_seconds()
    return max(0, round(elapsed * (1 - fraction_done) / fraction_done))


def batch_progress(*, batch: Batch) -> dict:
    """The batch as JSON-ready data: counts, an estimate, and each run with its latest stage attempts."""
    runs = (
        GenerationRun.objects.filter(batch=batch)
        .select_related("artist")
        .prefetch_related(Prefetch("stages", queryset=RunStage.objects.order_by("name", "attempt")))
        .order_by("pk")
    )
    stage_names = (RunStage.Name.SELECT_ARTIST, *STAGE_ORDER)
    rows, done_total, stage_total = [], 0, 0
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.status] = counts.get(run.status, 0) + 1
        latest: dict[str, RunStage] = {}
        for stage in run.stages.all():
            latest[stage.name] = stage
        stages = []
        for name in stage_names:
            stage = latest.get(name)
            stages.append(
                {
                    "name": name,
                    "label": RunStage.Name(name).label,
                    "outcome": stage.outcome if stage else "waiting",
                    "attempt": stage.attempt if stage else 0,
                    "duration_ms": stage.duration_ms if stage else None,
                    "error": stage.error if stage else "",
                }
            )
            stage_total += 1
            # A failed run's remaining stages will never run: they count as done for the progress bar.
            finished = stage and stage.outcome in (RunStage.Outcome.SUCCEEDED, RunStage.Outcome.SKIPPED)
            done_total += bool(finished or run.status == RunStatus.FAILED)
        rows.append(
            {
                "id": run.pk,
                "artist": run.artist.name,
                "title": run.title,
                "status": run.status,
                "status_label": run.get_status_display(),
                "error": run.error,
                "stages": stages,
            }
        )
    fraction = round(done_total / stage_total, 3) if stage_total else 1.0
    runs_total = len(rows)
    runs_done = sum(n for status, n in counts.items() if status not in OPEN_STATUSES)
    finished = batch.status == Batch.Status.FINISHED
    return {
        "id": batch.pk,
        "status": batch.status,
        "size": batch.size,
        "channel": batch.channel,
        "created_at": batch.created_at.isoformat(),
        "finished_at": batch.finished_at.isoformat() if batch.finished_at else None,
        "duration_seconds": round((batch.finished_at - batch.created_at).total_seconds()) if finished else None,
        "notes": batch.notes,
        "progress": 1.0 if finished else fraction,
        "runs_total": runs_total,
        "runs_done": runs_done,
        "counts": {status: counts.get(status, 0) for status in RunStatus.values},
        "estimate_seconds": batch_estimate_seconds(batch=batch, fraction_done=fraction),
        "stage_names": [RunStage.Name(name).label for name in stage_names],
        "runs": rows,
    }
