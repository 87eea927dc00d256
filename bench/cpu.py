"""CPU time spent by the server side of a benchmark: gunicorn's workers and their PostgreSQL backends.

On a shared machine wall-clock latencies mostly measure the wait for a core; the CPU seconds the
server's processes burn per request barely depend on the other load. Read from /proc (Linux), so
PostgreSQL has to run on the same host; where it does not, only gunicorn's share is reported.
"""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of one process (None once it has gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # after "pid (comm)": state is fields[0], utime [11], stime [12]
    return (int(fields[11]) + int(fields[12])) / TICK


def children(pid: int) -> list[int]:
    """Direct children of `pid` (gunicorn's workers under its master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


class ServerCpu:
    """Snapshots of the CPU seconds of gunicorn's workers and of the database's backends."""

    def __init__(self, *, master_pid: int, database_url: str) -> None:
        self.master_pid = master_pid
        self.database_url = database_url
        self.local_database = True

    def _backends(self) -> list[int]:
        import psycopg

        name = database_name(self.database_url)
        try:
            with psycopg.connect(self.database_url.replace(f"/{name}", "/postgres"), connect_timeout=5) as conn:
                rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]).fetchall()
        except psycopg.Error:
            return []
        return [row[0] for row in rows]

    def snapshot(self) -> dict[str, dict[int, float]]:
        web = {pid: process_cpu_seconds(pid) for pid in children(self.master_pid)}
        database = {pid: process_cpu_seconds(pid) for pid in self._backends()}
        if database and all(value is None for value in database.values()):
            self.local_database = False
        return {
            "web": {pid: cpu for pid, cpu in web.items() if cpu is not None},
            "database": {pid: cpu for pid, cpu in database.items() if cpu is not None},
        }

    @staticmethod
    def spent(before: dict, after: dict) -> dict[str, float]:
        """CPU seconds between two snapshots; a process born in between counts from zero."""
        result = {}
        for side in ("web", "database"):
            result[side] = sum(cpu - before[side].get(pid, 0.0) for pid, cpu in after[side].items())
        return result


def database_name(url: str) -> str:
    from urllib.parse import urlparse

    return urlparse(url).path.lstrip("/")
