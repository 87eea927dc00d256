"""Structured logs: JSON lines carrying the request id (honoured or made, and echoed) or the run id."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.conf import settings as django_settings

from kernel.logs import ContextFilter, JsonFormatter, TextFormatter, log_context


@pytest.fixture
def json_lines():
    """The project's console handler as LOGGING builds it (json formatter, every filter), writing to a buffer."""
    from logging.config import dictConfig

    config = {**django_settings.LOGGING}
    config["handlers"] = {
        "console": {**config["handlers"]["console"], "formatter": "json", "class": "logging.StreamHandler"}
    }
    buffer = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    dictConfig(config)
    root.handlers[0].setStream(buffer)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


def test_a_json_line_has_the_ids_the_extra_fields_and_the_exception():
    record = logging.LogRecord("noktvrn.test", logging.ERROR, __file__, 1, "stage %s failed", ("make_cover",), None)
    try:
        raise ValueError("bad palette")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    record.attempt = 2
    with log_context(run_id=42, request_id="req-1"):
        ContextFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "stage make_cover failed"
    assert (line["level"], line["logger"], line["run_id"], line["request_id"], line["attempt"]) == (
        "ERROR",
        "noktvrn.test",
        "42",
        "req-1",
        2,
    )
    assert "ValueError: bad palette" in line["exception"]
    assert line["time"].endswith("+00:00")


def test_the_text_format_shows_the_ids_when_known():
    formatter = TextFormatter("%(levelname)s %(name)s%(ids)s: %(message)s")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
    ContextFilter().filter(record)
    assert formatter.format(record) == "INFO x: hello"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
    with log_context(run_id=7):
        ContextFilter().filter(record)
    assert formatter.format(record) == "INFO x [run=7]: hello"


@pytest.mark.django_db
def test_the_request_id_is_honoured_echoed_and_on_every_line_of_the_request(client, json_lines, settings):
    from django.urls import path

    def view(request):
        logging.getLogger("noktvrn.view").info("inside the view")
        from django.http import HttpResponse

        return HttpResponse("ok")

    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": [path("logged/", view)]})
    response = client.get("/logged/", HTTP_X_REQUEST_ID="edge-7f3a")
    assert response["X-Request-ID"] == "edge-7f3a"
    (line,) = [line for line in json_lines() if line["message"] == "inside the view"]
    assert line["request_id"] == "edge-7f3a"

    made = client.get("/logged/", HTTP_X_REQUEST_ID="bad id\r\nSet-Cookie: x")["X-Request-ID"]
    assert len(made) == 32 and made.isalnum()  # an unsafe id is replaced, never echoed
    assert client.get("/logged/")["X-Request-ID"] != made


@pytest.mark.django_db
def test_stage_lines_carry_the_run_id(json_lines):
    from generation.models import RunStatus
    from generation.services.pipeline import stage_execute
    from tests.factories import RunFactory

    run = RunFactory(status=RunStatus.REJECTED)
    stage_execute(run_id=run.pk, stage="make_cover", chain=False)  # logs "nothing to do"
    (line,) = [line for line in json_lines() if "nothing to do" in line["message"]]
    assert line["run_id"] == str(run.pk)


def test_secrets_are_still_masked_in_json_lines(json_lines, settings):
    settings.OPENAI_API_KEY = "sk-live-abcdefghijklmnop"
    logging.getLogger("noktvrn.test").warning("calling with key sk-live-abcdefghijklmnop")
    (line,) = [line for line in json_lines() if "calling with key" in line["message"]]
    assert "sk-live-abcdefghijklmnop" not in line["message"]
