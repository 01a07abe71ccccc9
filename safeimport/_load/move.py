"""The move of staged rows into the table: one ``INSERT ... SELECT`` over a range of them.

A row without an id gets one drawn from its sequence (``coalesce(id, nextval(...))``),
past every staged id once the reservation is made. ``on_conflict`` becomes ``ON CONFLICT``
(``mode="replace"`` updates), and the statement returns how many rows it inserted and how
many it updated.
"""

# The statements here are built from this module's constants and names quoted as Django
# quotes them (compose_django) or by the driver (cast_sql).
# ruff: noqa: S608

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

from .._db import compose_django
from .job import Job
from .plan import ColumnPlan
from .staging import ROW, ColumnType, cast_sql

__all__ = ["Move"]


class Move:
    """Moves staged rows into the table (or a dry run's copy of it).

    Args:
        job: The load.
        connection: Its connection.
        plan: Its column plan.
        staging: The staging table.
        target: The table the rows go to.
        types: The table's types of the plan's columns.
        draws: The sequence (by OID) that each sequence-backed column of the plan draws
            missing ids from.
    """

    def __init__(
        self,
        job: Job,
        connection: BaseDatabaseWrapper,
        plan: ColumnPlan,
        staging: str,
        target: str,
        types: dict[str, ColumnType],
        draws: dict[str, int],
    ) -> None:
        self.job = job
        self.connection = connection
        self.plan = plan
        self.staging = staging
        self.target = target
        self.types = types
        self._range_first = False
        self.statement, self.params = self._insert_sql(draws)

    def __call__(self, first: int, last: int) -> tuple[int, int]:
        """Move staged rows ``first`` to ``last``; return (inserted, updated)."""
        lead = [first, last] if self._range_first else []
        with self.connection.cursor() as cursor:
            cursor.execute(self.statement, [*lead, *self.params, first, last])
            if self.job.options.merge == "error":
                return cursor.rowcount, 0
            inserted, updated = cursor.fetchone()
            return int(inserted), int(updated)

    def _insert_sql(self, draws: dict[str, int]) -> tuple[str, list[int]]:
        """The statement that moves the staged rows (a range of them, with screening) into
        the table, and its parameters."""
        job, plan, connection = self.job, self.plan, self.connection
        merge = job.options.merge
        params: list[int] = []
        selected = []
        names: dict[str, str | list[str] | tuple[str, list[str]]] = {
            "table": self.target,
            "staging": self.staging,
            "columns": plan.columns,
        }
        for index, column in enumerate(plan.columns):
            names[f"c{index}"] = column
            value = cast_sql(connection, self.types[column], f"{{c{index}}}")
            if column in draws:
                selected.append(f"coalesce({value}, nextval(%s::int8::oid::regclass))")
                params.append(draws[column])
            else:
                selected.append(value)
        conflict = job.conflict_columns()
        # An existing row keeps its primary key (other tables may point at it).
        key = str(job.model._meta.pk.column)
        updates = [c for c in plan.columns if c not in conflict and c != key]
        always = any(getattr(target.field, "db_returning", False) for _, target in plan.sequenced())
        overriding = "OVERRIDING SYSTEM VALUE" if always else ""
        template = (
            "INSERT INTO {table} ({columns}) " + overriding + " "
            "SELECT " + ", ".join(selected) + " FROM {staging}"
        )
        template += " WHERE " + ROW + " BETWEEN %s AND %s"
        if merge != "error":
            names["conflict"] = conflict
            action = "DO NOTHING"
            if merge == "update" and updates:
                action = "DO UPDATE SET ({updates}) = ROW({excluded})"
                names["updates"] = updates
                names["excluded"] = ("EXCLUDED.", updates)
            template += " ON CONFLICT ({conflict}) " + action
            template = self._counted(template, conflict, names)
        return compose_django(connection, template, **names), params

    def _counted(
        self,
        insert: str,
        conflict: list[str],
        names: dict[str, str | list[str] | tuple[str, list[str]]],
    ) -> str:
        """``insert`` (with ON CONFLICT) as a statement that returns how many rows it
        inserted and how many it updated.

        A row's ``xmax`` is 0 when the statement inserted it. A partitioned table cannot
        return that system column: there, the rows whose key the table already holds are
        counted in the same statement (the same snapshot) before the insert, which is
        exact unless another transaction commits one of those keys meanwhile.
        """
        if not self._partitioned():
            return (
                "WITH done AS (" + insert + " RETURNING xmax = 0 AS inserted) "
                "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
                "FROM done"
            )
        matches = []
        for n, column in enumerate(conflict):
            names[f"k{n}"] = column
            index = self.plan.columns.index(column)
            matches.append("t.{k" + str(n) + "} = " + self._cast(column, f"s.{{c{index}}}"))
        existing = (
            "SELECT count(*) AS n FROM {staging} AS s WHERE s." + ROW + " BETWEEN %s AND %s "
            "AND EXISTS (SELECT FROM {table} AS t WHERE " + " AND ".join(matches) + ")"
        )
        if self.job.options.merge != "update":
            existing = "SELECT 0 AS n"
        else:
            self._range_first = True  # the count's own row range comes first
        return (
            "WITH existing AS (" + existing + "), done AS (" + insert + " RETURNING 1) "
            "SELECT (SELECT count(*) FROM done) - least(n, (SELECT count(*) FROM done)), "
            "least(n, (SELECT count(*) FROM done)) FROM existing"
        )

    def _partitioned(self) -> bool:
        with self.connection.cursor() as cursor:
            table = self.connection.ops.quote_name(self.target)
            cursor.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = %s::regclass", [table])
            return bool(cursor.fetchone()[0])

    def _cast(self, column: str, value: str) -> str:
        return cast_sql(self.connection, self.types[column], value)
