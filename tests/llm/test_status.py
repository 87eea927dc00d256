"""/readyz reports provider availability; it fails only when a role has no provider at all."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def readyz_token(settings):
    settings.READYZ_TOKEN = "probe-token"  # the detail is for staff and token holders only


def test_readyz_reports_missing_keys_without_failing(client, settings):
    from noktvrn.settings.components import llm as defaults

    settings.LLM_CHAINS = defaults.LLM_CHAINS
    body = client.get("/readyz", HTTP_AUTHORIZATION="Bearer probe-token").json()
    check = body["checks"]["llm"]
    assert check["ok"] is True
    assert "openai: no OPENAI_API_KEY" in check["detail"] and "local: ready" in check["detail"]


def test_readyz_fails_when_a_chain_has_no_available_provider(client, settings):
    settings.LLM_CHAINS = {**settings.LLM_CHAINS, "analyst": "openai,gemini"}
    response = client.get("/readyz", HTTP_AUTHORIZATION="Bearer probe-token")
    check = response.json()["checks"]["llm"]
    assert response.status_code == 503 and check["ok"] is False
    assert "analyst: no available provider (openai: no OPENAI_API_KEY, gemini: no GEMINI_API_KEY)" in check["detail"]


def test_readyz_names_an_unknown_provider(client, settings):
    settings.LLM_CHAINS = {**settings.LLM_CHAINS, "helper": "local,chatgpt"}
    check = client.get("/readyz", HTTP_AUTHORIZATION="Bearer probe-token").json()["checks"]["llm"]
    assert not check["ok"] and "unknown LLM provider 'chatgpt'" in check["detail"]


def test_system_check_rejects_unknown_providers_and_policies(settings):
    from llm.checks import check_llm_chains

    assert check_llm_chains() == []
    settings.LLM_CHAINS = {**settings.LLM_CHAINS, "author": "openai,opneai"}
    settings.LLM_POLICIES = {**settings.LLM_POLICIES, "helper": "cheapest"}
    messages = [error.msg for error in check_llm_chains()]
    assert any("LLM_CHAIN_AUTHOR: unknown LLM provider 'opneai'" in m for m in messages)
    assert any("LLM_POLICY_HELPER='cheapest'" in m for m in messages)
