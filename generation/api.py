"""REST endpoints for generation runs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from generation.models import Batch, Channel, GenerationRun, ReviewDecision, RunStatus, Track
from generation.selectors.batches import batch_list, batch_progress
from generation.selectors.review import run_decision_history, run_list
from generation.services.pipeline import batch_start
from generation.services.review import COMMENT_MAX_CHARS, run_decide, run_undo_decision
from kernel.filters import IsoDateTimeFilter


class ReviewDecisionSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(read_only=True)
    undone_by = serializers.CharField(read_only=True, help_text="Who took the decision back (empty: it stands).")

    class Meta:
        model = ReviewDecision
        fields = [
            "decision",
            "decided_by",
            "channel",
            "comment",
            "decided_at",
            "undone_at",
            "undone_by",
            "undone_channel",
        ]


class RunSerializer(serializers.ModelSerializer):
    artist = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    artist_name = serializers.CharField(source="artist.name", read_only=True)
    audio_url = serializers.SerializerMethodField()
    # Declared once (not built per row in a method): a list of 50 runs serialises in half the time.
    decision = ReviewDecisionSerializer(read_only=True, allow_null=True)

    class Meta:
        model = GenerationRun
        fields = [
            "id",
            "batch",
            "artist",
            "artist_name",
            "status",
            "status_changed_at",
            "title",
            "seed",
            "parameters",
            "prompts",
            "variant",
            "audio_url",
            "decision",
            "error",
            "created_at",
            "updated_at",
        ]

    def get_audio_url(self, run: GenerationRun) -> str | None:
        track = getattr(run, "track", None)
        return track.audio.url if track and track.audio else None

    def to_representation(self, run: GenerationRun) -> dict:
        """The fields above, built directly: DRF's per-field machinery cost ~0.4 ms a run, 20 ms a page.

        The declared fields stay the schema; a test checks this against DRF's generic output.
        """
        decision = getattr(run, "decision", None)
        return {
            "id": run.pk,
            "batch": run.batch_id,
            "artist": run.artist.slug,
            "artist_name": run.artist.name,
            "status": run.status,
            "status_changed_at": _datetime(run.status_changed_at),
            "title": run.title,
            "seed": run.seed,
            "parameters": run.parameters,
            "prompts": run.prompts,
            "variant": run.variant,
            "audio_url": self.get_audio_url(run),
            "decision": None
            if decision is None
            else {
                "decision": decision.decision,
                "decided_by": decision.decided_by,
                "channel": decision.channel,
                "comment": decision.comment,
                "decided_at": _datetime(decision.decided_at),
                "undone_at": _datetime(decision.undone_at),
                "undone_by": decision.undone_by,
                "undone_channel": decision.undone_channel,
            },
            "error": run.error,
            "created_at": _datetime(run.created_at),
            "updated_at": _datetime(run.updated_at),
        }


def _datetime(value) -> str | None:
    """A datetime as DRF's DateTimeField writes it (ISO 8601 in the current time zone, Z for UTC)."""
    if not value:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# What a row of the runs list reads: plain columns, no model instances. Building a run, its artist,
# track, decision and user objects per row (every column of each, five datetimes parsed for nothing)
# was most of the list's cost; `run_row` turns one tuple into exactly what `RunSerializer` writes.
RUN_ROW_COLUMNS = (
    "id",
    "batch_id",
    "artist__slug",
    "artist__name",
    "status",
    "status_changed_at",
    "title",
    "seed",
    "parameters",
    "prompts",
    "variant",
    "track__audio",
    "decision_id",
    "decision__decision",
    "decision__actor_label",
    "decision__actor__username",
    "decision__channel",
    "decision__comment",
    "decision__decided_at",
    "decision__undone_at",
    "decision__undone_actor_label",
    "decision__undone_actor_id",
    "decision__undone_channel",
    "error",
    "created_at",
    "updated_at",
)


