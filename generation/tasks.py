"""django-q entry points of generation (pipeline and review): thin wrappers that take ids and call services."""

from __future__ import annotations

from generation.models import Track
from generation.services.analysis import track_analyse
from generation.services.events import event_deliver
from generation.services.expiry import runs_sweep
from generation.services.lifecycle import artists_evaluate_lifecycle
from generation.services.pipeline import (
    batch_start_scheduled,
    runs_recover_stuck,
    stage_execute,
    stage_resume,
    vendor_jobs_check,
)
from generation.telegram.notify import telegram_messages_close, telegram_messages_reopen


def run_stage(run_id: int, stage: str) -> str:
    return stage_execute(run_id=run_id, stage=stage)


def resume_stage(run_id: int, stage: str) -> str:
    """After a vendor callback or the scheduled check: look at the stage's vendor job once."""
    return stage_resume(run_id=run_id, stage=stage)


def check_vendor_jobs() -> int:
    """Scheduled every VENDOR_CHECK_MINUTES: hand over a check for each waiting stage that is due."""
    return vendor_jobs_check()


def start_batch(size: int | None = None) -> int:
    """The scheduled batch (skipped, with its reason, while a critical provider is down)."""
    return batch_start_scheduled(size=size).pk


def recover_stuck_runs() -> dict[str, int]:
    return runs_recover_stuck()


def evaluate_lifecycle() -> dict[str, int]:
    return artists_evaluate_lifecycle()


def deliver_event(delivery_id: int) -> str:
    return event_deliver(delivery_id=delivery_id).status


def sweep_reviews() -> dict[str, int]:
    """Scheduled every REVIEW_SWEEP_MINUTES: autopilot approvals, then expiry."""
    return runs_sweep()


def close_telegram_messages(run_id: int) -> int:
    return telegram_messages_close(run_id=run_id)


def reopen_telegram_messages(run_id: int, note: str) -> int:
    """After an undo: the run's Telegram messages get their buttons back."""
    return telegram_messages_reopen(run_id=run_id, note=note)


def analyse_track(track_id: int) -> int:
    """Analyse one track and store its features; returns the AudioFeatures id."""
    return track_analyse(track=Track.objects.get(pk=track_id)).pk
