"""IPFS: add every file to a Kubo node over its HTTP RPC API, optionally pin remotely.

- Kubo RPC: `POST <RELEASE_IPFS_API_URL>/api/v0/add?cid-version=1&pin=true` with a multipart
  `file` part; the answer is NDJSON, one `{"Name", "Hash", "Size"}` object per added entry.
- IPFS Pinning Service API (when RELEASE_IPFS_PINNING_URL is set): `POST <url>/pins` with
  `{"cid", "name", "meta"}` and a bearer token; the answer is a PinStatus
  `{"requestid", "status", "pin": {"cid", ...}, ...}` whose status must not be `failed`.

The completion marker is `manifest.json` (every file with its CID), added the same way;
its CID is the release's address on IPFS.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from releases.distributors.base import DeliveryError, Distributor, Marker, Package, PackageFile, Session

ACCEPTED_PIN_STATUSES = {"queued", "pinning", "pinned"}


def _auth_header(token: str) -> dict[str, str]:
    if not token:
        return {}
    return {"Authorization": token if token.split(" ", 1)[0] in {"Bearer", "Basic"} else f"Bearer {token}"}


class _IpfsSession(Session):
    def __init__(self, kubo: httpx.Client, pinning: httpx.Client | None, package: Package) -> None:
        super().__init__()
        self.kubo = kubo
        self.pinning = pinning
        self.package = package
        self.notes = {"cids": {}, "pins": {}}

    def _add(self, name: str, stream: IO[bytes]) -> str:
        try:
            response = self.kubo.post(
                "/api/v0/add",
                params={"cid-version": "1", "pin": "true", "progress": "false"},
                files={"file": (name, stream, "application/octet-stream")},
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{name}: IPFS add failed: {type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            raise DeliveryError(f"{name}: the IPFS node answered {response.status_code}: {response.text[:300]}")
        entries = []
        for line in response.text.splitlines():
            if line.strip():
                try:
                    entries.append(json.loads(line))
                except ValueError as exc:
                    raise DeliveryError(f"{name}: the IPFS node sent a line that is not JSON: {line[:120]!r}") from exc
        cid = next((e.get("Hash") for e in entries if e.get("Name") == name and e.get("Hash")), None)
        if not cid:
            raise DeliveryError(f"{name}: the IPFS node's answer names no CID for it: {response.text[:300]}")
        self.notes["cids"][name] = cid
        return cid

    def _pin(self, name: str, cid: str) -> None:
        if self.pinning is None:
            return
        body = {"cid": cid, "name": f"{self.package.upc}/{name}", "meta": {"release": str(self.package.release_id)}}
        try:
            response = self.pinning.post("/pins", json=body)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{name}: pin request failed: {type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            raise DeliveryError(f"{name}: the pinning service answered {response.status_code}: {response.text[:300]}")
        status = response.json()
        if status.get("status") not in ACCEPTED_PIN_STATUSES or (status.get("pin") or {}).get("cid") != cid:
            raise DeliveryError(f"{name}: the pinning service did not accept {cid}: {status}")
        self.notes["pins"][name] = {"requestid": status.get("requestid"), "status": status.get("status")}

    def send_file(self, file: PackageFile) -> str:
        with file.open() as stream:
            cid = self._add(file.name, stream)
        self._pin(file.name, cid)
        return cid

    def send_marker(self, marker: Marker) -> str:
        cid = self._add(marker.name, io.BytesIO(marker.body))
        self._pin(marker.name, cid)
        self.notes["cid"] = cid
        return cid


class IpfsDistributor(Distributor):
    name = "ipfs"

    def __init__(self) -> None:
        if not settings.RELEASE_IPFS_API_URL:
            raise ImproperlyConfigured("RELEASE_IPFS_API_URL must be set (a Kubo RPC API) to deliver to IPFS.")
        if settings.RELEASE_IPFS_PINNING_URL and not settings.RELEASE_IPFS_PINNING_TOKEN:
            raise ImproperlyConfigured("RELEASE_IPFS_PINNING_TOKEN must be set when RELEASE_IPFS_PINNING_URL is.")

    @contextmanager
    def open(self, package: Package) -> Iterator[Session]:
        timeout = httpx.Timeout(settings.RELEASE_IPFS_TIMEOUT, connect=10.0)
        with httpx.Client(
            base_url=settings.RELEASE_IPFS_API_URL.rstrip("/"),
            timeout=timeout,
            headers=_auth_header(settings.RELEASE_IPFS_API_TOKEN),
        ) as kubo:
            if settings.RELEASE_IPFS_PINNING_URL:
                with httpx.Client(
                    base_url=settings.RELEASE_IPFS_PINNING_URL.rstrip("/"),
                    timeout=timeout,
                    headers=_auth_header(settings.RELEASE_IPFS_PINNING_TOKEN),
                ) as pinning:
                    yield _IpfsSession(kubo, pinning, package)
            else:
                yield _IpfsSession(kubo, None, package)

    def marker(self, package: Package, refs: dict[str, str]) -> Marker:
        return Marker(name="manifest.json", body=package.manifest(refs))
