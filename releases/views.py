"""HTML pages: the release log (filterable list) and a release's page with its files and QC."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import DetailView, ListView

from kernel.errors import ApplicationError
from releases.models import Release
from releases.selectors import release_asset, release_detail_queryset, release_distributor_summary, release_list
from releases.services import release_can_redeliver, release_redeliver


class ReleaseAccessMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "releases.view_release"


class ReleaseListView(ReleaseAccessMixin, ListView):
    """The release log and delivery queue: every release, newest first, filterable by status."""

    template_name = "releases/list.html"
    context_object_name = "releases"
    paginate_by = 50

    def get_queryset(self):
        queryset = release_list()
        status = self.request.GET.get("status", "")
        return queryset.filter(status=status) if status in Release.Status.values else queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["statuses"] = Release.Status.choices
        context["current_status"] = self.request.GET.get("status", "")
        return context


class ReleaseDetailView(ReleaseAccessMixin, DetailView):
    """Cover, player, teaser, metadata, QC report, downloadable files and delivery attempts."""

    template_name = "releases/detail.html"
    context_object_name = "release"

    def get_queryset(self):
        return release_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        release: Release = self.object
        context.update(
            cover=release_asset(release, "cover"),
            audio=release_asset(release, "audio_wav"),
            teaser=release_asset(release, "teaser"),
            video=release_asset(release, "video"),
            distributors=release_distributor_summary(release),
            can_redeliver=self.request.user.has_perm("releases.change_release") and release_can_redeliver(release),
            checks=(release.qc_report or {}).get("checks", []),
        )
        return context


class ReleaseByRunView(ReleaseAccessMixin, View):
    """The release of a run: how run pages link here without generation importing releases."""

    def get(self, request: HttpRequest, run_id: int) -> HttpResponse:
        release_id = Release.objects.filter(run_id=run_id).values_list("pk", flat=True).first()
        if release_id is None:
            messages.info(request, f"Run {run_id} has no release yet (it is packaged after approval).")
            return redirect("review:detail", pk=run_id)
        return redirect("releases:detail", pk=release_id)


class ReleaseRedeliverView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "releases.change_release"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        release = get_object_or_404(Release, pk=pk)
        try:
            release_redeliver(release=release, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Delivery queued again; files already confirmed will not be re-sent.")
        return redirect("releases:detail", pk=pk)
