"""Performance after release and the evolution plans that change an artist in bounded steps."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.urls import reverse

from kernel.actors import Channel


class PerformanceImport(models.Model):
    """One import of a performance file or API payload: what it did and the rows it refused."""

    file_name = models.CharField(max_length=255)
    format = models.CharField(max_length=10, help_text="csv, json or jsonl.")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{line, message}] of the refused rows.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"


class PerformanceRecord(models.Model):
    """Streams, listeners, saves and playlist adds of one release on one platform, day and country."""

    release = models.ForeignKey("releases.Release", on_delete=models.CASCADE, related_name="performance")
    artist = models.ForeignKey("artists.Artist", on_delete=models.CASCADE, related_name="performance")
    platform = models.CharField(max_length=40, help_text="Lower case, e.g. spotify, apple_music, youtube.")
    date = models.DateField()
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2; empty = worldwide.")
    streams = models.PositiveBigIntegerField(default=0)
    listeners = models.PositiveBigIntegerField(default=0)
    saves = models.PositiveBigIntegerField(default=0)
    playlist_adds = models.PositiveBigIntegerField(default=0)
    last_import = models.ForeignKey(PerformanceImport, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "release", "platform", "country"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "platform", "date", "country"], name="performance_unique_release_platform_day"
            ),
        ]
        indexes = [models.Index(fields=["artist", "date"], name="performance_artist_date_idx")]

    def __str__(self) -> str:
        return f"{self.release_id} {self.platform} {self.country or 'WW'} {self.date}: {self.streams}"


class EvolutionPlan(models.Model):
    """A proposed bounded change to an artist's profile: explained, reviewed, applied as a version, reversible."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Waiting for review"
        APPLIED = "applied", "Approved and applied"
        REJECTED = "rejected", "Rejected"
        ROLLED_BACK = "rolled_back", "Rolled back"
        SUPERSEDED = "superseded", "Superseded"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        ON_DEMAND = "on_demand", "On demand"
        REFLECTION = "reflection", "Reflection"
        SIMULATION = "simulation", "Simulation"

    artist = models.ForeignKey("artists.Artist", on_delete=models.CASCADE, related_name="evolution_plans")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROPOSED, db_index=True)
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    base_version = models.ForeignKey(
        "artists.ArtistVersion", on_delete=models.PROTECT, related_name="+", help_text="The version it changes."
    )
    proposed_profile = models.JSONField(help_text="The whole profile after the step (validated).")
    changes = models.JSONField(default=list, help_text="[{path, old, new, delta, bound}] per moved parameter.")
    bounds = models.JSONField(default=dict, help_text="The limits this step was checked against.")
    explanation = models.TextField(help_text="What moves, why, from which evidence.")
    evidence = models.JSONField(default=dict, help_text="The figures behind the plan.")
    status_before = models.CharField(max_length=16, blank=True, help_text="Artist status to restore after review.")
    applied_version = models.ForeignKey(
        "artists.ArtistVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rollback_version = models.ForeignKey(
        "artists.ArtistVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    decided_channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    decision_comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    rolled_back_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The reflection's LLM call (the LLM layer stores a generic subject).
    llm_calls = GenericRelation(
        "llm.LLMCall",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="evolution_plan",
    )

    class Meta:
        ordering = ["-created_at"]
        permissions = [("decide_evolutionplan", "Can approve, reject or roll back evolution plans")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["proposed", "applied", "rejected", "rolled_back", "superseded"]),
                name="evolution_plan_status_valid",
            ),
            # At most one plan waits per artist: a new proposal supersedes the old one.
            models.UniqueConstraint(
                fields=["artist"], condition=models.Q(status="proposed"), name="evolution_plan_one_waiting"
            ),
        ]

    def __str__(self) -> str:
        return f"Plan #{self.pk} for {self.artist} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("evolution:plan", args=[self.pk])
