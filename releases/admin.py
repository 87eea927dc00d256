import json
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from kernel.admin_widgets import (
    HistoryAdmin,
    ReadOnlyTabularInline,
    audio_player,
    status_badge,
    thumbnail,
    video_player,
)
from kernel.errors import ApplicationError
from releases.models import DeliveredFile, Delivery, Release, ReleaseAsset
from releases.selectors import release_asset
from releases.services import isrc_validate, release_redeliver, upc_validate
from releases.services.identifiers import IdentifierError

FROZEN_STATUSES = {Release.Status.DELIVERED, Release.Status.DELIVERING}


class ReleaseAdminForm(forms.ModelForm):
    """Identifiers typed by hand go through the same python-stdnum checks as assigned ones."""

    # Wider than the columns so "DE-A12-26-00001" or a spaced UPC can be typed, then compacted.
    isrc = forms.CharField(max_length=20, required=False, label="ISRC")
    upc = forms.CharField(max_length=20, required=False, label="UPC/EAN")

    class Meta:
        model = Release
        # Status and artist move only through the release services (lock, run transition, events).
        fields = ["title", "isrc", "upc", "release_date"]

    def _identifier(self, field: str, validate) -> str | None:
        value = (self.cleaned_data.get(field) or "").strip()
        if not value:
            return None
        try:
            return validate(value)
        except IdentifierError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_isrc(self) -> str | None:
        return self._identifier("isrc", isrc_validate)

    def clean_upc(self) -> str | None:
        return self._identifier("upc", upc_validate)


class ReleaseAssetInline(ReadOnlyTabularInline):
    model = ReleaseAsset
    fields = ["kind", "download", "sha256", "size", "created_at"]

    @admin.display(description="file")
    def download(self, obj: ReleaseAsset) -> str:
        if not obj.file:
            return "—"
        return format_html('<a href="{}" download>{}</a>', obj.file.url, Path(obj.file.name).name)


class DeliveryInline(ReadOnlyTabularInline):
    model = Delivery
    fields = ["distributor", "attempt", "status", "error", "started_at", "finished_at"]


class DeliveredFileInline(ReadOnlyTabularInline):
    model = DeliveredFile
    fields = ["distributor", "name", "is_marker", "remote_ref", "size", "confirmed_at"]
    verbose_name_plural = "confirmed files (never sent again)"


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    form = ReleaseAdminForm
    list_display = ["title", "artist", "isrc", "upc", "release_date", "status_label", "cover_thumb", "created_at"]
    list_filter = ["status", "release_date", "created_at"]
    search_fields = ["title", "isrc", "upc", "artist__name"]
    date_hierarchy = "created_at"
    list_select_related = ["artist", "run"]
    readonly_fields = [
        "run",
        "artist",
        "status",
        "error",
        "page_link",
        "cover_preview",
        "player",
        "teaser_player",
        "qc_table",
        "metadata_pretty",
        "delivered_at",
        "created_at",
        "updated_at",
    ]
    exclude = ["metadata", "qc_report", "locked_until"]
    inlines = [ReleaseAssetInline, DeliveryInline, DeliveredFileInline]
    actions = ["redeliver"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("assets")

    def has_add_permission(self, request) -> bool:
        return False  # releases are made by packaging an approved run

    def get_readonly_fields(self, request, obj: Release | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status in FROZEN_STATUSES:
            # What went to a distributor is what the stores have: nothing is edited afterwards.
            fields += [name for name in ReleaseAdminForm.Meta.fields if name not in fields]
        return fields

    @admin.display(description="status", ordering="status")
    def status_label(self, obj: Release) -> str:
        return status_badge(obj.status, obj.get_status_display())

    def _cover(self, obj: Release):
        asset = release_asset(obj, ReleaseAsset.Kind.COVER)
        return asset.file if asset else obj.run.cover

    @admin.display(description="cover")
    def cover_thumb(self, obj: Release) -> str:
        return thumbnail(self._cover(obj), 48)

    @admin.display(description="cover")
    def cover_preview(self, obj: Release) -> str:
        return thumbnail(self._cover(obj), 240)

    @admin.display(description="master")
    def player(self, obj: Release) -> str:
        asset = release_asset(obj, ReleaseAsset.Kind.AUDIO_WAV)
        return audio_player(asset.file if asset else None)

    @admin.display(description="teaser")
    def teaser_player(self, obj: Release) -> str:
        asset = release_asset(obj, ReleaseAsset.Kind.TEASER)
        return video_player(asset.file if asset else None)

    @admin.display(description="release page")
    def page_link(self, obj: Release) -> str:
        url = reverse("releases:detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.display(description="QC report")
    def qc_table(self, obj: Release) -> str:
        checks = (obj.qc_report or {}).get("checks") or []
        if not checks:
            return "—"
        rows = format_html_join(
            "",
            '<tr><td>{}</td><td style="color:{}">{}</td><td>{}</td></tr>',
            (
                (
                    c["name"],
                    "#2f855a" if c["passed"] else ("#9b2c2c" if c.get("severity") == "error" else "#b7791f"),
                    "pass" if c["passed"] else c.get("severity", "error"),
                    c["message"],
                )
                for c in checks
            ),
        )
        return format_html("<table>{}</table>", rows)

    @admin.display(description="metadata.json")
    def metadata_pretty(self, obj: Release) -> str:
        if not obj.metadata:
            return "—"
        return format_html(
            '<pre style="max-height:420px;overflow:auto">{}</pre>',
            json.dumps(obj.metadata, indent=2, ensure_ascii=False),
        )

    @admin.action(description="Deliver again (confirmed files are not re-sent)", permissions=["change"])
    def redeliver(self, request, queryset) -> None:
        for release in queryset:
            try:
                release_redeliver(release=release, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.WARNING)
            else:
                self.message_user(request, f"{release}: delivery queued.", messages.SUCCESS)


@admin.register(ReleaseAsset)
class ReleaseAssetAdmin(HistoryAdmin):
    list_display = ["release", "kind", "size", "sha256", "created_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["release__title", "sha256"]
    date_hierarchy = "created_at"
    list_select_related = ["release"]


@admin.register(Delivery)
class DeliveryAdmin(HistoryAdmin):
    list_display = ["release", "distributor", "attempt", "status_label", "started_at", "finished_at"]
    list_filter = ["distributor", "status", "started_at"]
    search_fields = ["release__title", "error"]
    date_hierarchy = "started_at"
    list_select_related = ["release"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    @admin.display(description="status", ordering="status")
    def status_label(self, obj: Delivery) -> str:
        return status_badge(obj.status, obj.get_status_display())


@admin.register(DeliveredFile)
class DeliveredFileAdmin(HistoryAdmin):
    list_display = ["release", "distributor", "name", "is_marker", "remote_ref", "confirmed_at"]
    list_filter = ["distributor", "is_marker", "confirmed_at"]
    search_fields = ["release__title", "name", "remote_ref"]
    date_hierarchy = "confirmed_at"
    list_select_related = ["release"]
    readonly_fields = [f.name for f in DeliveredFile._meta.fields]
