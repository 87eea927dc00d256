"""`make run`'s processes stop within 10 s on SIGTERM to their process group (a supervisor) and on Ctrl-C.

django-q's sentinel, hit by a group-wide SIGTERM, used to die holding a lock, leaving the
cluster waiting on it for good after "stopping".
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _marked(marker: str) -> list[int]:
    """Live processes started by this test (they inherit its marker in their environment)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().split()[2]
        except OSError:
            continue
        if f"NOKTVRN_TEST_MARK={marker}".encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm-to-group", "ctrl-c"])
def test_make_run_processes_stop_within_10_s(sig, tmp_path):
    if not Path("/proc").exists():
        pytest.skip("needs /proc to find the processes")
    marker = uuid.uuid4().hex
    port = _free_port()
    env = {
        **os.environ,
        "NOKTVRN_TEST_MARK": marker,
        "DJANGO_SETTINGS_MODULE": "noktvrn.settings.base",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "REDIS_URL": "",
        "Q_CLUSTER_NAME": f"stop-{marker[:8]}",
        "RUN_ADDRESS": f"127.0.0.1:{port}",
    }
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    log = (tmp_path / "run.log").open("wb")
    process = subprocess.Popen(
        ["sh", "deploy/run-dev.sh", python],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # like a supervisor: the run has its own process group
        # As in a terminal: SIGINT handled by default even when the suite itself was started in
        # the background by a shell without job control (which starts it with SIGINT ignored,
        # an inherited setting a non-interactive sh may not trap).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 120
        ready = False
        while time.monotonic() < deadline and not ready:
            time.sleep(0.5)
            text = (tmp_path / "run.log").read_text(errors="replace")
            try:
                web_up = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                web_up = False
            ready = web_up and "running." in text
        assert ready, (tmp_path / "run.log").read_text(errors="replace")[-3000:]
        assert len(_marked(marker)) >= 5  # shell, web, cluster main, sentinel, workers...

        started = time.monotonic()
        os.killpg(process.pid, sig)
        while _marked(marker) and time.monotonic() - started < 15:
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        left = _marked(marker)
        assert not left and elapsed < 10, (elapsed, left, (tmp_path / "run.log").read_text(errors="replace")[-3000:])
    finally:
        for pid in _marked(marker):
            os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)
