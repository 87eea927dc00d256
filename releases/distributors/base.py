"""The one interface every distributor implements, and the package it is given."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import IO


class DeliveryError(Exception):
    """A distributor refused or lost a file; the attempt failed and may be retried."""


@dataclass(frozen=True)
class PackageFile:
    """One file of the package as distributors see it."""

    name: str
    kind: str
    sha256: str
    size: int
    open: Callable[[], IO[bytes]]


@dataclass(frozen=True)
class Package:
    release_id: int
    title: str
    artist: str
    isrc: str
    upc: str
    batch_id: str
    files: list[PackageFile]

    def manifest(self, refs: dict[str, str]) -> bytes:
        """The completion marker's body: every file with its checksum and where it landed."""
        body = {
            "release_id": self.release_id,
            "upc": self.upc,
            "isrc": self.isrc,
            "title": self.title,
            "artist": self.artist,
            "batch_id": self.batch_id,
            "files": [
                {"name": f.name, "kind": f.kind, "sha256": f.sha256, "size": f.size, "ref": refs.get(f.name, "")}
                for f in self.files
            ],
        }
        return json.dumps(body, indent=2, ensure_ascii=False).encode()


@dataclass(frozen=True)
class Marker:
    name: str
    body: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


class Session(ABC):
    """An open connection to a distributor for one release; `notes` end up in the Delivery row."""

    notes: dict

    def __init__(self) -> None:
        self.notes = {}

    @abstractmethod
    def send_file(self, file: PackageFile) -> str:
        """Send one file and confirm it arrived intact; return where it is (path, id, CID)."""

    @abstractmethod
    def send_marker(self, marker: Marker) -> str:
        """Send the completion marker, after every file is confirmed."""


class Distributor(ABC):
    """A delivery target. `open` returns a context manager yielding a Session."""

    name: str

    @abstractmethod
    def open(self, package: Package) -> AbstractContextManager[Session]: ...

    def marker(self, package: Package, refs: dict[str, str]) -> Marker:
        return Marker(name="delivery.complete.json", body=package.manifest(refs))


def iter_chunks(stream: IO[bytes], size: int = 1024 * 1024) -> Iterator[bytes]:
    while chunk := stream.read(size):
        yield chunk
