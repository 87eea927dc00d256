"""A full pipeline with fake vendor keys: no key appears in any log line or stored vendor record.

Every vendor is a local server speaking its wire format: a Suno-compatible music API (bearer
key), Pixabay (key= in the query string, answering "invalid key"), the Telegram Bot API (token
in the URL path), an OpenAI-compatible LLM refusing the key and quoting it back, and an HTTPS
delivery endpoint that quotes the bearer token in its error. The log lines are read from the
handler configured in LOGGING (what production writes), at INFO level, httpx included.
"""

# ruff: noqa: F811 (fixtures imported from review_support are redefined as test arguments)

from __future__ import annotations

import io
import logging

import pytest

from generation.models import GenerationRun, RunStage, RunStatus
from generation.services.pipeline import run_execute_sync
from generation.services.review import run_approve
from kernel.redaction import RedactSecretsFilter
from llm.models import LLMCall
from releases.models import Delivery
from tests.factories import ArtistFactory, RunFactory, UserFactory, valid_profile
from tests.generation.providers.conftest import FakeVendor, Reply, _encode_mp3
from tests.generation.review_support import BOT_TOKEN, bot_api  # noqa: F401
from tests.llm.vendors import Reply as LLMReply
from tests.llm.vendors import VendorServer, openai_error

pytestmark = pytest.mark.django_db

SUNO_KEY = "suno-live-4f9c2a7e1b"
PIXABAY_KEY = "48213577-pixabaysecretvalue"
OPENAI_KEY = "sk-proj-LEAKCHECK0123456789"
HTTPS_TOKEN = "delivery-token-9a8b7c6d"
TELEGRAM_SECRET = BOT_TOKEN.split(":", 1)[1]


@pytest.fixture
def production_log():
    """The stream of the LOGGING handler (with its redaction filter), at INFO for every logger."""
    root = logging.getLogger()
    handler = next(
        h for h in root.handlers if any(isinstance(f, RedactSecretsFilter) for f in getattr(h, "filters", []))
    )
    buffer = io.StringIO()
    previous_stream, previous_level = handler.setStream(buffer), root.level
    root.setLevel(logging.INFO)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.INFO)
    try:
        yield buffer
    finally:
        handler.setStream(previous_stream)
        root.setLevel(previous_level)


