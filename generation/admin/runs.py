from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from generation.admin.review import DECISION_FIELDS
from generation.models import (
    Batch,
    Channel,
    GenerationRun,
    ReviewDecision,
    RunStage,
    RunStatus,
    RunTransition,
    Track,
    VideoClip,
)
from generation.services.review import runs_decide
from kernel.admin_widgets import (
    HistoryAdmin,
    ReadOnlyTabularInline,
    audio_player,
    status_badge,
    thumbnail,
    video_player,
)
from kernel.outbox import outbox_enqueue


class RunStageInline(ReadOnlyTabularInline):
    model = RunStage
    fields = ["name", "attempt", "outcome", "started_at", "finished_at", "duration_ms", "error"]


class RunTransitionInline(ReadOnlyTabularInline):
    model = RunTransition
    fields = ["from_status", "to_status", "actor", "actor_label", "channel", "reason", "created_at"]


class ReviewDecisionInline(ReadOnlyTabularInline):
    """Every decision on the run, the undone ones with who took them back."""

    model = ReviewDecision
    fk_name = "run"
    fields = DECISION_FIELDS


class RunInline(ReadOnlyTabularInline):
    model = GenerationRun
    show_change_link = True
    fields = ["artist", "title", "status", "created_at"]


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "size", "channel", "requested_by", "created_at", "finished_at", "notes"]
    list_filter = ["status", "channel", "created_at"]
    date_hierarchy = "created_at"
    list_select_related = ["requested_by"]
    readonly_fields = ["created_at", "finished_at"]
    inlines = [RunInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A batch row alone never runs: batches start through `batch_start` (the batches page,
        # `POST /api/v1/batches/`, `run_batch`, the scheduler), which also creates and queues the runs.
        return False


def _decide(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, decision: str) -> None:
    outcome = runs_decide(
        runs=queryset.values_list("pk", flat=True), decision=decision, actor=request.user, channel=Channel.ADMIN
    )
    if outcome.decided:
        modeladmin.message_user(request, f"{len(outcome.decided)} run(s) {decision}.", messages.SUCCESS)
    for message in outcome.refused:
        modeladmin.message_user(request, message, messages.WARNING)


@admin.register(GenerationRun)
class GenerationRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "artist", "status_label", "variant", "batch", "cover_thumb", "player", "created_at"]
    list_filter = ["status", "variant", "created_at", "artist"]
    search_fields = ["title", "artist__name", "artist__slug"]
    date_hierarchy = "created_at"
    list_select_related = ["artist", "batch", "track"]
    readonly_fields = ["status", "status_changed_at", "cover_preview", "player", "created_at", "updated_at"]
    inlines = [RunStageInline, RunTransitionInline, ReviewDecisionInline]
    actions = ["approve_runs", "reject_runs"]
    fieldsets = [
        (None, {"fields": ["artist", "batch", "title", "status", "status_changed_at", "variant", "seed"]}),
        ("Result", {"fields": ["player", "cover_preview", "cover", "error"]}),
        ("Inputs", {"fields": ["parameters", "prompts"], "classes": ["collapse"]}),
        ("Dates", {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description="status", ordering="status")
    def status_label(self, obj: GenerationRun) -> str:
        return status_badge(obj.status, obj.get_status_display())

    @admin.display(description="cover")
    def cover_thumb(self, obj: GenerationRun) -> str:
        return thumbnail(obj.cover, 48)

    @admin.display(description="cover")
    def cover_preview(self, obj: GenerationRun) -> str:
        return thumbnail(obj.cover, 240)

    @admin.display(description="audio")
    def player(self, obj: GenerationRun) -> str:
        track = getattr(obj, "track", None)
        return audio_player(track.audio if track else None)

    @admin.action(description="Approve selected runs", permissions=["decide"])
    def approve_runs(self, request: HttpRequest, queryset: QuerySet) -> None:
        _decide(self, request, queryset, ReviewDecision.Decision.APPROVED)

    @admin.action(description="Reject selected runs", permissions=["decide"])
    def reject_runs(self, request: HttpRequest, queryset: QuerySet) -> None:
        _decide(self, request, queryset, ReviewDecision.Decision.REJECTED)

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("generation.decide_run")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # runs are made by batches (batch_start), never typed in

    def get_readonly_fields(self, request: HttpRequest, obj: GenerationRun | None = None) -> list[str]:
        """What a run was made from and what it made is history: only a pending run's inputs may be corrected."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != RunStatus.PENDING:
            editable = [name for _, options in self.fieldsets for name in options["fields"]]
            fields += [name for name in editable if name not in fields]
        return fields


@admin.register(RunStage)
class RunStageAdmin(HistoryAdmin):
    list_display = ["run", "name", "attempt", "outcome", "duration_ms", "started_at", "finished_at"]
    list_filter = ["name", "outcome", "started_at"]
    search_fields = ["run__title", "error"]
    date_hierarchy = "started_at"
    list_select_related = ["run"]
    readonly_fields = [f.name for f in RunStage._meta.fields]


@admin.register(RunTransition)
class RunTransitionAdmin(HistoryAdmin):
    list_display = ["run", "from_status", "to_status", "actor", "actor_label", "channel", "created_at"]
    list_filter = ["to_status", "channel", "created_at"]
    date_hierarchy = "created_at"
    list_select_related = ["run", "actor"]
    readonly_fields = [f.name for f in RunTransition._meta.fields]


@admin.register(Track)
class TrackAdmin(HistoryAdmin):
    list_display = ["__str__", "provider", "duration", "player", "created_at"]
    list_filter = ["provider", "created_at"]
    search_fields = ["run__title", "provider_job_id", "lyrics"]
    date_hierarchy = "created_at"
    list_select_related = ["run"]
    readonly_fields = ["player", "created_at"]
    actions = ["reanalyse"]

    @admin.display(description="audio")
    def player(self, obj: Track) -> str:
        return audio_player(obj.audio)

    @admin.action(description="Analyse the audio again (e.g. after an analyser upgrade or a new upload)")
    def reanalyse(self, request: HttpRequest, queryset: QuerySet[Track]) -> None:
        track_ids = list(queryset.values_list("pk", flat=True))
        with transaction.atomic():
            for track_id in track_ids:
                outbox_enqueue(task="generation.tasks.analyse_track", args=[track_id], task_name=f"analyse-{track_id}")
        self.message_user(request, f"{len(track_ids)} track(s) queued for analysis.", messages.SUCCESS)


@admin.register(VideoClip)
class VideoClipAdmin(HistoryAdmin):
    list_display = ["__str__", "source", "source_id", "attribution", "created_at"]
    list_filter = ["source", "created_at"]
    search_fields = ["run__title", "source_id", "attribution"]
    date_hierarchy = "created_at"
    list_select_related = ["run"]
    readonly_fields = ["preview", "created_at"]

    @admin.display(description="preview")
    def preview(self, obj: VideoClip) -> str:
        return video_player(obj.file)
