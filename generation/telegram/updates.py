"""Handling of Bot API updates (from the webhook or long polling): the Approve/Reject buttons.

An update is recorded by its `update_id` before anything else, so a duplicated delivery is
handled once. Only the configured chats (and users, when TELEGRAM_USER_IDS is set) may
decide; anyone else is answered "not authorised". The decision goes through the same
review service as the browser and the API.
"""

from __future__ import annotations

import logging
from typing import Annotated

from django.conf import settings
from django.db import IntegrityError, transaction
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from telegram import Bot
from telegram.error import TelegramError

from generation.models import Channel, TelegramUpdate
from generation.services.review import run_decide
from generation.services.state import AlreadyDecided
from generation.telegram.callbacks import InvalidCallback, callback_decode
from generation.telegram.client import bot_call
from generation.telegram.notify import telegram_messages_close
from kernel.errors import ApplicationError, NotFoundError

logger = logging.getLogger(__name__)
NOT_AUTHORISED = "not authorised"


# Telegram ids are 64-bit; a larger number is refused here, not by the database ("bigint out of range").
Int64 = Annotated[int, Field(ge=-(2**63), lt=2**63)]


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TgUser(_Loose):
    id: Int64
    is_bot: bool = False
    first_name: str = ""
    username: str | None = None


class TgChat(_Loose):
    id: Int64


class TgMessage(_Loose):
    message_id: Int64
    chat: TgChat
    caption: str | None = None
    text: str | None = None
    audio: dict | None = None


class TgCallbackQuery(_Loose):
    id: str
    from_user: TgUser = Field(alias="from")
    message: TgMessage | None = None
    data: str | None = None


class TgUpdate(_Loose):
    update_id: Int64
    callback_query: TgCallbackQuery | None = None


class InvalidUpdate(ApplicationError):
    code = "invalid_update"


def telegram_actor_label(user: TgUser) -> str:
    """How a Telegram user is recorded as the decider: @username, else first name and id."""
    return f"@{user.username}" if user.username else f"{user.first_name or 'user'} (telegram {user.id})"


def _authorised(query: TgCallbackQuery) -> bool:
    if query.message is None or query.message.chat.id not in settings.TELEGRAM_CHAT_IDS:
        return False
    return not settings.TELEGRAM_USER_IDS or query.from_user.id in settings.TELEGRAM_USER_IDS


def _answer(query_id: str, text: str, *, alert: bool = False) -> None:
    async def answer(bot: Bot) -> bool:
        return await bot.answer_callback_query(query_id, text=text[:200], show_alert=alert)

    try:
        bot_call(answer)
    except TelegramError as exc:
        logger.warning("Could not answer callback query %s: %s", query_id, exc)


def _close(run_id: int, query: TgCallbackQuery) -> None:
    message = query.message
    clicked = None
    if message is not None:
        clicked = (message.chat.id, message.message_id, message.caption or message.text or "", message.text is None)
    try:
        telegram_messages_close(run_id=run_id, extra=clicked)
    except TelegramError as exc:
        logger.warning("Could not edit the messages of run %s: %s", run_id, exc)


def _handle_callback(query: TgCallbackQuery) -> str:
    if not _authorised(query):
        _answer(query.id, NOT_AUTHORISED, alert=True)
        return NOT_AUTHORISED
    try:
        decision, run_id = callback_decode(query.data or "")
    except InvalidCallback as exc:
        _answer(query.id, exc.message, alert=True)
        return f"invalid: {exc.message}"
    try:
        record = run_decide(
            run=run_id,
            decision=decision,
            actor=None,
            actor_label=telegram_actor_label(query.from_user),
            channel=Channel.TELEGRAM,
        )
    except AlreadyDecided as exc:
        previous = exc.extra
        text = f"Already {previous['decision']} by {previous['decided_by']}."
        _answer(query.id, text, alert=True)
        _close(run_id, query)
        return text
    except NotFoundError as exc:
        _answer(query.id, exc.message, alert=True)
        return exc.message
    except ApplicationError as exc:  # e.g. expired: show the outcome in the message too
        _answer(query.id, exc.message, alert=True)
        _close(run_id, query)
        return exc.message
    _answer(query.id, f"{record.get_decision_display()}.")
    _close(run_id, query)
    return f"{record.decision} run {run_id}"


def telegram_update_handle(*, data: dict) -> str:
    """Handle one update once; returns what happened (recorded on the TelegramUpdate row)."""
    try:
        update = TgUpdate.model_validate(data)
    except ValidationError as exc:
        raise InvalidUpdate("Not a Telegram update.", {"errors": exc.errors(include_url=False)}) from exc
    kind = next((name for name in data if name != "update_id"), "")
    try:
        with transaction.atomic():
            record = TelegramUpdate.objects.create(update_id=update.update_id, kind=kind[:40])
    except IntegrityError:
        logger.info("Telegram update %s was already handled.", update.update_id)
        return "duplicate"
    try:
        outcome = _handle_callback(update.callback_query) if update.callback_query else "ignored"
    except Exception:
        # Unexpected failure (not a refusal): forget the update so Telegram's redelivery is handled.
        TelegramUpdate.objects.filter(pk=record.pk).delete()
        raise
    TelegramUpdate.objects.filter(pk=record.pk).update(outcome=outcome[:300])
    return outcome
