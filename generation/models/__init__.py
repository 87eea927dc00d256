"""generation's models, one module per concern; everything is importable from here."""

from generation.models.review import (
    EVENT_NAMES,
    EventAttempt,
    EventDelivery,
    ReviewDecision,
    TelegramMessage,
    TelegramUpdate,
    WebhookEndpoint,
)
from generation.models.runs import Batch, GenerationRun, RunStage, RunStatus, RunTransition, Track, VideoClip
from kernel.actors import Channel

__all__ = [
    "EVENT_NAMES",
    "Batch",
    "Channel",
    "EventAttempt",
    "EventDelivery",
    "GenerationRun",
    "ReviewDecision",
    "RunStage",
    "RunStatus",
    "RunTransition",
    "TelegramMessage",
    "TelegramUpdate",
    "Track",
    "VideoClip",
    "WebhookEndpoint",
]
