"""Telegram approvals against a local Bot API server: notification, buttons, webhook security."""

# ruff: noqa: F811 (fixtures imported from review_support are redefined as test arguments)

from __future__ import annotations

import io
import json

import av
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from generation.models import GenerationRun, ReviewDecision, RunStatus, TelegramMessage, TelegramUpdate
from generation.services.review import run_approve, run_notify_reviewers, run_undo_decision
from generation.tasks import close_telegram_messages, reopen_telegram_messages
from generation.telegram.callbacks import MAX_BYTES, InvalidCallback, callback_decode, callback_encode
from tests.factories import UserFactory
from tests.generation.review_support import (  # noqa: F401
    CHAT_ID,
    OTHER_CHAT_ID,
    REVIEWER_ID,
    WEBHOOK_SECRET,
    awaiting_run,
    bot_api,
    callback_update,
    queued_tasks,
)

pytestmark = pytest.mark.django_db
WEBHOOK = "/telegram/webhook/"


def post_update(client, update: dict, secret: str | None = WEBHOOK_SECRET):
    headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret} if secret is not None else {}
    return client.post(WEBHOOK, data=json.dumps(update), content_type="application/json", **headers)


def buttons(call) -> dict[str, str]:
    keyboard = call.params["reply_markup"]["inline_keyboard"]
    return {button["text"]: button["callback_data"] for row in keyboard for button in row}


def test_notification_sends_the_track_as_mp3_with_caption_and_buttons(bot_api):
    run = awaiting_run(variant="B")
    outcome = run_notify_reviewers(run=run)

    sends = bot_api.named("sendAudio")
    assert outcome.status == "notified"
    assert sorted(int(call.params["chat_id"]) for call in sends) == sorted([CHAT_ID, OTHER_CHAT_ID])
    call = sends[0]
    caption = call.params["caption"]
    for expected in (run.title, run.artist.name, "118 BPM", "key F# minor", f"batch #{run.batch_id}"):
        assert expected in caption
    assert f"https://noktvrn.example/review/runs/{run.pk}/" in caption
    assert call.params["performer"] == run.artist.name
    filename, audio = call.files["audio"]
    assert filename.startswith("take") and filename.endswith(".mp3")
    with av.open(io.BytesIO(audio)) as container:
        assert container.format.name == "mp3"
        assert container.streams.audio[0].codec_context.name.startswith("mp3")
    # The second chat gets Telegram's file_id instead of a second upload.
    assert sends[1].files == {} and sends[1].params["audio"] == "AUDIO1"
    data = buttons(call)
    assert set(data) == {"✅ Approve", "❌ Reject"}
    assert all(len(value.encode()) <= MAX_BYTES for value in data.values())
    assert callback_decode(data["✅ Approve"]) == ("approved", run.pk)
    assert callback_decode(data["❌ Reject"]) == ("rejected", run.pk)
    assert set(TelegramMessage.objects.filter(run=run).values_list("chat_id", flat=True)) == {CHAT_ID, OTHER_CHAT_ID}


def test_unreadable_audio_is_sent_as_a_text_message_with_the_buttons(bot_api, client):
    run = awaiting_run(features=False)
    run.track.audio.save("broken.wav", ContentFile(b"RIFF-not-really-audio"), save=True)
    outcome = run_notify_reviewers(run=run)
    assert outcome.telegram_errors == {}
    (call, _) = bot_api.named("sendMessage")
    assert run.title in call.params["text"] and set(buttons(call)) == {"✅ Approve", "❌ Reject"}
    assert bot_api.named("sendAudio") == []
    message = TelegramMessage.objects.get(run=run, chat_id=CHAT_ID)
    assert message.is_audio is False
    data = buttons(call)["✅ Approve"]
    post_update(client, callback_update(update_id=61, data=data, message_id=message.message_id))
    edits = bot_api.named("editMessageText")
    assert len(edits) == 2 and all("Approved by @alice" in edit.params["text"] for edit in edits)


