from django.contrib import admin

from kernel.admin_widgets import ReadOnlyTabularInline, status_badge
from monitoring.models import ErrorGroup, ErrorOccurrence, ProviderCheck, WeeklyReport


class ReadOnlyAdmin(admin.ModelAdmin):
    """Monitoring records are written by the system only."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class OccurrenceInline(ReadOnlyTabularInline):
    model = ErrorOccurrence
    fields = ["created_at", "run", "subject", "message"]
    ordering = ["-created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("run")


@admin.register(ErrorGroup)
class ErrorGroupAdmin(ReadOnlyAdmin):
    list_display = ["exception_type", "source", "scope", "message", "count", "first_seen", "last_seen"]
    list_filter = ["source", "scope", "last_seen"]
    search_fields = ["message", "last_message", "exception_type", "scope", "fingerprint"]
    readonly_fields = [f.name for f in ErrorGroup._meta.fields]
    inlines = [OccurrenceInline]


@admin.register(ProviderCheck)
class ProviderCheckAdmin(ReadOnlyAdmin):
    list_display = ["provider", "state", "detail", "latency_ms", "critical", "checked_at"]
    list_filter = ["ok", "kind", "provider", "critical", "checked_at"]
    date_hierarchy = "checked_at"
    readonly_fields = [f.name for f in ProviderCheck._meta.fields]

    @admin.display(description="state", ordering="ok")
    def state(self, obj: ProviderCheck) -> str:
        return status_badge("success" if obj.ok else "failed", "up" if obj.ok else "down")


@admin.register(WeeklyReport)
class WeeklyReportAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "period_start", "period_end", "updated_at"]
    readonly_fields = ["period_start", "period_end", "markdown", "csv", "data", "created_at", "updated_at"]
