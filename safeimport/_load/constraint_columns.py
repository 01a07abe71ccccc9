"""Which column a table's constraint covers: for naming the column of a row that the
constraint refused, when PostgreSQL's error names only the constraint."""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

__all__ = ["constraint_column"]


def constraint_column(
    connection: BaseDatabaseWrapper, table: str, constraint: str, *, only: bool = False
) -> str | None:
    """The first column (as PostgreSQL names it) that ``constraint`` of ``table`` (a
    model's ``db_table``) covers; with ``only``, ``None`` unless it covers just that one."""
    single = " AND cardinality(c.conkey) = 1" if only else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_constraint c JOIN pg_attribute a "  # noqa: S608 (constants)
            "ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.conrelid = %s::regclass AND c.conname = %s" + single,
            [connection.ops.quote_name(table), constraint],
        )
        found = cursor.fetchone()
    return str(found[0]) if found else None
