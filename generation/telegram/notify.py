"""Review notifications in Telegram: the track with a caption and Approve/Reject buttons.

Every sent message is recorded (TelegramMessage), so that once the run is decided or
expired — through any channel — each chat's message is edited to show the outcome and
loses its buttons, exactly once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import PurePath

import av
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.error import BadRequest, TelegramError

from generation.models import GenerationRun, ReviewDecision, RunStatus, TelegramMessage
from generation.telegram.audio import audio_preview
from generation.telegram.callbacks import callback_encode
from generation.telegram.client import bot_call, telegram_configured
from kernel.errors import ApplicationError

logger = logging.getLogger(__name__)
CAPTION_LIMIT = 1024


@dataclass
class TelegramNotifyResult:
    """What a notification did, per chat: sent message ids and errors (the browser queue still works)."""

    sent: dict[int, int] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)


def run_review_url(run: GenerationRun) -> str:
    return f"{settings.SITE_URL}{reverse('review:detail', args=[run.pk])}"


def _features(run: GenerationRun):
    track = getattr(run, "track", None)
    return getattr(track, "features", None) if track is not None else None


def run_caption(run: GenerationRun) -> str:
    """Artist, title, tempo, key and the run's page; plain text so nothing needs escaping."""
    params = run.parameters or {}
    features = _features(run)
    tempo = features.tempo if features and features.tempo else params.get("tempo")
    key = f"{features.key} {features.mode}".strip() if features and features.key else ""
    key = key or " ".join(str(part) for part in (params.get("key"), params.get("mode")) if part)
    facts = [f"{round(float(tempo))} BPM" if tempo else "", f"key {key}" if key else ""]
    if features and features.loudness_lufs is not None:
        facts.append(f"{features.loudness_lufs:.1f} LUFS")
    lines = [
        f"🎧 {run.title or f'Run #{run.pk}'}",
        f"Artist: {run.artist.name}",
        " · ".join(fact for fact in facts if fact),
        " · ".join(part for part in (f"batch #{run.batch_id}" if run.batch_id else "", run.variant) if part),
        run_review_url(run),
    ]
    return "\n".join(line for line in lines if line)[:CAPTION_LIMIT]


def _keyboard(run: GenerationRun) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "✅ Approve",
                    callback_data=callback_encode(decision=ReviewDecision.Decision.APPROVED, run_id=run.pk),
                ),
                InlineKeyboardButton(
                    "❌ Reject", callback_data=callback_encode(decision=ReviewDecision.Decision.REJECTED, run_id=run.pk)
                ),
            ]
        ]
    )


def _preview(run: GenerationRun) -> tuple[bytes, str] | None:
    track = getattr(run, "track", None)
    if track is None or not track.audio:
        return None
    data = audio_preview(
        lambda: track.audio.storage.open(track.audio.name, "rb"),
        name=track.audio.name,
        bitrate=settings.TELEGRAM_AUDIO_BITRATE,
        max_bytes=settings.TELEGRAM_MAX_UPLOAD_BYTES,
    )
    stem = PurePath(track.audio.name).stem or f"run-{run.pk}"
    return data, f"{stem}.mp3"


def telegram_notify(*, run: GenerationRun) -> TelegramNotifyResult:
    """Send the run to every reviewer chat that has not had it yet; a no-op when Telegram is off."""
    result = TelegramNotifyResult()
    if not telegram_configured():
        logger.info("Telegram is not configured (TELEGRAM_BOT_TOKEN, TELEGRAM_CHAT_IDS); run %s not sent.", run.pk)
        return result
    done = set(TelegramMessage.objects.filter(run=run).values_list("chat_id", flat=True))
    chats = [chat for chat in settings.TELEGRAM_CHAT_IDS if chat not in done]
    result.skipped = [chat for chat in settings.TELEGRAM_CHAT_IDS if chat in done]
    if not chats:
        return result
    caption, keyboard = run_caption(run), _keyboard(run)
    try:
        preview = _preview(run)
    except (av.FFmpegError, ApplicationError, OSError) as exc:
        # Reviewers still get the buttons and the link; the browser page plays the original.
        logger.warning("No MP3 preview for run %s (%s); sending the caption as text.", run.pk, exc)
        preview = None
    duration = int(run.track.duration) if preview and run.track.duration else None

    async def send(bot: Bot) -> dict[int, Message | TelegramError]:
        answers: dict[int, Message | TelegramError] = {}
        uploaded: str | None = None  # after one upload, other chats get Telegram's file_id
        for chat in chats:
            try:
                if preview is None:
                    answers[chat] = await bot.send_message(chat, caption, reply_markup=keyboard)
                else:
                    message = await bot.send_audio(
                        chat,
                        audio=uploaded or InputFile(preview[0], filename=preview[1]),
                        caption=caption,
                        title=run.title or None,
                        performer=run.artist.name,
                        duration=duration,
                        reply_markup=keyboard,
                    )
                    uploaded = uploaded or (message.audio.file_id if message.audio else None)
                    answers[chat] = message
            except TelegramError as exc:
                answers[chat] = exc
        return answers

    for chat, answer in bot_call(send).items():
        if isinstance(answer, TelegramError):
            result.errors[chat] = f"{type(answer).__name__}: {answer.message}"
            logger.warning("Telegram notification of run %s to chat %s failed: %s", run.pk, chat, answer)
            continue
        try:
            TelegramMessage.objects.create(
                run=run, chat_id=chat, message_id=answer.message_id, caption=caption, is_audio=preview is not None
            )
        except IntegrityError:
            logger.info("Run %s was already sent to chat %s by a concurrent task.", run.pk, chat)
        result.sent[chat] = answer.message_id
    return result


