from django.contrib import admin

from llm.models import LLMCall, PromptTemplate
from noktvrn.admin_widgets import status_badge


@admin.register(PromptTemplate)
class PromptTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "is_active", "description", "created_at"]
    list_filter = ["is_active", "name"]
    search_fields = ["name", "text", "description"]
    date_hierarchy = "created_at"


@admin.register(LLMCall)
class LLMCallAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "role",
        "provider",
        "model",
        "outcome_label",
        "chain_position",
        "tokens_in",
        "tokens_out",
        "cost",
        "latency_ms",
    ]
    list_filter = ["provider", "role", "outcome", "created_at"]
    search_fields = ["model", "error_class", "error_message"]
    date_hierarchy = "created_at"
    list_select_related = ["prompt_template"]
    readonly_fields = [f.name for f in LLMCall._meta.fields]

    @admin.display(description="outcome", ordering="outcome")
    def outcome_label(self, obj: LLMCall) -> str:
        return status_badge(obj.outcome, obj.get_outcome_display())

    def has_add_permission(self, request) -> bool:
        return False
