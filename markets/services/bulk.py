"""Bulk INSERT without building a model instance per row (the cost that dominates at 100k rows)."""

from __future__ import annotations

from django.db import connection


def insert_many(model, fields: list[str], rows: list[tuple], *, ignore_conflicts: bool = False) -> None:
    """INSERT many rows with one prepared statement (executemany); values already in database form.

    SQLite and PostgreSQL both speak `ON CONFLICT DO NOTHING`. JSON values must be passed
    through `json_value` so each backend gets its own adaptation.
    """
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}){conflict}"  # noqa: S608 (names from the model)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


def json_value(value):
    """A JSON document adapted for the current database (text on SQLite, jsonb on PostgreSQL)."""
    return connection.ops.adapt_json_value(value, None)