def run_rows(values: Iterable[tuple]) -> list[dict]:
    """Rows of `RUN_ROW_COLUMNS` as `RunSerializer` represents them (a test compares both, key by key)."""
    zone = timezone.get_current_timezone()
    storage = Track._meta.get_field("audio").storage
    values = list(values)
    undoers = _undoer_names(values)

    def moment(value: datetime | None) -> str | None:
        if value is None:
            return None
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    rows = []
    for (
        pk,
        batch,
        artist,
        artist_name,
        run_status,
        status_changed_at,
        title,
        seed,
        parameters,
        prompts,
        variant,
        audio,
        decision_id,
        decision,
        actor_label,
        actor_name,
        channel,
        comment,
        decided_at,
        undone_at,
        undone_label,
        undone_actor,
        undone_channel,
        error,
        created_at,
        updated_at,
    ) in values:
        rows.append(
            {
                "id": pk,
                "batch": batch,
                "artist": artist,
                "artist_name": artist_name,
                "status": run_status,
                "status_changed_at": moment(status_changed_at),
                "title": title,
                "seed": seed,
                "parameters": parameters,
                "prompts": prompts,
                "variant": variant,
                "audio_url": storage.url(audio) if audio else None,
                "decision": None
                if decision_id is None
                else {
                    "decision": decision,
                    # ReviewDecision.decided_by / undone_by: the label, else the user's name, else "system".
                    "decided_by": actor_label or ("system" if actor_name is None else actor_name),
                    "channel": channel,
                    "comment": comment,
                    "decided_at": moment(decided_at),
                    "undone_at": moment(undone_at),
                    "undone_by": "" if undone_at is None else undone_label or undoers.get(undone_actor, "system"),
                    "undone_channel": undone_channel,
                },
                "error": error,
                "created_at": moment(created_at),
                "updated_at": moment(updated_at),
            }
        )
    return rows


class RunDetailSerializer(RunSerializer):
    """One run with its whole decision history: every decision, undone ones included, newest first."""

    decisions = ReviewDecisionSerializer(many=True, read_only=True, source="decision_history")

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "decisions"]

    def to_representation(self, run: GenerationRun) -> dict:
        data = super().to_representation(run)
        data["decisions"] = ReviewDecisionSerializer(run.decision_history, many=True).data
        return data


class DecisionInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_MAX_CHARS, default="")


class DecisionResultSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    status = serializers.CharField()
    decision = ReviewDecisionSerializer()


class CanDecideRuns(BasePermission):
    """Approving and rejecting needs `generation.decide_run` (the Reviewers group has it)."""

    message = "You do not have permission to approve or reject runs."

    def has_permission(self, request: Request, view) -> bool:
        return request.user.has_perm("generation.decide_run")


_DECISION_RESPONSES = {
    200: DecisionResultSerializer,
    403: OpenApiResponse(description="Missing the generation.decide_run permission."),
    404: OpenApiResponse(description="Unknown run."),
    409: OpenApiResponse(
        description="Already decided (the body says by whom, through which channel) or not awaiting review."
    ),
}


class RunFilter(django_filters.FilterSet):
    # A column of the run itself: no join, so no DISTINCT (django-filter's default for multiple
    # choices), which made PostgreSQL sort every matching run, JSON columns included, on each page.
    status = django_filters.MultipleChoiceFilter(choices=RunStatus.choices, distinct=False)
    artist = django_filters.CharFilter(field_name="artist__slug")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = GenerationRun
        fields = ["status", "artist", "batch", "variant"]


def _undoer_names(values: list[tuple]) -> dict[int, str]:
    """User names of those who undid a run's decision, for rows that print one (no label).

    A run's decision is cleared when it is undone, so a page practically never has one: joining the
    user table for it on every page cost ~0.8 ms of PostgreSQL planning a request; this costs nothing
    then, and one query when it does happen.
    """
    at, label, actor = (RUN_ROW_COLUMNS.index(f"decision__undone_{name}") for name in ("at", "actor_label", "actor_id"))
    ids = {row[actor] for row in values if row[at] is not None and not row[label] and row[actor] is not None}
    if not ids:
        return {}
    users = get_user_model()
    return dict(users.objects.filter(pk__in=ids).values_list("pk", users.USERNAME_FIELD))


class _RowsCountedOnRuns:
    """The runs' `RUN_ROW_COLUMNS` for the paginator, counted on the runs themselves.

    The columns join the artist, track, decision and two users; counting the values query kept
    those joins (a 5-join COUNT over every matching run, 6 ms of database CPU at 10k runs), while the
    runs' own count reads one index.
    """

    def __init__(self, runs: QuerySet[GenerationRun]) -> None:
        self.runs = runs
        self.rows = runs.values_list(*RUN_ROW_COLUMNS)
        self.ordered = self.rows.ordered

    def count(self) -> int:
        return self.runs.count()

    def __getitem__(self, key: slice) -> QuerySet:
        return self.rows[key]


