"""Batches of generation runs, their stages and artifacts."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.urls import reverse

from kernel.actors import Channel


class Batch(models.Model):
    """One cycle of the scheduler: a set of runs started together."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        SKIPPED = "skipped", "Skipped"  # a scheduled cycle that did not start (the reason is in notes)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING, db_index=True)
    size = models.PositiveIntegerField(default=0, help_text="Runs requested.")
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.SYSTEM)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "batches"

    def __str__(self) -> str:
        return f"Batch #{self.pk}"


class RunStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    GENERATING = "generating", "Generating"
    FAILED = "failed", "Failed"
    AWAITING_REVIEW = "awaiting_review", "Awaiting review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    RELEASING = "releasing", "Releasing"
    RELEASED = "released", "Released"
    RELEASE_FAILED = "release_failed", "Release failed"


# The one definition of approval, used by pages, lifecycle rules and the API: a run counts as
# approved while it is approved or on its way to (or through) release, as rejected when
# rejected; expired and failed runs are not decisions. Counted on the run's current status,
# so an undone decision stops counting at once.
APPROVED_STATUSES = frozenset({RunStatus.APPROVED, RunStatus.RELEASING, RunStatus.RELEASED, RunStatus.RELEASE_FAILED})
REJECTED_STATUSES = frozenset({RunStatus.REJECTED})


def approval_rate(approved: int, rejected: int) -> float | None:
    """Approved / (approved + rejected), None before any decision."""
    decided = approved + rejected
    return approved / decided if decided else None


class GenerationRun(models.Model):
    """One attempt to make a track (with video and cover) for one artist, through review."""

    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    artist = models.ForeignKey("artists.Artist", on_delete=models.PROTECT, related_name="runs")
    artist_version = models.ForeignKey(
        "artists.ArtistVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="runs",
        help_text="The profile version adapt_parameters read (empty for runs older than the field).",
    )
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.PENDING, db_index=True)
    status_changed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    title = models.CharField(max_length=200, blank=True)
    seed = models.PositiveBigIntegerField(default=0)
    parameters = models.JSONField(default=dict, blank=True, help_text="Tempo, key, mode, energy, duration, genre...")
    prompts = models.JSONField(default=dict, blank=True, help_text="Prompts and lyrics used, by role.")
    variant = models.CharField(max_length=16, blank=True, help_text="Name of the experiment variant the run got.")
    experiment_variant = models.ForeignKey(
        "generation.ExperimentVariant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs",
        help_text="The A/B experiment arm the bandit gave this run.",
    )
    cover = models.ImageField(upload_to="covers/%Y/%m/", blank=True)
    # Set and cleared by the review service only (generation.services.review): a pointer, so lists
    # read the decision with one join while every decision and its undo stay in `decisions`.
    decision = models.OneToOneField(
        "generation.ReviewDecision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The effective decision: the latest one not undone (empty while awaiting review).",
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Every LLM call made for this object (the LLM layer stores a generic subject).
    llm_calls = GenericRelation(
        "llm.LLMCall",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="run",
    )

    class Meta:
        ordering = ["-created_at"]
        permissions = [("decide_run", "Can approve or reject runs")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=RunStatus.values), name="run_status_valid"),
        ]
        indexes = [models.Index(fields=["artist", "created_at"], name="run_artist_created_idx")]

    def __str__(self) -> str:
        return self.title or f"Run #{self.pk}"

    def get_absolute_url(self) -> str:
        """The public page: where the back office's "View on site" leads."""
        return reverse("review:detail", args=[self.pk])


class RunTransition(models.Model):
    """A status change of a run: from, to, who, through which channel, when."""

    run = models.ForeignKey(GenerationRun, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=RunStatus.choices)
    to_status = models.CharField(max_length=20, choices=RunStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True, help_text="Who, when not a user (a Telegram name).")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.from_status} -> {self.to_status}"


