"""Approval rates per artist, batch and A/B variant (read by the artist page and the lifecycle rules)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from generation.models import GenerationRun, RunStatus
from generation.selectors.review import approval_rates, artist_approval_rate, artist_approval_summary
from generation.services.review import run_decide
from tests.factories import ArtistFactory, BatchFactory, RunFactory

pytestmark = pytest.mark.django_db


def decided(decision: str, **kwargs):
    run = RunFactory(status=RunStatus.AWAITING_REVIEW, **kwargs)
    if decision == "expired":
        GenerationRun.objects.filter(pk=run.pk).update(status=RunStatus.EXPIRED)
    else:
        run_decide(decision=decision, run=run, actor=None, channel="web")
    return run


def test_rates_per_artist_batch_and_variant():
    a, b = ArtistFactory(slug="a"), ArtistFactory(slug="b")
    batch1, batch2 = BatchFactory(), BatchFactory()
    for artist, batch, variant, decision in [
        (a, batch1, "A", "approved"),
        (a, batch1, "A", "approved"),
        (a, batch2, "B", "rejected"),
        (a, batch2, "B", "expired"),
        (b, batch2, "A", "rejected"),
    ]:
        decided(decision, artist=artist, batch=batch, variant=variant)
    RunFactory(artist=b, status=RunStatus.AWAITING_REVIEW)  # undecided runs do not count

    by_artist = {row["key"]: row for row in approval_rates(by="artist")}
    assert by_artist["a"] == {"key": "a", "approved": 2, "rejected": 1, "expired": 1, "decided": 3, "rate": 2 / 3}
    assert by_artist["b"]["rate"] == 0.0
    by_batch = {row["key"]: row["rate"] for row in approval_rates(by="batch")}
    assert by_batch == {batch1.pk: 1.0, batch2.pk: 0.0}
    by_variant = {row["key"]: (row["approved"], row["rejected"]) for row in approval_rates(by="variant")}
    assert by_variant == {"A": (2, 1), "B": (0, 1)}
    assert {row["key"] for row in approval_rates(by="variant", artist=b)} == {"A"}


def test_artist_rate_for_the_lifecycle_rules():
    artist = ArtistFactory()
    assert artist_approval_rate(artist=artist) is None
    decided("approved", artist=artist)
    decided("rejected", artist=artist)
    old = decided("rejected", artist=artist)
    GenerationRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=60))
    assert artist_approval_rate(artist=artist) == pytest.approx(1 / 3)
    assert artist_approval_rate(artist=artist, since=timezone.now() - timedelta(days=30)) == 0.5
    summary = artist_approval_summary(artist=artist)
    assert summary["overall"]["decided"] == 3 and summary["last_30_days"]["decided"] == 2
