"""Admin for the review area: webhook endpoints, their event deliveries and attempts, Telegram records."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from generation.models import (
    EventAttempt,
    EventDelivery,
    ReviewDecision,
    TelegramMessage,
    TelegramUpdate,
    WebhookEndpoint,
)
from generation.services.events import event_redeliver
from kernel.admin_widgets import HistoryAdmin, ReadOnlyTabularInline, status_badge

# A decision as the back office shows it, on its own page and inline on its run.
DECISION_FIELDS = [
    "decision",
    "actor",
    "actor_label",
    "channel",
    "comment",
    "decided_at",
    "undone_at",
    "undone_actor",
    "undone_actor_label",
    "undone_channel",
]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "events", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    readonly_fields = ["created_at"]
    fields = ["name", "url", "events", "is_active", "secret", "created_at"]


class EventAttemptInline(ReadOnlyTabularInline):
    model = EventAttempt
    fields = ["number", "started_at", "duration_ms", "status_code", "succeeded", "error", "response_excerpt"]


@admin.register(EventDelivery)
class EventDeliveryAdmin(admin.ModelAdmin):
    list_display = ["name", "endpoint", "status_label", "attempts", "last_error", "created_at", "delivered_at"]
    list_filter = ["status", "name", "endpoint", "created_at"]
    search_fields = ["event_id", "dedupe_key", "last_error"]
    date_hierarchy = "created_at"
    list_select_related = ["endpoint"]
    readonly_fields = [
        "endpoint",
        "event_id",
        "name",
        "dedupe_key",
        "body",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "delivered_at",
    ]
    inlines = [EventAttemptInline]
    actions = ["redeliver"]

    @admin.action(description="Retry selected failed deliveries")
    def redeliver(self, request: HttpRequest, queryset: QuerySet) -> None:
        retried = sum(event_redeliver(delivery_id=pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(request, f"{retried} failed deliveries queued again.", messages.SUCCESS)

    @admin.display(description="status", ordering="status")
    def status_label(self, obj: EventDelivery) -> str:
        colour = {"delivered": "succeeded", "failed": "failed"}.get(obj.status, obj.status)
        return status_badge(colour, obj.get_status_display())

    def has_add_permission(self, request) -> bool:
        # Deliveries are created by event_emit only.
        return False


@admin.register(TelegramMessage)
class TelegramMessageAdmin(admin.ModelAdmin):
    list_display = ["run", "chat_id", "message_id", "sent_at", "closed_at"]
    list_filter = ["chat_id", "sent_at"]
    list_select_related = ["run"]
    readonly_fields = ["run", "chat_id", "message_id", "caption", "is_audio", "sent_at", "closed_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(TelegramUpdate)
class TelegramUpdateAdmin(HistoryAdmin):
    list_display = ["update_id", "kind", "outcome", "received_at"]
    list_filter = ["kind", "received_at"]
    search_fields = ["outcome"]
    readonly_fields = ["update_id", "kind", "outcome", "received_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(HistoryAdmin):
    list_display = ["run", "decision", "decided_by", "channel", "comment", "decided_at", "undone_at", "undone_by"]
    list_filter = ["decision", "channel", "decided_at", ("undone_at", admin.EmptyFieldListFilter)]
    search_fields = ["run__title", "comment", "actor_label", "actor__username"]
    date_hierarchy = "decided_at"
    list_select_related = ["run", "actor", "undone_actor"]
    readonly_fields = ["run", *DECISION_FIELDS]

    def has_add_permission(self, request) -> bool:
        # Decisions are made through the review service only, never typed in.
        return False
