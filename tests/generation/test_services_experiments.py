"""The experiment bandit: Thompson sampling converges to the better variant; the adoption rule; runs get arms."""

from __future__ import annotations

import random

import pytest

from generation.models import Experiment, RunStatus
from generation.services.experiments import (
    ArmStats,
    adoption_decision,
    experiment_create,
    experiment_evaluate,
    experiments_assign,
    probability_best,
    thompson_choose,
)
from generation.services.stages import adapt_parameters
from tests.factories import ArtistFactory, RunFactory


def test_thompson_sampling_converges_to_the_better_variant_on_simulated_approvals():
    rng = random.Random(7)
    truth = {"A": 0.35, "B": 0.6}
    counts = {name: [0, 0] for name in truth}  # approved, rejected
    picks = []
    for _ in range(1500):
        arms = [ArmStats(i, name, *counts[name]) for i, name in enumerate(truth)]
        name = thompson_choose(arms, rng).name
        picks.append(name)
        counts[name][0 if rng.random() < truth[name] else 1] += 1
    late = picks[-500:]
    assert late.count("B") / len(late) > 0.9
    arms = [ArmStats(i, name, *counts[name]) for i, name in enumerate(truth)]
    assert probability_best(arms)[1] > 0.99


def test_probability_best_matches_the_closed_form_for_two_arms():
    # Beta(2,1) vs Beta(1,1): P(X > Y) = integral of 2x * x dx over [0, 1] = 2/3.
    best = probability_best([ArmStats(1, "A", 1, 0), ArmStats(2, "B", 0, 0)], draws=200_000)
    assert best[1] == pytest.approx(2 / 3, abs=0.005)


def test_adoption_waits_for_the_minimum_sample_and_the_threshold():
    experiment = Experiment(min_decisions=20, threshold=0.95)
    winner, reason = adoption_decision(experiment, [ArmStats(1, "A", 19, 0), ArmStats(2, "B", 0, 5)])
    assert winner is None and "B short" in reason
    winner, reason = adoption_decision(experiment, [ArmStats(1, "A", 12, 10), ArmStats(2, "B", 11, 11)])
    assert winner is None and "no variant above" in reason
    winner, reason = adoption_decision(experiment, [ArmStats(1, "A", 8, 22), ArmStats(2, "B", 20, 10)])
    assert winner.name == "B" and "B adopted" in reason


@pytest.mark.django_db
def test_runs_get_arms_the_bandit_learns_from_reviews_and_the_winner_is_adopted():
    artist = ArtistFactory()
    experiment = experiment_create(
        name="energy-push",
        kind=Experiment.Kind.PARAMETERS,
        artist=artist,
        variants=[{"name": "A", "parameter_offsets": {}}, {"name": "B", "parameter_offsets": {"energy": 0.1}}],
        min_decisions=10,
    )
    rng = random.Random(3)
    truth = {"A": 0.2, "B": 0.7}
    for seed in range(120):
        run = RunFactory(artist=artist, seed=seed, parameters={})
        adapt_parameters(run)
        run.refresh_from_db()
        experiment.refresh_from_db()
        if experiment.status == Experiment.Status.ADOPTED:
            break
        assert run.experiment_variant.experiment == experiment and run.variant in ("A", "B")
        approved = rng.random() < truth[run.variant]
        run.status = RunStatus.APPROVED if approved else RunStatus.REJECTED
        run.save(update_fields=["status"])
    experiment = experiment_evaluate(experiment)
    assert experiment.status == Experiment.Status.ADOPTED
    assert experiment.winner.name == "B" and "P(best)" in experiment.decided_reason
    # From now on every run of the artist gets the winner's offset, and no arm is drawn.
    later = RunFactory(artist=artist, seed=999, parameters={})
    adapt_parameters(later)
    later.refresh_from_db()
    assert later.experiment_variant is None
    assert later.parameters["experiments"] == [{"experiment": "energy-push", "variant": "B", "adopted": True}]


@pytest.mark.django_db
def test_a_prompt_experiment_picks_template_versions():
    from llm.services import prompt_template_revise

    prompt_template_revise(name="track_lyricist", text="Write tighter hooks.")
    experiment = experiment_create(
        name="lyricist-v2",
        kind=Experiment.Kind.PROMPT_TEMPLATE,
        template_name="track_lyricist",
        variants=[{"name": "v1", "template_version": 1}, {"name": "v2", "template_version": 2}],
    )
    run = RunFactory(parameters={})
    parameters = experiments_assign(run=run, parameters={"energy": 0.5})
    assert parameters["prompt_template_versions"]["track_lyricist"] in (1, 2)
    assert run.experiment_variant.experiment == experiment
