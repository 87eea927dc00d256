"""A/B experiments allocated by a bandit on approval (Thompson sampling on Beta posteriors).

Each variant's approval probability has a Beta(1 + approved, 1 + rejected) posterior, counted
with the one definition of approval (generation.models.APPROVED_STATUSES / REJECTED_STATUSES).
After a warm-up that gives every variant `min_decisions` decided runs, a new run draws one
sample per variant and gets the variant with the highest draw, so allocation drifts toward
what reviewers approve while the others keep being tried in proportion to the chance that
they are best.

Adoption rule: once every variant has at least `min_decisions` decided runs, the variant whose
posterior probability of being best (Monte Carlo over the posteriors, fixed seed) exceeds
`threshold` (default 0.95) is adopted; from then on every run in scope gets it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from generation.models import (
    APPROVED_STATUSES,
    REJECTED_STATUSES,
    Experiment,
    ExperimentVariant,
    GenerationRun,
)
from kernel.errors import ApplicationError
from llm.selectors import prompt_template_version

PARAMETER_RANGES = {"tempo": (40, 220), "energy": (0.0, 1.0), "valence": (0.0, 1.0)}
PROB_BEST_DRAWS = 20_000


@dataclass(frozen=True)
class ArmStats:
    variant_id: int
    name: str
    approved: int
    rejected: int
    assigned: int = 0

    @property
    def decided(self) -> int:
        return self.approved + self.rejected

    @property
    def posterior_mean(self) -> float:
        return (1 + self.approved) / (2 + self.decided)


def thompson_choose(arms: list[ArmStats], rng: random.Random) -> ArmStats:
    """The arm with the highest draw from its Beta(1 + approved, 1 + rejected) posterior."""
    return max(arms, key=lambda arm: rng.betavariate(1 + arm.approved, 1 + arm.rejected))


def probability_best(arms: list[ArmStats], draws: int = PROB_BEST_DRAWS, seed: int = 0) -> dict[int, float]:
    """P(arm has the highest approval probability), by Monte Carlo over the posteriors (deterministic)."""
    if not arms:
        return {}
    generator = np.random.default_rng(seed)
    samples = np.stack([generator.beta(1 + arm.approved, 1 + arm.rejected, size=draws) for arm in arms])
    wins = np.bincount(samples.argmax(axis=0), minlength=len(arms)) / draws
    return {arm.variant_id: float(wins[index]) for index, arm in enumerate(arms)}


def experiment_stats(experiment: Experiment) -> list[ArmStats]:
    """Approved and rejected runs per variant (one query)."""
    rows = (
        ExperimentVariant.objects.filter(experiment=experiment)
        .annotate(
            approved=Count("runs", filter=Q(runs__status__in=APPROVED_STATUSES)),
            rejected=Count("runs", filter=Q(runs__status__in=REJECTED_STATUSES)),
            assigned=Count("runs"),
        )
        .order_by("name")
    )
    return [ArmStats(row.pk, row.name, row.approved, row.rejected, row.assigned) for row in rows]


def allocate(arms: list[ArmStats], min_decisions: int, rng: random.Random) -> ArmStats:
    """Warm-up, then Thompson sampling.

    Until every arm has `min_decisions` decided runs, the short arm with the fewest runs so far
    gets the run (so the adoption rule's minimum sample is reached even for an arm the bandit
    would starve); after that, Thompson sampling.
    """
    short = [arm for arm in arms if arm.decided < min_decisions]
    if short:
        return min(short, key=lambda arm: (arm.assigned, arm.name))
    return thompson_choose(arms, rng)


def adoption_decision(experiment: Experiment, arms: list[ArmStats]) -> tuple[ArmStats | None, str]:
    """(winner, reason) under the adoption rule, or (None, what is still missing)."""
    short = [arm.name for arm in arms if arm.decided < experiment.min_decisions]
    if short:
        return None, f"waiting for {experiment.min_decisions} decided runs per variant ({', '.join(short)} short)"
    best = probability_best(arms)
    leader = max(arms, key=lambda arm: best[arm.variant_id])
    p = best[leader.variant_id]
    figures = "; ".join(
        f"{arm.name}: {arm.approved}/{arm.decided} approved, P(best) {best[arm.variant_id]:.3f}" for arm in arms
    )
    if p > experiment.threshold:
        return leader, f"{leader.name} adopted: P(best) {p:.3f} > {experiment.threshold} ({figures})"
    return None, f"no variant above P(best) {experiment.threshold} yet ({figures})"


@transaction.atomic
def experiment_evaluate(experiment: Experiment) -> Experiment:
    """Adopt the winner when the rule says so (idempotent: a decided experiment is left alone)."""
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if experiment.status != Experiment.Status.RUNNING:
        return experiment
    winner, reason = adoption_decision(experiment, experiment_stats(experiment))
    if winner is not None:
        experiment.status = Experiment.Status.ADOPTED
        experiment.winner_id = winner.variant_id
        experiment.finished_at = timezone.now()
    experiment.decided_reason = reason
    experiment.save(update_fields=["status", "winner", "finished_at", "decided_reason"])
    return experiment


def experiment_create(
    *,
    name: str,
    kind: str,
    variants: list[dict],
    artist=None,
    template_name: str = "",
    hypothesis: str = "",
    min_decisions: int = 20,
    threshold: float = 0.95,
) -> Experiment:
    """An experiment with its variants: [{"name", "template_version"} | {"name", "parameter_offsets"}]."""
    if len(variants) < 2:
        raise ApplicationError("An experiment needs at least two variants.")
    if kind == Experiment.Kind.PROMPT_TEMPLATE:
        if not template_name:
            raise ApplicationError("A prompt experiment names its template.")
        for variant in variants:
            prompt_template_version(template_name, int(variant["template_version"]))
    else:
        for variant in variants:
            unknown = set(variant.get("parameter_offsets", {})) - set(PARAMETER_RANGES)
            if unknown:
                raise ApplicationError(f"Offsets only for {', '.join(PARAMETER_RANGES)}; not {', '.join(unknown)}.")
    if not 0.5 < threshold < 1:
        raise ApplicationError("The adoption threshold is a probability between 0.5 and 1.")
    with transaction.atomic():
        experiment = Experiment.objects.create(
            name=name,
            kind=kind,
            artist=artist,
            template_name=template_name,
            hypothesis=hypothesis,
            min_decisions=min_decisions,
            threshold=threshold,
        )
        for variant in variants:
            ExperimentVariant.objects.create(
                experiment=experiment,
                name=variant["name"],
                template_version=variant.get("template_version"),
                parameter_offsets=variant.get("parameter_offsets", {}),
            )
    return experiment


def _in_scope(artist) -> list[Experiment]:
    """Experiments that apply to the artist: its own first, then global ones; newest first."""
    return list(
        Experiment.objects.filter(Q(artist=artist) | Q(artist__isnull=True))
        .exclude(status=Experiment.Status.STOPPED)
        .select_related("winner")
        .order_by(F("artist_id").asc(nulls_last=True), "-created_at")
    )


def _apply(variant: ExperimentVariant, experiment: Experiment, parameters: dict) -> None:
    for name, offset in (variant.parameter_offsets or {}).items():
        if isinstance(parameters.get(name), (int, float)):
            low, high = PARAMETER_RANGES[name]
            value = min(high, max(low, parameters[name] + offset))
            parameters[name] = int(round(value)) if name == "tempo" else round(value, 3)
    if variant.template_version is not None and experiment.template_name:
        parameters.setdefault("prompt_template_versions", {})[experiment.template_name] = variant.template_version


def experiments_assign(*, run: GenerationRun, parameters: dict) -> dict:
    """Give the run a variant of the newest running experiment in scope, and every adopted winner.

    Changes `parameters` in place (offsets, template versions) and records what was applied
    under parameters["experiments"]; returns it. The draw is seeded by the run, so a retried
    stage gives the same arm.
    """
    rng = random.Random(f"{run.seed}:{run.pk}:bandit")  # noqa: S311 - allocation, not secrets
    applied = []
    chosen: ExperimentVariant | None = None
    for experiment in reversed(_in_scope(run.artist)):  # oldest first: newer experiments override
        if experiment.status == Experiment.Status.RUNNING:
            experiment = experiment_evaluate(experiment)
        if experiment.status == Experiment.Status.ADOPTED and experiment.winner is not None:
            _apply(experiment.winner, experiment, parameters)
            applied.append({"experiment": experiment.name, "variant": experiment.winner.name, "adopted": True})
    running = [e for e in _in_scope(run.artist) if e.status == Experiment.Status.RUNNING]
    if running:
        experiment = running[0]
        arms = experiment_stats(experiment)
        if arms:
            arm = allocate(arms, experiment.min_decisions, rng)
            chosen = ExperimentVariant.objects.get(pk=arm.variant_id)
            _apply(chosen, experiment, parameters)
            applied.append({"experiment": experiment.name, "variant": chosen.name, "adopted": False})
    if applied:
        parameters["experiments"] = applied
    run.experiment_variant = chosen
    run.variant = chosen.name if chosen else ""
    return parameters
