"""Read queries for the batch pages: a batch, its runs and every stage, in three queries."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from generation.models import Batch, GenerationRun, RunStage, RunStatus
from generation.services.pipeline import STAGE_ORDER


def batch_list() -> QuerySet[Batch]:
    return (
        Batch.objects.select_related("requested_by")
        .annotate(
            run_count=Count("runs"),
            awaiting=Count("runs", filter=Q(runs__status=RunStatus.AWAITING_REVIEW)),
            failed=Count("runs", filter=Q(runs__status=RunStatus.FAILED)),
        )
        .order_by("-created_at", "-pk")
    )


def batch_progress(*, batch: Batch) -> dict:
    """The batch as JSON-ready data: each run with the latest attempt of each stage."""
    runs = (
        GenerationRun.objects.filter(batch=batch)
        .select_related("artist")
        .prefetch_related(Prefetch("stages", queryset=RunStage.objects.order_by("name", "attempt")))
        .order_by("pk")
    )
    stage_names = (RunStage.Name.SELECT_ARTIST, *STAGE_ORDER)
    rows, done_total, stage_total = [], 0, 0
    for run in runs:
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
            done_total += bool(stage and stage.outcome in (RunStage.Outcome.SUCCEEDED, RunStage.Outcome.SKIPPED))
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
    return {
        "id": batch.pk,
        "status": batch.status,
        "created_at": batch.created_at.isoformat(),
        "finished_at": batch.finished_at.isoformat() if batch.finished_at else None,
        "notes": batch.notes,
        "progress": round(done_total / stage_total, 3) if stage_total else 1.0,
        "stage_names": [RunStage.Name(name).label for name in stage_names],
        "runs": rows,
    }
