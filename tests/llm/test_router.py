"""Router policy: cooldown, budgets, chains, routing policies, templates, input checks."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from pydantic import BaseModel

from kernel.errors import ApplicationError, NotFoundError
from llm import breaker
from llm.models import LLMCall, PromptTemplate
from llm.providers import get_provider
from llm.router import complete, order_chain, parse_chain, role_chain
from llm.types import LLMUnavailableError
from tests.llm import vendors as v
from tests.llm.vendors import Reply, VendorServer

pytestmark = pytest.mark.django_db
MESSAGES = [{"role": "user", "content": "Name a synthwave duo"}]


class Name(BaseModel):
    name: str


OK = Reply(200, v.openai_ok('{"name": "Chrome Horizon"}'))


def test_cooldown_opens_after_repeated_failures_skips_then_half_opens(vendor, use_vendor, settings):
    use_vendor("openai", vendor)
    vendor.script(default=Reply(500, v.openai_error("boom")))

    assert complete(role="author", messages=MESSAGES, schema=Name).provider == "local"
    assert "cooldown of 60s started" in LLMCall.objects.filter(provider="openai").latest("id").error_message
    assert len(vendor.requests) == 3

    assert complete(role="author", messages=MESSAGES, schema=Name).provider == "local"
    skipped = LLMCall.objects.filter(outcome="skipped").get()
    assert (skipped.provider, skipped.error_class) == ("openai", "Cooldown")
    assert "cooling down" in skipped.error_message
    assert len(vendor.requests) == 3  # not called while cooling down

    # The cooldown ends: the provider is tried again; one more failure re-opens it at once.
    # (1 s, not less: on a busy machine the probe itself may take a good part of a second)
    settings.LLM_COOLDOWN_SECONDS = 1.0
    breaker.reset("openai")
    for _ in range(3):
        breaker.record_failure("openai")
    time.sleep(1.1)
    assert breaker.cooldown_remaining("openai") == 0
    complete(role="author", messages=[{"role": "user", "content": "again"}], schema=Name)
    assert len(vendor.requests) == 4  # half-open: a single probe, no retries
    assert breaker.cooldown_remaining("openai") > 0

    time.sleep(1.1)
    vendor.script(OK)
    assert complete(role="author", messages=[{"role": "user", "content": "3rd"}], schema=Name).provider == "openai"
    breaker.record_failure("openai")
    assert breaker.cooldown_remaining("openai") == 0  # a success closed the breaker


def test_refusals_and_bad_answers_do_not_trip_the_breaker(vendor, use_vendor, settings):
    settings.LLM_COOLDOWN_FAILURES = 1
    use_vendor("openai", vendor)
    vendor.script(default=Reply(200, v.openai_ok(None, refusal="no")))
    complete(role="author", messages=MESSAGES, schema=Name)
    assert breaker.cooldown_remaining("openai") == 0


def test_daily_budget_skips_the_provider_with_a_recorded_reason(vendor, use_vendor, settings):
    settings.LLM_DAILY_BUDGETS = {"openai": 0.0001}
    use_vendor("openai", vendor)
    vendor.script(default=OK)

    first = complete(role="author", messages=MESSAGES, schema=Name)
    assert first.provider == "openai" and first.cost > Decimal("0.0001")

    second = complete(role="author", messages=MESSAGES, schema=Name)
    assert second.provider == "local" and len(vendor.requests) == 1
    skipped = LLMCall.objects.get(outcome="skipped")
    assert skipped.error_class == "BudgetExceeded"
    assert "daily budget of 0.00 USD reached" in skipped.error_message


def test_unknown_provider_in_a_chain_is_a_configuration_error(settings):
    settings.LLM_CHAINS = {**settings.LLM_CHAINS, "author": "openai,gpt5000:big,local"}
    with pytest.raises(ImproperlyConfigured, match="LLM_CHAIN_AUTHOR: unknown LLM provider 'gpt5000'"):
        complete(role="author", messages=MESSAGES)
    assert not LLMCall.objects.exists()


def test_empty_chain_and_bad_policy_are_configuration_errors(settings):
    with pytest.raises(ImproperlyConfigured, match="names no provider"):
        parse_chain(" , ", source="LLM_CHAIN_HELPER")
    settings.LLM_POLICIES = {**settings.LLM_POLICIES, "author": "fastest"}
    with pytest.raises(ImproperlyConfigured, match="LLM_POLICY_AUTHOR"):
        complete(role="author", messages=MESSAGES)


def test_chain_defaults_resolve_models_and_end_in_local(settings):
    from noktvrn.settings.components import llm as defaults

    settings.LLM_CHAINS = defaults.LLM_CHAINS
    for role in settings.LLM_ROLES:
        assert role_chain(role)[-1].provider == "local"
    assert [str(e) for e in parse_chain("deepseek,gemini:gemini-2.5-pro", source="x")] == [
        f"deepseek:{settings.LLM_PROVIDERS['deepseek']['model']}",
        "gemini:gemini-2.5-pro",
    ]


def test_missing_keys_make_providers_unavailable_with_the_variable_named(settings):
    settings.LLM_CHAINS = {**settings.LLM_CHAINS, "author": "openai,anthropic"}
    with pytest.raises(LLMUnavailableError) as caught:
        complete(role="author", messages=MESSAGES)
    assert "no OPENAI_API_KEY" in caught.value.message and "no ANTHROPIC_API_KEY" in caught.value.message
    with pytest.raises(ImproperlyConfigured, match="GEMINI_API_KEY is not set"):
        get_provider("gemini")


def test_no_keys_at_all_every_role_answers_through_local():
    for role in ("author", "helper", "validator", "lyricist", "prompt_writer", "reflection", "analyst"):
        result = complete(role=role, messages=MESSAGES, schema=Name)
        assert result.provider == "local" and result.parsed.name
    assert LLMCall.objects.filter(outcome="success", provider="local").count() == 7


def test_unknown_role_and_bad_messages_are_refused():
    with pytest.raises(ApplicationError, match="Unknown LLM role"):
        complete(role="poet", messages=MESSAGES)
    with pytest.raises(ApplicationError, match="at least one message"):
        complete(role="author", messages=[])
    with pytest.raises(ApplicationError, match="needs a role"):
        complete(role="author", messages=[{"role": "wizard", "content": "hi"}])


def test_template_becomes_the_system_prompt_and_its_version_is_recorded(vendor, use_vendor):
    use_vendor("openai", vendor)
    vendor.script(default=OK)
    complete(role="author", messages=MESSAGES, schema=Name, template="artist_author")
    row = LLMCall.objects.get()
    assert (row.template_name, row.template_version, row.prompt_template.name) == ("artist_author", 1, "artist_author")
    assert vendor.requests[0].body["messages"][0]["content"].startswith("You are the A&R author")

    PromptTemplate.objects.create(name="artist_author", version=2, text="Version two prompt.")
    result = complete(role="author", messages=MESSAGES, schema=Name, template="artist_author")
    assert result.template_version == 2
    assert vendor.requests[1].body["messages"][0]["content"].startswith("Version two prompt.")

    with pytest.raises(NotFoundError):
        complete(role="author", messages=MESSAGES, template="no_such_template")


def test_cost_policy_prefers_the_cheaper_healthy_provider(settings, use_vendor):
    cheap, dear = VendorServer().start(), VendorServer().start()
    try:
        use_vendor("anthropic", dear)
        use_vendor("deepseek", cheap)
        settings.LLM_CHAINS = {**settings.LLM_CHAINS, "author": "anthropic,deepseek,local"}
        settings.LLM_POLICIES = {**settings.LLM_POLICIES, "author": "cost"}
        cheap.script(default=OK)
        result = complete(role="author", messages=MESSAGES, schema=Name)
        assert result.provider == "deepseek" and not dear.requests
        assert LLMCall.objects.get().chain_position == 0
    finally:
        cheap.stop()
        dear.stop()


def test_latency_policy_orders_by_recorded_p50(settings, use_vendor):
    use_vendor("anthropic", "http://127.0.0.1:9")
    use_vendor("deepseek", "http://127.0.0.1:9")
    for latency in (900, 950, 1000):
        LLMCall.objects.create(provider="anthropic", model="m", role="author", outcome="success", latency_ms=latency)
    for latency in (100, 120, 5000):
        LLMCall.objects.create(provider="deepseek", model="m", role="author", outcome="success", latency_ms=latency)
    entries = parse_chain("anthropic,mistral,deepseek,local", source="test")
    ordered = [e.provider for e in order_chain(entries, "latency")]
    assert ordered == ["deepseek", "anthropic", "mistral", "local"]  # mistral: no key, so not healthy


def test_cost_policy_skips_cooling_providers_first(settings, use_vendor):
    use_vendor("deepseek", "http://127.0.0.1:9")
    use_vendor("openai", "http://127.0.0.1:9")
    settings.LLM_COOLDOWN_FAILURES = 1
    breaker.record_failure("deepseek")
    ordered = [e.provider for e in order_chain(parse_chain("deepseek,openai,local", source="t"), "cost")]
    assert ordered == ["openai", "deepseek", "local"]


def test_local_is_deterministic_per_request():
    one = complete(role="author", messages=MESSAGES, schema=Name)
    two = complete(role="author", messages=MESSAGES, schema=Name)
    other = complete(role="author", messages=[{"role": "user", "content": "Name a techno trio"}], schema=Name)
    assert one.text == two.text and one.text != other.text


def test_time_budget_skips_remaining_remote_providers(vendor, use_vendor, settings):
    settings.LLM_CALL_BUDGET_SECONDS = 0.2
    settings.LLM_TIMEOUT_SECONDS = 0.15
    settings.LLM_MAX_ATTEMPTS = 2
    use_vendor("openai", vendor)
    use_vendor("mistral", vendor, chain="openai,mistral,local")
    vendor.script(default=Reply(200, v.openai_ok('{"name": "x"}'), delay=0.3))

    result = complete(role="author", messages=MESSAGES, schema=Name)

    assert result.provider == "local"
    skipped = LLMCall.objects.get(provider="mistral")
    assert (skipped.outcome, skipped.error_class) == ("skipped", "TimeBudgetSpent")
