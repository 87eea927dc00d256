"""Models of the review area: integration events with their delivery attempts, Telegram bookkeeping.

Imported by `generation.models` so Django registers them in the generation app.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models

from generation.models.runs import GenerationRun
from kernel.actors import Channel


class ReviewDecision(models.Model):
    """A human (or autopilot) decision on a run, kept when undone; at most one not undone per run.

    The run's effective decision is the latest one not undone (`GenerationRun.decision` points
    at it). An undo is a recorded transition: who took it back, when and through which channel,
    from the decided status back to awaiting_review.
    """

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    run = models.ForeignKey(GenerationRun, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(auto_now_add=True, db_index=True)
    undone_at = models.DateTimeField(
        null=True, blank=True, help_text="When the decision was taken back (empty: it stands)."
    )
    undone_actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_actor_label = models.CharField(max_length=150, blank=True)
    undone_channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["run"], condition=models.Q(undone_at__isnull=True), name="review_decision_one_standing_per_run"
            ),
            models.CheckConstraint(
                condition=models.Q(undone_at__isnull=True) | ~models.Q(undone_channel=""),
                name="review_decision_undo_has_channel",
            ),
        ]

    def __str__(self) -> str:
        suffix = " (undone)" if self.undone_at else ""
        return f"{self.decision} {self.run} by {self.decided_by}{suffix}"

    @property
    def decided_by(self) -> str:
        if self.actor_label:
            return self.actor_label
        return self.actor.get_username() if self.actor else "system"

    @property
    def undone_by(self) -> str:
        """Who took the decision back ("" while it stands)."""
        if self.undone_at is None:
            return ""
        if self.undone_actor_label:
            return self.undone_actor_label
        return self.undone_actor.get_username() if self.undone_actor else "system"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None


EVENT_NAMES = (
    "run.awaiting_review",
    "run.approved",
    "run.rejected",
    "run.expired",
    "release.delivered",
    "release.failed",
)


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """An integration URL that receives signed JSON events (configured in the admin)."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=128, default=_new_secret, help_text="HMAC-SHA256 key; the receiver verifies X-Noktvrn-Signature."
    )
    events = models.JSONField(
        default=list, blank=True, help_text=f"Event names to send (empty: all). Known: {', '.join(EVENT_NAMES)}."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event_name: str) -> bool:
        return not self.events or event_name in self.events


class EventDelivery(models.Model):
    """One event for one endpoint; its attempts are recorded in EventAttempt."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4, db_index=True, help_text="Same for every endpoint of one event.")
    name = models.CharField(max_length=40, db_index=True)
    dedupe_key = models.CharField(max_length=120, blank=True, help_text="Emitting twice with one key sends once.")
    body = models.JSONField(help_text="The JSON envelope sent: id, event, created_at, data.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "event deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="event_delivery_dedupe_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} -> {self.endpoint_id} ({self.status})"


class EventAttempt(models.Model):
    """One HTTP POST of an event to an endpoint, successful or not."""

    delivery = models.ForeignKey(EventDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}: {self.status_code or self.error[:40]}"


class TelegramMessage(models.Model):
    """A review notification sent to one Telegram chat, so it can be edited once decided."""

    run = models.ForeignKey("generation.GenerationRun", on_delete=models.CASCADE, related_name="telegram_messages")
    chat_id = models.BigIntegerField()
    message_id = models.BigIntegerField()
    caption = models.TextField(blank=True)
    is_audio = models.BooleanField(default=True, help_text="Audio with caption, or a text message (no track).")
    sent_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When the outcome was written into it.")

    class Meta:
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["run", "chat_id"], name="telegram_message_run_chat_unique")]

    def __str__(self) -> str:
        return f"run {self.run_id} in chat {self.chat_id}"


class TelegramUpdate(models.Model):
    """A Bot API update already handled; Telegram may deliver one twice, we act once."""

    update_id = models.BigIntegerField(unique=True)
    kind = models.CharField(max_length=40, blank=True)
    outcome = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"update {self.update_id}"
