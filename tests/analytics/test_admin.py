"""The AudioFeatures admin pages render with stored features."""

from __future__ import annotations

import pytest

from analytics.models import AudioFeatures
from tests.factories import TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_changelist_and_change_page(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    features = AudioFeatures.objects.create(
        track=TrackFactory(),
        duration=30.0,
        tempo=124.0,
        key="A",
        mode="minor",
        data={"sections": [{"start": 0.0, "end": 12.0, "label": "intro", "energy": 0.4}]},
    )
    assert client.get("/admin/analytics/audiofeatures/").status_code == 200
    page = client.get(f"/admin/analytics/audiofeatures/{features.pk}/change/")
    assert page.status_code == 200
    assert "intro 0-12 s" in page.content.decode()


def test_reanalyse_action_queues_the_task(client, music_wav, django_capture_on_commit_callbacks):
    from pathlib import Path

    from django.core.files.base import ContentFile

    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    track = TrackFactory()
    track.audio.save("music.wav", ContentFile(Path(music_wav).read_bytes()))
    features = AudioFeatures.objects.create(track=track, duration=1.0)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/generation/track/", {"action": "reanalyse", "_selected_action": [track.pk]}, follow=True
        )
    assert response.status_code == 200
    features.refresh_from_db()  # the task ran inline (sync in test settings)
    assert features.duration == pytest.approx(16.0, abs=0.01) and features.key == "A"
