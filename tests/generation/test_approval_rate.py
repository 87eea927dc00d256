"""One definition of approval rate: the artist page, the lifecycle rules and the API agree."""

from __future__ import annotations

import pytest

from generation.models import RunStatus, approval_rate
from generation.selectors.review import approval_rates, artist_approval_rate
from generation.services.lifecycle import artist_lifecycle_metrics
from tests.factories import ArtistFactory, RunFactory

pytestmark = pytest.mark.django_db


def test_rate_of_nothing_is_none_and_of_counts_is_the_share():
    assert approval_rate(0, 0) is None
    assert approval_rate(3, 1) == 0.75


def test_pages_and_lifecycle_rules_count_the_same_runs():
    artist = ArtistFactory()
    statuses = [
        RunStatus.APPROVED,
        RunStatus.RELEASED,
        RunStatus.RELEASE_FAILED,
        RunStatus.RELEASING,
        RunStatus.REJECTED,
        RunStatus.REJECTED,
        RunStatus.EXPIRED,
        RunStatus.FAILED,
        RunStatus.AWAITING_REVIEW,
    ]
    for status in statuses:
        RunFactory(artist=artist, status=status)
    page = approval_rates(by="artist", artist=artist)[0]
    rules = artist_lifecycle_metrics(artist=artist)
    assert (page["approved"], page["rejected"]) == (rules.approved, rules.rejected) == (4, 2)
    assert page["rate"] == pytest.approx(rules.approval_rate, abs=1e-3) == pytest.approx(4 / 6, abs=1e-3)
    assert artist_approval_rate(artist=artist) == page["rate"]
