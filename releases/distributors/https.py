"""HTTPS upload: one multipart POST per file to a configured endpoint, bearer token auth.

Wire format (what a receiving endpoint implements):
- file: `POST <RELEASE_HTTPS_URL>` multipart with fields `release` (UPC), `isrc`, `name`, `kind`,
  `sha256`, `size` and the part `file`; header `Idempotency-Key: <UPC>:<name>:<sha256>`.
- marker: the same POST with `name` = `manifest.json`, `kind` = `manifest`, `complete` = `1`,
  once every file is confirmed.
- Any 2xx confirms; when the JSON answer carries `sha256` it must match. The answer's `id`
  (or `url`) is kept as the remote reference.
"""

from __future__ import annotations

import io
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from releases.distributors.base import DeliveryError, Distributor, Marker, Package, PackageFile, Session


class _HttpsSession(Session):
    def __init__(self, client: httpx.Client, package: Package) -> None:
        super().__init__()
        self.client = client
        self.package = package

    def _post(self, *, name: str, kind: str, sha256: str, size: int, stream: IO[bytes], extra: dict) -> str:
        data = {
            "release": self.package.upc,
            "isrc": self.package.isrc,
            "name": name,
            "kind": kind,
            "sha256": sha256,
            "size": str(size),
            **extra,
        }
        try:
            response = self.client.post(
                settings.RELEASE_HTTPS_URL,
                data=data,
                files={"file": (name, stream, "application/octet-stream")},
                headers={"Idempotency-Key": f"{self.package.upc}:{name}:{sha256}"},
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{name}: {type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            raise DeliveryError(f"{name}: the endpoint answered {response.status_code}: {response.text[:300]}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        if isinstance(body, dict) and body.get("sha256") and body["sha256"] != sha256:
            raise DeliveryError(f"{name}: the endpoint stored sha256 {body['sha256']}, expected {sha256}.")
        if isinstance(body, dict):
            return str(body.get("id") or body.get("url") or name)
        return name

    def send_file(self, file: PackageFile) -> str:
        with file.open() as stream:
            return self._post(
                name=file.name, kind=file.kind, sha256=file.sha256, size=file.size, stream=stream, extra={}
            )

    def send_marker(self, marker: Marker) -> str:
        return self._post(
            name=marker.name,
            kind="manifest",
            sha256=marker.sha256,
            size=len(marker.body),
            stream=io.BytesIO(marker.body),
            extra={"complete": "1"},
        )


class HttpsDistributor(Distributor):
    name = "https"

    def __init__(self) -> None:
        if not settings.RELEASE_HTTPS_URL:
            raise ImproperlyConfigured("RELEASE_HTTPS_URL must be set to deliver by HTTPS upload.")
        if not settings.RELEASE_HTTPS_TOKEN:
            raise ImproperlyConfigured("RELEASE_HTTPS_TOKEN must be set to deliver by HTTPS upload.")

    @contextmanager
    def open(self, package: Package) -> Iterator[Session]:
        timeout = httpx.Timeout(settings.RELEASE_HTTPS_TIMEOUT, connect=10.0)
        headers = {"Authorization": f"Bearer {settings.RELEASE_HTTPS_TOKEN}", "User-Agent": "noktvrn-releases"}
        verify = ssl.create_default_context(cafile=settings.RELEASE_HTTPS_CA_BUNDLE or None)
        with httpx.Client(timeout=timeout, headers=headers, verify=verify) as client:
            yield _HttpsSession(client, package)

    def marker(self, package: Package, refs: dict[str, str]) -> Marker:
        return Marker(name="manifest.json", body=package.manifest(refs))
