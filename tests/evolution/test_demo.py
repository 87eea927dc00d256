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
