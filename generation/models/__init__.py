"""generation's models, one module per concern; everything is importable from here."""

from generation.models.experiments import Experiment, ExperimentVariant
from generation.models.review import (
    EVENT_NAMES,
    EventAttempt,
    EventDelivery,
    ReviewDecision,
    TelegramMessage,
    TelegramUpdate,
    WebhookEndpoint,
)
from generation.models.runs import (
    APPROVED_STATUSES,
    REJECTED_STATUSES,
    Batch,
    GenerationRun,
    RunStage,
    RunStatus,
    RunTransition,
    Track,
    VideoClip,
    VideoPreference,
    approval_rate,
)
from kernel.actors import Channel

__all__ = [
    "APPROVED_STATUSES",
    "REJECTED_STATUSES",
    "approval_rate",
    "EVENT_NAMES",
    "Batch",
    "Channel",
    "EventAttempt",
    "EventDelivery",
    "Experiment",
    "ExperimentVariant",
    "GenerationRun",
    "ReviewDecision",
    "RunStage",
    "RunStatus",
    "RunTransition",
    "TelegramMessage",
    "TelegramUpdate",
    "Track",
    "VideoClip",
    "VideoPreference",
    "WebhookEndpoint",
]
