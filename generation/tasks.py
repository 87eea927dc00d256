"""django-q entry points for the pipeline: thin wrappers that take ids and call services."""

from __future__ import annotations

from generation.services.lifecycle import artists_evaluate_lifecycle
from generation.services.pipeline import batch_start, runs_recover_stuck, stage_execute


def run_stage(run_id: int, stage: str) -> str:
    return stage_execute(run_id=run_id, stage=stage)


def start_batch(size: int | None = None) -> int:
    """The scheduled batch."""
    return batch_start(size=size).pk


def recover_stuck_runs() -> dict[str, int]:
    return runs_recover_stuck()


def evaluate_lifecycle() -> dict[str, int]:
    return artists_evaluate_lifecycle()
