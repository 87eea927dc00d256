"""A named lock across worker processes, held for one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def exclusive(name: str) -> Iterator[None]:
    """Run the block in a transaction that no other holder of `name` overlaps.

    For work that reads, computes and rewrites a derived table (a profile rebuild): two copies
    interleaved would each delete what the other had not yet written, or write from a read
    that misses the other's input. PostgreSQL: a transaction-level advisory lock on the name's
    hash, released at commit or rollback. SQLite: the IMMEDIATE transaction (settings) takes
    the database's write lock at its start, which already serialises writers.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])
        yield
