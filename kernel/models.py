"""Plumbing tables shared by every app (no domain knowledge)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class TaskOutbox(models.Model):
    """A hand-over to the workers, written in the same transaction as the state change that asks for it.

    The broker may be down when a reviewer approves or an operator queues a job: the row
    stays here until the task reaches the broker (drained right after commit, and again
    by the scheduled sweep), so the hand-over is never lost with the broker.
    """

    task = models.CharField(max_length=200, help_text="Dotted path of the django-q task.")
    args = models.JSONField(default=list, blank=True)
    task_name = models.CharField(max_length=200, blank=True, help_text="Label shown in the django-q admin.")
    key = models.CharField(
        max_length=200, blank=True, help_text="At most one hand-over with this key waits at a time (deduplication)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    available_at = models.DateTimeField(help_text="Not sent before this time (backoff after a broker failure).")
    claimed_until = models.DateTimeField(null=True, blank=True, help_text="A drainer is sending it until then.")
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Failed attempts to reach the broker.")
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "task hand-over"
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(sent_at__isnull=True) & ~Q(key=""), name="outbox_pending_key_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["available_at"], condition=Q(sent_at__isnull=True), name="outbox_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"
