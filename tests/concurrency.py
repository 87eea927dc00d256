"""Another worker's transaction, held open while the code under test runs (PostgreSQL tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def committed_later(work: Callable[[], object], *, seconds: float = 1.5) -> Iterator[None]:
    """Run `work` in a transaction on another connection and keep it open for `seconds`.

    The block runs while the transaction holds its locks and its writes are not yet visible;
    the writes commit while the block waits on them (or later), which is the interleaving a
    race needs. The thread is joined when the block ends."""
    holding = threading.Event()
    failure: list[BaseException] = []

    def other_worker() -> None:
        try:
            with transaction.atomic():
                work()
                holding.set()
                time.sleep(seconds)
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
