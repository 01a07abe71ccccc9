"""``mode="replace"``: the table's rows that the input lacks are deleted before the move.

The rows whose key is in the input stay and are updated in place by the move, so rows of
other tables that point at them stay right. Only the rows the input lacks go.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

from .._db import compose_django
from .job import Job
from .plan import ColumnPlan
from .staging import ColumnType, cast_sql

__all__ = ["delete_the_rest", "replace_key"]


def replace_key(job: Job, plan: ColumnPlan) -> list[str]:
    """The columns that match the table's rows to the input's: the conflict fields (the
    primary key by default), when the input has them; else none."""
    key = job.conflict_columns()
    return key if set(key) <= set(plan.columns) else []


def delete_the_rest(
    connection: BaseDatabaseWrapper,
    table: str,
    staging: str,
    types: dict[str, ColumnType],
    key: list[str],
) -> int:
    """Delete the rows of ``table`` whose ``key`` is in no row of ``staging`` (every row
    when ``key`` is empty); return how many went."""
    names: dict[str, str | list[str] | tuple[str, list[str]]] = {
        "table": table,
        "staging": staging,
    }
    matches = []
    for index, column in enumerate(key):
        names[f"k{index}"] = column
        value = cast_sql(connection, types[column], f"s.{{k{index}}}")
        matches.append(f"{value} = t.{{k{index}}}")
    template = "DELETE FROM {table} AS t"
    if matches:
        template += (
            " WHERE NOT EXISTS (SELECT FROM {staging} AS s WHERE " + " AND ".join(matches) + ")"
        )
    with connection.cursor() as cursor:
        cursor.execute(compose_django(connection, template, **names))
        return int(cursor.rowcount)
