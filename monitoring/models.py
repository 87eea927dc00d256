"""Error groups and their occurrences, provider health checks, stored weekly reports."""

from __future__ import annotations

from django.db import models
from django.urls import reverse


class ErrorGroup(models.Model):
    """Failures that share a fingerprint: exception type, stage or provider, normalised message."""

    fingerprint = models.CharField(max_length=32, unique=True)
    source = models.CharField(max_length=20, db_index=True, help_text="stage, delivery, llm, request, event...")
    scope = models.CharField(max_length=100, help_text="The stage, provider, distributor or view.")
    exception_type = models.CharField(max_length=150)
    message = models.TextField(help_text="The normalised message (numbers, ids, paths and URLs blanked).")
    last_message = models.TextField(blank=True, help_text="The latest occurrence's message as reported.")
    count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField(db_index=True)
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.exception_type} in {self.scope}: {self.message[:80]}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:error-detail", args=[self.pk])


class ErrorOccurrence(models.Model):
    """One reported failure of a group, with the run it affected when there is one."""

    group = models.ForeignKey(ErrorGroup, on_delete=models.CASCADE, related_name="occurrences")
    run = models.ForeignKey(
        "generation.GenerationRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=200, blank=True, help_text="What else it was about (model and id).")
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["group", "created_at"], name="erroroccurrence_group_created")]

    def __str__(self) -> str:
        return f"{self.group_id} at {self.created_at:%Y-%m-%d %H:%M}"


class ProviderCheckQuerySet(models.QuerySet):
    def latest_per_provider(self) -> ProviderCheckQuerySet:
        """The newest check of each provider, in one query."""
        newest = ProviderCheck.objects.order_by().values("provider").annotate(newest=models.Max("pk")).values("newest")
        return self.filter(pk__in=models.Subquery(newest)).order_by("kind", "provider")


class ProviderCheck(models.Model):
    """One health check of one provider (kind:name, e.g. llm:openai), kept as history."""

    provider = models.CharField(max_length=60, help_text="kind:name, e.g. llm:openai, music:suno, telegram.")
    kind = models.CharField(max_length=20, db_index=True)
    ok = models.BooleanField()
    detail = models.CharField(max_length=500, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    critical = models.BooleanField(default=False, help_text="Listed in CRITICAL_PROVIDERS when checked.")
    checked_at = models.DateTimeField(db_index=True)

    objects = ProviderCheckQuerySet.as_manager()

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["provider", "checked_at"], name="providercheck_provider_checked")]

    def __str__(self) -> str:
        return f"{self.provider} {'up' if self.ok else 'down'} at {self.checked_at:%Y-%m-%d %H:%M}"


class WeeklyReport(models.Model):
    """The week's numbers (runs, approvals, failures, LLM, deliveries, errors, uptime) as Markdown and CSV."""

    period_start = models.DateTimeField(unique=True)
    period_end = models.DateTimeField()
    data = models.JSONField(default=dict)
    markdown = models.TextField()
    csv = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_start"]

    def __str__(self) -> str:
        return f"Week of {self.period_start:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:report-download", args=[self.pk, "md"])
