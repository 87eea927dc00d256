"""artists.creation: author -> helper -> validator, one transaction, a complete report."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.cache import cache

from artists.creation import BRIEF_MAX_CHARS, artist_create_from_brief
from artists.models import Artist, ArtistVersion, CreationReport
from artists.schemas import profile_errors
from kernel.errors import ApplicationError
from llm.models import LLMCall
from llm.types import LLMUnavailableError
from tests.factories import ArtistFactory
from tests.llm import vendors as v
from tests.llm.fixtures import fast_llm, use_vendor, vendor  # noqa: F401  (shared fixtures)
from tests.llm.vendors import Reply

pytestmark = pytest.mark.django_db


def test_no_keys_creates_a_complete_schema_valid_artist_through_local():
    artist = artist_create_from_brief(brief="dark synthwave duo from Berlin")

    assert profile_errors(artist.profile) == []
    assert artist.primary_genre == "synthwave" and artist.countries[0] == "DE"
    assert artist.versions.get().number == 1
    report = artist.creation_report
    assert report.outcome == CreationReport.Outcome.SUCCEEDED and report.error == ""
    assert [s["step"] for s in report.steps] == ["draft", "enrich", "validate", "save"]
    assert report.steps[0]["prompt"].startswith("Brief: dark synthwave duo from Berlin")
    assert report.steps[0]["provider"] == "local" and report.steps[0]["output"]["name"] == artist.name
    assert report.validation["schema"] == "valid" and "fits synthwave" in report.validation["consistency"]["tempo"]
    assert report.duration_ms is not None
    calls = list(LLMCall.objects.filter(creation_report=report).order_by("id"))
    assert [(c.role, c.provider, c.outcome, c.template_name) for c in calls] == [
        ("author", "local", "success", "artist_author"),
        ("helper", "local", "success", "artist_helper"),
        ("validator", "local", "success", "artist_validator"),
    ]


def test_genre_and_countries_from_the_operator_win():
    artist = artist_create_from_brief(brief="a late-night project", genre="techno", countries=["no", "DE"])
    assert artist.primary_genre == "techno" and artist.countries == ["NO", "DE"]
    assert artist.profile["musical_defaults"]["tempo_min"] >= 124


def test_a_taken_name_is_replaced_and_warned_about():
    first = artist_create_from_brief(brief="dark synthwave duo from Berlin")
    second = artist_create_from_brief(brief="dark synthwave duo from Berlin")
    assert second.name != first.name
    report = second.creation_report
    assert any("already taken" in w for w in report.warnings)
    assert report.steps[1]["step"] == "rename_1"


@pytest.mark.parametrize(
    ("brief", "message"),
    [("", "The brief is empty"), ("   \n ", "The brief is empty"), ("x" * 10_240, f"the limit is {BRIEF_MAX_CHARS}")],
)
def test_bad_briefs_are_refused_before_anything_is_saved(brief, message):
    with pytest.raises(ApplicationError, match=message):
        artist_create_from_brief(brief=brief)
    assert not CreationReport.objects.exists() and not Artist.objects.exists() and not LLMCall.objects.exists()


def test_bad_country_codes_are_refused():
    with pytest.raises(ApplicationError, match="Not ISO 3166-1 alpha-2"):
        artist_create_from_brief(brief="folk singer", countries=["Germany"])
    assert not CreationReport.objects.exists()


def test_when_no_provider_answers_nothing_is_half_saved(settings):
    settings.LLM_CHAINS = {**settings.LLM_CHAINS, "helper": "openai"}  # no key, no local fallback
    with pytest.raises(LLMUnavailableError, match="no OPENAI_API_KEY"):
        artist_create_from_brief(brief="dark synthwave duo from Berlin")
    assert not Artist.objects.exists() and not ArtistVersion.objects.exists()
    report = CreationReport.objects.get()
    assert report.outcome == CreationReport.Outcome.FAILED and "no OPENAI_API_KEY" in report.error
    assert [s["outcome"] for s in report.steps] == ["succeeded", "failed"]


def test_a_refused_connection_falls_back_and_is_reported(use_vendor):  # noqa: F811
    use_vendor("openai", "http://127.0.0.1:9/v1", roles=("author",))
    artist = artist_create_from_brief(brief="sunny afrobeats singer from Lagos")
    calls = LLMCall.objects.filter(creation_report=artist.creation_report, role="author")
    assert [(c.provider, c.outcome, c.chain_position) for c in calls.order_by("id")] == [
        ("openai", "retryable_error", 0),
        ("openai", "retryable_error", 0),
        ("openai", "retryable_error", 0),
        ("local", "success", 1),
    ]


def test_implausible_tempo_from_a_real_provider_is_corrected_with_a_warning(vendor, use_vendor):  # noqa: F811
    enrichment = {
        "influences": ["Kavinsky"],
        "visual_identity": {"palette": ["#000000", "#ff00ff"], "style_keywords": ["neon"], "typography": "sans"},
        "musical_defaults": {
            "tempo_min": 40,
            "tempo_max": 220,
            "preferred_keys": ["A"],
            "preferred_modes": ["minor"],
            "energy": 0.6,
            "track_seconds": 30,
        },
    }
    use_vendor("openai", vendor, roles=("helper",))
    vendor.script(Reply(200, v.openai_ok(json.dumps(enrichment))))

    artist = artist_create_from_brief(brief="dark synthwave duo from Berlin")

    defaults = artist.profile["musical_defaults"]
    assert (defaults["tempo_min"], defaults["tempo_max"]) == (84, 124)
    report = artist.creation_report
    assert any("implausible for synthwave" in w for w in report.warnings)
    assert report.steps[1]["provider"] == "openai"
    assert "Drafted artist" in vendor.requests[0].body["messages"][-1]["content"]


def test_validator_issues_become_warnings(vendor, use_vendor):  # noqa: F811
    use_vendor("gemini", vendor, roles=("validator",))
    verdict = {"consistent": False, "issues": ["The palette is too bright for a dark act."], "summary": "Mostly fine."}
    vendor.script(Reply(200, v.gemini_ok(json.dumps(verdict))))
    artist = artist_create_from_brief(brief="dark synthwave duo from Berlin")
    report = artist.creation_report
    assert "Validator: The palette is too bright for a dark act." in report.warnings
    assert report.validation["review"]["consistent"] is False


def test_existing_name_in_the_roster_is_never_duplicated():
    cache.clear()
    artist = artist_create_from_brief(brief="dark synthwave duo from Berlin")
    Artist.objects.filter(pk=artist.pk).update(name="Renamed")
    ArtistFactory(name=artist.name)
    again = artist_create_from_brief(brief="dark synthwave duo from Berlin")
    assert Artist.objects.filter(name__iexact=again.name).count() == 1


def test_misconfigured_chain_is_refused_before_anything_is_saved(settings):
    settings.LLM_CHAINS = {**settings.LLM_CHAINS, "validator": "local,gpt-9"}
    with pytest.raises(LLMUnavailableError, match="LLM configuration error: LLM_CHAIN_VALIDATOR: unknown LLM provider"):
        artist_create_from_brief(brief="dark synthwave duo from Berlin")
    assert not CreationReport.objects.exists() and not LLMCall.objects.exists()


def test_queued_job_is_idempotent_and_fails_cleanly_on_a_changed_configuration(settings):
    from artists.creation import artist_creation_enqueue
    from artists.tasks import create_artist_from_brief

    report = artist_creation_enqueue(brief="jazz collective from Paris")
    artist_id = create_artist_from_brief(report.pk)
    assert create_artist_from_brief(report.pk) == artist_id  # a redelivered task does nothing more
    assert Artist.objects.count() == 1

    later = artist_creation_enqueue(brief="metal band from Helsinki")
    settings.LLM_CHAINS = {**settings.LLM_CHAINS, "author": "nope"}
    assert create_artist_from_brief(later.pk) is None
    later.refresh_from_db()
    assert later.outcome == "failed" and "unknown LLM provider 'nope'" in later.error
    assert create_artist_from_brief(later.pk) is None and Artist.objects.count() == 1


def test_an_author_stuck_on_a_taken_name_gets_it_numbered(vendor, use_vendor):  # noqa: F811
    ArtistFactory(name="Neon Vesper")
    draft = {
        "name": "Neon Vesper",
        "persona": "A nocturnal synthwave duo scoring empty Berlin streets.",
        "backstory": "Met in a Kreuzberg rehearsal bunker trading modular patches.",
        "primary_genre": "synthwave",
        "secondary_genres": ["darkwave"],
        "themes": ["night drives"],
        "voice": "Breathy baritone",
        "target_audience": {"description": "Night owls", "age_range": "20-40", "countries": ["DE"]},
    }
    use_vendor("openai", vendor, roles=("author",))
    vendor.script(
        Reply(200, v.openai_ok(json.dumps(draft))),
        *[Reply(200, v.openai_ok('{"name": "neon vesper"}')) for _ in range(3)],
    )

    artist = artist_create_from_brief(brief="dark synthwave duo from Berlin")

    assert artist.name == "neon vesper 2"
    report = artist.creation_report
    assert [s["step"] for s in report.steps][:4] == ["draft", "rename_1", "rename_2", "rename_3"]
    assert any("numbered the last proposal" in w for w in report.warnings)
    assert "Taken names: 'Neon Vesper'" in vendor.requests[1].body["messages"][-1]["content"]


def test_whole_creation_through_three_real_sdks(use_vendor):  # noqa: F811
    from tests.llm.vendors import VendorServer

    draft = {
        "name": "Glass Harbour",
        "persona": "A hushed ambient duo recording the North Sea from a lighthouse.",
        "backstory": "Two sound engineers who met restoring tape machines in Oslo.",
        "primary_genre": "ambient",
        "secondary_genres": ["drone"],
        "themes": ["tides", "winter light"],
        "voice": "Instrumental: evolving pads and field recordings",
        "target_audience": {"description": "Readers and sleepers", "age_range": "25-50", "countries": ["NO", "DE"]},
    }
    enrichment = {
        "influences": ["Brian Eno", "Stars of the Lid"],
        "visual_identity": {"palette": ["#CAF0F8", "#03045E"], "style_keywords": ["fog", "sea"], "typography": "light"},
        "musical_defaults": {
            "tempo_min": 60,
            "tempo_max": 80,
            "preferred_keys": ["D", "A"],
            "preferred_modes": ["major"],
            "energy": 0.2,
            "track_seconds": 30,
        },
    }
    review = {"consistent": True, "issues": [], "summary": "Coherent and calm."}
    servers = {name: VendorServer().start() for name in ("anthropic", "gemini", "mistral")}
    try:
        use_vendor("anthropic", servers["anthropic"], roles=("author",))
        use_vendor("gemini", servers["gemini"], roles=("helper",))
        use_vendor("mistral", servers["mistral"], roles=("validator",))
        servers["anthropic"].script(Reply(200, v.anthropic_ok(json.dumps(draft))))
        servers["gemini"].script(Reply(200, v.gemini_ok("```json\n" + json.dumps(enrichment) + "\n```")))
        servers["mistral"].script(Reply(200, v.mistral_ok(json.dumps(review))))

        artist = artist_create_from_brief(brief="ambient duo recording the sea from a lighthouse")
    finally:
        for server in servers.values():
            server.stop()

    assert artist.name == "Glass Harbour" and artist.profile["visual_identity"]["palette"] == ["#caf0f8", "#03045e"]
    steps = artist.creation_report.steps
    assert [(s["step"], s["provider"]) for s in steps[:3]] == [
        ("draft", "anthropic"),
        ("enrich", "gemini"),
        ("validate", "mistral"),
    ]
    assert artist.creation_report.warnings == []
    assert sum(Decimal(s["cost"]) for s in steps[:3]) > 0


def test_a_queued_job_with_a_bad_brief_ends_failed_not_running():
    from artists.tasks import create_artist_from_brief

    report = CreationReport.objects.create(brief="   ", options={})
    assert create_artist_from_brief(report.pk) is None
    report.refresh_from_db()
    assert report.outcome == "failed" and "brief is empty" in report.error


def test_a_second_copy_of_a_queued_creation_returns_without_an_llm_call():
    """The sweep may hand a creation over again while its first task is still working."""
    from artists.creation import artist_creation_enqueue, creation_report_start
    from artists.tasks import create_artist_from_brief

    report = artist_creation_enqueue(brief="jazz collective from Paris")
    assert creation_report_start(report=report)  # the first copy's claim
    assert create_artist_from_brief(report.pk) is None
    report.refresh_from_db()
    assert report.outcome == "running" and report.artist_id is None and report.options["attempts"] == 1
    assert not LLMCall.objects.exists() and not Artist.objects.exists()


def test_a_claim_older_than_the_worker_timeout_is_taken_again(settings):
    """A worker killed at the timeout leaves its claim; the broker's redelivery takes it over."""
    from datetime import timedelta

    from django.utils import timezone

    from artists.creation import artist_creation_enqueue
    from artists.tasks import create_artist_from_brief

    report = artist_creation_enqueue(brief="jazz collective from Paris")
    long_ago = timezone.now() - timedelta(seconds=settings.Q_CLUSTER["timeout"] + 5)
    options = {**report.options, "started_at": long_ago.isoformat(), "attempts": 1}
    CreationReport.objects.filter(pk=report.pk).update(options=options)
    artist_id = create_artist_from_brief(report.pk)
    report.refresh_from_db()
    assert report.outcome == "succeeded" and report.artist_id == artist_id and report.options["attempts"] == 2


def test_a_failing_copy_leaves_a_finished_report_as_it_is():
    """A copy that fails after another finished the report must not overwrite it (nor unlink its artist)."""
    artist = ArtistFactory()
    report = CreationReport.objects.create(brief="jazz collective from Paris", outcome="succeeded", artist=artist)
    with pytest.raises(ApplicationError, match="brief is empty"):
        artist_create_from_brief(brief="   ", report=report)
    report.refresh_from_db()
    assert report.outcome == "succeeded" and report.artist_id == artist.pk and report.error == ""
