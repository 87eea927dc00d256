"""Prompt templates and the log of every LLM call."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class PromptTemplate(models.Model):
    """A versioned prompt; calls record which version they used."""

    name = models.CharField(max_length=80)
    version = models.PositiveIntegerField(default=1)
    text = models.TextField()
    description = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="prompt_template_version_unique")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class LLMCall(models.Model):
    """One request to one provider, successful or not."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        ERROR = "error", "Error"
        RETRYABLE_ERROR = "retryable_error", "Retryable error"
        REFUSED = "refused", "Refused (content policy)"
        INVALID = "invalid", "Invalid output"
        SKIPPED = "skipped", "Skipped"

    provider = models.CharField(max_length=30, db_index=True)
    model = models.CharField(max_length=100)
    role = models.CharField(max_length=30, db_index=True)
    prompt_template = models.ForeignKey(PromptTemplate, null=True, blank=True, on_delete=models.SET_NULL)
    template_name = models.CharField(max_length=80, blank=True)
    template_version = models.PositiveIntegerField(null=True, blank=True)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, db_index=True)
    error_class = models.CharField(max_length=120, blank=True)
    error_message = models.TextField(blank=True)
    chain_position = models.PositiveSmallIntegerField(default=0)
    attempt = models.PositiveSmallIntegerField(default=1)
    call_id = models.UUIDField(
        null=True, blank=True, db_index=True, help_text="Shared by every attempt of one router call."
    )
    backoff_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="Wait before the next attempt (Retry-After or backoff)."
    )
    # What the call was for, named by the caller (a run, a creation report, a plan...): the LLM
    # layer is a leaf and knows no domain model; apps reach their calls through a GenericRelation.
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "LLM call"
        indexes = [
            models.Index(fields=["provider", "created_at"], name="llmcall_provider_created"),
            models.Index(fields=["subject_type", "subject_id"], name="llmcall_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.role} via {self.provider}:{self.model} ({self.outcome})"
