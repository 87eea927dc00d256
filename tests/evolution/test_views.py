"""Evolution pages: overview, artist timeline with charts, plan diff, decisions through the services."""

from __future__ import annotations

import copy

import pytest

from artists.models import Artist
from artists.services import artist_create
from evolution.models import EvolutionPlan
from evolution.services.plans import plan_propose
from evolution.services.scores import artist_scores_refresh
from noktvrn.demo import DEMO_ARTISTS
from tests.evolution.test_services_plans import MARKETS

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    spec = DEMO_ARTISTS[0]
    artist = artist_create(name=spec["name"], profile=copy.deepcopy(spec["profile"]), status=Artist.Status.ACTIVE)
    artist_scores_refresh(artist=artist, markets=MARKETS)
    return plan_propose(artist=artist, markets=MARKETS, reflect=False)


def test_pages_render_with_a_bounded_number_of_queries(client, operator, plan, django_assert_max_num_queries):
    client.force_login(operator)
    with django_assert_max_num_queries(12):
        response = client.get("/evolution/")
    assert response.status_code == 200 and b"plan #" in response.content
    with django_assert_max_num_queries(14):
        response = client.get(f"/evolution/artists/{plan.artist.slug}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="chart-scores"' in body and 'id="scores-data"' in body and "chart.umd.min.js" in body
    assert f"Plan #{plan.pk} waits for review" in body
    response = client.get(f"/evolution/plans/{plan.pk}/")
    assert "musical_defaults.energy: 0.65 → 0.7" in response.content.decode()


def test_deciding_on_the_page_applies_and_rolls_back(client, operator, plan):
    client.force_login(operator)
    response = client.post(f"/evolution/plans/{plan.pk}/approve/", {"comment": "ok"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == EvolutionPlan.Status.APPLIED and plan.decided_channel == "web"
    client.post(f"/evolution/plans/{plan.pk}/rollback/")
    plan.refresh_from_db()
    assert plan.status == EvolutionPlan.Status.ROLLED_BACK


def test_reviewers_see_but_cannot_decide(client, reviewer, plan):
    client.force_login(reviewer)
    assert client.get(f"/evolution/plans/{plan.pk}/").status_code == 200
    assert client.post(f"/evolution/plans/{plan.pk}/approve/").status_code == 403
    plan.refresh_from_db()
    assert plan.status == EvolutionPlan.Status.PROPOSED


def test_api_propose_and_decide(api_client, operator):
    spec = DEMO_ARTISTS[2]
    artist = artist_create(name=spec["name"], profile=copy.deepcopy(spec["profile"]), status=Artist.Status.ACTIVE)
    api_client.force_authenticate(operator)
    # No market data in this build and no reviews: nothing to change.
    response = api_client.post("/api/v1/evolution-plans/propose/", {"artist": artist.slug}, format="json")
    assert response.status_code == 200 and response.json()["plan"] is None
    plan = plan_propose(artist=artist, markets=MARKETS, reflect=False)
    response = api_client.post(f"/api/v1/evolution-plans/{plan.pk}/reject/", {"comment": "not now"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    again = api_client.post(f"/api/v1/evolution-plans/{plan.pk}/approve/", {}, format="json")
    assert again.status_code == 409
    listed = api_client.get(f"/api/v1/evolution-plans/?artist={artist.slug}")
    assert listed.status_code == 200
    scores = api_client.get(f"/api/v1/artist-scores/?artist={artist.slug}")
    assert scores.status_code == 200


def test_experiments_page_shows_arms_and_the_rule(client, operator, django_assert_max_num_queries):
    from generation.models import Experiment
    from generation.services.experiments import experiment_create

    for n in range(3):
        experiment_create(
            name=f"exp-{n}",
            kind=Experiment.Kind.PARAMETERS,
            variants=[{"name": "A"}, {"name": "B", "parameter_offsets": {"tempo": 4}}],
        )
    client.force_login(operator)
    with django_assert_max_num_queries(12):
        response = client.get("/evolution/experiments/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Adoption rule" in body and 'id="experiment-data-' in body and "exp-2" in body


def test_the_artist_page_offers_the_waiting_plan_and_decides_it(client, operator, plan):
    client.force_login(operator)
    page = client.get(f"/artists/{plan.artist.slug}/").content.decode()
    assert f"/evolution/plans/{plan.pk}/approve/" in page
    response = client.post(f"/evolution/plans/{plan.pk}/approve/", {"next": f"/artists/{plan.artist.slug}/"})
    assert response.status_code == 302 and response["Location"] == f"/artists/{plan.artist.slug}/"
    plan.refresh_from_db()
    assert plan.status == EvolutionPlan.Status.APPLIED
    evil = client.post(f"/evolution/plans/{plan.pk}/rollback/", {"next": "https://evil.example/"})
    assert evil["Location"] == f"/evolution/plans/{plan.pk}/"
