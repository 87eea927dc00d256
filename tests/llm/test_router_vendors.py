"""The router against the real vendor SDKs, each talking to a local server in its wire format."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest
from pydantic import BaseModel, Field

from llm.models import LLMCall
from llm.pricing import call_cost
from llm.router import complete
from llm.types import LLMUnavailableError
from tests.llm import vendors as v
from tests.llm.vendors import Reply

pytestmark = pytest.mark.django_db


class Verdict(BaseModel):
    name: str
    score: int = Field(ge=0, le=10)


VALID = '{"name": "Neon Vesper", "score": 7}'
OUT_OF_RANGE = '{"name": "Neon Vesper", "score": 99}'
NOT_JSON = "Sure! Here is the verdict: name Neon Vesper, score seven."
MESSAGES = [{"role": "system", "content": "You judge artist names."}, {"role": "user", "content": "Judge Neon Vesper"}]


def _openai_like(name):
    return {
        "ok": lambda text: Reply(200, v.openai_ok(text)),
        "error": lambda status, msg: Reply(status, v.openai_error(msg)),
        "refusal": Reply(200, v.openai_ok(None, refusal="I can't help with that request.")),
        "context": Reply(
            400,
            v.openai_error(
                "This model's maximum context length is 8192 tokens.",
                type_="invalid_request_error",
                code="context_length_exceeded",
            ),
        ),
    }


VENDORS = {
    "openai": _openai_like("openai"),
    "deepseek": _openai_like("deepseek"),
    "xai": _openai_like("xai"),
    "anthropic": {
        "ok": lambda text: Reply(200, v.anthropic_ok(text)),
        "error": lambda status, msg: Reply(status, v.anthropic_error(msg)),
        "refusal": Reply(200, v.anthropic_ok("", stop_reason="refusal")),
        "context": Reply(400, v.anthropic_error("prompt is too long: 250000 tokens > 200000 maximum", type_="x")),
    },
    "gemini": {
        "ok": lambda text: Reply(200, v.gemini_ok(text)),
        "error": lambda status, msg: Reply(status, v.gemini_error(status, "UNAVAILABLE", msg)),
        "refusal": Reply(200, v.gemini_blocked("PROHIBITED_CONTENT")),
        "context": Reply(
            400,
            v.gemini_error(400, "INVALID_ARGUMENT", "The input token count exceeds the maximum number of tokens."),
        ),
    },
    "mistral": {
        "ok": lambda text: Reply(200, v.mistral_ok(text)),
        "error": lambda status, msg: Reply(status, v.mistral_error(msg)),
        "refusal": Reply(200, v.mistral_ok("", finish="content_filter")),
        "context": Reply(400, v.mistral_error("Prompt contains 40000 tokens, too many tokens for model context")),
    },
}
ALL = sorted(VENDORS)


def rows() -> list[LLMCall]:
    return list(LLMCall.objects.order_by("id"))


@pytest.mark.parametrize("name", ALL)
def test_success_parses_records_tokens_cost_and_sends_the_schema(name, vendor, use_vendor):
    use_vendor(name, vendor)
    vendor.script(VENDORS[name]["ok"](VALID))

    result = complete(role="author", messages=MESSAGES, schema=Verdict)

    assert result.parsed == Verdict(name="Neon Vesper", score=7)
    assert (result.provider, result.model, result.tokens_in, result.tokens_out) == (name, f"{name}-model", 120, 80)
    assert result.cost == call_cost(name, f"{name}-model", 120, 80) > 0
    [row] = rows()
    assert (row.provider, row.role, row.outcome, row.chain_position, row.attempt) == (name, "author", "success", 0, 1)
    assert row.cost == result.cost and row.tokens_in == 120
    body = vendor.requests[0].body
    if name in ("openai", "xai", "mistral"):
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["schema"]["properties"]["score"]["maximum"] == 10
    elif name == "deepseek":
        assert body["response_format"] == {"type": "json_object"}
        assert '"score"' in body["messages"][0]["content"]  # the schema travels in the system prompt
    elif name == "anthropic":
        assert body["output_config"]["format"]["type"] == "json_schema"
        assert "You judge artist names." in body["system"]
    else:
        assert body["generationConfig"]["responseMimeType"] == "application/json"
        assert "score" in body["generationConfig"]["responseJsonSchema"]["properties"]
    headers = {k.lower(): val for k, val in vendor.requests[0].headers.items()}
    assert f"test-{name}-key" in " ".join(
        [headers.get("authorization", ""), headers.get("x-api-key", ""), headers.get("x-goog-api-key", "")]
    )


@pytest.mark.parametrize("name", ALL)
def test_429_is_retried_after_retry_after(name, vendor, use_vendor):
    use_vendor(name, vendor)
    vendor.script(VENDORS[name]["error"](429, "Rate limit reached"), VENDORS[name]["ok"](VALID))
    vendor.replies[0].headers["retry-after"] = "1"

    result = complete(role="author", messages=MESSAGES, schema=Verdict)

    assert result.provider == name and len(vendor.requests) == 2
    first, second = rows()
    assert (first.outcome, first.attempt, second.outcome, second.attempt) == ("retryable_error", 1, "success", 2)
    assert first.backoff_ms == 20  # Retry-After: 1 s, capped by LLM_RETRY_AFTER_MAX_SECONDS in tests
    assert first.call_id == second.call_id


def test_retry_after_ms_is_honoured_exactly(vendor, use_vendor, settings):
    settings.LLM_RETRY_AFTER_MAX_SECONDS = 5
    use_vendor("openai", vendor)
    vendor.script(Reply(429, v.openai_error("slow down"), {"retry-after-ms": "30"}), Reply(200, v.openai_ok(VALID)))

    complete(role="author", messages=MESSAGES, schema=Verdict)

    assert rows()[0].backoff_ms == 30


@pytest.mark.parametrize("name", ALL)
def test_5xx_spends_the_attempts_then_falls_back(name, vendor, use_vendor):
    use_vendor(name, vendor)
    vendor.script(default=VENDORS[name]["error"](503, "overloaded"))

    result = complete(role="author", messages=MESSAGES, schema=Verdict)

    assert result.provider == "local" and isinstance(result.parsed, Verdict)
    assert len(vendor.requests) == 3
    recorded = rows()
    assert [(r.provider, r.outcome, r.attempt, r.chain_position) for r in recorded] == [
        (name, "retryable_error", 1, 0),
        (name, "retryable_error", 2, 0),
        (name, "retryable_error", 3, 0),
        ("local", "success", 1, 1),
    ]
    assert "503" in recorded[0].error_message
    assert recorded[0].backoff_ms is not None and recorded[2].backoff_ms is None


@pytest.mark.parametrize("name", ALL)
def test_timeout_is_retryable(name, vendor, use_vendor, settings):
    settings.LLM_TIMEOUT_SECONDS = 0.15
    settings.LLM_MAX_ATTEMPTS = 2
    use_vendor(name, vendor)
    vendor.script(default=Reply(200, VENDORS[name]["ok"](VALID).body, delay=0.4))

    result = complete(role="author", messages=MESSAGES, schema=Verdict)

    assert result.provider == "local"
    timeouts = [r for r in rows() if r.provider == name]
    assert [(r.outcome, r.attempt) for r in timeouts] == [("retryable_error", 1), ("retryable_error", 2)]
    assert all("timeout" in r.error_message for r in timeouts)


@pytest.mark.parametrize("name", ALL)
def test_invalid_json_is_reasked_once_with_the_errors(name, vendor, use_vendor):
    use_vendor(name, vendor)
    vendor.script(VENDORS[name]["ok"](NOT_JSON), VENDORS[name]["ok"](VALID))

    result = complete(role="author", messages=MESSAGES, schema=Verdict)

    assert result.provider == name and result.parsed.score == 7
    first, second = rows()
    assert (first.outcome, first.error_class, second.outcome, second.attempt) == (
        "invalid",
        "InvalidOutputError",
        "success",
        2,
    )
    assert first.tokens_in == 120  # a bad answer still costs
    correction = str(vendor.requests[1].body)
    assert "not valid JSON" in correction and NOT_JSON[:20] in correction


@pytest.mark.parametrize("name", ALL)
def test_schema_invalid_twice_falls_back(name, vendor, use_vendor):
    use_vendor(name, vendor)
    vendor.script(default=VENDORS[name]["ok"](OUT_OF_RANGE))

    result = complete(role="author", messages=MESSAGES, schema=Verdict)

    assert result.provider == "local" and 0 <= result.parsed.score <= 10
    assert [(r.provider, r.outcome) for r in rows()] == [(name, "invalid"), (name, "invalid"), ("local", "success")]
    assert "score" in rows()[0].error_message
    assert "less than or equal to 10" in str(vendor.requests[1].body)


@pytest.mark.parametrize("name", ALL)
def test_refusal_goes_straight_to_the_next_provider(name, vendor, use_vendor):
    use_vendor(name, vendor)
    vendor.script(default=VENDORS[name]["refusal"])

    result = complete(role="author", messages=MESSAGES, schema=Verdict)

    assert result.provider == "local" and len(vendor.requests) == 1
    assert [(r.provider, r.outcome) for r in rows()] == [(name, "refused"), ("local", "success")]


@pytest.mark.parametrize("name", ALL)
def test_context_length_error_moves_on_without_retry(name, vendor, use_vendor):
    use_vendor(name, vendor)
    vendor.script(default=VENDORS[name]["context"])

    result = complete(role="author", messages=MESSAGES, schema=Verdict)

    assert result.provider == "local" and len(vendor.requests) == 1
    assert rows()[0].error_class.startswith("ContextLengthError")


@pytest.mark.parametrize("name", ALL)
def test_other_4xx_is_not_retried(name, vendor, use_vendor):
    use_vendor(name, vendor)
    vendor.script(default=VENDORS[name]["error"](401, "Invalid API key"))

    result = complete(role="author", messages=MESSAGES, schema=Verdict)

    assert result.provider == "local" and len(vendor.requests) == 1
    assert rows()[0].outcome == "error" and "401" in rows()[0].error_message


@pytest.mark.parametrize("name", ["openai", "anthropic", "gemini", "mistral"])
def test_malformed_response_body_is_an_error(name, vendor, use_vendor):
    use_vendor(name, vendor)
    vendor.script(default=Reply(200, "<html>502 Bad Gateway</html>"))

    result = complete(role="author", messages=MESSAGES, schema=Verdict)

    assert result.provider == "local"
    assert rows()[0].outcome == "error" and "malformed" in rows()[0].error_message


def _closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("name", ["openai", "anthropic", "gemini", "mistral"])
def test_refused_connection_is_retried_then_a_clear_error(name, use_vendor):
    use_vendor(name, _closed_port_url(), chain=name)

    with pytest.raises(LLMUnavailableError) as caught:
        complete(role="author", messages=MESSAGES, schema=Verdict)

    assert "connection error" in caught.value.message
    assert caught.value.status_code == 503
    assert [(r.outcome, r.attempt) for r in rows()] == [("retryable_error", n) for n in (1, 2, 3)]


def test_cost_is_recorded_as_decimal(vendor, use_vendor):
    use_vendor("openai", vendor)
    vendor.script(Reply(200, v.openai_ok(VALID)))
    complete(role="author", messages=MESSAGES, schema=Verdict)
    assert rows()[0].cost == Decimal("0.000190")  # 120 in at 0.25/M + 80 out at 2.0/M


def test_reasoning_models_get_no_temperature(vendor, use_vendor, settings):
    use_vendor("openai", vendor)
    settings.LLM_PROVIDERS["openai"]["model"] = "gpt-5-mini"
    vendor.script(Reply(200, v.openai_ok(VALID)), Reply(200, v.openai_ok(VALID)))
    complete(role="author", messages=MESSAGES, schema=Verdict)
    complete(role="author", messages=MESSAGES, schema=Verdict, chain="openai:gpt-4.1-mini")
    assert "temperature" not in vendor.requests[0].body
    assert vendor.requests[1].body["temperature"] == 0.8
    assert vendor.requests[1].body["model"] == "gpt-4.1-mini"
