"""Read queries over A/B experiments: each arm's counts, posterior and probability of being best."""

from __future__ import annotations

from generation.models import Experiment
from generation.services.experiments import experiment_stats, probability_best


def experiment_overview() -> list[dict]:
    """Every experiment with its arms (one query per experiment plus one)."""
    rows = []
    for experiment in Experiment.objects.select_related("artist", "winner").order_by("-created_at"):
        arms = experiment_stats(experiment)
        best = probability_best(arms) if arms else {}
        rows.append(
            {
                "experiment": experiment,
                "arms": [
                    {
                        "name": arm.name,
                        "assigned": arm.assigned,
                        "approved": arm.approved,
                        "rejected": arm.rejected,
                        "decided": arm.decided,
                        "posterior_mean": arm.posterior_mean,
                        "p_best": best.get(arm.variant_id),
                        "is_winner": experiment.winner_id == arm.variant_id,
                    }
                    for arm in arms
                ],
                "chart_id": f"experiment-data-{experiment.pk}",
                "chart": {
                    "labels": [arm.name for arm in arms],
                    "datasets": [
                        {"label": "P(best)", "data": [round(best.get(arm.variant_id, 0.0), 3) for arm in arms]},
                        {"label": "Approval (posterior mean)", "data": [round(arm.posterior_mean, 3) for arm in arms]},
                    ],
                },
            }
        )
    return rows
