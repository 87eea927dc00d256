"""Callback data of the Approve/Reject buttons: `<a|r>:<run id>:<tag>`, at most 64 bytes.

Telegram clients can send any callback data, so the data carries a truncated HMAC of the
action and run keyed with SECRET_KEY; a forged or mangled button is refused.
"""

from __future__ import annotations

import hmac
import re

from django.utils.crypto import salted_hmac

from generation.models import ReviewDecision
from kernel.errors import ApplicationError

MAX_BYTES = 64
ACTIONS = {"a": ReviewDecision.Decision.APPROVED, "r": ReviewDecision.Decision.REJECTED}
_PATTERN = re.compile(r"^(?P<action>[ar]):(?P<run>[1-9][0-9]{0,17}):(?P<tag>[0-9a-f]{16})$")
_SALT = "noktvrn.telegram.callback"


class InvalidCallback(ApplicationError):
    code = "invalid_callback"


def _tag(action: str, run_id: int) -> str:
    return salted_hmac(_SALT, f"{action}:{run_id}", algorithm="sha256").hexdigest()[:16]


def callback_encode(*, decision: str, run_id: int) -> str:
    action = next(code for code, value in ACTIONS.items() if value == decision)
    data = f"{action}:{run_id}:{_tag(action, run_id)}"
    if len(data.encode()) > MAX_BYTES:
        raise InvalidCallback(f"Callback data {data!r} exceeds {MAX_BYTES} bytes.")
    return data


def callback_decode(data: str) -> tuple[str, int]:
    """(decision, run id) from button data, or InvalidCallback."""
    match = _PATTERN.match(data or "")
    if match is None or len(data.encode()) > MAX_BYTES:
        raise InvalidCallback("Unknown button.")
    action, run_id = match["action"], int(match["run"])
    if not hmac.compare_digest(match["tag"], _tag(action, run_id)):
        raise InvalidCallback("Button signature does not match.")
    return ACTIONS[action], run_id
