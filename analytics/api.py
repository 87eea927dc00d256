"""REST endpoints for analytics: analyse an uploaded audio file."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from analytics.services import audio_analyse
from kernel.errors import ApplicationError

AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".ogg", ".oga", ".aif", ".aiff"}


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


class TrackAnalysisViewSet(viewsets.ViewSet):
    """Audio analysis of an uploaded file (nothing is stored)."""

    permission_classes = [CanViewAudioFeatures]

    @extend_schema(
        request={"multipart/form-data": AudioUploadSerializer},
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The features (see docs/audio_analysis.md)."),
            413: OpenApiResponse(description="Upload larger than AUDIO_ANALYSIS_MAX_UPLOAD_BYTES."),
            422: OpenApiResponse(description="Not usable audio: empty, corrupt, too long, or over the time limit."),
        },
    )
    @action(detail=False, methods=["post"], url_path="analyze", parser_classes=[MultiPartParser])
    def analyze(self, request: Request) -> Response:
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
        if hasattr(upload, "temporary_file_path"):
            # Large uploads are already on disk (Django streams them to a temporary file).
            analysis = audio_analyse(path=upload.temporary_file_path())
        else:
            suffix = Path(upload.name or "").suffix.lower()
            suffix = suffix if suffix in AUDIO_SUFFIXES else ".audio"
            with tempfile.NamedTemporaryFile(suffix=suffix, prefix="noktvrn-upload-") as local:
                for chunk in upload.chunks():
                    local.write(chunk)
                local.flush()
                analysis = audio_analyse(path=local.name)
        payload = analysis.model_dump(mode="json", exclude={"path", "waveform_png", "spectrogram_png"})
        payload["filename"] = upload.name
        return Response(payload)


def register(router: BaseRouter) -> None:
    router.register("tracks", TrackAnalysisViewSet, basename="track-analysis")
