"""Back office for markets: charts and their tracks, import log with an upload form, profiles, alerts."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse

from kernel.errors import ApplicationError
from markets.models import (
    Chart,
    ChartEntry,
    ChartImport,
    ChartTrack,
    CountryProfile,
    MarketAlert,
    MarketForecast,
    MarketTrend,
    TrackFeatures,
)
from markets.parsers import FORMATS
from markets.services.imports import charts_import


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)]


class ChartUploadForm(forms.Form):
    """The back office's door to `charts_import` (the same service as the command and the API)."""

    files = MultipleFileField(help_text="Spotify Charts, YouTube Charts or country x day dataset CSV files.")
    format = forms.ChoiceField(choices=[("", "detect from the header"), *((f, f) for f in FORMATS)], required=False)
    country = forms.CharField(max_length=6, required=False, help_text="When the file name does not say it.")
    chart_date = forms.DateField(required=False, help_text="YYYY-MM-DD, when the file name does not say it.")


class ChartEntryInline(admin.TabularInline):
    model = ChartEntry
    fields = ["rank", "track", "previous_rank", "peak_rank", "periods_on_chart", "plays"]
    readonly_fields = fields
    can_delete = False
    extra = 0
    max_num = 0
    ordering = ["rank"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("track")


@admin.register(Chart)
class ChartAdmin(admin.ModelAdmin):
    list_display = ["chart_date", "country", "source", "kind", "size", "file_name", "updated_at"]
    list_filter = ["source", "kind", "country"]
    date_hierarchy = "chart_date"
    search_fields = ["country", "file_name"]
    readonly_fields = ["checksum", "imported_at", "updated_at"]
    inlines = [ChartEntryInline]


class TrackFeaturesInline(admin.StackedInline):
    model = TrackFeatures
    extra = 0


@admin.register(ChartTrack)
class ChartTrackAdmin(admin.ModelAdmin):
    list_display = ["title", "artists", "genre", "key", "has_features", "preview_error"]
    list_filter = ["genre", "features__source"]
    search_fields = ["title", "artists", "key"]
    list_select_related = ["features"]
    inlines = [TrackFeaturesInline]

    @admin.display(boolean=True, description="features")
    def has_features(self, obj: ChartTrack) -> bool:
        return hasattr(obj, "features")


@admin.register(ChartImport)
class ChartImportAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "file_name",
        "format",
        "channel",
        "user",
        "charts_created",
        "charts_replaced",
        "charts_unchanged",
        "rows_imported",
        "rows_skipped",
    ]
    list_filter = ["format", "channel"]
    readonly_fields = [field.name for field in ChartImport._meta.fields]
    change_list_template = "admin/markets/chartimport/change_list.html"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="markets_chartimport_upload"),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        if not request.user.has_perm("markets.add_chartimport"):
            raise PermissionDenied
        form = ChartUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            limit = settings.MARKETS_IMPORT_MAX_BYTES
            for upload in form.cleaned_data["files"]:
                if upload.size > limit:
                    messages.error(request, f"{upload.name}: {upload.size} bytes; the limit is {limit}.")
                    continue
                try:
                    report = charts_import(
                        raw=upload.read(),
                        name=upload.name,
                        fmt=form.cleaned_data["format"] or None,
                        country=form.cleaned_data["country"] or None,
                        chart_date=form.cleaned_data["chart_date"],
                        user=request.user,
                        channel="admin",
                    )
                except ApplicationError as exc:
                    messages.error(request, exc.message)  # it names the file
                    continue
                level = messages.WARNING if report.errors else messages.SUCCESS
                lines = "; ".join(f"line {e.line}: {e.message}" for e in report.errors[:10])
                messages.add_message(
                    request,
                    level,
                    f"{upload.name} ({report.format}): {report.count('created')} created, "
                    f"{report.count('replaced')} replaced, {report.count('unchanged')} unchanged; "
                    f"{report.rows_imported} rows imported, {report.rows_skipped} skipped"
                    + (f" ({lines}{'...' if len(report.errors) > 10 else ''})" if lines else "")
                    + ".",
                )
            return redirect(reverse("admin:markets_chartimport_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": "Import chart files",
            "opts": self.opts,
        }
        return render(request, "admin/markets/chartimport/upload.html", context)


@admin.register(CountryProfile)
class CountryProfileAdmin(admin.ModelAdmin):
    list_display = ["country", "genre", "period", "period_start", "entries", "tracks", "measured_share", "built_at"]
    list_filter = ["period", "country", "genre"]
    date_hierarchy = "period_start"
    readonly_fields = [field.name for field in CountryProfile._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(MarketTrend)
class MarketTrendAdmin(admin.ModelAdmin):
    list_display = ["country", "period", "series", "direction", "slope", "strength", "p_value", "periods"]
    list_filter = ["period", "direction", "country"]
    search_fields = ["series"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(MarketAlert)
class MarketAlertAdmin(admin.ModelAdmin):
    list_display = ["period_start", "country", "period", "series", "direction", "z_score", "message"]
    list_filter = ["period", "direction", "country"]
    search_fields = ["series", "message"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(MarketForecast)
class MarketForecastAdmin(admin.ModelAdmin):
    list_display = ["country", "period", "series", "method", "origin", "horizon", "computed_at"]
    list_filter = ["period", "country"]

    def has_add_permission(self, request) -> bool:
        return False
