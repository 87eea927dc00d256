"""The one domain error type. The DRF exception handler turns it into a JSON body."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A business rule refused an operation; `status_code` is the HTTP answer it maps to."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotFoundError(ApplicationError):
    status_code = 404
    code = "not_found"


class ConflictError(ApplicationError):
    """The object is not in a state that allows the operation (e.g. already decided)."""

    status_code = 409
    code = "conflict"
