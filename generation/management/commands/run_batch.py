"""Run one batch cycle: queue it for the workers, or (--sync) run it here with a progress bar."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from generation.models import Channel, GenerationRun, RunStatus
from generation.services.pipeline import STAGE_ORDER, batch_start, run_execute_sync
from kernel.errors import ApplicationError


class ProgressBar:
    """A one-line text progress bar (falls back to one line per step when not a terminal)."""

    def __init__(self, total: int, stream, width: int = 30) -> None:
        self.total, self.done, self.stream, self.width = max(total, 1), 0, stream, width
        self.tty = getattr(stream, "isatty", lambda: False)()

    def step(self, label: str) -> None:
        self.done += 1
        filled = int(self.width * self.done / self.total)
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} {label}"
        if self.tty:
            self.stream.write("\r" + line[:120].ljust(120))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Start one generation batch (runs queued for the workers, or run here with --sync)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--artist", metavar="SLUG", help="Only this artist (all runs of the batch).")
        parser.add_argument(
            "--size", type=int, default=None, help=f"Runs in the batch (default {settings.BATCH_SIZE})."
        )
        parser.add_argument("--sync", action="store_true", help="Run every stage in this process, with progress.")

    def handle(self, *args, artist: str | None, size: int | None, sync: bool, **options) -> None:
        try:
            batch = batch_start(size=size, artist_slug=artist, channel=Channel.CLI, enqueue=not sync)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        run_ids = list(batch.runs.order_by("pk").values_list("pk", flat=True))
        if not run_ids:
            raise CommandError(batch.notes or "No artist could take a run.")
        self.stdout.write(f"Batch #{batch.pk}: {len(run_ids)} run(s) {settings.SITE_URL}/batches/{batch.pk}/")
        if not sync:
            self.stdout.write("Queued; a running worker cluster (manage.py qcluster) will process it.")
            return
        bar = ProgressBar(len(run_ids) * len(STAGE_ORDER), sys.stdout if self.stdout.isatty() else self.stdout)
        for run_id in run_ids:
            run_execute_sync(
                run_id=run_id, on_stage=lambda rid, stage, outcome: bar.step(f"run {rid} {stage}: {outcome}")
            )
        runs = GenerationRun.objects.filter(pk__in=run_ids).select_related("artist").order_by("pk")
        failed = 0
        for run in runs:
            line = f"run {run.pk} {run.artist.name} — {run.title or 'untitled'}: {run.status}"
            if run.status == RunStatus.FAILED:
                failed += 1
                line += f" ({run.error})"
            self.stdout.write(line)
        if failed == len(run_ids):
            raise CommandError("Every run of the batch failed.")
