"""Error groups: failures from stages, LLM providers and deliveries grouped by fingerprint, with their runs."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from generation.models import RunStatus
from generation.services.pipeline import StageOutcome, stage_execute
from kernel.monitoring import failure_report, fingerprint_of, message_normalise
from monitoring.models import ErrorGroup, ErrorOccurrence
from releases.models import ReleaseAsset
from tests.factories import ReleaseFactory, RunFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("message", "normalised"),
    [
        ("HTTP 500 from https://api.x.ai/v1/models after 3 tries", "HTTP <n> from <url> after <n> tries"),
        ("Run 1234 failed: file /tmp/noktvrn-run-12/a.wav missing", "Run <n> failed: file <path> missing"),
        ("task 3f2a9c1e-1111-2222-3333-444455556666 lost", "task <uuid> lost"),
        ("checksum deadbeef12 differs", "checksum <hex> differs"),
        ("Connection refused [Errno 111]", "Connection refused [Errno <n>]"),
        ("KeyError: 'tempo'", "KeyError: 'tempo'"),
        ("  two\n  lines  ", "two lines"),
    ],
)
def test_messages_are_normalised(message, normalised):
    assert message_normalise(message) == normalised


def test_the_fingerprint_depends_on_type_scope_and_normalised_message():
    base = fingerprint_of(exception_type="ProviderError", scope="generate_track", message="HTTP 500 for job 17")
    assert base == fingerprint_of(exception_type="ProviderError", scope="generate_track", message="HTTP 503 for job 9")
    assert base != fingerprint_of(exception_type="TimeoutError", scope="generate_track", message="HTTP 500 for job 17")
    assert base != fingerprint_of(exception_type="ProviderError", scope="select_video", message="HTTP 500 for job 17")
    assert base != fingerprint_of(exception_type="ProviderError", scope="generate_track", message="quota exceeded")


def test_reports_with_the_same_fingerprint_count_in_one_group_with_their_runs():
    first, second = RunFactory(), RunFactory()
    failure_report(
        source="stage", scope="generate_track", exc=ValueError(f"no audio for run {first.pk}"), run_id=first.pk
    )
    failure_report(
        source="stage", scope="generate_track", exc=ValueError(f"no audio for run {second.pk}"), run_id=second.pk
    )
    failure_report(source="stage", scope="make_cover", exc=ValueError("no audio for run 1"), run_id=first.pk)

    group = ErrorGroup.objects.get(scope="generate_track")
    assert (group.count, group.exception_type, group.source, group.message) == (
        2,
        "ValueError",
        "stage",
        "no audio for run <n>",
    )
    assert group.last_message == f"no audio for run {second.pk}"
    assert group.first_seen <= group.last_seen
    assert set(group.occurrences.values_list("run_id", flat=True)) == {first.pk, second.pk}
    assert ErrorGroup.objects.count() == 2


def test_a_failed_stage_is_recorded_with_its_run():
    run = RunFactory(status=RunStatus.GENERATING)  # no track: analyse_audio cannot find one
    assert stage_execute(run_id=run.pk, stage="analyse_audio", chain=False) == StageOutcome.FAILED
    (group,) = ErrorGroup.objects.all()
    assert (group.source, group.scope, group.exception_type) == ("stage", "analyse_audio", "DoesNotExist")
    assert group.occurrences.get().run_id == run.pk


def test_a_failed_delivery_is_recorded_against_the_release_run(settings):
    from releases.services import release_deliver

    settings.DISTRIBUTORS = ["sftp"]  # not configured: fails at once, naming the variable
    settings.RELEASE_SFTP_HOST = ""
    release = ReleaseFactory(status="queued")
    release.run.status = RunStatus.RELEASING
    release.run.save()
    asset = ReleaseAsset(release=release, kind=ReleaseAsset.Kind.COVER, sha256="0" * 64, size=4)
    asset.file.save("cover.jpg", ContentFile(b"jpeg"), save=True)
    release_deliver(release=release)
    group = ErrorGroup.objects.get(source="delivery")
    assert (group.scope, group.exception_type) == ("sftp", "ImproperlyConfigured")
    assert group.occurrences.get().run_id == release.run_id
    assert group.occurrences.get().subject == f"releases.release:{release.pk}"


def test_an_llm_provider_giving_up_is_recorded(settings, scripted_server):
    from llm.router import complete

    server = scripted_server({"POST /v1/chat/completions": (500, {"error": {"message": "upstream 17 broke"}})})
    settings.LLM_MAX_ATTEMPTS = 1
    settings.LLM_TIMEOUT_SECONDS = 2
    settings.LLM_PROVIDERS = {
        **settings.LLM_PROVIDERS,
        "openai": {"api_key": "k", "base_url": server.url + "/v1", "model": "gpt-test"},
    }
    settings.LLM_CHAINS = {**settings.LLM_CHAINS, "helper": "openai,local"}
    run = RunFactory()
    completion = complete(role="helper", messages=[{"role": "user", "content": "hi"}], subject=run)
    assert completion.provider == "local"
    group = ErrorGroup.objects.get(source="llm")
    assert group.scope == "openai"
    assert group.occurrences.get().run_id == run.pk


def test_the_error_pages_are_for_staff_and_operators(client):
    failure_report(source="stage", scope="generate_track", exc=RuntimeError("boom 1"))
    group = ErrorGroup.objects.get()
    for url in (reverse("monitoring:errors"), reverse("monitoring:error-detail", args=[group.pk])):
        assert client.get(url).status_code == 302  # to the login page
        client.force_login(UserFactory(groups=["Reviewers"]))
        assert client.get(url).status_code == 403
        client.force_login(UserFactory(groups=["Operators"]))
        assert client.get(url).status_code == 200
        client.force_login(UserFactory(is_staff=True))
        assert client.get(url).status_code == 200
        client.logout()


def test_the_error_list_shows_groups_with_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries):
    runs = RunFactory.create_batch(3)
    for index in range(40):
        failure_report(
            source="stage" if index % 2 else "delivery",
            scope=f"scope-{index % 20}",
            exc=RuntimeError(f"failure kind {chr(65 + index % 20)} number {index}"),
            run_id=runs[index % 3].pk,
        )
    assert ErrorGroup.objects.count() == 20
    with django_assert_max_num_queries(8):
        response = staff_client.get(reverse("monitoring:errors"))
    assert response.status_code == 200
    assert b"failure kind A number &lt;n&gt;" in response.content
    filtered = staff_client.get(reverse("monitoring:errors"), {"source": "stage", "q": "kind B"})
    assert [group.scope for group in filtered.context["groups"]] == ["scope-1"]
    assert (
        list(staff_client.get(reverse("monitoring:errors"), {"source": "delivery", "q": "kind B"}).context["groups"])
        == []
    )

    group = ErrorGroup.objects.get(scope="scope-0")
    with django_assert_max_num_queries(8):
        detail = staff_client.get(reverse("monitoring:error-detail", args=[group.pk]))
    assert detail.status_code == 200
    assert len(detail.context["runs"]) == len({runs[i % 3].pk for i in range(0, 40, 20)})
    assert ErrorOccurrence.objects.filter(group=group).count() == 2
