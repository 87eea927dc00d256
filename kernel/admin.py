"""Back office for the shared plumbing: the task hand-overs waiting for (or sent to) the broker."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from kernel.admin_widgets import HistoryAdmin
from kernel.models import TaskOutbox
from kernel.outbox import outbox_drain


@admin.register(TaskOutbox)
class TaskOutboxAdmin(HistoryAdmin):
    list_display = ["id", "task", "args", "key", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter), "task"]
    search_fields = ["task", "key", "task_name"]
    date_hierarchy = "created_at"
    actions = ["send_now"]

    @admin.action(description="Send to the broker now (after an outage)")
    def send_now(self, request: HttpRequest, queryset: QuerySet[TaskOutbox]) -> None:
        ids = list(queryset.filter(sent_at__isnull=True).values_list("pk", flat=True))
        result = outbox_drain(ids=ids)
        level = messages.SUCCESS if not result["failed"] else messages.WARNING
        self.message_user(request, f"{result['sent']} sent, {result['failed']} refused by the broker.", level)
