from django import forms
from django.contrib import admin
from django.urls import path
from django.utils.html import format_html_join

from artists.creation_admin import CreationLLMCallInline, create_from_brief_view
from artists.models import Artist, ArtistStatusChange, ArtistVersion, CreationReport
from artists.schemas import profile_errors
from artists.services import artist_create, artist_set_status, artist_update_profile
from kernel.admin_widgets import HistoryAdmin, ReadOnlyTabularInline, status_badge


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


class ArtistAdminForm(forms.ModelForm):
    """The profile is checked against the profile schema before anything is saved."""

    class Meta:
        model = Artist
        fields = ["name", "slug", "status", "status_reason", "autopilot", "profile", "llm_settings", "last_run_at"]

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        others = Artist.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(f"An artist named {name!r} already exists.")
        return name

    def clean_profile(self) -> dict:
        profile = self.cleaned_data.get("profile")
        errors = profile_errors(profile)
        if errors:
            raise forms.ValidationError(errors)
        return profile


@admin.register(Artist)
class ArtistAdmin(admin.ModelAdmin):
    form = ArtistAdminForm
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
        """Status and profile edits go through the artist services, so they are recorded like any other.

        A new artist is made by artist_create (version 1); an edited profile becomes a new
        ArtistVersion with its diff; a status change is a recorded lifecycle move.
        """
        if not change:
            created = artist_create(
                name=obj.name,
                slug=obj.slug,
                profile=obj.profile,
                status=obj.status,
                autopilot=obj.autopilot,
                llm_settings=obj.llm_settings,
                reason="Created in the back office.",
                actor=request.user,
            )
            obj.pk, obj._state.adding = created.pk, False
            obj.refresh_from_db()
            return
        new_status, new_profile = obj.status, obj.profile
        if "status" in form.changed_data:
            obj.status = form.initial["status"]
        if "profile" in form.changed_data:
            obj.profile = form.initial["profile"]
        super().save_model(request, obj, form, change)
        if "profile" in form.changed_data:
            artist_update_profile(
                artist=obj, profile=new_profile, reason="Edited in the back office.", actor=request.user
            )
        if new_status != obj.status:
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
        colours = obj.identity.visual_identity.palette if obj.profile else []
        return format_html_join(
            "",
            '<span title="{0}" style="display:inline-block;width:28px;height:28px;background:{0};'
            'margin-right:4px;border-radius:4px;border:1px solid #ccc"></span>',
            ((colour,) for colour in colours),
        )


@admin.register(ArtistVersion)
class ArtistVersionAdmin(HistoryAdmin):
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