def test_notifying_twice_sends_once(bot_api):
    run = awaiting_run()
    run_notify_reviewers(run=run)
    second = run_notify_reviewers(run=run.pk)
    assert len(bot_api.named("sendAudio")) == 2
    assert second.telegram_sent == {}


def test_notification_is_a_noop_when_telegram_is_not_configured(settings, caplog):
    settings.TELEGRAM_BOT_TOKEN = ""
    run = awaiting_run()
    with caplog.at_level("INFO"):
        outcome = run_notify_reviewers(run=run)
    assert outcome.status == "notified" and outcome.telegram_sent == {}
    assert "Telegram is not configured" in caplog.text
    assert not TelegramMessage.objects.exists()


def test_a_failing_chat_is_reported_and_the_others_still_receive_it(bot_api):
    bot_api.chat_failures[("sendAudio", CHAT_ID)] = (400, "Bad Request: chat not found")
    run = awaiting_run()
    outcome = run_notify_reviewers(run=run)
    assert set(outcome.telegram_errors) == {CHAT_ID}
    assert "chat not found" in outcome.telegram_errors[CHAT_ID].lower()
    assert set(outcome.telegram_sent) == {OTHER_CHAT_ID}
    assert TelegramMessage.objects.filter(run=run, chat_id=OTHER_CHAT_ID).exists()
    assert not TelegramMessage.objects.filter(run=run, chat_id=CHAT_ID).exists()
    GenerationRun.objects.get(pk=run.pk, status=RunStatus.AWAITING_REVIEW)


def test_every_chat_failing_is_reported_for_each(bot_api):
    bot_api.failures["sendAudio"] = (400, "Bad Request: chat not found")
    outcome = run_notify_reviewers(run=awaiting_run())
    assert set(outcome.telegram_errors) == {CHAT_ID, OTHER_CHAT_ID} and outcome.telegram_sent == {}


def test_autopilot_artist_is_approved_by_the_system_without_telegram(
    bot_api, queued_tasks, django_capture_on_commit_callbacks
):
    run = awaiting_run()
    run.artist.autopilot = True
    run.artist.save(update_fields=["autopilot"])
    with django_capture_on_commit_callbacks(execute=True):
        outcome = run_notify_reviewers(run=run)
    decision = ReviewDecision.objects.get(run=run)
    assert outcome.status == "autopilot"
    assert (decision.decision, decision.channel, decision.actor, decision.decided_by) == (
        "approved",
        "system",
        None,
        "autopilot",
    )
    assert bot_api.named("sendAudio") == []
    assert ("releases.tasks.package_release", (run.pk,)) in queued_tasks


def test_callback_approves_answers_and_edits_the_message(bot_api, client):
    run = awaiting_run()
    run_notify_reviewers(run=run)
    message = TelegramMessage.objects.get(run=run, chat_id=CHAT_ID)
    data = buttons(bot_api.named("sendAudio")[0])["✅ Approve"]

    response = post_update(client, callback_update(update_id=1, data=data, message_id=message.message_id))

    assert response.status_code == 200
    decision = ReviewDecision.objects.get(run=run)
    assert (decision.decision, decision.channel, decision.decided_by) == ("approved", "telegram", "@alice")
    answer = bot_api.named("answerCallbackQuery")
    assert [call.params["callback_query_id"] for call in answer] == ["cq1"]
    assert answer[0].params["text"] == "Approved."
    edits = bot_api.named("editMessageCaption")
    assert sorted((int(c.params["chat_id"]), int(c.params["message_id"])) for c in edits) == sorted(
        TelegramMessage.objects.filter(run=run).values_list("chat_id", "message_id")
    )
    assert all("✅ Approved by @alice via telegram" in call.params["caption"] for call in edits)
    assert all("reply_markup" not in call.params for call in edits)  # the buttons are gone
    assert not TelegramMessage.objects.filter(run=run, closed_at__isnull=True).exists()


