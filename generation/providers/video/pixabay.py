"""Pixabay stock video: search, pick a rendition by orientation and size, download, credit the creator."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..errors import ProviderError
from ..http import Step, json_body, request, vendor_client
from .base import VideoRequest, VideoResult
from .stock import choose, finish, fits, search_queries, size_preference

LICENCE = "Pixabay Content License (https://pixabay.com/service/license-summary/)"
RENDITIONS = ("large", "medium", "small", "tiny")


class PixabayVideoProvider:
    """Client for `GET /api/videos/?key=&q=` (the key travels as a query parameter)."""

    name = "pixabay"

    def __init__(self) -> None:
        if not settings.PIXABAY_API_KEY:
            raise ImproperlyConfigured("PIXABAY_API_KEY is not set but pixabay is in VIDEO_PROVIDERS")
        self.base_url = settings.PIXABAY_BASE_URL

    def _candidates(self, data: dict, req: VideoRequest) -> list[dict]:
        found = []
        for hit in data.get("hits") or []:
            renditions = [
                r
                for name in RENDITIONS
                if (r := (hit.get("videos") or {}).get(name)) and r.get("url")
                if fits(r.get("width"), r.get("height"), req.orientation)
            ]
            if not renditions or not hit.get("id"):
                continue
            best = min(renditions, key=lambda r: size_preference(r["width"], r["height"]))
            found.append({**hit, "_file": best, "_rank": len(found)})
        return found

    def fetch(self, req: VideoRequest, *, workdir: Path) -> VideoResult:
        step = Step(provider=self.name, name="search", limit=settings.VIDEO_SEARCH_TIME_LIMIT_SECONDS)
        candidates: list[dict] = []
        with vendor_client() as client:
            for query in search_queries(req.query_terms):
                params = {"key": settings.PIXABAY_API_KEY, "q": query[:100], "per_page": 20, "safesearch": "true"}
                response = request(client, "GET", f"{self.base_url}/api/videos/", params=params, step=step)
                candidates = self._candidates(json_body(response, step=step), req)
                if candidates:
                    break
        if not candidates:
            raise ProviderError(f"pixabay found no {req.orientation} video for {req.query_terms}", provider=self.name)
        hit = choose(candidates, req)
        path = finish(provider=self.name, url=hit["_file"]["url"], clip_id=str(hit["id"]), request=req, workdir=workdir)
        creator = str(hit.get("user") or "").strip() or "an unnamed creator"
        return VideoResult(
            path=path,
            source=self.name,
            source_id=str(hit["id"]),
            url=hit.get("pageURL") or "",
            licence=LICENCE,
            attribution=f"Video by {creator} on Pixabay",
        )
