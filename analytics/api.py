"""REST endpoints for analytics: analyse an uploaded audio file, as a job to poll."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter
from rest_framework.throttling import ScopedRateThrottle

from analytics.models import AnalysisJob
from analytics.services import analysis_job_enqueue
from kernel.errors import ApplicationError


class UploadTooLargeError(ApplicationError):
    status_code = 413
    code = "too_large"


class CanViewAudioFeatures(permissions.BasePermission):
    """Analysing needs the same right as reading stored features (Reviewers and Operators have it)."""

    def has_permission(self, request: Request, view) -> bool:
        return bool(
            request.user and request.user.is_authenticated and request.user.has_perm("analytics.view_audiofeatures")
        )


class AudioUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="WAV, FLAC, MP3 or OGG audio.")


class AnalysisJobReferenceSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The analysis job's id.")
    status = serializers.ChoiceField(choices=AnalysisJob.Status.choices)
    url = serializers.URLField(help_text="GET it to follow the analysis.")


class AnalysisAccepted(serializers.Serializer):
    """The 202 answer: the job to poll."""

    job = AnalysisJobReferenceSerializer()


class AnalysisJobSerializer(serializers.ModelSerializer):
    result = serializers.JSONField(
        read_only=True, allow_null=True, help_text="The features when succeeded (docs/audio_analysis.md)."
    )
    error = serializers.JSONField(
        read_only=True, allow_null=True, help_text="detail, code and reason when failed (no server paths)."
    )

    class Meta:
        model = AnalysisJob
        fields = [
            "id",
            "status",
            "filename",
            "size",
            "result",
            "error",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
            "duration_ms",
        ]


def job_reference(job: AnalysisJob, request: Request | None) -> dict:
    url = reverse("analysis-job-detail", args=[job.pk])
    return {"id": job.pk, "status": job.status, "url": request.build_absolute_uri(url) if request else url}


_ERRORS = {
    401: OpenApiResponse(description="Not signed in."),
    403: OpenApiResponse(description="No right to analyse audio."),
}


class TrackAnalysisViewSet(viewsets.ViewSet):
    """Audio analysis of an uploaded file, in a worker: the answer is the job to poll."""

    permission_classes = [CanViewAudioFeatures]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "audio_analysis"

    @extend_schema(
        request={"multipart/form-data": AudioUploadSerializer},
        responses={
            202: AnalysisAccepted,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="No file in the upload."),
            **_ERRORS,
            413: OpenApiResponse(
                OpenApiTypes.OBJECT, description="Upload larger than AUDIO_ANALYSIS_MAX_UPLOAD_BYTES."
            ),
            429: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Too many analyses queued or running (AUDIO_ANALYSIS_JOBS_PER_USER) or over the "
                "hourly rate (THROTTLE_AUDIO_ANALYSIS_RATE); see Retry-After.",
            ),
        },
    )
    @action(detail=False, methods=["post"], url_path="analyze", parser_classes=[MultiPartParser])
    def analyze(self, request: Request) -> Response:
        """Queue the analysis of one audio file; poll the returned job for the features."""
        limit = settings.AUDIO_ANALYSIS_MAX_UPLOAD_BYTES
        # Refuse before reading the body when the client says how large it is.
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > limit + 64 * 1024:
            raise UploadTooLargeError(f"The upload is larger than the {limit} byte limit.", extra={"limit": limit})
        serializer = AudioUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > limit:
            raise UploadTooLargeError(f"The upload is larger than the {limit} byte limit.", extra={"limit": limit})
        job = analysis_job_enqueue(upload=upload, actor=request.user)
        return Response({"job": job_reference(job, request)}, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(responses={200: AnalysisJobSerializer(many=True), **_ERRORS}),
    retrieve=extend_schema(
        responses={200: AnalysisJobSerializer, **_ERRORS, 404: OpenApiResponse(description="No such job of yours.")}
    ),
)
class AnalysisJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Analyses of uploaded files (the jobs behind `POST /api/v1/tracks/analyze/`): your own only."""

    permission_classes = [CanViewAudioFeatures]
    serializer_class = AnalysisJobSerializer
    filterset_fields = ["status"]
    ordering_fields = ["created_at"]
    queryset = AnalysisJob.objects.none()

    def get_queryset(self) -> QuerySet[AnalysisJob]:
        jobs = AnalysisJob.objects.all()
        user = self.request.user
        return jobs if user.is_superuser else jobs.filter(created_by=user)


def register(router: BaseRouter) -> None:
    router.register("tracks", TrackAnalysisViewSet, basename="track-analysis")
    router.register("analysis-jobs", AnalysisJobViewSet, basename="analysis-job")
