"""GET /api/v1/llm-calls/ and /api/v1/llm-calls/providers/."""

from __future__ import annotations

import pytest

from llm.models import LLMCall

pytestmark = pytest.mark.django_db


def test_call_list_filters_and_keeps_queries_flat(operator_client, django_assert_max_num_queries):
    for n in range(50):
        LLMCall.objects.create(provider="local", model="default", role="author", outcome="success", latency_ms=n)
    LLMCall.objects.create(provider="openai", model="m", role="helper", outcome="refused")
    with django_assert_max_num_queries(8):
        body = operator_client.get("/api/v1/llm-calls/").json()
    assert body["count"] == 51
    refused = operator_client.get("/api/v1/llm-calls/?outcome=refused&provider=openai").json()
    assert [c["role"] for c in refused["results"]] == ["helper"]


def test_providers_endpoint_says_why_a_provider_is_unavailable(operator_client, reviewer_client):
    body = operator_client.get("/api/v1/llm-calls/providers/").json()
    by_name = {p["name"]: p for p in body["providers"]}
    assert by_name["local"]["available"] is True
    assert by_name["mistral"] == {**by_name["mistral"], "available": False, "detail": "no MISTRAL_API_KEY"}
    assert body["chain_problems"] == {}
    assert reviewer_client.get("/api/v1/llm-calls/providers/").status_code == 403
