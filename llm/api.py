"""REST endpoints for the LLM layer: the call log and provider availability."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from llm.models import LLMCall
from llm.status import chain_problems, provider_statuses


class LLMCallSerializer(serializers.ModelSerializer):
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
            "run",
            "creation_report",
            "created_at",
        ]


class LLMCallFilter(django_filters.FilterSet):
    outcome = django_filters.MultipleChoiceFilter(choices=LLMCall.Outcome.choices)
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = LLMCall
        fields = ["outcome", "provider", "role", "run", "creation_report", "call_id"]


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
