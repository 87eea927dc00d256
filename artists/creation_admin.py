"""Admin pieces for artist creation: the "Create from brief" form and the report's LLM calls."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from artists.creation import BRIEF_MAX_CHARS, artist_create_from_brief, artist_creation_enqueue
from artists.models import CreationReport
from kernel.admin_widgets import ReadOnlyGenericTabularInline
from kernel.errors import ApplicationError
from llm.models import LLMCall


class CreateFromBriefForm(forms.Form):
    brief = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80, "placeholder": "dark synthwave duo from Berlin"}),
        max_length=BRIEF_MAX_CHARS,
        help_text="One sentence: genre, mood, where the artist is from, who it is for.",
    )
    genre = forms.CharField(required=False, max_length=60, help_text="Optional; the author chooses when empty.")
    countries = forms.CharField(
        required=False, max_length=200, help_text="Optional ISO 3166-1 alpha-2 codes, comma-separated: DE, FR, US"
    )
    background = forms.BooleanField(
        required=False, label="Run in the background", help_text="Queue it for a worker instead of waiting here."
    )

    def clean_countries(self) -> list[str]:
        return [code.strip() for code in self.cleaned_data["countries"].split(",") if code.strip()]


def create_from_brief_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Create an artist through the same service as the command and the API."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = CreateFromBriefForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kwargs = {"brief": data["brief"], "genre": data["genre"], "countries": data["countries"], "actor": request.user}
        try:
            if data["background"]:
                report = artist_creation_enqueue(**kwargs)
                messages.info(request, f"Queued: creation report {report.pk} will show the result.")
                return HttpResponseRedirect(reverse("admin:artists_creationreport_change", args=[report.pk]))
            artist = artist_create_from_brief(**kwargs)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            failed = CreationReport.objects.filter(created_by=request.user, outcome="failed").order_by("-pk").first()
            if failed is not None and failed.brief == " ".join(data["brief"].split()):
                messages.error(request, f"See creation report {failed.pk} for the steps that ran.")
        else:
            for warning in artist.creation_report.warnings:
                messages.warning(request, warning)
            messages.success(request, f"Created {artist.name} from the brief.")
            return HttpResponseRedirect(reverse("admin:artists_artist_change", args=[artist.pk]))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Create an artist from a brief",
        "form": form,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/artists/artist/create_from_brief.html", context)


class CreationLLMCallInline(ReadOnlyGenericTabularInline):
    """Every LLM call the creation made, in order, with its place in the chain."""

    model = LLMCall
    ct_field = "subject_type"
    ct_fk_field = "subject_id"
    fields = ["created_at", "role", "provider", "model", "outcome", "chain_position", "attempt", "latency_ms", "cost"]
    ordering = ["created_at", "id"]
    verbose_name_plural = "LLM calls"
