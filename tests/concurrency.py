"""Another worker's transaction, held open while the code under test runs (PostgreSQL tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction


def _someone_waits_on_a_lock() -> bool:
    """Another session of this database is blocked on a lock (ours, in these tests)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # pg_stat_activity is cached per transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@contextmanager
def committed_later(work: Callable[[], object], *, at_most: float = 5.0) -> Iterator[None]:
    """Run `work` in a transaction on another connection and keep it open while the block runs.

    It commits as soon as another session is seen blocked on a lock (the code under test,
    waiting on what `work` holds), or after `at_most` seconds: the interleaving a race needs,
    without guessing how long the code under test takes to get there. Code that does not
    wait simply runs on before the commit, which is what a test of a missing lock should see.
    The thread is joined when the block ends."""
    holding = threading.Event()
    failure: list[BaseException] = []

    def other_worker() -> None:
        try:
            with transaction.atomic():
                work()
                holding.set()
                deadline = time.monotonic() + at_most
                while time.monotonic() < deadline and not _someone_waits_on_a_lock():
                    time.sleep(0.05)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            failure.append(exc)
            holding.set()
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert holding.wait(10), "the other worker never started"
    try:
        if not failure:
            yield
    finally:
        thread.join(timeout=30)
    if failure:
        raise failure[0]
