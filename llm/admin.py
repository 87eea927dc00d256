from datetime import timedelta

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from kernel.admin_widgets import status_badge
from kernel.errors import ApplicationError
from llm.models import LLMCall, PromptTemplate
from llm.selectors import llm_call_summary
from llm.services import prompt_template_revise, provider_cooldown_reset
from llm.status import chain_problems, provider_statuses

SUMMARY_PERIODS = {"1": "24 hours", "7": "7 days", "30": "30 days"}


@admin.register(PromptTemplate)
class PromptTemplateAdmin(admin.ModelAdmin):
    """Editing a template's text saves a new version; calls record the version they used."""

    list_display = ["name", "version", "is_active", "description", "created_at"]
    list_filter = ["is_active", "name"]
    search_fields = ["name", "text", "description"]
    date_hierarchy = "created_at"
    readonly_fields = ["version", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "name"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj: PromptTemplate, form, change: bool) -> None:
        if change and "text" in form.changed_data:
            # The edited row stays as it was; the new text becomes the next version.
            request.revised_template = prompt_template_revise(name=obj.name, text=obj.text, description=obj.description)
            return
        if not change:
            latest = PromptTemplate.objects.filter(name=obj.name).order_by("-version").first()
            obj.version = latest.version + 1 if latest else 1
        super().save_model(request, obj, form, change)

    def response_change(self, request: HttpRequest, obj: PromptTemplate) -> HttpResponse:
        revised = getattr(request, "revised_template", None)
        if revised is not None:
            messages.success(request, f"Saved as {revised} (v{obj.version} is kept for the calls that used it).")
            return HttpResponseRedirect(reverse("admin:llm_prompttemplate_change", args=[revised.pk]))
        return super().response_change(request, obj)


@admin.register(LLMCall)
class LLMCallAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "role",
        "provider",
        "model",
        "outcome_label",
        "chain_position",
        "attempt",
        "template_label",
        "tokens_in",
        "tokens_out",
        "cost",
        "latency_ms",
    ]
    list_filter = ["provider", "role", "outcome", "chain_position", "template_name", "created_at"]
    search_fields = ["model", "error_class", "error_message", "=call_id"]
    date_hierarchy = "created_at"
    list_select_related = ["prompt_template"]
    readonly_fields = [f.name for f in LLMCall._meta.fields]
    change_list_template = "admin/llm/llmcall/change_list_with_summary.html"

    @admin.display(description="outcome", ordering="outcome")
    def outcome_label(self, obj: LLMCall) -> str:
        return status_badge(obj.outcome, obj.get_outcome_display())

    @admin.display(description="template", ordering="template_name")
    def template_label(self, obj: LLMCall) -> str:
        return f"{obj.template_name} v{obj.template_version}" if obj.template_name else "—"

    def has_add_permission(self, request) -> bool:
        return False

    def get_urls(self):
        summary = self.admin_site.admin_view(self.summary_view)
        return [path("summary/", summary, name="llm_llmcall_summary"), *super().get_urls()]

    def summary_view(self, request: HttpRequest) -> HttpResponse:
        """Per provider and role: calls, success rate, p50/p95 latency, cost; and who is available, and why."""
        if not self.has_view_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        if request.method == "POST" and self.has_change_permission(request):
            try:
                provider_cooldown_reset(provider=request.POST.get("provider", ""))
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Cooldown of {request.POST['provider']} cleared.")
            return HttpResponseRedirect(request.get_full_path())
        days = request.GET.get("days", "7")
        days = days if days in SUMMARY_PERIODS else "7"
        since = timezone.now() - timedelta(days=int(days))
        context = {
            **self.admin_site.each_context(request),
            "title": "LLM providers and roles",
            "opts": self.model._meta,
            "rows": llm_call_summary(since=since),
            "providers": provider_statuses(),
            "chain_problems": chain_problems(),
            "days": days,
            "period_label": SUMMARY_PERIODS[days],
            "periods": SUMMARY_PERIODS,
            "can_reset": self.has_change_permission(request),
        }
        return TemplateResponse(request, "admin/llm/llmcall/summary.html", context)
