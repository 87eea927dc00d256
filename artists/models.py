"""Virtual artists and the history of their identity."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from artists.schemas import ArtistProfile, LLMSettings, profile_errors


class Artist(models.Model):
    """A virtual music artist: identity (profile), lifecycle status and automation flags."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        ACTIVE = "active", "Active"
        EVOLVING = "evolving", "Evolving"
        PAUSED = "paused", "Paused"
        RETIRED = "retired", "Retired"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CANDIDATE, db_index=True)
    status_reason = models.CharField(max_length=300, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    autopilot = models.BooleanField(default=False, help_text="Approve this artist's runs automatically.")
    profile = models.JSONField(help_text="Validated against artists.schemas.ArtistProfile.")
    llm_settings = models.JSONField(default=dict, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["candidate", "active", "evolving", "paused", "retired"]),
                name="artist_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """The public page: where the back office's "View on site" leads."""
        return reverse("artist_pages:detail", args=[self.slug])

    def clean(self) -> None:
        errors = profile_errors(self.profile)
        if errors:
            raise ValidationError({"profile": errors})

    @property
    def identity(self) -> ArtistProfile:
        """The profile as its typed schema: the one way code reads an artist's profile.

        Profiles are validated on every write (artist services), so this only fails on a
        profile written around them, and then with the schema's own message. The parsed
        model is cached for as long as `profile` is the same object.
        """
        cached = self.__dict__.get("_identity")
        if cached is None or cached[0] is not self.profile:
            cached = (self.profile, ArtistProfile.model_validate(self.profile))
            self.__dict__["_identity"] = cached
        return cached[1]

    @property
    def llm_overrides(self) -> LLMSettings:
        """Per-artist LLM router overrides (chains per role, temperature), typed."""
        return LLMSettings.model_validate(self.llm_settings or {})

    @property
    def primary_genre(self) -> str:
        return self.identity.primary_genre

    @property
    def countries(self) -> list[str]:
        return list(self.identity.target_audience.countries)


class ArtistVersion(models.Model):
    """An immutable snapshot of an artist's profile, one per change, with the reason and diff."""

    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    profile = models.JSONField()
    reason = models.CharField(max_length=300)
    diff = models.JSONField(default=dict, blank=True, help_text="Changed top-level fields: {field: [old, new]}.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["artist", "-number"]
        constraints = [models.UniqueConstraint(fields=["artist", "number"], name="artist_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.artist} v{self.number}"


class CreationReport(models.Model):
    """How an artist was made from a brief: steps, prompts, LLM calls, validation, warnings."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    artist = models.OneToOneField(
        Artist, null=True, blank=True, on_delete=models.SET_NULL, related_name="creation_report"
    )
    brief = models.TextField()
    options = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    steps = models.JSONField(default=list, blank=True)
    validation = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    # Every LLM call made for this object (the LLM layer stores a generic subject).
    llm_calls = GenericRelation(
        "llm.LLMCall",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="creation_report",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Creation of {self.artist or 'an artist'} ({self.outcome})"


class ArtistStatusChange(models.Model):
    """A lifecycle move (e.g. Candidate -> Active), with the reason and the figures behind it."""

    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=Artist.Status.choices)
    to_status = models.CharField(max_length=16, choices=Artist.Status.choices)
    reason = models.CharField(max_length=300)
    metrics = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.artist}: {self.from_status} -> {self.to_status}"


class ArtistScore(models.Model):
    """One measurement of how an artist is doing, explained in words and kept as history.

    Written by the evolution app (approval rate, performance against the artist's own baseline,
    compatibility with its target markets); read by the lifecycle rules and the timeline page.
    """

    class Kind(models.TextChoices):
        APPROVAL_RATE = "approval_rate", "Review approval rate"
        PERFORMANCE = "performance", "Performance against own baseline"
        COMPATIBILITY = "compatibility", "Compatibility with target markets"

    class Alert(models.TextChoices):
        NONE = "", "No alert"
        JUMP = "jump", "Jump"
        FALL = "fall", "Fall"

    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="scores")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.FloatField(null=True, blank=True, help_text="None when there is not enough data to say.")
    explanation = models.CharField(max_length=500)
    figures = models.JSONField(default=dict, blank=True)
    alert = models.CharField(max_length=8, choices=Alert.choices, blank=True, default="")
    version = models.ForeignKey(
        ArtistVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scores",
        help_text="The profile version the score was computed for.",
    )
    computed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-computed_at", "-id"]
        indexes = [models.Index(fields=["artist", "kind", "computed_at"], name="artist_score_series_idx")]

    def __str__(self) -> str:
        shown = "n/a" if self.value is None else f"{self.value:.3f}"
        return f"{self.artist} {self.kind}={shown}"
