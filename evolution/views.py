"""HTML pages: evolution overview, an artist's evolution timeline, a plan with its readable diff."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import DetailView, TemplateView

from artists.models import Artist
from evolution.models import EvolutionPlan
from evolution.selectors import (
    artist_evolution_timeline,
    evolution_overview,
    format_change,
    plan_list,
)
from evolution.services.plans import plan_approve, plan_propose, plan_reject, plan_rollback
from generation.selectors.experiments import experiment_overview
from kernel.actors import Channel
from kernel.errors import ApplicationError


class EvolutionAccessMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "evolution.view_evolutionplan"


class EvolutionIndexView(EvolutionAccessMixin, TemplateView):
    """Every artist with its latest scores, alerts and the plan waiting for it."""

    template_name = "evolution/index.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "rows": evolution_overview()}


class ArtistEvolutionView(EvolutionAccessMixin, TemplateView):
    """Versions with their diffs, plans, and scores and approval rate over time as charts."""

    template_name = "evolution/artist.html"

    def get_context_data(self, **kwargs):
        artist = get_object_or_404(Artist, slug=self.kwargs["slug"])
        context = super().get_context_data(**kwargs)
        context.update(artist_evolution_timeline(artist=artist))
        context["can_decide"] = self.request.user.has_perm("evolution.decide_evolutionplan")
        return context


class ExperimentsView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """A/B experiments: arms, approvals, posterior, P(best), and the adoption rule."""

    permission_required = "generation.view_generationrun"
    template_name = "evolution/experiments.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "rows": experiment_overview()}


class PlanDetailView(EvolutionAccessMixin, DetailView):
    template_name = "evolution/plan.html"
    context_object_name = "plan"

    def get_queryset(self):
        return plan_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["diff"] = [format_change(change) for change in self.object.changes]
        context["can_decide"] = self.request.user.has_perm("evolution.decide_evolutionplan")
        return context


DECISIONS = {
    "approve": (plan_approve, "applied"),
    "reject": (plan_reject, "rejected"),
    "rollback": (plan_rollback, "rolled back"),
}


class PlanDecideView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST approve, reject or rollback: the same services as the admin, the API and Telegram."""

    permission_required = "evolution.decide_evolutionplan"

    def post(self, request: HttpRequest, pk: int, decision: str) -> HttpResponse:
        plan = get_object_or_404(EvolutionPlan, pk=pk)
        if decision not in DECISIONS:
            messages.error(request, f"Unknown decision {decision!r}.")
            return redirect("evolution:plan", pk=pk)
        service, verb = DECISIONS[decision]
        try:
            service(
                plan=plan.pk, actor=request.user, channel=Channel.WEB, comment=request.POST.get("comment", "")[:2000]
            )
            messages.success(request, f"Plan #{plan.pk} {verb}.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = plan.get_absolute_url()  # only back to a page of this site
        return redirect(target)


class PlanProposeView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "evolution.decide_evolutionplan"

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        artist = get_object_or_404(Artist, slug=slug)
        try:
            plan = plan_propose(artist=artist, trigger=EvolutionPlan.Trigger.ON_DEMAND, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("evolution:artist", slug=slug)
        if plan is None:
            messages.info(request, "The evidence asks for no change right now.")
            return redirect("evolution:artist", slug=slug)
        messages.success(request, f"Plan #{plan.pk} proposed; {artist.name} is evolving until it is decided.")
        return redirect(plan.get_absolute_url())
