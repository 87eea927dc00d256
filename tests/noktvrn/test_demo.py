"""Demo data loads once and never duplicates."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from artists.models import Artist, ArtistVersion
from noktvrn.demo import DEMO_ARTISTS

pytestmark = pytest.mark.django_db


def test_seed_demo_artists_is_idempotent():
    call_command("seed_demo", no_runs=True, no_markets=True, stdout=StringIO())
    call_command("seed_demo", no_runs=True, no_markets=True, stdout=StringIO())
    assert Artist.objects.count() == len(DEMO_ARTISTS)
    assert ArtistVersion.objects.count() == len(DEMO_ARTISTS)


def test_ensure_admin_creates_once(monkeypatch):
    from django.contrib.auth import get_user_model

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "s3cret-pass")
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    call_command("ensure_admin", stdout=out)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("s3cret-pass")
    assert "already exists" in out.getvalue()


def test_ensure_admin_prints_a_generated_password_once(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if "with password" in line)
    password = line.split("with password: ")[1].split()[0]
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(username="admin").check_password(password)
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    assert "password" not in out.getvalue()


def test_seed_demo_analysis_leaves_one_analysed_upload_once(settings, tmp_path):
    from django.core.files.base import ContentFile

    from analytics.models import AnalysisJob
    from noktvrn.demo import seed_demo_analysis
    from tests.analytics.conftest import write_excerpt
    from tests.factories import TrackFactory

    settings.MEDIA_ROOT = str(tmp_path / "media")
    assert seed_demo_analysis() is None  # no track yet
    wav = write_excerpt(tmp_path, tempo=124.0, key="A", mode="minor", style="backbeat", seconds=8.0)
    TrackFactory(audio=ContentFile(wav.read_bytes(), name="demo.wav"))
    job = seed_demo_analysis()
    assert job.status == AnalysisJob.Status.SUCCEEDED and job.result["tempo"]
    assert not job.upload
    assert seed_demo_analysis() is None and AnalysisJob.objects.count() == 1


def test_seed_demo_runs_leaves_an_approval_and_an_undone_decision(settings, tmp_path):
    """A newcomer sees both review outcomes: an approved run and one whose decision was taken back."""
    from generation.models import ReviewDecision, RunStatus
    from noktvrn.demo import seed_demo_artists, seed_demo_runs

    settings.MEDIA_ROOT = str(tmp_path)
    seed_demo_artists()
    first, second = seed_demo_runs(size=2)
    assert first.status == RunStatus.APPROVED
    assert second.status == RunStatus.AWAITING_REVIEW and second.decision_id is None
    undone = ReviewDecision.objects.get(run=second)
    assert undone.decision == ReviewDecision.Decision.REJECTED and undone.undone_at is not None
    assert undone.undone_actor_label == "demo data"
    assert seed_demo_runs(size=2) == []  # idempotent: runs exist already
