"""Demo performance: deterministic, idempotent, one row per release, platform, day and country."""

import pytest

from evolution.models import PerformanceRecord
from noktvrn.demo import seed_demo_performance
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


def test_demo_performance_is_idempotent():
    release = ReleaseFactory(isrc="DEA122600001")
    first = seed_demo_performance(days=14)
    countries = len(release.artist.countries[:3])
    assert first == 14 * 3 * countries == PerformanceRecord.objects.count()
    assert seed_demo_performance(days=14) == 0
    assert PerformanceRecord.objects.count() == first


def test_demo_evolution_scores_every_artist_and_proposes_once():
    from artists.models import ArtistScore
    from evolution.models import EvolutionPlan
    from noktvrn.demo import seed_demo_artists, seed_demo_evolution, seed_demo_markets

    seed_demo_artists()
    seed_demo_markets()
    scored, plans = seed_demo_evolution()
    assert scored == 3 and ArtistScore.objects.count() == 9
    compat = ArtistScore.objects.filter(kind="compatibility", artist__slug="neon-vesper").get()
    assert compat.value is not None, compat.explanation  # the demo chart history gives markets
    assert plans == EvolutionPlan.objects.count() == 1
    assert seed_demo_evolution()[1] == 0


def test_scheduled_entry_points():
    from evolution.tasks import propose_plans, refresh_scores
    from tests.factories import ArtistFactory

    ArtistFactory()
    assert refresh_scores() == 1
    assert propose_plans() == {"proposed": 0, "nothing_to_change": 1, "failed": 0}
