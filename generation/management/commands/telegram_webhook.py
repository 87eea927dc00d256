"""Register, inspect or remove the Telegram webhook (setWebhook with our secret token)."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from telegram import Bot
from telegram.error import TelegramError

from generation.telegram.client import bot_call

# What Telegram accepts as secret_token in setWebhook.
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Command(BaseCommand):
    help = "Register the Telegram webhook: --set https://host/telegram/webhook/ (or --delete, --info)."

    def add_arguments(self, parser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--set", metavar="URL", help="Public HTTPS URL of /telegram/webhook/.")
        group.add_argument("--delete", action="store_true", help="Remove the webhook (to poll instead).")
        group.add_argument("--info", action="store_true", help="Show what Telegram has registered.")

    def handle(self, *args, **options) -> None:
        if options["set"]:
            secret = settings.TELEGRAM_WEBHOOK_SECRET
            if not secret:
                raise ImproperlyConfigured(
                    "TELEGRAM_WEBHOOK_SECRET is not set; the webhook refuses updates without it."
                )
            if not SECRET_TOKEN.fullmatch(secret):
                raise ImproperlyConfigured(
                    "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -."
                )
            url = options["set"]

            async def call(bot: Bot) -> bool:
                return await bot.set_webhook(
                    url, secret_token=secret, allowed_updates=["callback_query"], drop_pending_updates=False
                )

            done = "registered at " + url
        elif options["delete"]:

            async def call(bot: Bot) -> bool:
                return await bot.delete_webhook()

            done = "removed"
        else:

            async def call(bot: Bot):
                return await bot.get_webhook_info()

            done = ""
        try:
            result = bot_call(call)
        except TelegramError as exc:
            raise CommandError(f"Telegram refused: {exc.message}") from exc
        if options["info"]:
            self.stdout.write(f"url={result.url or '(none)'} pending={result.pending_update_count}")
            if result.last_error_message:
                self.stdout.write(f"last error: {result.last_error_message}")
            return
        self.stdout.write(self.style.SUCCESS(f"Webhook {done}."))
