"""Local servers speaking the distributors' protocols, for delivery tests.

- a real SFTP server (paramiko ServerInterface + SFTPServerInterface) serving a folder;
- an HTTPS upload endpoint (TLS with a throwaway certificate) taking multipart POSTs;
- a Kubo RPC API answering `/api/v0/add` with NDJSON, and an IPFS Pinning Service API.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import http.server
import ipaddress
import json
import os
import socket
import ssl
import threading
import uuid
from email import policy
from email.parser import BytesParser
from pathlib import Path

import paramiko
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# --- SFTP -----------------------------------------------------------------------------------


class _SshServer(paramiko.ServerInterface):
    def __init__(self, user: str, key: paramiko.PKey) -> None:
        self.user = user
        self.key = key

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        if username == self.user and key.get_base64() == self.key.get_base64():
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def get_allowed_auths(self, username: str) -> str:
        return "publickey"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


class _SftpHandle(paramiko.SFTPHandle):
    def stat(self):
        return paramiko.SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))


class _FolderSftp(paramiko.SFTPServerInterface):
    """Serves `root` (set on the class by the fixture); records every completed upload."""

    root: Path
    uploads: list[str]

    def _path(self, path: str) -> Path:
        resolved = (self.root / path.lstrip("/")).resolve()
        if not str(resolved).startswith(str(self.root.resolve())):
            raise PermissionError(path)
        return resolved

    def _err(self, exc: OSError) -> int:
        return paramiko.SFTPServer.convert_errno(exc.errno)

    def stat(self, path: str):
        try:
            return paramiko.SFTPAttributes.from_stat(os.stat(self._path(path)))
        except OSError as exc:
            return self._err(exc)

    lstat = stat

    def list_folder(self, path: str):
        try:
            folder = self._path(path)
            return [
                paramiko.SFTPAttributes.from_stat(os.stat(folder / name), filename=name) for name in os.listdir(folder)
            ]
        except OSError as exc:
            return self._err(exc)

    def open(self, path: str, flags: int, attr):
        target = self._path(path)
        try:
            fd = os.open(target, flags | getattr(os, "O_BINARY", 0), 0o644)
            mode = "r+b" if flags & os.O_RDWR else ("wb" if flags & os.O_WRONLY else "rb")
            if flags & os.O_APPEND:
                mode = "ab"
            handle = _SftpHandle(flags)
            stream = os.fdopen(fd, mode)
            handle.readfile = stream
            handle.writefile = stream
            handle.filename = str(target)
            return handle
        except OSError as exc:
            return self._err(exc)

    def remove(self, path: str) -> int:
        try:
            os.remove(self._path(path))
        except OSError as exc:
            return self._err(exc)
        return paramiko.SFTP_OK

    def rename(self, oldpath: str, newpath: str) -> int:
        try:
            os.rename(self._path(oldpath), self._path(newpath))
        except OSError as exc:
            return self._err(exc)
        type(self).uploads.append(newpath)
        return paramiko.SFTP_OK

    posix_rename = rename

    def mkdir(self, path: str, attr) -> int:
        try:
            os.mkdir(self._path(path))
        except OSError as exc:
            return self._err(exc)
        return paramiko.SFTP_OK


class SftpServer:
    """A real SFTP server on 127.0.0.1 in a thread; `uploads` lists files renamed into place."""

    def __init__(self, root: Path, user: str, client_key: paramiko.PKey) -> None:
        self.root = root
        self.user = user
        self.client_key = client_key
        self.host_key = paramiko.ECDSAKey.generate()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.sftp_class = type("BoundFolderSftp", (_FolderSftp,), {"root": root, "uploads": []})
        self.transports: list[paramiko.Transport] = []
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def uploads(self) -> list[str]:
        return self.sftp_class.uploads

    def known_hosts_line(self) -> str:
        return f"[127.0.0.1]:{self.port} {self.host_key.get_name()} {self.host_key.get_base64()}\n"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            transport = paramiko.Transport(conn)
            transport.add_server_key(self.host_key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, self.sftp_class)
            self.transports.append(transport)
            try:
                transport.start_server(server=_SshServer(self.user, self.client_key))
            except (paramiko.SSHException, OSError, EOFError):
                continue  # a client that hung up mid-handshake (e.g. it refused our host key)

    def close(self) -> None:
        self.sock.close()
        for transport in self.transports:
            transport.close()


# --- HTTP(S) ---------------------------------------------------------------------------------


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (EC key, one day), to serve TLS and to trust as the CA bundle."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """(fields, files) from a multipart/form-data body, with the standard library's email parser."""
    message = BytesParser(policy=policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + body
    )
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            files[name] = (part.get_filename(), payload)
        else:
            fields[name] = payload.decode()
    return fields, files


