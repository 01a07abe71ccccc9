"""The staging table of the staged path: its row numbers, and the types it casts to.

A staged load copies the rows into a temporary table first, with the table's column types
(:func:`create_typed_staging`). With ``on_error="skip"`` its
columns are all ``text`` (:func:`create_text_staging`), so that COPY takes every row the
input sent, and the move casts each value to its column's type (:func:`cast_sql`, with the
types read from the catalog by :func:`column_types`). Every staging table numbers its rows
in COPY order, which is the input's, in :data:`ROW`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper

from .._db import compose, compose_django, real_name

__all__ = [
    "EVERY_ROW",
    "ROW",
    "ColumnType",
    "cast_sql",
    "column_types",
    "create_text_staging",
    "create_typed_staging",
    "index_rows",
]

ROW = "safeimport_row"
"""The staging table's column that numbers the rows in COPY order."""

EVERY_ROW = (1, 2**63 - 1)
"""The first and last row numbers of a range that holds every staged row (the numbers
start at 1)."""


@dataclass(frozen=True)
class ColumnType:
    """What the table says of one of its columns."""

    declared: str
    """``format_type()``: the type with its modifier, e.g. ``character varying(20)``."""
    name: tuple[str, str]
    """The type's schema and name, for ``CAST(... AS schema.name)``."""
    not_null: bool


def column_types(
    connection: BaseDatabaseWrapper, table: str, columns: Sequence[str]
) -> dict[str, ColumnType]:
    """The type of each of ``columns`` (Django column names) of ``table``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), n.nspname, t.typname, "
            "a.attnotnull FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
            "JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            [connection.ops.quote_name(table)],
        )
        found = {row[0]: ColumnType(row[1], (row[2], row[3]), row[4]) for row in cursor}
    return {column: found[real_name(column)] for column in columns}


def create_text_staging(connection: BaseDatabaseWrapper, name: str, columns: list[str]) -> None:
    """A temporary table with a ``text`` column for each of ``columns``, numbered rows."""
    fields = "".join(f", {{c{i}}} text" for i in range(len(columns)))
    names: dict[str, str | list[str] | tuple[str, list[str]]] = {"staging": name}
    names.update({f"c{i}": column for i, column in enumerate(columns)})
    with connection.cursor() as cursor:
        cursor.execute(
            compose_django(
                connection,
                "CREATE TEMPORARY TABLE {staging} (" + ROW + " bigint GENERATED ALWAYS AS "
                "IDENTITY" + fields + ") ON COMMIT DROP",
                **names,
            )
        )


def create_typed_staging(
    connection: BaseDatabaseWrapper, name: str, table: str, columns: list[str]
) -> None:
    """A temporary table with ``table``'s ``columns``, of their types, and numbered rows."""
    names: dict[str, str | list[str] | tuple[str, list[str]]] = {
        "staging": name,
        "table": table,
        "columns": columns,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            compose_django(
                connection,
                "CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
                "SELECT {columns} FROM {table} WITH NO DATA",
                **names,
            )
        )
        cursor.execute(
            compose_django(
                connection,
                "ALTER TABLE {staging} ADD COLUMN " + ROW + " bigint GENERATED ALWAYS AS IDENTITY",
                **names,
            )
        )


def index_rows(connection: BaseDatabaseWrapper, name: str) -> None:
    """Index the staging table ``name`` by row number, and give the planner its figures
    (a temporary table is never analyzed on its own), so that a statement over a short
    range of rows reads that range, not the whole table.

    A whole-table statement needs no index; a load builds it only once it moves rows
    range by range (``bench/skip_split.py``: 100 rows refused by a CHECK among 100,000,
    13.6 s with a scan of the whole table for every range, 2.8 s with the index).
    """
    with connection.cursor() as cursor:
        cursor.execute(compose_django(connection, "CREATE INDEX ON {s} (" + ROW + ")", s=name))
        cursor.execute(compose_django(connection, "ANALYZE {s}", s=name))


def cast_sql(connection: BaseDatabaseWrapper, column_type: ColumnType, value: str) -> str:
    """``CAST(value AS type)``, as a template for ``compose_django`` (``value`` is one of
    its fields, such as ``{c0}``; the type's name is quoted by the driver)."""
    type_sql = compose(connection, "{}", column_type.name)
    type_sql = type_sql.replace("{", "{{").replace("}", "}}")
    return f"CAST({value} AS {type_sql})"
