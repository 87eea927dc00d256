"""Releases made from approved runs, their files, and every delivery attempt."""

from __future__ import annotations

from django.db import models
from django.urls import reverse


def release_asset_path(instance: ReleaseAsset, filename: str) -> str:
    """One folder per release, so a package is browsable (and deletable) as a unit."""
    return f"releases/{instance.release_id}/{filename}"


class ReleaseStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PACKAGED = "packaged", "Packaged"
    QC_FAILED = "qc_failed", "QC failed"
    QUEUED = "queued", "Queued"
    DELIVERING = "delivering", "Delivering"
    DELIVERED = "delivered", "Delivered"
    DELIVERY_FAILED = "delivery_failed", "Delivery failed"


class Release(models.Model):
    """A distributor-ready single made from one approved run."""

    Status = ReleaseStatus

    run = models.OneToOneField("generation.GenerationRun", on_delete=models.PROTECT, related_name="release")
    artist = models.ForeignKey("artists.Artist", on_delete=models.PROTECT, related_name="releases")
    title = models.CharField(max_length=200)
    isrc = models.CharField(max_length=12, unique=True, null=True, blank=True, verbose_name="ISRC")
    upc = models.CharField(max_length=13, unique=True, null=True, blank=True, verbose_name="UPC/EAN")
    release_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    metadata = models.JSONField(default=dict, blank=True)
    qc_report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    locked_until = models.DateTimeField(
        null=True, blank=True, help_text="A packaging or delivery job holds the release until then."
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=ReleaseStatus.values), name="release_status_valid"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """The public page: where the back office's "View on site" leads."""
        return reverse("releases:detail", args=[self.pk])


class ReleaseAsset(models.Model):
    """One file of a release package, with its checksum."""

    class Kind(models.TextChoices):
        AUDIO_WAV = "audio_wav", "Audio master (WAV)"
        AUDIO_FLAC = "audio_flac", "Audio (FLAC)"
        VIDEO = "video", "Video"
        TEASER = "teaser", "Teaser (9:16)"
        COVER = "cover", "Cover (JPEG)"
        METADATA = "metadata", "metadata.json"
        PROMPTS = "prompts", "prompts_used.json"
        DDEX = "ddex", "DDEX ERN XML"
        ARCHIVE = "archive", "Package zip"

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="assets")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    file = models.FileField(upload_to=release_asset_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["release", "kind"]
        constraints = [models.UniqueConstraint(fields=["release", "kind"], name="release_asset_kind_unique")]

    def __str__(self) -> str:
        return f"{self.release} {self.kind}"


class Delivery(models.Model):
    """One attempt to deliver a release to one distributor."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="deliveries")
    distributor = models.CharField(max_length=40)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    attempt = models.PositiveSmallIntegerField(default=1)
    response = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["release", "distributor", "attempt"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["release", "distributor", "attempt"], name="delivery_attempt_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.release} -> {self.distributor} #{self.attempt}"


class DeliveredFile(models.Model):
    """A file (or the completion marker) a distributor confirmed; never sent to it again."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="delivered_files")
    distributor = models.CharField(max_length=40)
    name = models.CharField(max_length=200, help_text="File name in the package, or the marker's name.")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    is_marker = models.BooleanField(default=False)
    remote_ref = models.CharField(max_length=500, blank=True, help_text="Remote path, upload id or IPFS CID.")
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="confirmed_files")
    confirmed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["release", "distributor", "confirmed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["release", "distributor", "name"], name="delivered_file_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.release} {self.name} -> {self.distributor}"
