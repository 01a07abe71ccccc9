"""``on_error="skip"`` on the database side: find the rows PostgreSQL would refuse, set by
set, before they are moved into the table.

With "skip" the rows are staged as text (a temporary table whose columns are all ``text``,
plus ``safeimport_row``, the COPY record number), so COPY takes every row the input sent.
Then one query per kind of fault finds the rows that have it, and they are set aside:

- a value that its column's type does not take (``pg_input_is_valid`` and
  ``pg_input_error_info`` on PostgreSQL 16 and later; a temporary function that tries the
  cast on older servers), a text too long for its ``varchar(n)`` included;
- no value for a NOT NULL column (a sequence-backed id is drawn instead);
- a key that is already in the table (with ``on_conflict="error"``);
- a foreign key that matches no row.

What is left (a failed CHECK, a trigger's error, a unique constraint other than the key) is
found while moving the rows (see :mod:`.splitting`). The common faults thus cost a query
each over the whole input, not a statement per row. The staging table itself is
:mod:`.staging`'s.

A key that appears twice in the input keeps its first row that goes in; the later ones are
held back until then (see :mod:`.repeats`).
"""

# The statements here are built from this module's constants, ``{cN}`` fields and types
# quoted by the driver; every name goes through compose_django or compose.
# ruff: noqa: S608

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import ForeignKey, Model

from .._db import compose_django
from ..errors import LoadError
from .plan import ColumnPlan
from .rejects import Rejects
from .staging import ROW, ColumnType, cast_sql

__all__ = ["Found", "Screening"]

Found = tuple[int, str, int | None]
"""A staged row found to fail: its number, the reason, and the staged column at fault."""

# Before PostgreSQL 16 there is no pg_input_is_valid: the cast is tried. The type is the
# column's format_type(), read from the catalog, never a user's text.
_INPUT_ERROR_OLD = """
CREATE OR REPLACE FUNCTION pg_temp.safeimport_input_error(value text, type text)
RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    EXECUTE format('SELECT %L::' || type, value);
    RETURN NULL;
EXCEPTION WHEN others THEN
    RETURN SQLERRM;
END
$$"""