def test_an_undone_decision_gives_the_messages_their_buttons_back(
    bot_api, client, queued_tasks, django_capture_on_commit_callbacks
):
    run = awaiting_run()
    run_notify_reviewers(run=run)
    message = TelegramMessage.objects.get(run=run, chat_id=CHAT_ID)
    approve = buttons(bot_api.named("sendAudio")[0])["✅ Approve"]
    post_update(client, callback_update(update_id=61, data=approve, message_id=message.message_id))
    assert not TelegramMessage.objects.filter(run=run, closed_at__isnull=True).exists()

    with django_capture_on_commit_callbacks(execute=True):
        run_undo_decision(run=run.pk, actor=UserFactory(username="dana"), channel="web")
    [(task, args)] = [t for t in queued_tasks if t[0] == "generation.tasks.reopen_telegram_messages"]
    assert reopen_telegram_messages(*args) == 2
    assert reopen_telegram_messages(*args) == 0  # each message is reopened once
    reopened = [c for c in bot_api.named("editMessageCaption") if "reply_markup" in c.params]
    assert len(reopened) == 2
    assert all("↩️ Approved undone by dana via web" in c.params["caption"] for c in reopened)
    assert all(set(buttons(c)) == {"✅ Approve", "❌ Reject"} for c in reopened)
    assert not TelegramMessage.objects.filter(run=run, closed_at__isnull=False).exists()

    # Telegram decides again: the run is rejected and the messages close once more.
    reject = buttons(reopened[0])["❌ Reject"]
    post_update(client, callback_update(update_id=62, data=reject, message_id=message.message_id))
    run.refresh_from_db()
    assert run.status == RunStatus.REJECTED and run.decision.channel == "telegram"
    assert not TelegramMessage.objects.filter(run=run, closed_at__isnull=True).exists()


def test_reject_button_rejects(bot_api, client):
    run = awaiting_run()
    data = callback_encode(decision="rejected", run_id=run.pk)
    assert post_update(client, callback_update(update_id=5, data=data)).status_code == 200
    assert ReviewDecision.objects.get(run=run).decision == "rejected"


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", WEBHOOK_SECRET + "x"])
def test_forged_webhook_is_refused_and_changes_nothing(bot_api, client, secret):
    run = awaiting_run()
    data = callback_encode(decision="approved", run_id=run.pk)
    response = post_update(client, callback_update(update_id=9, data=data), secret=secret)
    assert response.status_code == 403
    assert GenerationRun.objects.get(pk=run.pk).status == RunStatus.AWAITING_REVIEW
    assert not ReviewDecision.objects.exists()
    assert not TelegramUpdate.objects.exists()
    assert bot_api.calls == []


