"""django-q entry points: one service call each."""

from __future__ import annotations

from evolution.models import EvolutionPlan
from evolution.services.plans import plans_propose_all
from evolution.services.scores import scores_refresh_all


def refresh_scores() -> int:
    """The daily score refresh: approval rate, performance against baseline, compatibility."""
    return scores_refresh_all()


def propose_plans() -> dict[str, int]:
    """The scheduled plan proposal for every candidate or active artist."""
    return plans_propose_all(trigger=EvolutionPlan.Trigger.SCHEDULE)
