"""The one place that builds a python-telegram-bot `Bot` from settings and runs its calls.

PTB is asyncio-only while our services are synchronous; `bot_call` runs one coroutine on a
fresh event loop with its own HTTP client and closes it afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from telegram import Bot
from telegram.request import HTTPXRequest

T = TypeVar("T")


def telegram_configured() -> bool:
    """Telegram is on when a bot token and at least one reviewer chat are set."""
    return bool(settings.TELEGRAM_BOT_TOKEN and settings.TELEGRAM_CHAT_IDS)


def _request(read_timeout: float) -> HTTPXRequest:
    timeout = settings.TELEGRAM_TIMEOUT_SECONDS
    return HTTPXRequest(
        connection_pool_size=8,
        read_timeout=read_timeout,
        write_timeout=timeout,
        connect_timeout=timeout,
        pool_timeout=timeout,
        media_write_timeout=settings.TELEGRAM_UPLOAD_TIMEOUT_SECONDS,
    )


def bot_call(call: Callable[[Bot], Awaitable[T]]) -> T:
    """Run `call(bot)` against the Bot API at TELEGRAM_API_BASE_URL and return its result."""
    token = settings.TELEGRAM_BOT_TOKEN
    if not token:
        raise ImproperlyConfigured("TELEGRAM_BOT_TOKEN is not set; Telegram approvals need a bot token.")
    base = settings.TELEGRAM_API_BASE_URL.rstrip("/")

    async def main() -> T:
        request = _request(settings.TELEGRAM_TIMEOUT_SECONDS)
        updates_request = _request(settings.TELEGRAM_TIMEOUT_SECONDS)
        bot = Bot(
            token,
            base_url=f"{base}/bot",
            base_file_url=f"{base}/file/bot",
            request=request,
            get_updates_request=updates_request,
        )
        try:
            return await call(bot)
        finally:
            await request.shutdown()
            await updates_request.shutdown()

    return asyncio.run(main())
