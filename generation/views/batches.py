"""Batch pages: the list of batches with the "start batch" form, and one batch updating live."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import ListView, TemplateView

from artists.models import Artist
from generation.models import Batch, Channel
from generation.selectors.batches import batch_list, batch_progress
from generation.services.pipeline import batch_start
from generation.services.selection import SELECTABLE
from kernel.errors import ApplicationError


class BatchAccessMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "generation.view_batch"


class BatchStartForm(forms.Form):
    """Size and artist of a new batch; an empty artist means the scheduler's automatic selection."""

    size = forms.IntegerField(min_value=1, max_value=100)
    artist = forms.ChoiceField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["size"].initial = settings.BATCH_SIZE
        artists = Artist.objects.filter(status__in=SELECTABLE).order_by("name").values_list("slug", "name")
        self.fields["artist"].choices = [("", "Automatic selection"), *artists]


class BatchListView(BatchAccessMixin, ListView):
    template_name = "generation/batch_list.html"
    context_object_name = "batches"
    paginate_by = 50

    def get_queryset(self):
        return batch_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.has_perm("generation.add_batch"):
            context["start_form"] = kwargs.get("start_form") or BatchStartForm()
        return context


class BatchStartView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST from the batches page: start a batch through `batch_start`, then show its progress."""

    permission_required = "generation.add_batch"

    def post(self, request: HttpRequest) -> HttpResponse:
        form = BatchStartForm(request.POST)
        if not form.is_valid():
            errors = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items())
            messages.error(request, f"The batch was not started ({errors}).")
            return redirect("batches:list")
        try:
            batch = batch_start(
                size=form.cleaned_data["size"],
                artist_slug=form.cleaned_data["artist"] or None,
                channel=Channel.WEB,
                actor=request.user,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("batches:list")
        count = batch.runs.count()
        if count:
            messages.success(request, f"Batch #{batch.pk} started with {count} run{'s' if count != 1 else ''}.")
        else:
            messages.warning(request, f"Batch #{batch.pk} has no run: {batch.notes}")
        return redirect("batches:detail", pk=batch.pk)


class BatchDetailView(BatchAccessMixin, TemplateView):
    template_name = "generation/batch_detail.html"

    def get_context_data(self, **kwargs):
        batch = get_object_or_404(Batch, pk=kwargs["pk"])
        return {**super().get_context_data(**kwargs), "batch": batch, "progress": batch_progress(batch=batch)}


class BatchProgressView(BatchAccessMixin, View):
    """Polled by the batch page every two seconds while the batch runs."""

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        return JsonResponse(batch_progress(batch=get_object_or_404(Batch, pk=pk)))
