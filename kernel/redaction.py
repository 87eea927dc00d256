"""Mask secrets in text that leaves the process: log lines and stored vendor records.

Two kinds of secrets are masked:
- configured values: every setting (or environment variable) whose name says it is a secret
  (`*_KEY`, `*_TOKEN`, `*_SECRET`, `*_PASSWORD`, `*_PASSPHRASE`, also inside dict settings),
  and the extra values listed in LOG_REDACT_VALUES;
- known shapes, whatever their value: a Telegram bot token in a URL path (`/bot<id>:<token>/`),
  `key=`/`api_key=`/`token=`/... query parameters, and Authorization-style headers.

`RedactSecretsFilter` is installed on every handler in LOGGING, so httpx's "HTTP Request: GET
https://api.telegram.org/bot123:ABC/sendMessage" is written with the token masked.
"""

from __future__ import annotations

import logging
import os
import re
import traceback
from collections.abc import Iterable
from typing import Any

MASK = "***"
# Names of settings / variables holding a secret (not KEY_PATH, MAX_TOKENS, ...).
_SECRET_NAME = re.compile(r"(?:^|_)(?:KEY|API_KEY|TOKEN|SECRET|PASSWORD|PASSPHRASE)$", re.IGNORECASE)
# Values too short to be secrets are never masked: masking "1" would garble every line.
_MIN_SECRET_LENGTH = 6

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Telegram Bot API: https://api.telegram.org/bot<id>:<token>/method (and file downloads).
    (re.compile(r"(/bot)\d+:[A-Za-z0-9_-]+"), r"\1" + MASK),
    # Query parameters and form fields carrying a credential.
    (
        re.compile(
            r"((?:^|[?&;\s\"'(])(?:api[_-]?key|apikey|key|token|access[_-]?token|auth|secret|password|passwd|"
            r"signature|sig|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&;\s\"'<>)#]+",
            re.IGNORECASE,
        ),
        r"\1" + MASK,
    ),
    # Authorization headers however they are printed: "Authorization: Bearer x", {'authorization': 'Token x'}.
    (
        re.compile(
            r"((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?(?:bearer|token|basic|key|digest)?\s*)[^\s\"',}]+",
            re.IGNORECASE,
        ),
        r"\1" + MASK,
    ),
    # Vendor key headers: x-api-key, xi-api-key (ElevenLabs), x-goog-api-key, api-key.
    (
        re.compile(r"((?:x-|xi-|x-goog-)?api-key[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+", re.IGNORECASE),
        r"\1" + MASK,
    ),
]


def _collect(value: Any, found: set[str], depth: int = 0) -> None:
    if depth > 4:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _SECRET_NAME.search(key) and isinstance(item, str):
                found.add(item)
            else:
                _collect(item, found, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect(item, found, depth + 1)


_cached: list[str] | None = None


def _forget_secrets(**kwargs) -> None:
    global _cached
    _cached = None


def configured_secrets() -> list[str]:
    """Every secret value the process knows of, longest first (so a longer one masks whole).

    Computed once (settings do not change while the process runs) and recomputed when a test
    overrides a setting (Django's `setting_changed` signal).
    """
    global _cached
    if _cached is not None:
        return _cached
    found: set[str] = set()
    for name, value in os.environ.items():
        if _SECRET_NAME.search(name):
            found.add(value.strip())
    configured = False
    try:
        from django.conf import settings

        configured = settings.configured
        if configured:
            for name in dir(settings):
                if not name.isupper():
                    continue
                value = getattr(settings, name, None)
                if isinstance(value, str) and _SECRET_NAME.search(name):
                    found.add(value)
                elif isinstance(value, dict) and name not in {"LOGGING"}:
                    _collect(value, found)
            found.update(getattr(settings, "LOG_REDACT_VALUES", []) or [])
    except Exception:  # redaction must never break logging (settings half-loaded)
        configured = False
    secrets = sorted((value for value in found if len(value) >= _MIN_SECRET_LENGTH), key=len, reverse=True)
    if configured:
        _cached = secrets
    return secrets


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """`text` with every known secret and credential-shaped fragment replaced by ***."""
    if not text:
        return text
    for secret in configured_secrets() if secrets is None else secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_data(value: Any) -> Any:
    """The same, through JSON-like data (dicts, lists, strings) for stored vendor responses."""
    secrets = configured_secrets()

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return redact(item, secrets)
        if isinstance(item, dict):
            return {key: walk(inner) for key, inner in item.items()}
        if isinstance(item, list):
            return [walk(inner) for inner in item]
        return item

    return walk(value)


class RedactSecretsFilter(logging.Filter):
    """A logging filter that rewrites each record's message (and traceback) with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem to report, not ours
            return True
        secrets = configured_secrets()
        cleaned = redact(message, secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"), secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets)
        return True


def _connect() -> None:
    from django.core.signals import setting_changed

    setting_changed.connect(_forget_secrets, dispatch_uid="kernel.redaction.forget_secrets")


_connect()