class Screening:
    """Finds and sets aside the staged rows that the table would refuse.

    Args:
        connection: The load's connection.
        model: The model loaded.
        staging: The text staging table.
        plan: The load's column plan (its ``columns`` are the staged columns).
        types: :func:`column_types` of those columns.
        rejects: Where the rows go (``None``: the checks only find them).
        line_of: The source line of a staged row number.
    """

    def __init__(
        self,
        connection: BaseDatabaseWrapper,
        model: type[Model],
        staging: str,
        plan: ColumnPlan,
        types: dict[str, ColumnType],
        rejects: Rejects | None,
        line_of: Callable[[int], int | None],
    ) -> None:
        self.connection = connection
        self.model = model
        self.staging = staging
        self.plan = plan
        self.types = types
        self.rejects = rejects
        self.line_of = line_of
        self.columns = list(plan.columns)
        self.conflict: list[str] = []
        self.gone: set[int] = set()
        """The staged rows set aside so far, by number."""

    # --- helpers ---

    def _sql(self, template: str, **extra: str | list[str]) -> str:
        names: dict[str, str | list[str] | tuple[str, list[str]]] = {
            "staging": self.staging,
            "table": str(self.model._meta.db_table),
            "columns": self.columns,
        }
        names.update({f"c{i}": column for i, column in enumerate(self.columns)})
        names.update(extra)
        return compose_django(self.connection, template, **names)

    def cast(self, index: int, prefix: str = "") -> str:
        """``CAST(prefix{cN} AS type)`` for staged column ``index``, as SQL to compose."""
        return cast_sql(self.connection, self.types[self.columns[index]], f"{prefix}{{c{index}}}")

    def _name(self, index: int) -> str:
        return self.plan.input_name(self.columns[index])

    def set_aside(self, found: list[Found], *, table: str | None = None) -> None:
        """Add the staged rows ``found`` (row number, reason, staged column or ``None``) to
        the rejects and delete them from the staging table (or ``table``, which has its
        columns)."""
        if not found:
            return
        assert self.rejects is not None
        numbers = [row for row, _, _ in found]
        self.gone.update(numbers)
        with self.connection.cursor() as cursor:
            cursor.execute(
                self._sql(
                    "DELETE FROM {staging} WHERE " + ROW + " IN (SELECT unnest(%s::int8[])) "
                    "RETURNING " + ROW + ", {columns}",
                    **({"staging": table} if table else {}),
                ),
                [numbers],
            )
            staged = {row[0]: row[1:] for row in cursor.fetchall()}
        for row, reason, index in found:
            values = staged.get(row, ())
            column = self._name(index) if index is not None else None
            value = values[index] if index is not None and values else None
            self.rejects.add(
                self.line_of(row), reason, _csv_text(values), column=column, value=value
            )

    def _rows(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(statement, params)
            return [tuple(row) for row in cursor.fetchall()]

    # --- the checks ---

    def run(self, *, conflict: list[str], check_taken: bool, sequenced: set[str]) -> None:
        """Every set-based check, in order; each one's rows are gone before the next."""
        self.set_aside(self.check_types())  # the casts of the other checks need this first
        self.conflict = conflict  # a key repeated in the input is held back while moving
        found = self.check_not_null(sequenced)
        if check_taken:
            found += self.check_taken_keys(conflict)
        found += self.check_foreign_keys()
        self.set_aside(list({f[0]: f for f in reversed(found)}.values()))  # a row's first
        # A row that points at a row of the input that was just set aside points at
        # nothing now: check again until no such row is left.
        while self.points_into_the_input() and (orphans := self.check_foreign_keys()):
            self.set_aside(orphans)

    def points_into_the_input(self) -> bool:
        """Whether a staged column is a foreign key to the loaded table itself."""
        return any(
            isinstance(f, ForeignKey)
            and f.related_model is self.model
            and str(f.column) in self.columns
            for f in self.model._meta.local_concrete_fields
        )

    def check_types(self) -> list[Found]:
        """Values that their column's type does not take.

        Each column has its own call of ``pg_input_is_valid`` with a constant type, which
        it parses once and keeps (one shared call over a ``VALUES`` list of types parses
        the type on every row).
        """
        typed = [i for i, c in enumerate(self.columns) if self.types[c].declared != "text"]
        if not typed:
            return []
        modern = getattr(self.connection, "pg_version", 0) >= 160000  # Django reads it once
        if not modern:
            with self.connection.cursor() as cursor:
                cursor.execute(_INPUT_ERROR_OLD)
        bad, which, message = [], [], []
        bad_params: list[str] = []
        for i in typed:
            if modern:
                bad.append(f"({{c{i}}} IS NOT NULL AND NOT pg_input_is_valid({{c{i}}}, %s))")
                error = f"(pg_input_error_info({{c{i}}}, %s)).message"
            else:
                error = f"pg_temp.safeimport_input_error({{c{i}}}, %s)"
                bad.append(f"({{c{i}}} IS NOT NULL AND {error} IS NOT NULL)")
            which.append(f"WHEN {bad[-1]} THEN {i}")
            message.append(f"WHEN {bad[-1]} THEN {error}")
            bad_params.append(self.types[self.columns[i]].declared)
        statement = self._sql(
            "SELECT " + ROW + ", CASE " + " ".join(which) + " END, "
            "CASE " + " ".join(message) + " END FROM {staging} WHERE " + " OR ".join(bad)
        )
        error_params = [p for p in bad_params for _ in (0, 1)]  # the test, then the message
        params = bad_params + error_params + bad_params
        return [
            (row, f"{self._name(index)!r}: {text}", index)
            for row, index, text in self._rows(statement, params)
        ]

    def check_not_null(self, sequenced: set[str]) -> list[Found]:
        """No value for a NOT NULL column (a sequence-backed id is drawn instead)."""
        required = [
            i for i, c in enumerate(self.columns) if self.types[c].not_null and c not in sequenced
        ]
        if not required:
            return []
        which = " ".join(f"WHEN {{c{i}}} IS NULL THEN {i}" for i in required)
        where = " OR ".join(f"{{c{i}}} IS NULL" for i in required)
        statement = self._sql(
            "SELECT " + ROW + ", CASE " + which + " END FROM {staging} WHERE " + where
        )
        return [
            (row, f"{self._name(index)!r}: no value, and the column is NOT NULL", index)
            for row, index in self._rows(statement)
        ]

    def _key_sql(self, conflict: list[str], prefix: str = "") -> str | None:
        if not set(conflict) <= set(self.columns):
            return None
        return ", ".join(self.cast(self.columns.index(c), prefix) for c in conflict)

    def _key_label(self, conflict: list[str]) -> str:
        return ", ".join(self.plan.input_name(c) for c in conflict)

    def check_taken_keys(self, conflict: list[str]) -> list[Found]:
        """A key that a row of the table already has."""
        key = self._key_sql(conflict, "s.")
        if key is None:
            return []
        matches = " AND ".join(
            f"t.{{k{n}}} = {self.cast(self.columns.index(c), 's.')}" for n, c in enumerate(conflict)
        )
        keys = {f"k{n}": c for n, c in enumerate(conflict)}
        statement = self._sql(
            "SELECT s." + ROW + ", ROW(" + key + ")::text FROM {staging} AS s "
            "WHERE EXISTS (SELECT FROM {table} AS t WHERE " + matches + ")",
            **keys,
        )
        label, first = self._key_label(conflict), self.columns.index(conflict[0])
        return [
            (row, f"{label} {_shown(shown)} is already in the table", first)
            for row, shown in self._rows(statement)
        ]

    def check_foreign_keys(self) -> list[Found]:
        """A foreign key that matches no row of the table it points at (nor, for a key into
        the same table, a row of the input)."""
        return [
            (row, f"{self._name(index)!r}: {shown} matches no row of {label}", index)
            for row, index, shown, label in self.orphans()
        ]

    def first_orphan(self, source: str) -> LoadError | None:
        """The first staged row, in the input's order, whose foreign key matches no row, as
        the error that fails a load of ``source`` (``None``: every key matches)."""
        found = min(self.orphans(), default=None)
        if found is None:
            return None
        row, index, shown, label = found
        return LoadError(
            f"{shown} matches no row of {label}",
            source=source,
            line=self.line_of(row),
            column=self._name(index),
            value=shown,
        )

    def orphans(self) -> list[tuple[int, int, str, str]]:
        """Each staged row whose foreign key matches no row: its number, the staged
        column's index, the value, and the label of the model pointed at."""
        found: list[tuple[int, int, str, str]] = []
        for index, column in enumerate(self.columns):
            model_field = next(
                (f for f in self.model._meta.local_concrete_fields if str(f.column) == column),
                None,
            )
            if not isinstance(model_field, ForeignKey) or not getattr(
                model_field, "db_constraint", True
            ):
                continue
            related = model_field.related_model
            assert isinstance(related, type)
            target = str(model_field.target_field.column)
            value = self.cast(index, "s.")
            same = ""
            if related._meta.db_table == self.model._meta.db_table and target in self.columns:
                other = self.cast(self.columns.index(target), "o.")
                same = " AND NOT EXISTS (SELECT FROM {staging} AS o WHERE " + other + " = "
                same += value + ")"
            statement = self._sql(
                "SELECT s." + ROW + ", s.{c" + str(index) + "}::text FROM {staging} AS s "
                "WHERE s.{c" + str(index) + "} IS NOT NULL AND NOT EXISTS "
                "(SELECT FROM {related} AS r WHERE r.{target} = " + value + ")" + same,
                related=str(related._meta.db_table),
                target=target,
            )
            label = str(related._meta.label)
            found += [(row, index, shown, label) for row, shown in self._rows(statement)]
        return found


def _csv_text(values: Sequence[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(["" if v is None else v for v in values])
    return buffer.getvalue()


def _shown(row_text: str) -> str:
    """``(7)`` as ``7``: a one-column key without its parentheses."""
    inner = row_text[1:-1] if row_text.startswith("(") and row_text.endswith(")") else row_text
    return inner if "," not in inner else row_text