class RunViewSet(viewsets.ReadOnlyModelViewSet):
    """Generation runs, filterable by status, artist and batch."""

    serializer_class = RunSerializer
    filterset_class = RunFilter
    search_fields = ["title", "artist__name"]
    ordering_fields = ["created_at", "status_changed_at"]
    queryset = GenerationRun.objects.none()

    def get_queryset(self):
        if self.action == "retrieve":
            return run_list().prefetch_related(
                Prefetch("decisions", queryset=run_decision_history(), to_attr="decision_history")
            )
        return run_list()

    def get_serializer_class(self):
        return RunDetailSerializer if self.action == "retrieve" else RunSerializer

    # No docstring: the class's is the operation's description in the OpenAPI schema. The page is
    # read as tuples of the shown columns and written by `run_rows` (RunSerializer's output).
    def list(self, request: Request, *args, **kwargs) -> Response:
        runs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(_RowsCountedOnRuns(runs))
        if page is None:
            return Response(run_rows(runs.values_list(*RUN_ROW_COLUMNS)))
        return self.get_paginated_response(run_rows(page))

    def _decide(self, request: Request, decision: str) -> Response:
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = self.get_object()
        record = run_decide(
            run=run.pk,
            decision=decision,
            actor=request.user,
            channel=Channel.API,
            comment=data.validated_data["comment"],
        )
        body = {"run": run.pk, "status": record.decision, "decision": ReviewDecisionSerializer(record).data}
        return Response(DecisionResultSerializer(body).data)

    @extend_schema(request=DecisionInputSerializer, responses=_DECISION_RESPONSES)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanDecideRuns])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve a run awaiting review; the release job is enqueued."""
        return self._decide(request, ReviewDecision.Decision.APPROVED)

    @extend_schema(
        request=None,
        responses={
            200: RunSerializer,
            409: OpenApiResponse(description="undo_window_closed or invalid_transition (nothing to undo)."),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanDecideRuns])
    def undo(self, request: Request, pk: str | None = None) -> Response:
        """Take back a decision within REVIEW_UNDO_SECONDS; the run awaits review again (a recorded transition)."""
        run = self.get_object()
        run_undo_decision(run=run.pk, actor=request.user, channel=Channel.API)
        return Response(RunSerializer(run_list().get(pk=run.pk), context={"request": request}).data)

    @extend_schema(request=DecisionInputSerializer, responses=_DECISION_RESPONSES)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanDecideRuns])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject a run awaiting review, with an optional comment."""
        return self._decide(request, ReviewDecision.Decision.REJECTED)


class BatchSerializer(serializers.ModelSerializer):
    """A batch in a list: its runs counted by status and the share of runs that are done."""

    requested_by = serializers.CharField(source="requested_by.get_username", default=None, read_only=True)
    runs = serializers.IntegerField(source="run_count", read_only=True)
    counts = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = [
            "id",
            "status",
            "size",
            "channel",
            "requested_by",
            "notes",
            "runs",
            "counts",
            "progress",
            "url",
            "created_at",
            "finished_at",
        ]

    def get_counts(self, batch: Batch) -> dict[str, int]:
        return {
            "pending": batch.pending,
            "generating": batch.generating,
            "awaiting_review": batch.awaiting,
            "failed": batch.failed,
            "done": batch.done,
        }

    def get_progress(self, batch: Batch) -> float:
        if batch.status == Batch.Status.FINISHED or not batch.run_count:
            return 1.0
        return round(batch.done / batch.run_count, 3)

    def get_url(self, batch: Batch) -> str:
        return f"/batches/{batch.pk}/"


class BatchStartSerializer(serializers.Serializer):
    """What `POST /api/v1/batches/` accepts: a size and, optionally, one artist (else automatic selection)."""

    size = serializers.IntegerField(required=False, min_value=1, max_value=100, help_text="Runs; default BATCH_SIZE.")
    artist = serializers.SlugField(
        required=False, allow_blank=True, help_text="Slug of the one artist to run; empty: automatic selection."
    )


class BatchViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Generation batches: list, one batch with the progress of every run and stage, start one."""

    serializer_class = BatchSerializer
    filterset_fields = ["status", "channel"]
    ordering_fields = ["created_at"]
    queryset = Batch.objects.none()

    def get_queryset(self):
        return batch_list()

    def get_serializer_class(self):
        return BatchStartSerializer if self.action == "create" else BatchSerializer

    @extend_schema(responses={200: OpenApiResponse(description="The batch with `progress`, counts, estimate, runs.")})
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(batch_progress(batch=self.get_object()))

    @extend_schema(
        request=BatchStartSerializer,
        responses={
            201: OpenApiResponse(description="The new batch, as `GET /api/v1/batches/{id}/` returns it."),
            400: OpenApiResponse(description="Bad size."),
            404: OpenApiResponse(description="Unknown artist."),
            409: OpenApiResponse(description="The artist is paused or retired."),
        },
    )
    def create(self, request: Request) -> Response:
        """Start a batch through the same service as the scheduler, the command line and the batches page."""
        data = BatchStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = batch_start(
            size=data.validated_data.get("size"),
            artist_slug=data.validated_data.get("artist") or None,
            channel=Channel.API,
            actor=request.user,
        )
        return Response(batch_progress(batch=batch), status=status.HTTP_201_CREATED)


def register(router: BaseRouter) -> None:
    router.register("runs", RunViewSet, basename="run")
    router.register("batches", BatchViewSet, basename="batch")
