"""Every admin page of every model renders, with data, for a superuser."""

from __future__ import annotations

import json

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from generation.models import GenerationRun, ReviewDecision, RunStatus
from tests.factories import ReleaseFactory, RunFactory, TrackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.test", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def populated():
    TrackFactory(run__status=RunStatus.AWAITING_REVIEW)
    ReleaseFactory()


def _model_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in {"artists", "generation", "releases", "analytics", "llm"}
    ]


@pytest.mark.parametrize("model", [model for model, _ in _model_admins()], ids=lambda m: m._meta.label)
def test_changelist_and_change_pages_render(superuser_client, populated, model):
    opts = model._meta
    response = superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert response.status_code == 200
    obj = model.objects.first()
    if obj is not None:
        response = superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert response.status_code == 200


def test_run_changelist_shows_player_and_bulk_approve(superuser_client):
    track = TrackFactory(run__status=RunStatus.AWAITING_REVIEW)
    url = reverse("admin:generation_generationrun_changelist")
    assert b"<audio controls" in superuser_client.get(url).content
    response = superuser_client.post(url, {"action": "approve_runs", "_selected_action": [track.run_id]}, follow=True)
    assert response.status_code == 200
    assert ReviewDecision.objects.get(run=track.run).channel == "admin"
    assert GenerationRun.objects.get(pk=track.run_id).status == RunStatus.APPROVED


def test_bulk_approve_reports_already_decided(superuser_client):
    run = RunFactory(status=RunStatus.AWAITING_REVIEW)
    url = reverse("admin:generation_generationrun_changelist")
    superuser_client.post(url, {"action": "reject_runs", "_selected_action": [run.pk]})
    response = superuser_client.post(url, {"action": "approve_runs", "_selected_action": [run.pk]}, follow=True)
    assert b"already rejected by root" in response.content


def test_status_edited_in_admin_is_recorded(superuser_client):
    from artists.models import Artist, ArtistStatusChange
    from tests.factories import ArtistFactory

    artist = ArtistFactory(status=Artist.Status.ACTIVE)
    url = reverse("admin:artists_artist_change", args=[artist.pk])
    data = {
        "name": artist.name,
        "slug": artist.slug,
        "status": "paused",
        "status_reason": "Holiday break",
        "profile": json.dumps(artist.profile),
        "llm_settings": "{}",
        "last_run_at_0": "",
        "last_run_at_1": "",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
    }
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    artist.refresh_from_db()
    assert artist.status == "paused"
    change = ArtistStatusChange.objects.get(artist=artist)
    assert (change.from_status, change.to_status, change.reason) == ("active", "paused", "Holiday break")
    assert change.actor.username == "root"
