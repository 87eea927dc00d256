"""SFTP batch delivery (paramiko), shaped like the DDEX batch profile.

Layout on the server: `<remote dir>/<batch id>/<UPC>/<files>`, then the completion marker
`<remote dir>/<batch id>/BatchComplete_<batch id>.xml` once every file is confirmed. A file
is uploaded under a `.part` name, its size checked with stat, and renamed into place, so the
recipient never ingests a partial file. Unknown host keys are refused.
"""

from __future__ import annotations

import io
import posixpath
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from xml.sax.saxutils import escape

import paramiko
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from releases.distributors.base import DeliveryError, Distributor, Marker, Package, PackageFile, Session


def _load_key(path: str, passphrase: str) -> paramiko.PKey:
    try:
        return paramiko.PKey.from_path(path, password=passphrase or None)
    except (OSError, paramiko.SSHException) as exc:
        raise ImproperlyConfigured(f"RELEASE_SFTP_KEY_PATH={path!r} cannot be loaded: {exc}") from exc


class _SftpSession(Session):
    def __init__(self, sftp: paramiko.SFTPClient, release_dir: str, batch_dir: str) -> None:
        super().__init__()
        self.sftp = sftp
        self.release_dir = release_dir
        self.batch_dir = batch_dir

    def _put(self, stream, remote: str, size: int) -> str:
        partial = remote + ".part"
        self.sftp.putfo(stream, partial, file_size=size, confirm=True)
        attrs = self.sftp.stat(partial)
        if attrs.st_size != size:
            raise DeliveryError(f"{remote}: the server holds {attrs.st_size} bytes, expected {size}.")
        with suppress(FileNotFoundError):
            self.sftp.remove(remote)
        self.sftp.rename(partial, remote)
        return remote

    def send_file(self, file: PackageFile) -> str:
        with file.open() as stream:
            return self._put(stream, posixpath.join(self.release_dir, file.name), file.size)

    def send_marker(self, marker: Marker) -> str:
        return self._put(io.BytesIO(marker.body), posixpath.join(self.batch_dir, marker.name), len(marker.body))


def _makedirs(sftp: paramiko.SFTPClient, path: str) -> None:
    current = "/" if path.startswith("/") else ""
    for part in [p for p in path.split("/") if p]:
        current = posixpath.join(current, part) if current else part
        try:
            if not stat.S_ISDIR(sftp.stat(current).st_mode):
                raise DeliveryError(f"{current} exists on the SFTP server and is not a folder.")
        except FileNotFoundError:
            sftp.mkdir(current)


class SftpDistributor(Distributor):
    name = "sftp"

    def __init__(self) -> None:
        for variable in ("RELEASE_SFTP_HOST", "RELEASE_SFTP_USER"):
            if not getattr(settings, variable):
                raise ImproperlyConfigured(f"{variable} must be set to deliver by SFTP.")
        if not settings.RELEASE_SFTP_KEY_PATH and not settings.RELEASE_SFTP_PASSWORD:
            raise ImproperlyConfigured(
                "RELEASE_SFTP_KEY_PATH (or RELEASE_SFTP_PASSWORD) must be set to deliver by SFTP."
            )
        known_hosts = settings.RELEASE_SFTP_KNOWN_HOSTS or str(Path.home() / ".ssh" / "known_hosts")
        if not Path(known_hosts).is_file():
            raise ImproperlyConfigured(
                f"RELEASE_SFTP_KNOWN_HOSTS={known_hosts!r} is not a file; the server's host key must be known."
            )
        self.known_hosts = known_hosts
        self.key = (
            _load_key(settings.RELEASE_SFTP_KEY_PATH, settings.RELEASE_SFTP_KEY_PASSPHRASE)
            if settings.RELEASE_SFTP_KEY_PATH
            else None
        )

    @contextmanager
    def open(self, package: Package) -> Iterator[Session]:
        client = paramiko.SSHClient()
        client.load_host_keys(self.known_hosts)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(
                settings.RELEASE_SFTP_HOST,
                port=settings.RELEASE_SFTP_PORT,
                username=settings.RELEASE_SFTP_USER,
                pkey=self.key,
                password=settings.RELEASE_SFTP_PASSWORD or None,
                timeout=settings.RELEASE_SFTP_TIMEOUT,
                banner_timeout=settings.RELEASE_SFTP_TIMEOUT,
                auth_timeout=settings.RELEASE_SFTP_TIMEOUT,
                allow_agent=False,
                look_for_keys=False,
            )
            sftp = client.open_sftp()
            sftp.get_channel().settimeout(settings.RELEASE_SFTP_TIMEOUT)
            batch_dir = posixpath.join(settings.RELEASE_SFTP_REMOTE_DIR, package.batch_id)
            release_dir = posixpath.join(batch_dir, package.upc)
            _makedirs(sftp, release_dir)
            yield _SftpSession(sftp, release_dir, batch_dir)
        finally:
            client.close()

    def marker(self, package: Package, refs: dict[str, str]) -> Marker:
        files = "".join(
            f'  <File name="{escape(f.name)}" size="{f.size}" sha256="{f.sha256}"/>\n' for f in package.files
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<BatchComplete batchId="{package.batch_id}" upc="{package.upc}" isrc="{package.isrc}">\n'
            f"{files}</BatchComplete>\n"
        )
        return Marker(name=f"BatchComplete_{package.batch_id}.xml", body=body.encode())
