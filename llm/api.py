"""REST endpoints for the LLM layer: the call log and provider availability."""

from __future__ import annotations

import django_filters
from django.contrib.contenttypes.models import ContentType
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from kernel.filters import IsoDateTimeFilter
from llm.models import LLMCall
from llm.status import chain_problems, provider_statuses


class LLMCallSerializer(serializers.ModelSerializer):
    subject_type = serializers.SerializerMethodField(help_text="What the call was for: app_label.model, or null.")
    run = serializers.SerializerMethodField(help_text="The generation run's id when the subject is a run.")
    creation_report = serializers.SerializerMethodField(
        help_text="The creation report's id when the subject is an artist creation."
    )

    class Meta:
        model = LLMCall
        fields = [
            "id",
            "call_id",
            "role",
            "provider",
            "model",
            "outcome",
            "chain_position",
            "attempt",
            "template_name",
            "template_version",
            "tokens_in",
            "tokens_out",
            "cost",
            "latency_ms",
            "backoff_ms",
            "error_class",
            "error_message",
            "subject_type",
            "subject_id",
            "run",
            "creation_report",
            "created_at",
        ]

    def _subject_label(self, call: LLMCall) -> str | None:
        content_type = ContentType.objects.get_for_id(call.subject_type_id) if call.subject_type_id else None
        return f"{content_type.app_label}.{content_type.model}" if content_type else None

    def get_subject_type(self, call: LLMCall) -> str | None:
        return self._subject_label(call)

    def get_run(self, call: LLMCall) -> int | None:
        return call.subject_id if self._subject_label(call) == SUBJECT_ALIASES["run"] else None

    def get_creation_report(self, call: LLMCall) -> int | None:
        return call.subject_id if self._subject_label(call) == SUBJECT_ALIASES["creation_report"] else None


# The filters `run` and `creation_report` predate the generic subject; they stay as aliases so
# that integrations keep working. The LLM layer knows the labels only as strings.
SUBJECT_ALIASES = {"run": "generation.generationrun", "creation_report": "artists.creationreport"}


def _subject_filter(label: str):
    app_label, model = label.split(".")

    def apply(queryset, name, value):
        return queryset.filter(subject_type__app_label=app_label, subject_type__model=model, subject_id=value)

    return apply


class LLMCallFilter(django_filters.FilterSet):
    run = django_filters.NumberFilter(method=_subject_filter(SUBJECT_ALIASES["run"]))
    creation_report = django_filters.NumberFilter(method=_subject_filter(SUBJECT_ALIASES["creation_report"]))
    outcome = django_filters.MultipleChoiceFilter(choices=LLMCall.Outcome.choices, distinct=False)  # a column
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = LLMCall
        fields = ["outcome", "provider", "role", "call_id", "subject_id"]


class LLMCallViewSet(viewsets.ReadOnlyModelViewSet):
    """Every LLM attempt (and recorded skip), newest first."""

    serializer_class = LLMCallSerializer
    filterset_class = LLMCallFilter
    search_fields = ["model", "error_class", "error_message"]
    ordering_fields = ["created_at", "latency_ms", "cost"]
    queryset = LLMCall.objects.none()

    def get_queryset(self):
        return LLMCall.objects.order_by("-created_at", "-id")

    @extend_schema(responses=dict)
    @action(detail=False, methods=["get"])
    def providers(self, request: Request) -> Response:
        """Availability of each provider (and why not), cooldowns, budgets, and chains with no provider."""
        return Response(
            {
                "providers": [
                    {
                        "name": s.name,
                        "available": s.available,
                        "detail": s.detail,
                        "model": s.model,
                        "cooldown_seconds": round(s.cooldown_seconds, 1),
                        "daily_budget": s.budget,
                    }
                    for s in provider_statuses()
                ],
                "chain_problems": chain_problems(),
            }
        )


def register(router: BaseRouter) -> None:
    router.register("llm-calls", LLMCallViewSet, basename="llm-call")
