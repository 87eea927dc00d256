"""Measured audio features (performance after release lives in evolution.PerformanceRecord)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AudioFeatures(models.Model):
    """What the analyser measured on one track; the full result also lives in `data`."""

    track = models.OneToOneField("generation.Track", on_delete=models.CASCADE, related_name="features")
    duration = models.FloatField(help_text="Seconds.")
    tempo = models.FloatField(null=True, blank=True, help_text="BPM.")
    tempo_confidence = models.FloatField(null=True, blank=True)
    time_signature = models.PositiveSmallIntegerField(null=True, blank=True)
    key = models.CharField(max_length=2, blank=True, help_text="Pitch name, e.g. F#.")
    mode = models.CharField(max_length=5, blank=True, help_text="major or minor.")
    key_confidence = models.FloatField(null=True, blank=True)
    loudness_lufs = models.FloatField(null=True, blank=True)
    true_peak_dbtp = models.FloatField(null=True, blank=True)
    loudness_range_lu = models.FloatField(null=True, blank=True)
    energy = models.FloatField(null=True, blank=True)
    danceability = models.FloatField(null=True, blank=True)
    valence = models.FloatField(null=True, blank=True)
    acousticness = models.FloatField(null=True, blank=True)
    instrumentalness = models.FloatField(null=True, blank=True)
    speechiness = models.FloatField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True, help_text="Everything else: curves, sections, MFCCs.")
    waveform = models.ImageField(upload_to="analysis/%Y/%m/", blank=True)
    spectrogram = models.ImageField(upload_to="analysis/%Y/%m/", blank=True)
    analyzer_version = models.CharField(max_length=20, blank=True)
    analyzed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "audio features"

    def __str__(self) -> str:
        return f"Features of {self.track}"


class AnalysisJob(models.Model):
    """One uploaded file analysed in a worker (`POST /api/v1/tracks/analyze/`); the job a client polls.

    The upload is kept in media storage only while the job waits or runs (workers may be on
    other hosts), and deleted when it ends, whatever the outcome.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    filename = models.CharField(max_length=255, help_text="The name the client gave the file.")
    size = models.PositiveBigIntegerField(help_text="Bytes.")
    upload = models.FileField(upload_to="analysis-uploads/%Y/%m/", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.JSONField(null=True, blank=True, help_text="The features (docs/audio_analysis.md).")
    error = models.JSONField(null=True, blank=True, help_text="detail, code and reason when it failed.")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "status"], name="analysisjob_user_status_idx")]

    def __str__(self) -> str:
        return f"Analysis of {self.filename} ({self.status})"