class RunStage(models.Model):
    """One attempt at one pipeline stage of a run, with its timing and outcome."""

    class Name(models.TextChoices):
        SELECT_ARTIST = "select_artist", "Select artist"
        ADAPT_PARAMETERS = "adapt_parameters", "Adapt parameters"
        WRITE_PROMPTS = "write_prompts", "Write prompts"
        GENERATE_TRACK = "generate_track", "Generate track"
        ANALYSE_AUDIO = "analyse_audio", "Analyse audio"
        SELECT_VIDEO = "select_video", "Select video"
        MAKE_COVER = "make_cover", "Make cover"
        NOTIFY_REVIEWERS = "notify_reviewers", "Notify reviewers"

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        WAITING = "waiting", "Waiting on a vendor"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    run = models.ForeignKey(GenerationRun, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=32, choices=Name.choices)
    attempt = models.PositiveSmallIntegerField(default=1)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    traceback = models.TextField(blank=True)
    # Vendor work in flight: the stage submitted a job and ended; a check or the vendor's callback resumes it.
    vendor = models.CharField(max_length=40, blank=True, help_text="Provider whose job the stage waits on.")
    vendor_job_id = models.CharField(max_length=200, blank=True, db_index=True)
    next_check_at = models.DateTimeField(null=True, blank=True, help_text="When the vendor job is checked next.")
    check_leased_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A check of the vendor job is in flight until then; no other check starts (a callback included).",
    )
    providers = models.JSONField(
        default=list, blank=True, help_text="Providers tried in this attempt, in order, with why each was left."
    )

    class Meta:
        ordering = ["run", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "name", "attempt"], name="run_stage_attempt_unique"),
            # A stage's work is done once: a second success would mean a second chain after it.
            models.UniqueConstraint(
                fields=["run", "name"], condition=models.Q(outcome="succeeded"), name="run_stage_one_success"
            ),
        ]
        indexes = [
            models.Index(fields=["next_check_at"], condition=models.Q(outcome="waiting"), name="run_stage_waiting_idx"),
            # The dashboard's "failures by stage" over a date range reads only failed attempts.
            models.Index(fields=["started_at"], condition=models.Q(outcome="failed"), name="run_stage_failed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.name}#{self.attempt} {self.outcome}"


class Track(models.Model):
    """The audio a run produced; one per run, enforced by the database."""

    run = models.OneToOneField(GenerationRun, on_delete=models.CASCADE, related_name="track")
    audio = models.FileField(upload_to="tracks/%Y/%m/")
    duration = models.FloatField(null=True, blank=True, help_text="Seconds.")
    provider = models.CharField(max_length=40)
    provider_job_id = models.CharField(max_length=200, blank=True)
    provider_log = models.JSONField(
        default=list, blank=True, help_text="Providers tried before the one that made the track, and why each was left."
    )
    lyrics = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Track of {self.run}"


class VideoClip(models.Model):
    """The visual for a run: a stock clip, a generated clip or the local visualizer."""

    run = models.OneToOneField(GenerationRun, on_delete=models.CASCADE, related_name="video")
    source = models.CharField(max_length=40, help_text="Provider: pexels, pixabay, luma, local.")
    source_id = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    file = models.FileField(upload_to="videos/%Y/%m/", blank=True)
    licence = models.CharField(max_length=200, blank=True)
    attribution = models.CharField(max_length=300, blank=True)
    query_terms = models.JSONField(default=list, blank=True, help_text="Stock-search terms asked for, in order.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.source} video for {self.run}"


class VideoPreference(models.Model):
    """What an artist's approved and well-performing runs say about a video source or a search term.

    Written by the evolution app's learning (time-decayed rewards), read by the select_video
    stage to put preferred terms first and try preferred stock sources first.
    """

    class Kind(models.TextChoices):
        SOURCE = "source", "Video source"
        TERM = "term", "Search term"

    artist = models.ForeignKey("artists.Artist", on_delete=models.CASCADE, related_name="video_preferences")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    key = models.CharField(max_length=100)
    score = models.FloatField(help_text="Decayed mean reward with a neutral prior: 0.5 = no signal.")
    weight = models.FloatField(default=0, help_text="Decayed number of runs behind the score.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["artist", "kind", "-score"]
        constraints = [models.UniqueConstraint(fields=["artist", "kind", "key"], name="video_preference_unique")]

    def __str__(self) -> str:
        return f"{self.artist_id} {self.kind} {self.key}: {self.score:.2f}"