def test_webhook_is_refused_when_no_secret_is_configured(bot_api, client, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    run = awaiting_run()
    data = callback_encode(decision="approved", run_id=run.pk)
    assert post_update(client, callback_update(update_id=9, data=data), secret="").status_code == 403
    assert not ReviewDecision.objects.exists()


def test_callback_from_an_unknown_chat_is_not_authorised(bot_api, client):
    run = awaiting_run()
    data = callback_encode(decision="approved", run_id=run.pk)
    response = post_update(client, callback_update(update_id=11, data=data, chat_id=999999))
    assert response.status_code == 200
    assert response.json()["outcome"] == "not authorised"
    answer = bot_api.named("answerCallbackQuery")[0]
    assert answer.params["text"] == "not authorised"
    assert not ReviewDecision.objects.exists()
    assert bot_api.named("editMessageCaption") == []


def test_callback_from_an_unlisted_user_is_not_authorised(bot_api, client, settings):
    settings.TELEGRAM_USER_IDS = [REVIEWER_ID]
    run = awaiting_run()
    data = callback_encode(decision="approved", run_id=run.pk)
    post_update(client, callback_update(update_id=12, data=data, user_id=REVIEWER_ID + 1))
    assert not ReviewDecision.objects.exists()
    post_update(client, callback_update(update_id=13, data=data, user_id=REVIEWER_ID))
    assert ReviewDecision.objects.get(run=run).decided_by == "@alice"


def test_a_duplicated_update_is_handled_once(bot_api, client):
    run = awaiting_run()
    update = callback_update(update_id=21, data=callback_encode(decision="approved", run_id=run.pk))
    first = post_update(client, update)
    second = post_update(client, update)
    assert first.status_code == second.status_code == 200
    assert second.json()["outcome"] == "duplicate"
    assert ReviewDecision.objects.filter(run=run).count() == 1
    assert len(bot_api.named("answerCallbackQuery")) == 1
    assert TelegramUpdate.objects.filter(update_id=21).count() == 1


def test_forged_callback_data_is_refused(bot_api, client):
    run = awaiting_run()
    other = awaiting_run()
    genuine = callback_encode(decision="approved", run_id=other.pk)
    forged = f"a:{run.pk}:{genuine.rsplit(':', 1)[1]}"
    response = post_update(client, callback_update(update_id=31, data=forged))
    assert "signature" in response.json()["outcome"]
    assert not ReviewDecision.objects.exists()
    for data in ("", "x" * 65, "a:0:0000000000000000", "approve:1"):
        with pytest.raises(InvalidCallback):
            callback_decode(data)


def test_the_loser_is_told_who_decided_first(bot_api, client):
    run = awaiting_run()
    run_approve(run=run, actor=UserFactory(username="bob"), channel="web")
    data = callback_encode(decision="rejected", run_id=run.pk)
    response = post_update(client, callback_update(update_id=41, data=data))
    assert response.json()["outcome"] == "Already approved by bob."
    assert bot_api.named("answerCallbackQuery")[0].params["text"] == "Already approved by bob."
    assert ReviewDecision.objects.get(run=run).decision == "approved"


def test_a_button_on_an_expired_run_says_so_and_closes_the_message(bot_api, client):
    from generation.services.expiry import run_expire

    run = awaiting_run()
    run_notify_reviewers(run=run)
    message = TelegramMessage.objects.get(run=run, chat_id=CHAT_ID)
    assert run_expire(run_id=run.pk)
    data = callback_encode(decision="approved", run_id=run.pk)
    response = post_update(client, callback_update(update_id=71, data=data, message_id=message.message_id))
    assert "is expired" in response.json()["outcome"]
    assert not ReviewDecision.objects.exists()
    assert "is expired" in bot_api.named("answerCallbackQuery")[0].params["text"]
    captions = [call.params["caption"] for call in bot_api.named("editMessageCaption")]
    assert len(captions) == 2 and all("⌛ Expired: no decision within 72 h" in caption for caption in captions)


def test_a_button_for_a_deleted_run_is_answered(bot_api, client):
    run = awaiting_run()
    run_id = run.pk
    data = callback_encode(decision="approved", run_id=run_id)
    run.delete()
    response = post_update(client, callback_update(update_id=72, data=data))
    assert response.json()["outcome"] == f"Run {run_id} does not exist."
    assert bot_api.named("editMessageCaption") == []


def test_the_preview_bitrate_drops_to_fit_the_upload_limit(bot_api, settings):
    settings.TELEGRAM_MAX_UPLOAD_BYTES = 20_000  # 1 s at 192 kb/s is ~24 kB, at 128 kb/s ~16 kB
    run = awaiting_run()
    run_notify_reviewers(run=run)
    _, audio = bot_api.named("sendAudio")[0].files["audio"]
    assert len(audio) <= 20_000
    with av.open(io.BytesIO(audio)) as container:
        assert container.streams.audio[0].bit_rate <= 128_000


def test_a_track_too_large_even_at_64_kbps_is_announced_as_text(bot_api, settings):
    settings.TELEGRAM_MAX_UPLOAD_BYTES = 1_000
    run = awaiting_run()
    outcome = run_notify_reviewers(run=run)
    assert outcome.telegram_errors == {}
    assert bot_api.named("sendAudio") == [] and len(bot_api.named("sendMessage")) == 2


def test_a_browser_decision_closes_the_telegram_messages(bot_api, queued_tasks, django_capture_on_commit_callbacks):
    run = awaiting_run()
    run_notify_reviewers(run=run)
    with django_capture_on_commit_callbacks(execute=True):
        run_approve(run=run, actor=UserFactory(username="carol"), channel="web", comment="nice")
    assert ("generation.tasks.close_telegram_messages", (run.pk,)) in queued_tasks
    assert ("releases.tasks.package_release", (run.pk,)) in queued_tasks

    assert close_telegram_messages(run.pk) == 2
    captions = [call.params["caption"] for call in bot_api.named("editMessageCaption")]
    assert len(captions) == 2
    assert all("✅ Approved by carol via web" in caption and caption.endswith(": nice") for caption in captions)
    assert close_telegram_messages(run.pk) == 0  # each message is edited once


def test_poll_command_handles_updates_like_the_webhook(bot_api):
    run = awaiting_run()
    bot_api.updates.append(callback_update(update_id=51, data=callback_encode(decision="approved", run_id=run.pk)))
    call_command("telegram_poll", "--once", "--timeout", "0", stdout=io.StringIO())
    assert ReviewDecision.objects.get(run=run).decided_by == "@alice"
    assert bot_api.named("getUpdates")[0].params["allowed_updates"] == ["callback_query"]
    assert TelegramUpdate.objects.get(update_id=51).outcome == f"approved run {run.pk}"


def test_webhook_command_registers_the_url_with_the_secret(bot_api):
    out = io.StringIO()
    call_command("telegram_webhook", "--set", "https://noktvrn.example/telegram/webhook/", stdout=out)
    call = bot_api.named("setWebhook")[0]
    assert call.params["url"] == "https://noktvrn.example/telegram/webhook/"
    assert call.params["secret_token"] == WEBHOOK_SECRET
    assert "registered" in out.getvalue()


def test_webhook_command_reports_a_refusal(bot_api):
    bot_api.failures["setWebhook"] = (400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
    with pytest.raises(CommandError, match="(?i)https url must be provided"):
        call_command("telegram_webhook", "--set", "http://insecure.example/", stdout=io.StringIO())


@pytest.mark.parametrize("secret", ["", "has spaces", "x" * 257])
def test_webhook_command_needs_a_valid_secret(bot_api, settings, secret):
    from django.core.exceptions import ImproperlyConfigured

    settings.TELEGRAM_WEBHOOK_SECRET = secret
    with pytest.raises(ImproperlyConfigured, match="TELEGRAM_WEBHOOK_SECRET"):
        call_command("telegram_webhook", "--set", "https://noktvrn.example/telegram/webhook/")
    assert bot_api.named("setWebhook") == []


def test_telegram_without_a_token_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.TELEGRAM_BOT_TOKEN = ""
    with pytest.raises(ImproperlyConfigured, match="TELEGRAM_BOT_TOKEN"):
        call_command("telegram_webhook", "--info")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_undo_committing_while_the_messages_close_leaves_them_open(bot_api, settings):
    """The close reads the run and claims its messages under the run's row lock: an undo that
    commits meanwhile is seen, and the messages keep their buttons for the run back in review."""
    from tests.concurrency import committed_later

    run = awaiting_run()
    run_notify_reviewers(run=run)
    GenerationRun.objects.filter(pk=run.pk).update(status=RunStatus.APPROVED)

    def an_undo() -> None:
        GenerationRun.objects.filter(pk=run.pk).update(status=RunStatus.AWAITING_REVIEW)

    with committed_later(an_undo):  # commits while the close reads the run
        assert close_telegram_messages(run.pk) == 0
    assert TelegramMessage.objects.filter(run=run, closed_at__isnull=True).count() == 2
    assert bot_api.named("editMessageCaption") == []
