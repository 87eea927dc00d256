from django.contrib import admin
from django.urls import path
from django.utils.html import format_html_join

from artists.creation_admin import CreationLLMCallInline, create_from_brief_view
from artists.models import Artist, ArtistStatusChange, ArtistVersion, CreationReport
from artists.services import artist_set_status
from kernel.admin_widgets import ReadOnlyTabularInline, status_badge


class ArtistVersionInline(ReadOnlyTabularInline):
    model = ArtistVersion
    fields = ["number", "reason", "diff", "created_by", "created_at"]
    ordering = ["-number"]


class ArtistStatusChangeInline(ReadOnlyTabularInline):
    """The lifecycle history: every status move with its reason and the figures behind it."""

    model = ArtistStatusChange
    fk_name = "artist"
    fields = ["created_at", "from_status", "to_status", "reason", "metrics", "actor"]
    ordering = ["-created_at"]
    verbose_name_plural = "lifecycle history"


@admin.register(Artist)
class ArtistAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "status_label",
        "genre",
        "countries_label",
        "autopilot",
        "last_run_at",
        "created_at",
    ]
    list_filter = ["status", "autopilot", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "created_at"
    readonly_fields = ["palette", "created_at", "updated_at", "status_changed_at"]
    inlines = [ArtistStatusChangeInline, ArtistVersionInline]
    change_list_template = "admin/artists/artist/change_list_with_brief.html"
    fieldsets = [
        (None, {"fields": ["name", "slug", "status", "status_reason", "status_changed_at", "autopilot"]}),
        ("Identity", {"fields": ["palette", "profile"]}),
        ("LLM", {"fields": ["llm_settings"], "classes": ["collapse"]}),
        ("Dates", {"fields": ["last_run_at", "created_at", "updated_at"]}),
    ]

    def get_urls(self):
        view = self.admin_site.admin_view(lambda request: create_from_brief_view(self, request))
        return [path("create-from-brief/", view, name="artists_artist_create_from_brief"), *super().get_urls()]

    def save_model(self, request, obj: Artist, form, change: bool) -> None:
        """A status edited here goes through the lifecycle service, so it is recorded like any other."""
        new_status = obj.status
        if change and "status" in form.changed_data:
            obj.status = form.initial["status"]
        super().save_model(request, obj, form, change)
        if change and new_status != obj.status:
            reason = obj.status_reason if "status_reason" in form.changed_data else "Changed in the admin."
            artist_set_status(
                artist=obj, to_status=new_status, reason=reason or "Changed in the admin.", actor=request.user
            )

    @admin.display(description="status", ordering="status")
    def status_label(self, obj: Artist) -> str:
        return status_badge(obj.status, obj.get_status_display())

    @admin.display(description="genre")
    def genre(self, obj: Artist) -> str:
        return obj.primary_genre

    @admin.display(description="countries")
    def countries_label(self, obj: Artist) -> str:
        return ", ".join(obj.countries)

    @admin.display(description="palette")
    def palette(self, obj: Artist) -> str:
        colours = ((obj.profile or {}).get("visual_identity") or {}).get("palette", [])
        return format_html_join(
            "",
            '<span title="{0}" style="display:inline-block;width:28px;height:28px;background:{0};'
            'margin-right:4px;border-radius:4px;border:1px solid #ccc"></span>',
            ((colour,) for colour in colours),
        )


@admin.register(ArtistVersion)
class ArtistVersionAdmin(admin.ModelAdmin):
    list_display = ["artist", "number", "reason", "created_by", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["artist__name", "reason"]
    list_select_related = ["artist", "created_by"]
    date_hierarchy = "created_at"
    readonly_fields = ["artist", "number", "profile", "reason", "diff", "created_by", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CreationReport)
class CreationReportAdmin(admin.ModelAdmin):
    inlines = [CreationLLMCallInline]
    list_display = ["__str__", "brief_excerpt", "outcome", "duration_ms", "created_by", "created_at"]
    list_filter = ["outcome", "created_at"]
    search_fields = ["brief", "artist__name"]
    list_select_related = ["artist", "created_by"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "artist",
        "brief",
        "options",
        "outcome",
        "steps",
        "validation",
        "warnings",
        "error",
        "duration_ms",
        "created_by",
        "created_at",
    ]

    @admin.display(description="brief")
    def brief_excerpt(self, obj: CreationReport) -> str:
        return obj.brief[:80]

    def has_add_permission(self, request) -> bool:
        return False
