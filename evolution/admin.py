from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from artists.models import ArtistScore
from evolution.models import EvolutionPlan, PerformanceImport, PerformanceRecord
from evolution.selectors import format_change
from evolution.services.plans import plan_approve, plan_reject, plan_rollback
from kernel.actors import Channel
from kernel.errors import ApplicationError


@admin.register(PerformanceImport)
class PerformanceImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "format", "channel", "rows_created", "rows_updated", "rows_skipped", "created_at"]
    list_filter = ["format", "channel"]
    readonly_fields = [field.name for field in PerformanceImport._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PerformanceRecord)
class PerformanceRecordAdmin(admin.ModelAdmin):
    list_display = [
        "release",
        "artist",
        "platform",
        "date",
        "country",
        "streams",
        "listeners",
        "saves",
        "playlist_adds",
    ]
    list_filter = ["platform", "country", "artist"]
    search_fields = ["release__isrc", "release__upc", "release__title"]
    date_hierarchy = "date"
    list_select_related = ["release", "artist"]
    readonly_fields = [field.name for field in PerformanceRecord._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


class ReadOnlyMixin:
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ArtistScore)
class ArtistScoreAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["artist", "kind", "value", "alert", "explanation", "computed_at"]
    list_filter = ["kind", "alert", "artist"]
    list_select_related = ["artist"]
    date_hierarchy = "computed_at"


@admin.register(EvolutionPlan)
class EvolutionPlanAdmin(admin.ModelAdmin):
    """Plans are decided here, on the artist's evolution page, through the API or by Telegram; all call the services."""

    list_display = ["__str__", "artist", "status", "trigger", "base_version", "applied_version", "created_at"]
    list_filter = ["status", "trigger", "artist"]
    list_select_related = ["artist", "base_version", "applied_version"]
    actions = ["approve_plans", "reject_plans", "rollback_plans"]
    fields = [
        "artist",
        "status",
        "trigger",
        "base_version",
        "applied_version",
        "rollback_version",
        "readable_diff",
        "explanation",
        "bounds",
        "evidence",
        "decided_by",
        "decided_channel",
        "decision_comment",
        "decided_at",
        "rolled_back_at",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Changes")
    def readable_diff(self, plan: EvolutionPlan) -> str:
        return format_html(
            "<pre>{}</pre><p><a href='{}'>Evolution page</a></p>",
            "\n".join(format_change(change) for change in plan.changes),
            reverse("evolution:artist", args=[plan.artist.slug]),
        )

    def _run(self, request, queryset, service, verb: str) -> None:
        if not request.user.has_perm("evolution.decide_evolutionplan"):
            self.message_user(request, "You may not decide evolution plans.", messages.ERROR)
            return
        done = 0
        for plan in queryset:
            try:
                service(plan=plan.pk, actor=request.user, channel=Channel.ADMIN)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"Plan #{plan.pk}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} plan(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Approve and apply the selected plans")
    def approve_plans(self, request, queryset) -> None:
        self._run(request, queryset, plan_approve, "applied")

    @admin.action(description="Reject the selected plans")
    def reject_plans(self, request, queryset) -> None:
        self._run(request, queryset, plan_reject, "rejected")

    @admin.action(description="Roll back the selected applied plans")
    def rollback_plans(self, request, queryset) -> None:
        self._run(request, queryset, plan_rollback, "rolled back")
