"""`/media/<path>`: files served with the permissions of the pages that show them.

Each top-level folder of the media storage belongs to one kind of page: release files to the
release pages, track audio and videos to the review pages, covers to the review and artist
pages, analysis images to the review pages. A signed-in user needs one of the folder's
permissions; an unknown folder (and the uploads waiting for analysis) is for superusers only.

On local disk the file is served from here (the embedded default works with nothing in
front of it). With remote storage (S3 through django-storages) the answer is a redirect to
the storage's own URL for the file, a short-lived signed URL, so the file never passes
through a web worker.
"""

from __future__ import annotations

import posixpath

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.static import serve

# Folder -> permissions; any one of them opens the folder. Keep in step with the pages.
MEDIA_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "releases": ("releases.view_release",),  # release pages: masters, cover, metadata, package
    "outbox": ("releases.view_release",),  # ready-to-deliver packages (outbox distributor)
    "tracks": ("generation.view_generationrun",),  # review pages: the track under review
    "videos": ("generation.view_generationrun",),
    "covers": ("generation.view_generationrun", "artists.view_artist"),  # review and artist pages
    "analysis": ("generation.view_generationrun", "analytics.view_audiofeatures"),  # waveform, spectrogram
}


def media_permissions(path: str) -> tuple[str, ...] | None:
    """The permissions opening `path`; None when only superusers may have it."""
    folder = path.split("/", 1)[0]
    return MEDIA_PERMISSIONS.get(folder)


def may_read_media(user, path: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    perms = media_permissions(path)
    return bool(perms) and any(user.has_perm(perm) for perm in perms)


def media_serve(request: HttpRequest, path: str) -> HttpResponse:
    normalized = posixpath.normpath(path).lstrip("/")
    if not path or normalized.startswith("..") or normalized in {".", ""}:
        raise Http404("No such file.")
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not may_read_media(request.user, normalized):
        raise PermissionDenied("You may not read this file.")
    if isinstance(default_storage, FileSystemStorage):
        return serve(request, normalized, document_root=default_storage.location)
    if not default_storage.exists(normalized):
        raise Http404("No such file.")
    return HttpResponseRedirect(default_storage.url(normalized))
