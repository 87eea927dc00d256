"""Batch pages: the list of batches, and one batch's runs and stages updating live."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import ListView, TemplateView

from generation.models import Batch
from generation.selectors.batches import batch_list, batch_progress


class BatchAccessMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "generation.view_batch"


class BatchListView(BatchAccessMixin, ListView):
    template_name = "generation/batch_list.html"
    context_object_name = "batches"
    paginate_by = 50

    def get_queryset(self):
        return batch_list()


class BatchDetailView(BatchAccessMixin, TemplateView):
    template_name = "generation/batch_detail.html"

    def get_context_data(self, **kwargs):
        batch = get_object_or_404(Batch, pk=kwargs["pk"])
        return {**super().get_context_data(**kwargs), "batch": batch, "progress": batch_progress(batch=batch)}


class BatchProgressView(BatchAccessMixin, View):
    """Polled by the batch page every two seconds while the batch runs."""

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        return JsonResponse(batch_progress(batch=get_object_or_404(Batch, pk=pk)))
