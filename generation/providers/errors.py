"""Errors raised by providers; the pipeline retries the transient ones."""

from __future__ import annotations

from typing import Any

from kernel.errors import ApplicationError


class ProviderError(ApplicationError):
    """A provider could not produce its artifact (vendor refused, failed, or sent nothing usable).

    `transient` tells the pipeline whether trying the stage again later may succeed.
    """

    status_code = 502
    code = "provider_error"

    def __init__(
        self, message: str, *, provider: str, transient: bool = False, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, {"provider": provider, "transient": transient, **(extra or {})})
        self.provider = provider
        self.transient = transient


class ProviderTimeout(ProviderError):
    """A provider step (submit, poll, download) ran past its time limit."""

    code = "provider_timeout"

    def __init__(self, message: str, *, provider: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message, provider=provider, transient=True, extra=extra)
