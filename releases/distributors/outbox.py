"""`outbox`: a complete folder per release under the media root, plus a zip of it.

Each file is written to a temporary name, checked against its SHA-256 and renamed into
place, so the folder never holds a half-written file; the zip is written last and is the
completion marker (with the manifest beside it).
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from releases.distributors.base import DeliveryError, Distributor, Marker, Package, PackageFile, Session, iter_chunks


def outbox_root() -> Path:
    return Path(settings.RELEASE_OUTBOX_DIR) if settings.RELEASE_OUTBOX_DIR else Path(settings.MEDIA_ROOT) / "outbox"


def release_folder_name(package: Package) -> str:
    return f"{package.upc}_{package.isrc}"


class _OutboxSession(Session):
    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def _write(self, name: str, chunks: Iterator[bytes], sha256: str) -> Path:
        target = self.folder / name
        partial = target.with_name(target.name + ".part")
        digest = hashlib.sha256()
        with open(partial, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            partial.unlink(missing_ok=True)
            raise DeliveryError(f"{name}: checksum mismatch while writing to the outbox.")
        os.replace(partial, target)
        return target

    def send_file(self, file: PackageFile) -> str:
        with file.open() as stream:
            target = self._write(file.name, iter_chunks(stream), file.sha256)
        return str(target.relative_to(self.folder.parent))

    def send_marker(self, marker: Marker) -> str:
        self._write(marker.name, iter([marker.body]), marker.sha256)
        archive = self.folder.with_suffix(".zip")
        partial = archive.with_name(archive.name + ".part")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(self.folder.iterdir()):
                if not path.name.endswith(".part"):
                    zf.write(path, arcname=f"{self.folder.name}/{path.name}")
        os.replace(partial, archive)
        return str(archive.relative_to(self.folder.parent))


class OutboxDistributor(Distributor):
    name = "outbox"

    @contextmanager
    def open(self, package: Package) -> Iterator[Session]:
        folder = outbox_root() / release_folder_name(package)
        folder.mkdir(parents=True, exist_ok=True)
        yield _OutboxSession(folder)

    def marker(self, package: Package, refs: dict[str, str]) -> Marker:
        return Marker(name="manifest.json", body=package.manifest(refs))
