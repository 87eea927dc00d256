"""simulate_market: deterministic, bounded, and it leaves the database as it was."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from artists.models import Artist
from evolution.models import EvolutionPlan

pytestmark = pytest.mark.django_db


def _run(weeks: int = 3) -> str:
    out = StringIO()
    call_command("simulate_market", weeks=weeks, runs_per_week=3, seed=11, stdout=out)
    return out.getvalue()


def test_simulation_is_deterministic_bounded_and_rolled_back():
    first = _run()
    assert _run() == first
    assert "Week 3 (2026-01-19)" in first
    assert "every step within its bounds: yes" in first
    assert "BROKEN" not in first
    neon = next(line for line in first.splitlines() if line.strip().startswith("Neon Vesper  market"))
    before, after = map(float, re.search(r"compatibility week 1 ([\d.]+) → week 3 ([\d.]+)", neon).groups())
    assert after > before  # its market moved and the plans followed
    assert not Artist.objects.exists() and not EvolutionPlan.objects.exists()