def run_outcome_line(run: GenerationRun) -> str:
    """One line saying how the run ended, for the edited Telegram messages."""
    decision = getattr(run, "decision", None)
    if decision is not None:
        icon = "✅" if decision.decision == ReviewDecision.Decision.APPROVED else "❌"
        when = timezone.localtime(decision.decided_at).strftime("%Y-%m-%d %H:%M %Z")
        line = f"{icon} {decision.get_decision_display()} by {decision.decided_by} via {decision.channel}, {when}"
        return f"{line}: {decision.comment}" if decision.comment else line
    if run.status == RunStatus.EXPIRED:
        return f"⌛ Expired: no decision within {settings.REVIEW_TTL_HOURS:g} h"
    return f"Status: {run.get_status_display()}"


def _locked_run(run_id: int, *related: str) -> GenerationRun:
    """The run with its row locked until the transaction ends (SQLite: its IMMEDIATE transaction).

    Locked first, then read with its relations: after waiting on the lock, PostgreSQL returns
    the locked row as committed since, but joined rows as they were before the wait."""
    GenerationRun.objects.select_for_update().filter(pk=run_id).values_list("pk", flat=True).get()
    return GenerationRun.objects.select_related(*related).get(pk=run_id)


def telegram_messages_close(*, run_id: int, extra: tuple[int, int, str, bool] | None = None) -> int:
    """Write the outcome into every still-open message of the run and drop its buttons.

    Each message is claimed with a conditional update first, so concurrent closers (the
    webhook handler and the post-decision task) edit it once. `extra` is a message that is
    not recorded (chat, message id, caption, is audio) but must be closed too: the one just clicked.
    Returns the number of messages edited.
    """
    if not settings.TELEGRAM_BOT_TOKEN:
        return 0
    claimed: list[tuple[int, int, str, bool]] = []
    # The run's row is locked while its status is read and the messages claimed: an undo (which
    # moves the run back to review) waits, and its reopen task then finds the messages closed.
    # Read without the lock, an undo could slip between and leave a run in review whose
    # messages say "Approved" and have no buttons.
    with transaction.atomic():
        run = _locked_run(run_id, "decision", "decision__actor")
        if run.status == RunStatus.AWAITING_REVIEW:
            return 0
        outcome = run_outcome_line(run)
        for message in TelegramMessage.objects.filter(run_id=run_id, closed_at__isnull=True):
            if TelegramMessage.objects.filter(pk=message.pk, closed_at__isnull=True).update(closed_at=timezone.now()):
                claimed.append((message.chat_id, message.message_id, message.caption, message.is_audio))
    if extra is not None and not TelegramMessage.objects.filter(chat_id=extra[0], message_id=extra[1]).exists():
        claimed.append(extra)
    if not claimed:
        return 0

    async def edit(bot: Bot) -> int:
        edited = 0
        for chat, message_id, caption, is_audio in claimed:
            text = f"{caption}\n\n{outcome}"[:CAPTION_LIMIT]
            try:
                if is_audio:
                    await bot.edit_message_caption(chat_id=chat, message_id=message_id, caption=text)
                else:
                    await bot.edit_message_text(text, chat_id=chat, message_id=message_id)
                edited += 1
            except BadRequest as exc:
                if "not modified" not in exc.message.lower():
                    logger.warning("Could not edit message %s in chat %s: %s", message_id, chat, exc)
            except TelegramError as exc:
                logger.warning("Could not edit message %s in chat %s: %s", message_id, chat, exc)
        return edited

    return bot_call(edit)


def telegram_messages_reopen(*, run_id: int, note: str) -> int:
    """Give the run's closed messages their buttons back, with `note`: its decision was undone.

    Each message is claimed with a conditional update (closed -> open), so a duplicated task
    edits it once; a message not closed yet still has its buttons and is left alone. A run
    decided again meanwhile is closed by that decision's own task.
    """
    if not settings.TELEGRAM_BOT_TOKEN:
        return 0
    claimed: list[tuple[int, int, str, bool]] = []
    with transaction.atomic():  # the run's row locked, as in telegram_messages_close
        run = _locked_run(run_id, "artist")
        if run.status != RunStatus.AWAITING_REVIEW:
            return 0
        for message in TelegramMessage.objects.filter(run_id=run_id, closed_at__isnull=False):
            if TelegramMessage.objects.filter(pk=message.pk, closed_at__isnull=False).update(closed_at=None):
                claimed.append((message.chat_id, message.message_id, message.caption, message.is_audio))
    if not claimed:
        return 0
    keyboard = _keyboard(run)

    async def edit(bot: Bot) -> int:
        edited = 0
        for chat, message_id, caption, is_audio in claimed:
            text = f"{caption}\n\n{note}"[:CAPTION_LIMIT]
            try:
                if is_audio:
                    await bot.edit_message_caption(
                        chat_id=chat, message_id=message_id, caption=text, reply_markup=keyboard
                    )
                else:
                    await bot.edit_message_text(text, chat_id=chat, message_id=message_id, reply_markup=keyboard)
                edited += 1
            except TelegramError as exc:
                logger.warning("Could not reopen message %s in chat %s: %s", message_id, chat, exc)
        return edited

    return bot_call(edit)
