"""Every list of the REST API reads a page in a fixed number of queries, whatever the number of rows.

The lists are taken from the router, so a new endpoint is covered the day it is registered. The
rows are made twice over: a list whose query count grows with the rows has an N+1 query.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from generation.models import ReviewDecision, RunStatus
from llm.models import LLMCall
from noktvrn.api.router import router
from releases.models import Delivery
from tests.factories import ArtistFactory, BatchFactory, ReleaseFactory, RunFactory, TrackFactory

pytestmark = pytest.mark.django_db

# A superuser through force_authenticate (no session or permission queries): the count, the page
# and at most two prefetches (releases prefetch their deliveries). Measured: 1 to 3.
MAX_QUERIES = 4
LISTS = sorted(f"/api/v1/{prefix}/" for prefix, viewset, _ in router.registry if hasattr(viewset, "list"))


def _rows(count: int) -> None:
    """`count` of each kind of row the core lists show, with the relations they print."""
    artist, batch = ArtistFactory(), BatchFactory()
    for status in [RunStatus.AWAITING_REVIEW, RunStatus.REJECTED, RunStatus.RELEASED] * count:
        run = RunFactory(artist=artist, batch=batch, status=status)
        TrackFactory(run=run)
        if status != RunStatus.AWAITING_REVIEW:
            decision = "rejected" if status == RunStatus.REJECTED else "approved"
            run.decision = ReviewDecision.objects.create(run=run, decision=decision, channel="web", actor_label="load")
            run.save(update_fields=["decision"])
        if status == RunStatus.RELEASED:
            release = ReleaseFactory(run=run, artist=artist)
            Delivery.objects.create(release=release, distributor="outbox", status="succeeded")
    LLMCall.objects.bulk_create(
        LLMCall(provider="local", model="m", role="writer", outcome="success", cost=Decimal("0.001"), latency_ms=9)
        for _ in range(count)
    )


def _queries(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return len(captured.captured_queries)


def test_every_api_list_reads_a_page_in_a_fixed_number_of_queries():
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_superuser("root", "root@example.invalid", "pw"))
    assert "/api/v1/runs/" in LISTS and len(LISTS) >= 15
    _rows(2)
    few = {url: _queries(client, url) for url in LISTS}
    _rows(6)
    many = {url: _queries(client, url) for url in LISTS}
    assert many == few, {url: (few[url], many[url]) for url in LISTS if few[url] != many[url]}
    assert max(many.values()) <= MAX_QUERIES, many


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/runs/?status=awaiting_review&status=rejected",
        "/api/v1/artists/?status=active",
        "/api/v1/llm-calls/?outcome=success",
        "/api/v1/releases/?status=delivered",
    ],
)
def test_choice_filters_on_a_column_do_not_make_the_page_distinct(url):
    """SELECT DISTINCT over a run page (JSON columns included) made PostgreSQL sort every match."""
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_superuser("root", "root@example.invalid", "pw"))
    _rows(1)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert not [q["sql"] for q in captured.captured_queries if "DISTINCT" in q["sql"].upper()]
