"""Pexels stock video: search, pick a file by orientation and size, download, credit the creator."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..errors import ProviderError
from ..http import Step, json_body, request, vendor_client
from .base import VideoRequest, VideoResult
from .stock import choose, finish, fits, search_queries, size_preference

LICENCE = "Pexels License (https://www.pexels.com/license/)"


class PexelsVideoProvider:
    """Client for `GET /videos/search` (header `Authorization: <key>`, no "Bearer")."""

    name = "pexels"

    def __init__(self) -> None:
        if not settings.PEXELS_API_KEY:
            raise ImproperlyConfigured("PEXELS_API_KEY is not set but pexels is in VIDEO_PROVIDERS")
        self.base_url = settings.PEXELS_BASE_URL

    def _candidates(self, data: dict, req: VideoRequest) -> list[dict]:
        found = []
        for video in data.get("videos") or []:
            files = [
                f
                for f in video.get("video_files") or []
                if f.get("link") and (f.get("file_type") or "video/mp4") == "video/mp4"
                if fits(f.get("width"), f.get("height"), req.orientation)
            ]
            if not files or not video.get("id"):
                continue
            best = min(files, key=lambda f: size_preference(f["width"], f["height"]))
            found.append({**video, "_file": best, "_rank": len(found)})
        return found

    def fetch(self, req: VideoRequest, *, workdir: Path) -> VideoResult:
        step = Step(provider=self.name, name="search", limit=settings.VIDEO_SEARCH_TIME_LIMIT_SECONDS)
        candidates: list[dict] = []
        with vendor_client(headers={"Authorization": settings.PEXELS_API_KEY}) as client:
            for query in search_queries(req.query_terms):
                params = {"query": query, "orientation": req.orientation, "size": "medium", "per_page": 15}
                response = request(client, "GET", f"{self.base_url}/videos/search", params=params, step=step)
                candidates = self._candidates(json_body(response, step=step), req)
                if candidates:
                    break
        if not candidates:
            raise ProviderError(f"pexels found no {req.orientation} video for {req.query_terms}", provider=self.name)
        video = choose(candidates, req)
        path = finish(
            provider=self.name, url=video["_file"]["link"], clip_id=str(video["id"]), request=req, workdir=workdir
        )
        creator = ((video.get("user") or {}).get("name") or "").strip() or "an unnamed creator"
        return VideoResult(
            path=path,
            source=self.name,
            source_id=str(video["id"]),
            url=video.get("url") or "",
            licence=LICENCE,
            attribution=f"Video by {creator} on Pexels",
        )
