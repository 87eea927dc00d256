"""Secrets are masked in log lines and stored vendor records."""

from __future__ import annotations

import io
import logging

import pytest

from kernel.redaction import MASK, RedactSecretsFilter, redact, redact_data


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ('HTTP Request: POST https://api.telegram.org/bot123456:AAHx-y_z9/sendMessage "HTTP/1.1 200 OK"', "AAHx-y_z9"),
        ("GET https://pixabay.com/api/videos/?key=pixa-123456&q=night", "pixa-123456"),
        ("GET https://example.com/x?api_key=abcdef123&token=tok-987654", "abcdef123"),
        ("GET https://example.com/x?api_key=abcdef123&token=tok-987654", "tok-987654"),
        ("headers={'Authorization': 'Bearer sk-live-abcdef'}", "sk-live-abcdef"),
        ("Authorization: Token 9f8e7d6c5b4a", "9f8e7d6c5b4a"),
        ("{'xi-api-key': 'eleven-secret-1'}", "eleven-secret-1"),
    ],
)
def test_known_shapes_are_masked(text, secret):
    cleaned = redact(text, secrets=[])
    assert secret not in cleaned and MASK in cleaned


def test_configured_values_are_masked_wherever_they_appear(settings):
    settings.SUNO_API_KEY = "suno-abcdef-123"
    settings.LOG_REDACT_VALUES = ["custom-value-42"]
    text = "failed with suno-abcdef-123 in the body, and custom-value-42"
    assert redact(text) == f"failed with {MASK} in the body, and {MASK}"
    assert redact_data({"a": ["suno-abcdef-123", 1]}) == {"a": [MASK, 1]}


def test_ordinary_text_is_left_alone():
    text = "analysed track 4: 180.0 s, 120 BPM, A minor, -14 LUFS; monkey=1 keyboard"
    assert redact(text, secrets=[]) == text


def test_every_logging_handler_masks_secrets(settings):
    for name, handler in settings.LOGGING["handlers"].items():
        assert "redact_secrets" in handler.get("filters", []), f"handler {name} does not mask secrets"


def test_the_filter_masks_messages_arguments_and_tracebacks(settings):
    settings.PIXABAY_API_KEY = "pixabay-key-777"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecretsFilter())
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    try:
        logger.warning("GET %s", "https://pixabay.com/api/?key=pixabay-key-777&q=x")
        try:
            raise RuntimeError("vendor said: bad key pixabay-key-777")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    assert "pixabay-key-777" not in stream.getvalue()
    assert stream.getvalue().count(MASK) >= 2