class _Handler(http.server.BaseHTTPRequestHandler):
    app: LocalHttpServer

    def log_message(self, *args) -> None:  # quiet test output
        pass

    def _reply(self, status: int, body: bytes | dict | str, content_type: str = "application/json") -> None:
        if isinstance(body, dict):
            body = json.dumps(body)
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        status, reply, content_type = self.app.handle(self.path, dict(self.headers), body)
        self._reply(status, reply, content_type)


class LocalHttpServer:
    """A threaded HTTP(S) server on 127.0.0.1 whose `handle(path, headers, body)` is the app."""

    def __init__(self, *, tls: tuple[Path, Path] | None = None) -> None:
        handler = type("Handler", (_Handler,), {"app": self})
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        scheme = "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"
        self.requests: list[tuple[str, dict]] = []
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def handle(self, path: str, headers: dict, body: bytes) -> tuple[int, bytes | dict | str, str]:
        raise NotImplementedError

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class UploadEndpoint(LocalHttpServer):
    """The HTTPS upload wire format of releases/distributors/https.py, with a bearer token.

    `fail` maps a file name to how many more times to answer 503 for it ("*" = every file).
    """

    def __init__(self, *, token: str, tls: tuple[Path, Path]) -> None:
        super().__init__(tls=tls)
        self.token = token
        self.stored: dict[str, bytes] = {}
        self.posts: list[str] = []
        self.fail: dict[str, int] = {}
        self.completed = False

    def handle(self, path, headers, body):
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"detail": "bad token"}, "application/json"
        fields, files = parse_multipart(headers["Content-Type"], body)
        name = fields["name"]
        self.posts.append(name)
        for key in (name, "*"):
            if self.fail.get(key, 0) > 0:
                self.fail[key] -= 1
                return 503, {"detail": "try later"}, "application/json"
        filename, data = files["file"]
        digest = hashlib.sha256(data).hexdigest()
        if digest != fields["sha256"] or int(fields["size"]) != len(data) or filename != name:
            return 422, {"detail": "checksum mismatch"}, "application/json"
        self.stored[name] = data
        if fields.get("complete") == "1":
            self.completed = True
        return 201, {"id": f"up-{len(self.stored)}", "sha256": digest}, "application/json"


def cid_v1_raw(data: bytes) -> str:
    """A CIDv1 (raw codec, sha2-256) in base32, the form Kubo gives a small file with raw leaves."""
    multihash = bytes([0x12, 0x20]) + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(bytes([0x01, 0x55]) + multihash).decode().lower().rstrip("=")


class KuboApi(LocalHttpServer):
    """Kubo's RPC `/api/v0/add`: multipart in, NDJSON `{"Name","Hash","Size"}` lines out."""

    def __init__(self) -> None:
        super().__init__()
        self.added: dict[str, bytes] = {}
        self.params: list[str] = []

    def handle(self, path, headers, body):
        if not path.startswith("/api/v0/add"):
            return 404, "404 page not found", "text/plain"
        self.params.append(path)
        _, files = parse_multipart(headers["Content-Type"], body)
        lines = []
        for filename, data in files.values():
            cid = cid_v1_raw(data)
            self.added[cid] = data
            lines.append(json.dumps({"Name": filename, "Hash": cid, "Size": str(len(data))}))
        return 200, ("\n".join(lines) + "\n").encode(), "application/x-ndjson"


class PinningService(LocalHttpServer):
    """IPFS Pinning Service API: `POST /pins` -> 202 PinStatus."""

    def __init__(self, *, token: str) -> None:
        super().__init__()
        self.token = token
        self.pins: dict[str, dict] = {}

    def handle(self, path, headers, body):
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"error": {"reason": "UNAUTHORIZED"}}, "application/json"
        if path != "/pins":
            return 404, {"error": {"reason": "NOT_FOUND"}}, "application/json"
        pin = json.loads(body)
        status = {
            "requestid": str(uuid.uuid4()),
            "status": "queued",
            "created": datetime.datetime.now(datetime.UTC).isoformat(),
            "pin": pin,
            "delegates": ["/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWPinningServiceDelegate"],
        }
        self.pins[pin["cid"]] = status
        return 202, status, "application/json"
