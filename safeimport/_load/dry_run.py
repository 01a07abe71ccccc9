"""A dry run's stand-in for the table: a temporary copy that the rows move into instead.

A dry run must tell what a load would do without touching what the application uses: its
rows never enter the table (an uncommitted row holds its key, so an application insert that
draws the same id would wait for the dry run's rollback), and no sequence moves. So the
rows move into a temporary table made ``LIKE`` the real one (its columns, defaults, CHECK
constraints, unique indexes and generated columns), holding a copy of the table's rows that
the input's keys could meet on any unique index, so ``on_conflict`` counts come out as the
real load's would. Ids the input lacks are drawn from temporary sequences.

What the copy has not, a dry run checks by reading: foreign keys (on the staged rows) and,
for ``mode="replace"``, the rows that would be deleted and the rows of other tables that
point at them. The table is only read (ACCESS SHARE, no row locks). Triggers of the table
do not run in a dry run.
"""

# The statements here are built from this module's constants and names quoted by the
# driver (compose) or as Django quotes them (compose_django).

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.psycopg_any import sql

from .._db import compose, real_name
from ..errors import LoadError
from .job import Job
from .staging import ColumnType

__all__ = ["SHADOW_PREFIX", "Shadow"]

SHADOW_PREFIX = "safeimport_shadow_"
"""How the name of a dry run's temporary copy of a table begins."""


class Shadow:
    """The temporary copy of ``job``'s table that a dry run moves its rows into.

    Args:
        job: The load.
        connection: Its connection.
        staging: The staging table.
        types: The table's types of the staged columns.
        draws: Per sequence-backed column of the table (the input's or not), the OID of the
            temporary sequence that hands out its ids in the dry run.
    """

    def __init__(
        self,
        job: Job,
        connection: BaseDatabaseWrapper,
        staging: str,
        types: dict[str, ColumnType],
        draws: dict[str, int],
    ) -> None:
        self.job = job
        self.connection = connection
        self.staging = staging
        self.types = types
        self.name = f"{SHADOW_PREFIX}{id(self)}"
        """The copy's name (a temporary table, dropped at the end of the transaction)."""
        self._table = connection.ops.quote_name(job.table)
        self._create(draws)
        self._copy_rows_the_input_meets()

    def _run(self, statement: str, params: list[Any] | None = None) -> list[tuple[object, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(statement, params)
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []

    def _create(self, draws: dict[str, int]) -> None:
        quote = self.connection.ops.quote_name
        self.connection.ensure_connection()
        statements = [
            sql.SQL(
                "CREATE TEMPORARY TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                "INCLUDING INDEXES INCLUDING GENERATED) ON COMMIT DROP"
            ).format(sql.Identifier(self.name), sql.SQL(self._table))
        ]
        for column, oid in draws.items():
            (name,) = self._run("SELECT %s::oid::regclass::text", [oid])[0]
            statements.append(
                sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT nextval({}::regclass)").format(
                    sql.Identifier(self.name), sql.SQL(quote(column)), sql.Literal(name)
                )
            )
        for statement in statements:
            self._run(statement.as_string(self.connection.connection))

    def _staged_key(self, columns: list[str]) -> Any:
        """The staged values of ``columns`` (Django column names), cast to their types."""
        quote = self.connection.ops.quote_name
        return sql.SQL(", ").join(
            sql.SQL("CAST(s.{} AS {})").format(
                sql.SQL(quote(c)), sql.Identifier(*self.types[c].name)
            )
            for c in columns
        )

    def _copy_rows_the_input_meets(self) -> None:
        """Copy into the shadow the table's rows whose values on a unique index (the
        primary key among them) are those of a staged row."""
        staged = {real_name(column): column for column in self.types}
        indexes = self._run(
            "SELECT array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY AS k(n, o) "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o) "
            "FROM pg_index i WHERE i.indrelid = %s::regclass AND i.indisunique "
            "AND i.indexprs IS NULL AND i.indpred IS NULL",
            [self._table],
        )
        columns = [
            name
            for (name,) in self._run(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
                [self._table],
            )
        ]
        listed = sql.SQL(", ").join(sql.Identifier(str(c)) for c in columns)
        for (index_columns,) in indexes:
            assert isinstance(index_columns, list)
            if not set(index_columns) <= set(staged):
                continue  # values the input does not give: defaults, unique anyway
            statement = sql.SQL(
                "INSERT INTO {shadow} ({columns}) SELECT {columns} FROM {table} "
                "WHERE ({key}) IN (SELECT {staged} FROM {staging} AS s) ON CONFLICT DO NOTHING"
            ).format(
                shadow=sql.Identifier(self.name),
                columns=listed,
                table=sql.SQL(self._table),
                key=sql.SQL(", ").join(sql.Identifier(str(c)) for c in index_columns),
                staged=self._staged_key([staged[str(c)] for c in index_columns]),
                staging=sql.Identifier(self.staging),
            )
            self._run(statement.as_string(self.connection.connection))

    def _the_rest(self, key: list[str]) -> Any:
        """``FROM table AS t WHERE`` its key is not staged: the rows replace would delete."""
        if not key:
            return sql.SQL("FROM {} AS t").format(sql.SQL(self._table))
        matches = sql.SQL(" AND ").join(
            sql.SQL("{} = t.{}").format(
                self._staged_key([column]), sql.SQL(self.connection.ops.quote_name(column))
            )
            for column in key
        )
        return sql.SQL("FROM {} AS t WHERE NOT EXISTS (SELECT FROM {} AS s WHERE {})").format(
            sql.SQL(self._table), sql.Identifier(self.staging), matches
        )

    def count_replaced(self, key: list[str]) -> int:
        """How many rows of the table ``mode="replace"`` would delete (those whose ``key``
        the input lacks; every row when ``key`` is empty).

        Raises:
            LoadError: rows of other tables point at one of them.
        """
        rest = self._the_rest(key)
        (count,) = self._run(
            sql.SQL("SELECT count(*) {}").format(rest).as_string(self.connection.connection)
        )[0]
        for schema, child, constraint, column, target in self._run(
            "SELECT n.nspname, r.relname, c.conname, a.attname, t.attname "
            "FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid "
            "JOIN pg_namespace n ON n.oid = r.relnamespace "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "JOIN pg_attribute t ON t.attrelid = c.confrelid AND t.attnum = c.confkey[1] "
            "WHERE c.contype = 'f' AND c.confrelid = %s::regclass "
            "AND c.conrelid <> c.confrelid AND cardinality(c.conkey) = 1",
            [self._table],
        ):
            statement = compose(
                self.connection,
                "SELECT EXISTS (SELECT FROM {} AS r WHERE r.{} IN (SELECT t.{} ",
                (str(schema), str(child)),
                (str(column),),
                (str(target),),
            )
            tail = sql.SQL("{}))").format(rest).as_string(self.connection.connection)
            (pointed_at,) = self._run(statement + tail)[0]
            if pointed_at:
                raise LoadError(
                    f"mode='replace' would delete rows of {self.job.label} that rows of "
                    f"{child} point at (foreign key {constraint}); keep those rows in the "
                    "input, or delete the rows that point at them first",
                    source=self.job.source,
                )
        return int(str(count))
