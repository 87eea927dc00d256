"""Measured audio features (performance after release lives in evolution.PerformanceRecord)."""

from __future__ import annotations

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