@pytest.fixture
def vendors(settings, tmp_path, bot_api):  # noqa: F811
    suno, pixabay, delivery = FakeVendor(), FakeVendor(), FakeVendor()
    llm = VendorServer().start()
    mp3 = _encode_mp3(tmp_path / "a.mp3", 6.0)
    record = {
        "taskId": "t-1",
        "status": "SUCCESS",
        "response": {
            "taskId": "t-1",
            "sunoData": [{"id": "a", "audioUrl": f"{suno.url}/a.mp3", "title": "x", "duration": 6.0, "tags": ""}],
        },
    }
    suno.route("POST", "/api/v1/generate", Reply(json={"code": 200, "msg": "ok", "data": {"taskId": "t-1"}}))
    suno.route("GET", "/api/v1/generate/record-info", Reply(json={"code": 200, "msg": "ok", "data": record}))
    suno.route("GET", "/a.mp3", Reply(body=mp3, headers={"Content-Type": "audio/mpeg"}))
    pixabay.route("GET", "/api/videos/", Reply(status=400, body=b"[ERROR 400] Invalid or missing API key"))
    delivery.route(
        "POST", "/v1/deliveries", Reply(status=401, json={"error": f"token Bearer {HTTPS_TOKEN} is not valid"})
    )
    llm.script(
        default=LLMReply(401, openai_error(f"Incorrect API key provided: {OPENAI_KEY}.", type_="invalid_request_error"))
    )

    settings.MIN_ACTIVE_ARTISTS = 0
    settings.STAGE_RETRY_BACKOFF_SECONDS = 0
    settings.LOCAL_VIDEO_LONG_SIDE = 320
    settings.LOCAL_VIDEO_FPS = 8
    settings.PROVIDER_HTTP_MAX_ATTEMPTS = 1
    settings.PROVIDER_HTTP_TIMEOUT_SECONDS = 5
    settings.MUSIC_POLL_INTERVAL_SECONDS = 0.01
    settings.MUSIC_PROVIDER = "suno"
    settings.SUNO_API_KEY = SUNO_KEY
    settings.SUNO_BASE_URL = suno.url
    settings.VIDEO_PROVIDERS = ["pixabay", "local"]
    settings.PIXABAY_API_KEY = PIXABAY_KEY
    settings.PIXABAY_BASE_URL = pixabay.url
    settings.LLM_TIMEOUT_SECONDS = 5
    settings.LLM_MAX_ATTEMPTS = 1
    settings.LLM_PROVIDERS = {
        **settings.LLM_PROVIDERS,
        "openai": {"api_key": OPENAI_KEY, "base_url": f"{llm.url}/v1", "model": "gpt-test"},
    }
    settings.LLM_CHAINS = {role: "openai,local" for role in settings.LLM_ROLES}
    settings.DISTRIBUTORS = ["https"]
    settings.RELEASE_HTTPS_URL = f"{delivery.url}/v1/deliveries"
    settings.RELEASE_HTTPS_TOKEN = HTTPS_TOKEN
    settings.RELEASE_DELIVERY_MAX_ATTEMPTS = 1
    settings.RELEASE_MIN_DURATION_SECONDS = 1.0  # a 6 s song keeps the test quick
    settings.RELEASE_TEASER_MIN_SECONDS = 1.0
    yield {"suno": suno, "pixabay": pixabay, "delivery": delivery, "llm": llm}
    for server in (suno, pixabay, delivery):
        server.close()
    llm.stop()


def test_no_key_reaches_the_logs_or_the_records(vendors, production_log, django_capture_on_commit_callbacks):
    profile = valid_profile()
    profile["musical_defaults"]["track_seconds"] = 6
    run = RunFactory(artist=ArtistFactory(profile=profile), status=RunStatus.PENDING)
    run_execute_sync(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_REVIEW, [(s.name, s.error) for s in run.stages.all()]
    with django_capture_on_commit_callbacks(execute=True):
        run_approve(run=run, actor=UserFactory(groups=["Reviewers"]), channel="web")

    # The vendors were really called with the keys (so the test can fail).
    headers = {
        name.lower(): value for name, value in vendors["suno"].calls("POST", "/api/v1/generate")[0].headers.items()
    }
    assert headers["authorization"] == f"Bearer {SUNO_KEY}"
    assert vendors["pixabay"].calls("GET", "/api/videos/")[0].query["key"] == PIXABAY_KEY
    assert vendors["llm"].requests, "the LLM chain should have tried the OpenAI-compatible server"
    assert vendors["delivery"].calls("POST", "/v1/deliveries"), "the release should have been delivered"

    log = production_log.getvalue()
    assert "HTTP Request:" in log and "/bot***/" in log, log[-3000:]
    records = [
        *LLMCall.objects.values_list("error_message", flat=True),
        *(f"{error} {response}" for error, response in Delivery.objects.values_list("error", "response")),
        *(f"{stage.error} {stage.traceback}" for stage in RunStage.objects.all()),
        *GenerationRun.objects.values_list("error", flat=True),
    ]
    assert LLMCall.objects.filter(outcome="failed").exists() or LLMCall.objects.exclude(error_message="").exists()
    assert Delivery.objects.exclude(error="").exists()
    for secret in (SUNO_KEY, PIXABAY_KEY, OPENAI_KEY, HTTPS_TOKEN, TELEGRAM_SECRET):
        assert secret not in log, f"{secret} in the log"
        leaked = [record for record in records if secret in str(record)]
        assert not leaked, f"{secret} stored in a record: {leaked[:1]}"
