"""A/B experiments on generation: prompt template versions or parameter offsets, allocated by a bandit."""

from __future__ import annotations

from django.db import models


class Experiment(models.Model):
    """A test of variants for one artist or for all, allocated by Thompson sampling on review approvals.

    The winner is adopted when every variant has at least `min_decisions` decided runs and one
    variant's posterior probability of being best exceeds `threshold`; from then on every run
    in scope gets the winner.
    """

    class Kind(models.TextChoices):
        PROMPT_TEMPLATE = "prompt_template", "Prompt template versions"
        PARAMETERS = "parameters", "Generation parameters"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        ADOPTED = "adopted", "Winner adopted"
        STOPPED = "stopped", "Stopped"

    name = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    artist = models.ForeignKey(
        "artists.Artist",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="experiments",
        help_text="Empty: every artist.",
    )
    template_name = models.CharField(
        max_length=80, blank=True, help_text="For prompt experiments: track_lyricist or track_prompt_writer."
    )
    hypothesis = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING, db_index=True)
    min_decisions = models.PositiveIntegerField(default=20, help_text="Decided runs each variant needs first.")
    threshold = models.FloatField(default=0.95, help_text="P(best) the winner must exceed.")
    winner = models.ForeignKey(
        "generation.ExperimentVariant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["prompt_template", "parameters"]), name="experiment_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["running", "adopted", "stopped"]), name="experiment_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ExperimentVariant(models.Model):
    """One arm: a prompt template version, or offsets added to the run's tempo, energy and valence."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(max_length=16, help_text="Short label shown on runs, e.g. A or B.")
    template_version = models.PositiveIntegerField(null=True, blank=True)
    parameter_offsets = models.JSONField(
        default=dict, blank=True, help_text='Added to the run\'s parameters, e.g. {"energy": 0.1, "tempo": -4}.'
    )

    class Meta:
        ordering = ["experiment", "name"]
        constraints = [models.UniqueConstraint(fields=["experiment", "name"], name="experiment_variant_name_unique")]

    def __str__(self) -> str:
        return f"{self.experiment.name}/{self.name}"
