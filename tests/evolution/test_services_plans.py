"""Evolution plans: proposed from evidence, evolving while waiting, applied as a version, rolled back exactly."""

from __future__ import annotations

import copy

import pytest

from artists.models import Artist, ArtistStatusChange
from artists.selectors import artist_current_version
from artists.services import artist_create, artist_update_profile
from evolution.compatibility import MarketSnapshot
from evolution.models import EvolutionPlan
from evolution.services.plans import plan_approve, plan_propose, plan_reject, plan_rollback
from generation.models import ReviewDecision, RunStatus
from generation.services.stages import adapt_parameters
from kernel.actors import Channel
from kernel.errors import ConflictError
from noktvrn.demo import DEMO_ARTISTS
from tests.factories import RunFactory

pytestmark = pytest.mark.django_db

# Charts that want Neon Vesper faster, brighter and more energetic, with pop on the rise.
MARKETS = {
    country: MarketSnapshot(
        country=country,
        features={"tempo": (128.0, 12.0), "energy": (0.8, 0.1), "valence": (0.6, 0.15)},
        genre_shares={"pop": 0.4, "synthwave": 0.1, "darkwave": 0.1, "electropop": 0.2},
        label="week of 2026-11-23",
    )
    for country in ("DE", "US", "GB", "FR")
}


@pytest.fixture
def artist():
    spec = DEMO_ARTISTS[0]
    return artist_create(name=spec["name"], profile=copy.deepcopy(spec["profile"]), status=Artist.Status.ACTIVE)


def test_a_plan_is_proposed_from_the_market_and_the_artist_evolves_while_it_waits(artist):
    plan = plan_propose(artist=artist, markets=MARKETS, reflect=False)

    assert plan.status == EvolutionPlan.Status.PROPOSED
    assert plan.base_version == artist_current_version(artist=artist)
    paths = {change["path"] for change in plan.changes}
    assert {"musical_defaults.tempo_min", "musical_defaults.energy", "musical_defaults.valence", "genre_mix"} <= paths
    assert plan.proposed_profile["musical_defaults"]["energy"] == 0.7
    assert "Energy 0.65 → 0.7" in plan.explanation and "Market:" in plan.explanation
    after = plan.evidence["compatibility"]
    assert after["after"] > after["before"]
    artist.refresh_from_db()
    assert artist.status == Artist.Status.EVOLVING
    assert ArtistStatusChange.objects.filter(artist=artist, to_status="evolving").exists()


def test_approve_applies_a_version_and_restores_the_status(artist, operator):
    plan = plan_propose(artist=artist, markets=MARKETS, reflect=False)
    plan = plan_approve(plan=plan, actor=operator, channel=Channel.WEB, comment="go")

    artist.refresh_from_db()
    assert plan.status == EvolutionPlan.Status.APPLIED
    assert plan.applied_version.number == 2
    assert artist.profile == plan.proposed_profile == plan.applied_version.profile
    assert artist.status == Artist.Status.ACTIVE
    with pytest.raises(ConflictError, match="approved and applied"):
        plan_approve(plan=plan, actor=operator)


def test_reject_leaves_the_profile_alone(artist, operator):
    before = copy.deepcopy(artist.profile)
    plan = plan_reject(plan=plan_propose(artist=artist, markets=MARKETS, reflect=False), actor=operator, comment="no")
    artist.refresh_from_db()
    assert plan.status == EvolutionPlan.Status.REJECTED and plan.decision_comment == "no"
    assert artist.profile == before and artist.status == Artist.Status.ACTIVE
    assert artist.versions.count() == 1


def test_rollback_restores_the_earlier_version_exactly(artist, operator):
    original = artist_current_version(artist=artist)
    plan = plan_approve(plan=plan_propose(artist=artist, markets=MARKETS, reflect=False), actor=operator)
    plan = plan_rollback(plan=plan, actor=operator, comment="too far")

    artist.refresh_from_db()
    current = artist_current_version(artist=artist)
    assert plan.status == EvolutionPlan.Status.ROLLED_BACK
    assert current.number == 3 and plan.rollback_version == current
    assert current.profile == original.profile
    assert artist.profile == original.profile
    with pytest.raises(ConflictError):
        plan_rollback(plan=plan, actor=operator)


def test_rollback_refuses_when_later_changes_would_be_lost(artist, operator):
    plan = plan_approve(plan=plan_propose(artist=artist, markets=MARKETS, reflect=False), actor=operator)
    edited = copy.deepcopy(artist.profile)
    edited["themes"] = ["new theme"]
    artist_update_profile(artist=artist, profile=edited, reason="operator edit")
    with pytest.raises(ConflictError, match="roll back the later changes first"):
        plan_rollback(plan=plan, actor=operator)


def test_a_new_proposal_supersedes_the_waiting_one_and_stale_plans_cannot_apply(artist, operator):
    first = plan_propose(artist=artist, markets=MARKETS, reflect=False)
    second = plan_propose(artist=artist, markets=MARKETS, reflect=False)
    first.refresh_from_db()
    assert first.status == EvolutionPlan.Status.SUPERSEDED and second.status_before == Artist.Status.ACTIVE
    edited = copy.deepcopy(artist.profile)
    edited["themes"] = ["new theme"]
    artist_update_profile(artist=artist, profile=edited, reason="operator edit")
    with pytest.raises(ConflictError, match="propose a new plan"):
        plan_approve(plan=second, actor=operator)


def test_nothing_to_change_proposes_nothing(artist):
    assert plan_propose(artist=artist, markets={}, reflect=False) is None
    artist.refresh_from_db()
    assert artist.status == Artist.Status.ACTIVE


def test_a_run_records_the_version_it_used_and_the_next_batch_reads_the_new_one(artist, operator):
    run = RunFactory(artist=artist, parameters={})
    adapt_parameters(run)
    run.refresh_from_db()
    assert run.artist_version.number == 1

    plan = plan_approve(plan=plan_propose(artist=artist, markets=MARKETS, reflect=False), actor=operator)
    later = RunFactory(artist=artist, parameters={}, seed=run.seed)
    adapt_parameters(later)
    later.refresh_from_db()
    assert later.artist_version == plan.applied_version
    low, high = (
        plan.proposed_profile["musical_defaults"]["tempo_min"],
        plan.proposed_profile["musical_defaults"]["tempo_max"],
    )
    assert low <= later.parameters["tempo"] <= high
    assert run.artist_version.number == 1  # the old run keeps pointing at the version it used


def test_review_comments_become_bounded_style_notes_through_the_local_reflection(artist, operator):
    for n in range(4):
        run = RunFactory(artist=artist, status=RunStatus.REJECTED, parameters={"tempo": 100, "energy": 0.6})
        run.decision = ReviewDecision.objects.create(
            run=run, decision="rejected", channel="web", comment=["way too slow, it drags", "muddy low end"][n % 2]
        )
        run.save(update_fields=["decision"])  # the standing decision, as the review service leaves it
    plan = plan_propose(artist=artist, markets={}, reflect=True)
    notes = plan.proposed_profile["style_notes"]
    # Two problems named twice each (ties go by name); the bound allows two note changes.
    assert notes == ["Keep the low end tight and clean", "Keep the groove moving: no dragging tempos"]
    assert plan.evidence["reflection"]["provider"] == "local"
    assert "Reflection (local)" in plan.explanation
