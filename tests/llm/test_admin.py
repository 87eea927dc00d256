"""LLM admin: call list, per provider/role summary page, template versioning."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from llm import breaker
from llm.models import LLMCall, PromptTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    user = get_user_model().objects.create_superuser("root", "root@example.test", "pw-123456")
    client.force_login(user)
    return client


def _calls():
    for n in range(50):
        LLMCall.objects.create(
            provider="openai" if n % 2 else "local",
            model="m",
            role="author" if n % 3 else "helper",
            outcome="success" if n % 5 else "retryable_error",
            latency_ms=100 + n,
            cost="0.001",
            template_name="artist_author",
            template_version=1,
        )


def test_summary_page_shows_rates_latency_cost_and_availability(admin_client_, settings, django_assert_max_num_queries):
    _calls()
    settings.LLM_COOLDOWN_FAILURES = 1
    breaker.record_failure("deepseek")
    with django_assert_max_num_queries(8):
        response = admin_client_.get("/admin/llm/llmcall/summary/?days=1")
    html = response.content.decode()
    assert response.status_code == 200
    assert "no OPENAI_API_KEY" in html and "local</td>" in html and "Clear cooldown" in html
    rows = response.context["rows"]
    openai_author = next(r for r in rows if (r.provider, r.role) == ("openai", "author"))
    assert openai_author.calls == 17 and 0 < openai_author.success_rate < 1
    assert openai_author.p50_ms <= openai_author.p95_ms


def test_clearing_a_cooldown_from_the_summary(admin_client_, settings):
    settings.LLM_COOLDOWN_FAILURES = 1
    breaker.record_failure("xai")
    assert breaker.cooldown_remaining("xai") > 0, "the breaker must be open before the admin clears it"
    admin_client_.post("/admin/llm/llmcall/summary/", {"provider": "xai"})
    assert breaker.cooldown_remaining("xai") == 0


def test_call_list_is_filterable_with_flat_queries(admin_client_, django_assert_max_num_queries):
    _calls()
    # Session, user, two counts, the page, the date bounds, and one DISTINCT per list filter.
    with django_assert_max_num_queries(12):
        response = admin_client_.get("/admin/llm/llmcall/?provider=openai&outcome__exact=success")
    assert response.status_code == 200 and "Summary per provider and role" in response.content.decode()


def test_editing_a_template_saves_a_new_version(admin_client_):
    old = PromptTemplate.objects.get(name="artist_helper", version=1)
    response = admin_client_.post(
        f"/admin/llm/prompttemplate/{old.pk}/change/",
        {"text": "New helper prompt.", "description": old.description, "is_active": "on"},
    )
    new = PromptTemplate.objects.get(name="artist_helper", version=2)
    assert response.status_code == 302 and response.url.endswith(f"/{new.pk}/change/")
    old.refresh_from_db()
    assert old.text.startswith("You are a music producer") and new.text == "New helper prompt."
