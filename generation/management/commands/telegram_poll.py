"""Receive Telegram updates by long polling, for machines without a public webhook URL."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from telegram import Bot
from telegram.error import Conflict, NetworkError, TelegramError, TimedOut

from generation.telegram.client import bot_call
from generation.telegram.updates import telegram_update_handle


class Command(BaseCommand):
    help = "Poll Telegram (getUpdates) and handle Approve/Reject buttons until stopped."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--timeout", type=int, default=30, help="Long-poll seconds per request (default 30).")
        parser.add_argument("--once", action="store_true", help="One getUpdates round, then exit.")
        parser.add_argument(
            "--delete-webhook", action="store_true", help="Remove a registered webhook first (Telegram refuses both)."
        )

    def handle(self, *args, **options) -> None:
        if options["delete_webhook"]:
            bot_call(lambda bot: bot.delete_webhook())
        offset: int | None = None
        timeout = options["timeout"]
        self.stdout.write(f"Polling {settings.TELEGRAM_API_BASE_URL} for updates; Ctrl-C stops.")
        while True:
            try:
                updates = bot_call(lambda bot, offset=offset: self._fetch(bot, offset, timeout))
            except Conflict as exc:
                raise CommandError(f"{exc.message} (run with --delete-webhook to poll instead).") from exc
            except (TimedOut, NetworkError) as exc:
                self.stderr.write(f"Telegram unreachable ({exc.message}); retrying in 5 s.")
                time.sleep(5)
                continue
            except TelegramError as exc:
                raise CommandError(f"Telegram refused: {exc.message}") from exc
            for update in updates:
                outcome = telegram_update_handle(data=update)
                self.stdout.write(f"update {update['update_id']}: {outcome}")
                offset = update["update_id"] + 1
            if options["once"]:
                return

    @staticmethod
    async def _fetch(bot: Bot, offset: int | None, timeout: int) -> list[dict]:
        """Raw update dicts: the same shape the webhook receives, handled by the same code."""
        updates = await bot.get_updates(offset=offset, timeout=timeout, allowed_updates=["callback_query"])
        return [update.to_dict() for update in updates]
