"""Load CSV, JSON, DataFrames and tablib Datasets into a model at COPY speed, with every
sequence right, even while the application keeps inserting.

How a load runs, on PostgreSQL:

1. One audit of the model's table finds the sequences behind its columns.
2. The input's column names are matched to the model's fields; an unknown or missing
   column is an error before any row is read.
3. A thread reads the input (checking bytes, counting values, checking ids) and cuts it into
   chunks (256 KB of CSV, a megabyte of other inputs), which go to one ``COPY ... FROM
   STDIN`` into a temporary staging table on the caller's connection while the thread
   reads the next ones. Nothing is in the model's table yet.
4. Reserve first: one query reads the smallest and largest staged id of each sequence-backed
   column, and ``reserve_sequences`` raises the sequences past them. From here on a
   concurrent ``create()`` draws an id past every id of the input, so it never collides.
5. One ``INSERT ... SELECT`` moves the staged rows into the table (``ON CONFLICT`` for
   ``on_conflict="skip"`` or ``"update"``); a row without an id gets one from the
   sequence there, past every id of the input.
6. Deferred foreign keys are checked, the sequences are synced once more (exact next
   value, never lowered) and the load's transaction (or the caller's savepoint) ends.

Why a staging table rather than COPY straight into the table: the sequences must be past
every incoming id before the first row goes in, and only a whole read of the input tells
the largest id. Raising them chunk by chunk as COPY goes moves the application's inserts
into the ids of the next chunk, which then collide (measured). The staging costs about a
third more time than a bare COPY (``bench/copy_speed.py``) and buys the single reservation,
ids for rows that lack one drawn past every id of the input, and set-based conflict
handling.

Any failure rolls the whole load back; a sequence raised for it stays raised (a gap, never
a duplicate). A dry run reserves nothing and draws ids for rows that lack one from a
temporary copy of the sequence, so it touches no sequence.

Other databases (SQLite in a project's tests, say) get ``bulk_create`` in batches and
Django's own sequence reset.
"""

from __future__ import annotations

import dataclasses
import os
import re
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from django.core.exceptions import FieldDoesNotExist
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db import Error as DjangoDatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

from ._chunks import Chunk, IdLimits, Positions, within
from ._copy import copy_from_chunks, copy_position, copy_statement
from ._csv_input import CsvInput
from ._db import compose, compose_django, driver_error, is_postgresql, real_name
from ._frame_input import FrameInput
from ._locks import (
    DEFAULT_LOCK_TIMEOUT,
    LOCK_NOT_AVAILABLE,
    lock_holders,
    locks_held,
    set_lock_timeout,
)
from ._pipeline import in_thread
from ._plan import ColumnPlan, ColumnsArg, plan_columns
from ._progress import LoadProgress
from ._records import DatasetInput, JsonInput
from ._rejects import Rejects, original_lines
from ._screening import ROW, ColumnType, Screening, cast_sql, column_types, create_text_staging
from ._text import Source
from .errors import LoadError, SafeImportError, SequenceExhaustedError
from .sequences import (
    Action,
    SequenceChange,
    SequenceState,
    audit_tables,
    reserve_sequences,
    sync_states,
    value_limits,
)
from .sequences import _next_free as next_free

__all__ = ["LoadReport", "load_csv", "load_dataframe", "load_dataset", "load_json"]

OnConflict = Literal["error", "skip", "update"]
OnError = Literal["raise", "skip"]
Mode = Literal["append", "replace"]
Progress = bool | Callable[[int, int, int | None], object] | None


@dataclass
class LoadReport:
    """What a load did. The counts reconcile: ``rows_read == rows_written + rows_updated +
    rows_skipped + rows_rejected``."""

    model: str
    source: str
    rows_read: int = 0
    rows_written: int = 0
    """Rows inserted."""
    rows_updated: int = 0
    """Rows that replaced an existing row (``on_conflict="update"``)."""
    rows_skipped: int = 0
    """Rows left out because their key was taken (``on_conflict="skip"``)."""
    rows_rejected: int = 0
    """Rows set aside (``on_error="skip"``): unreadable, or refused by the table."""
    rows_deleted: int = 0
    """Rows of the table that the input no longer has (``mode="replace"``)."""
    reject_file: str | None = None
    """Where the rejected rows were written, if anywhere."""
    locks: list[str] = field(default_factory=list)
    """The table locks the load's transaction held at its end, e.g. ``ROW EXCLUSIVE on t``."""
    seconds: float = 0.0
    bytes_read: int = 0
    dry_run: bool = False
    method: str = ""
    """How the rows went in: ``"copy"`` (COPY straight into the table, its ids reserved
    first from the input's id range), ``"staged copy"`` (COPY into a temporary table, then
    ``INSERT ... SELECT``) or ``"bulk_create"`` (a database without COPY)."""
    sequences: list[SequenceChange] = field(default_factory=list)
    """Each sequence behind the table, with its next value before and after the load."""

    def summary(self) -> str:
        """One line, as Django's commands write them."""
        verb = "Would import" if self.dry_run else "Imported"
        text = (
            f"{verb} {self.rows_read} row(s) into {self.model}: {self.rows_written} new, "
            f"{self.rows_updated} updated, {self.rows_skipped} skipped, "
            f"{self.rows_rejected} rejected"
        )
        if self.rows_rejected and self.reject_file:
            text += f" (see {self.reject_file})"
        if self.rows_deleted:
            text += f", {self.rows_deleted} deleted"
        moves = [
            f"sequence {change.column} {change.next_before} -> {change.next_after}"
            for change in self.sequences
            if change.next_before != change.next_after
        ]
        return text + (f"; {', '.join(moves)}" if moves else "") + "."

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["sequences"] = [change.as_dict() for change in self.sequences]
        data["summary"] = self.summary()
        return data


class _Input(Protocol):
    name: str
    copy_format: str
    total_bytes: int | None
    rejects: Rejects | None

    def columns(self) -> tuple[list[str], int | None]: ...

    def chunks(self, plan: ColumnPlan, limits: IdLimits) -> Iterator[Chunk]: ...

    def records(self, plan: ColumnPlan) -> Iterator[tuple[int, Sequence[Any]]]: ...


@dataclass(frozen=True)
class _Options:
    using: str | None
    columns: ColumnsArg
    ignore_unknown_columns: bool
    on_conflict: OnConflict
    conflict_fields: Sequence[str] | None
    progress: Progress
    dry_run: bool
    allow_empty: bool
    on_error: OnError = "raise"
    reject_file: str | os.PathLike[str] | None = None
    max_errors: int | None = None
    mode: Mode = "append"
    lock_timeout: float | None = DEFAULT_LOCK_TIMEOUT


_KEY_DETAIL = re.compile(r"Key \((?P<columns>.+?)\)=\((?P<values>.*)\)")

_FAR = 2**63


class _Restart(Exception):
    """A chunk read on the direct path holds an id past the reservation made from the
    input's head and tail (or lacks one): the load starts again through staging."""


class _Load:
    """One load of one input into one model."""

    def __init__(self, model: type[Model], data: _Input, options: _Options) -> None:
        self.model = model._meta.concrete_model or model
        self.data = data
        self.options = options
        self.alias = options.using or DEFAULT_DB_ALIAS
        self.label = self.model._meta.label
        self.positions = Positions()
        self.plan: ColumnPlan | None = None
        if options.on_conflict not in ("error", "skip", "update"):
            raise LoadError(
                f"on_conflict must be 'error', 'skip' or 'update', not {options.on_conflict!r}"
            )
        if options.on_error not in ("raise", "skip"):
            raise LoadError(f"on_error must be 'raise' or 'skip', not {options.on_error!r}")
        if options.mode not in ("append", "replace"):
            raise LoadError(f"mode must be 'append' or 'replace', not {options.mode!r}")
        if options.mode == "replace" and options.on_conflict != "error":
            raise LoadError(
                "mode='replace' updates the rows whose key is in the input and deletes the "
                "others; on_conflict does not apply to it"
            )
        self.rejects = (
            Rejects(data.name, options.max_errors) if options.on_error == "skip" else None
        )
        if self.rejects is not None:
            data.rejects = self.rejects

    # --- the steps ------------------------------------------------------------------------

    def run(self) -> LoadReport:
        started = time.perf_counter()
        connection = connections[self.alias]
        if not is_postgresql(connection):
            from ._fallback import load_with_bulk_create

            report = load_with_bulk_create(self)
        else:
            options = self.options
            direct = (options.on_conflict, options.on_error, options.mode) == (
                "error",
                "raise",
                "append",
            )
            try:
                try:
                    report = self._attempt(connection, direct=direct)
                except _Restart:
                    self._start_again()
                    report = self._attempt(connection, direct=False)
            except SafeImportError as exc:
                raise self._as_load_error(exc) from exc
            except (DjangoDatabaseError, driver_error(connection)) as exc:
                raise self._explain(connection, exc) from exc
        if self.rejects is not None and self.options.reject_file is not None:
            self.rejects.write(self.options.reject_file)
            report.reject_file = os.fspath(self.options.reject_file)
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    def _attempt(self, connection: BaseDatabaseWrapper, *, direct: bool) -> LoadReport:
        with transaction.atomic(using=self.alias):
            restore = set_lock_timeout(connection, self.options.lock_timeout)
            report = self._load(connection, direct=direct)
            report.locks = locks_held(connection)
            restore()
            if self.options.dry_run:
                transaction.set_rollback(True, using=self.alias)
        return report

    def _start_again(self) -> None:
        again = getattr(self.data, "again", None)
        fresh = again() if again is not None else None
        if fresh is None:  # only an input that can be read again takes the direct path
            raise LoadError("the input cannot be read a second time", source=self.data.name)
        self.data = fresh
        self.positions = Positions()

    def make_plan(self, sequenced: Iterable[str] = ()) -> ColumnPlan:
        names, line = self.data.columns()
        if isinstance(self.data, JsonInput):  # any object may have any field
            names += self._other_fields(names)
        self.plan = plan_columns(
            self.model,
            names,
            columns=self.options.columns,
            ignore_unknown=self.options.ignore_unknown_columns,
            sequenced=sequenced,
            source=self.data.name,
            line=line,
        )
        return self.plan

    def _other_fields(self, names: list[str]) -> list[str]:
        mapping = self.options.columns if isinstance(self.options.columns, Mapping) else {}
        given = set(names) | {name for name in mapping.values() if name}
        return [
            str(f.name)
            for f in self.model._meta.local_concrete_fields
            if not ({f.name, f.attname, f.column} & given) and not getattr(f, "db_returning", False)
        ]

    def _load(self, connection: BaseDatabaseWrapper, *, direct: bool) -> LoadReport:
        options = self.options
        quote = connection.ops.quote_name
        table = str(self.model._meta.db_table)
        tables: dict[str, str | None] = {quote(table): self.label}
        before = {s.oid: s for s in audit_tables(connection, tables)}
        sequenced = self._sequenced_columns(before.values())
        self._check_rights(connection, quote(table), sequenced)
        plan = self.make_plan(sequenced)
        id_states = {t.column: sequenced[t.column] for _, t in plan.sequenced()}
        limits = {column: value_limits(state) for column, state in id_states.items()}
        covered = (
            self._reserve_ahead(connection, tables, plan, id_states, limits) if direct else None
        )
        staging = None if covered is not None else self._staging(connection, plan)
        types = column_types(connection, table, plan.columns) if staging is not None else {}
        options_sql = self.data.copy_options(plan) if isinstance(self.data, CsvInput) else []
        statement = copy_statement(
            connection,
            staging or table,
            plan.columns,
            self.data.copy_format,
            options_sql,
        )
        progress = LoadProgress(
            options.progress, total_bytes=self.data.total_bytes, description=self.label
        )

        def produce() -> Generator[Chunk, None, None]:
            for chunk in self.data.chunks(plan, limits):
                strays = chunk.missing_ids or not within(chunk.bounds, covered or {})
                if covered is not None and strays:
                    raise _Restart
                yield chunk

        def send(chunks: Iterator[Chunk]) -> Iterator[bytes]:
            for chunk in chunks:
                self.positions.add(chunk)
                progress.update(chunk.rows, chunk.source_bytes)
                yield chunk.data

        try:
            with closing(in_thread(produce)) as chunks:
                copied = copy_from_chunks(connection, statement, send(chunks))
        finally:
            progress.close()
        unread = len(self.rejects) if self.rejects is not None else 0
        report = LoadReport(
            self.label,
            self.data.name,
            rows_read=copied + unread,
            bytes_read=progress.bytes,
            dry_run=options.dry_run,
            method="copy" if staging is None else "staged copy",
        )
        if copied + unread == 0 and not options.allow_empty:
            raise LoadError(
                "no rows to load (pass allow_empty=True to accept that)",
                source=self.data.name,
            )
        if staging is None:
            report.rows_written = copied
        else:
            screening = None
            if self.rejects is not None:
                screening = Screening(
                    connection, self.model, staging, plan, types, self.rejects,
                    self.positions.line_of,
                )  # fmt: skip
                screening.run(
                    conflict=self._conflict_columns(),
                    check_taken=options.on_conflict == "error" and options.mode == "append",
                    sequenced=set(id_states),
                )
            # Reserve first: the sequences go past every incoming id before any row reaches
            # the table, so a concurrent insert never draws one of them.
            incoming = self._incoming(connection, staging, id_states)
            if not options.dry_run:
                reserve_sequences(connection, tables, incoming)
            draws = self._draws(connection, id_states, incoming)
            if options.mode == "replace":
                report.rows_deleted = self._delete_the_rest(connection, staging, types, plan)
            written, updated = self._merge(connection, plan, staging, draws, types, screening)
            report.rows_written, report.rows_updated = written, updated
            rejected_here = len(self.rejects) - unread if self.rejects is not None else 0
            report.rows_skipped = copied - written - updated - rejected_here
        if self.rejects is not None:
            report.rows_rejected = len(self.rejects)
            self._show_original_lines(unread)
        self._check_foreign_keys(connection, table, referencing=options.mode == "replace")
        after = sync_states(connection, audit_tables(connection, tables), dry_run=options.dry_run)
        report.sequences = [
            SequenceChange(
                before.get(c.state.oid, c.state),
                Action.RAISED if before_next(before, c) != c.next_after else Action.UNCHANGED,
                before_next(before, c),
                c.next_after,
            )
            for c in after.changes
        ]
        return report

    def _reserve_ahead(
        self,
        connection: BaseDatabaseWrapper,
        tables: dict[str, str | None],
        plan: ColumnPlan,
        id_states: dict[str, SequenceState],
        limits: IdLimits,
    ) -> dict[str, tuple[int, int]] | None:
        """The direct path: COPY straight into the table, which is as fast as a bare COPY.

        The ids must then be reserved before the first row goes in, from what is known
        before reading: the input's guess at its id range (a file's head and tail, a
        DataFrame's columns). Returns the range of ids that the reservation covers per
        column (every chunk is checked against it), or ``None`` when there is no guess.
        Without ids in the input, the table's default draws them and nothing is reserved.
        """
        if not id_states:
            return {}
        guess = getattr(self.data, "id_hint", None)
        hint = guess(plan, limits) if guess is not None else None
        if hint is None or not within(hint, limits) or set(hint) != set(id_states):
            return None  # no guess, or a bad id that the careful path reports by its line
        if not self.options.dry_run:
            incoming = {(self.label, real_name(c)): bounds for c, bounds in hint.items()}
            reserve_sequences(connection, tables, incoming)
        covered = {}
        for column, (low, high) in hint.items():
            descending = id_states[column].descending
            covered[column] = (low, _FAR) if descending else (-_FAR, high)
        return covered

    def _sequenced_columns(self, states: Iterable[SequenceState]) -> dict[str, SequenceState]:
        """The model's columns that draw from a sequence (by Django's column name)."""
        columns = {
            real_name(str(f.column)): str(f.column) for f in self.model._meta.local_concrete_fields
        }
        found = {}
        for state in states:
            for use in state.uses:
                if use.model == self.label and use.column in columns:
                    found[columns[use.column]] = state
        return found

    def _check_rights(
        self, connection: BaseDatabaseWrapper, table: str, sequenced: dict[str, SequenceState]
    ) -> None:
        wanted = ["INSERT"] + (["UPDATE"] if self.options.on_conflict == "update" else [])
        with connection.cursor() as cursor:
            for right in wanted:
                cursor.execute("SELECT has_table_privilege(%s::regclass, %s)", [table, right])
                if not cursor.fetchone()[0]:
                    raise LoadError(
                        f"the current role may not {right} into {table}; nothing was read",
                        source=self.data.name,
                    )
        if self.options.dry_run:
            return
        stuck = [s.sequence for s in sequenced.values() if not s.can_update]
        if stuck:
            raise LoadError(
                f"the current role may not update sequence {stuck[0]}, which the load must "
                "move past the ids it writes (UPDATE on the sequence is needed); nothing "
                "was read",
                source=self.data.name,
            )

    def _staging(self, connection: BaseDatabaseWrapper, plan: ColumnPlan) -> str:
        """A temporary table with the plan's columns, for COPY before the merge (all of
        them text, and the rows numbered, when rows that fail are to be set aside)."""
        name = f"safeimport_staging_{id(self)}"
        if self.rejects is not None:
            create_text_staging(connection, name, plan.columns)
            return name
        names: dict[str, str | list[str]] = {
            "staging": name,
            "table": str(self.model._meta.db_table),
            "columns": plan.columns,
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
        return name

    def _line_of_staged(
        self,
        connection: BaseDatabaseWrapper,
        staging: str,
        where: str,
        value: str,
        **names: str | list[str],
    ) -> int | None:
        """The source line of the last staged row where ``where`` (a template over the
        columns ``names``) matches ``value``. COPY fills the fresh staging table in input
        order, so a row's position in ``ctid`` order is its COPY record number."""
        with connection.cursor() as cursor:
            cursor.execute(
                compose_django(
                    connection,
                    # a constant of this module; names go through compose_django
                    "SELECT count(*) FROM {staging} WHERE ctid <= (SELECT ctid FROM {staging} "  # noqa: S608
                    "WHERE " + where + " ORDER BY ctid DESC LIMIT 1)",
                    staging=staging,
                    **names,
                ),
                [value],
            )
            record = cursor.fetchone()[0]
        return self.positions.line_of(int(record)) if record else None

    def _conflict_columns(self) -> list[str]:
        names = self.options.conflict_fields or [self.model._meta.pk.name]
        columns = []
        for name in names:
            try:
                model_field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                model_field = None
            if not isinstance(model_field, Field) or model_field.column is None:
                raise LoadError(
                    f"conflict_fields names {name!r}, which is not a column of {self.label}"
                )
            columns.append(str(model_field.column))
        return columns

    def _incoming(
        self, connection: BaseDatabaseWrapper, staging: str, id_states: dict[str, SequenceState]
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """The smallest and largest staged id of each sequence-backed column, in one query."""
        if not id_states:
            return {}
        columns = list(id_states)
        template = ", ".join("min(CAST({} AS int8)), max(CAST({} AS int8))" for _ in columns)
        names = [(real_name(column),) for column in columns for _ in range(2)]
        statement = compose(connection, f"SELECT {template} FROM {{}}", *names, (staging,))  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(statement)
            row = cursor.fetchone()
        return {
            (self.label, real_name(column)): (row[2 * i], row[2 * i + 1])
            for i, column in enumerate(columns)
            if row[2 * i] is not None
        }

    def _draws(
        self,
        connection: BaseDatabaseWrapper,
        id_states: dict[str, SequenceState],
        incoming: dict[tuple[str, str], tuple[int, int]],
    ) -> dict[str, int]:
        """The sequence that each sequence-backed column draws missing ids from, by OID.

        In a dry run, a temporary copy of it that starts where it would stand after the
        reservation (dropped with the rollback): a dry run touches no sequence.
        """
        if not self.options.dry_run:
            return {column: state.oid for column, state in id_states.items()}
        draws: dict[str, int] = {}
        for column, state in id_states.items():
            first = state.next_value if state.next_value is not None else state.start
            bounds = incoming.get((self.label, real_name(column)))
            if bounds is not None:
                past = next_free(state.start, state.increment, bounds[0 if state.descending else 1])
                first = min(first, past) if state.descending else max(first, past)
            name = f"safeimport_dry_run_{id(self)}_{len(draws)}"
            with connection.cursor() as cursor:
                cursor.execute(
                    compose(
                        connection,
                        "CREATE TEMPORARY SEQUENCE {} INCREMENT %s MINVALUE %s MAXVALUE %s "
                        "START %s",
                        (name,),
                    ),
                    [state.increment, state.min_value, state.max_value, first],
                )
                cursor.execute("SELECT %s::regclass::oid::int8", [name])
                draws[column] = cursor.fetchone()[0]
        return draws

    def _merge(
        self,
        connection: BaseDatabaseWrapper,
        plan: ColumnPlan,
        staging: str,
        draws: dict[str, int],
        types: dict[str, ColumnType],
        screening: Screening | None,
    ) -> tuple[int, int]:
        """Move the staged rows into the table; return (inserted, updated). A row without
        an id gets one drawn from its sequence, which is past every staged id by now. With
        ``screening`` (on_error="skip"), rows that still fail are found and set aside."""
        on_conflict = "update" if self.options.mode == "replace" else self.options.on_conflict
        params: list[int] = []
        selected = []
        names: dict[str, str | list[str] | tuple[str, list[str]]] = {
            "table": str(self.model._meta.db_table),
            "staging": staging,
            "columns": plan.columns,
        }
        for index, column in enumerate(plan.columns):
            names[f"c{index}"] = column
            value = cast_sql(connection, types[column], f"{{c{index}}}")
            if column in draws:
                selected.append(f"coalesce({value}, nextval(%s::int8::oid::regclass))")
                params.append(draws[column])
            else:
                selected.append(value)
        conflict = self._conflict_columns()
        # An existing row keeps its primary key (other tables may point at it).
        key = str(self.model._meta.pk.column)
        updates = [c for c in plan.columns if c not in conflict and c != key]
        overriding = "OVERRIDING SYSTEM VALUE" if self._writes_always_identity(plan) else ""
        # The SQL added here is constants of this module; every name goes through
        # compose_django, quoted as Django quotes it.
        template = (
            "INSERT INTO {table} ({columns}) " + overriding + " "  # noqa: S608
            "SELECT " + ", ".join(selected) + " FROM {staging}"
        )
        if screening is not None:
            template += " WHERE " + ROW + " BETWEEN %s AND %s"
        if on_conflict != "error":
            names["conflict"] = conflict
            action = "DO NOTHING"
            if on_conflict == "update" and updates:
                action = "DO UPDATE SET ({updates}) = ROW({excluded})"
                names["updates"] = updates
                names["excluded"] = ("EXCLUDED.", updates)
            template = (
                "WITH done AS (" + template + " ON CONFLICT ({conflict}) " + action + " "
                "RETURNING xmax = 0 AS inserted) "
                "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
                "FROM done"
            )
        statement = compose_django(connection, template, **names)

        def run(*rows: int) -> tuple[int, int]:
            with connection.cursor() as cursor:
                cursor.execute(statement, [*params, *rows])
                if on_conflict == "error":
                    return cursor.rowcount, 0
                inserted, updated = cursor.fetchone()
                return int(inserted), int(updated)

        if screening is not None:
            inserted, updated = screening.move(run, self._refusal)
        else:
            try:
                with transaction.atomic(using=self.alias):
                    inserted, updated = run()
            except DjangoDatabaseError as exc:
                raise self._explain_staged(connection, exc, staging) from exc
        with connection.cursor() as cursor:
            cursor.execute(compose_django(connection, "DROP TABLE {staging}", staging=staging))
        return int(inserted), int(updated)

    def _refusal(self, exc: Exception) -> str:
        """Why PostgreSQL refused one row, for the reject file."""
        cause = exc.__cause__ or exc
        diag = getattr(cause, "diag", None)
        message = getattr(diag, "message_primary", None) or str(cause).strip().splitlines()[0]
        detail = getattr(diag, "message_detail", None)
        return f"{message} ({detail.rstrip('.')})" if detail else str(message)

    def _delete_the_rest(
        self,
        connection: BaseDatabaseWrapper,
        staging: str,
        types: dict[str, ColumnType],
        plan: ColumnPlan,
    ) -> int:
        """mode="replace": delete the table's rows whose key is not in the input (the
        others are updated in place by the merge, so rows pointing at them stay right)."""
        key = str(self.model._meta.pk.column)
        if key in plan.columns:
            value = cast_sql(connection, types[key], "s.{key}")
            template = (
                "DELETE FROM {table} AS t WHERE NOT EXISTS "  # noqa: S608 (names composed)
                "(SELECT FROM {staging} AS s WHERE " + value + " = t.{key})"
            )
        else:
            template = "DELETE FROM {table}"
        statement = compose_django(
            connection,
            template,
            table=str(self.model._meta.db_table),
            staging=staging,
            key=key,
        )
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return int(cursor.rowcount)

    def _show_original_lines(self, unread: int) -> None:
        """Give the rows PostgreSQL refused their text as it was in a CSV file (the rows
        set aside while reading have it already)."""
        if self.rejects is None or not isinstance(self.data, CsvInput) or self.data.path is None:
            return
        refused = self.rejects.rows[unread:]
        wanted = {row.line for row in refused if row.line is not None}
        found = original_lines(self.data.path, self.data.encoding, wanted)
        self.rejects.rows[unread:] = [
            dataclasses.replace(row, record=found.get(row.line or 0, row.record)) for row in refused
        ]

    def _writes_always_identity(self, plan: ColumnPlan) -> bool:
        return any(getattr(target.field, "db_returning", False) for _, target in plan.sequenced())

    def _check_foreign_keys(
        self, connection: BaseDatabaseWrapper, table: str, *, referencing: bool = False
    ) -> None:
        """Check the table's deferred foreign keys now (with ``referencing``, also those of
        other tables that point at it), so that a violation is the load's error and not the
        commit's; then defer them again for the caller."""
        other = " OR c.confrelid = %s::regclass" if referencing else ""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n.nspname, c.conname FROM pg_constraint c "  # noqa: S608 (constants)
                "JOIN pg_namespace n ON n.oid = c.connamespace "
                "WHERE (c.conrelid = %s::regclass" + other + ") AND c.contype = 'f' "
                "AND c.condeferred",
                [connection.ops.quote_name(table)] * (2 if referencing else 1),
            )
            names = [tuple(row) for row in cursor.fetchall()]
            if not names:
                return
            listed = ", ".join("{}" for _ in names)
            cursor.execute(compose(connection, f"SET CONSTRAINTS {listed} IMMEDIATE", *names))
            cursor.execute(compose(connection, f"SET CONSTRAINTS {listed} DEFERRED", *names))

    # --- errors ---------------------------------------------------------------------------

    def _as_load_error(self, exc: SafeImportError) -> LoadError:
        if isinstance(exc, LoadError):
            return exc
        if isinstance(exc, SequenceExhaustedError):
            return LoadError(f"the ids leave no free value: {exc}", source=self.data.name)
        return LoadError(str(exc), source=self.data.name)

    def _explain(self, connection: BaseDatabaseWrapper, exc: BaseException) -> LoadError:
        """A load error that says where in the input PostgreSQL's error is, and what."""
        cause = exc.__cause__ if isinstance(exc, DjangoDatabaseError) and exc.__cause__ else exc
        diag = getattr(cause, "diag", None)
        message = getattr(diag, "message_primary", None) or str(cause).strip().splitlines()[0]
        detail = getattr(diag, "message_detail", None)
        state = getattr(diag, "sqlstate", None)
        if state is not None and state[:2] in ("08", "57"):  # connection lost, server stopped
            return LoadError(
                f"the connection to the database was lost ({message}); nothing was written",
                source=self.data.name,
            )
        position = copy_position(cause)
        line = self.positions.line_of(position.record) if position else None
        column = value = None
        if position is not None and position.column is not None and self.plan is not None:
            column = self.plan.input_name(position.column)
            value = position.value
        key = _KEY_DETAIL.search(detail or "")
        key_columns = real_name(key["columns"]) if key is not None else ""  # maybe quoted
        if key is not None:
            column = self._input_name(key_columns)
            value = key["values"]
        if state == "23505" and key is not None:  # unique violation
            message = self._duplicate_reason(connection, key_columns, key["values"])
        elif state == LOCK_NOT_AVAILABLE:
            return self._lock_error(connection)
        elif state == "23503" and self._points_at_deleted_rows(detail or ""):
            return LoadError(
                f"mode='replace' would delete rows of {self.label} that other rows point at "
                f"({message}: {(detail or '').rstrip('.')}); keep those rows in the input, or "
                "delete the rows that point at them first; nothing was written",
                source=self.data.name,
            )
        elif detail:
            message = f"{message} ({detail.rstrip('.')})"
        if line is None and position is None and state is None:
            message = f"the load failed: {message}; nothing was written"
        return LoadError(message, source=self.data.name, line=line, column=column, value=value)

    def _points_at_deleted_rows(self, detail: str) -> bool:
        """Whether a foreign key error of mode="replace" is about a row it deleted (seen
        from either side: the row deleted, or the row that points at it)."""
        table = real_name(str(self.model._meta.db_table))
        return self.options.mode == "replace" and (
            "still referenced" in detail or f'is not present in table "{table}"' in detail
        )

    def _lock_error(self, connection: BaseDatabaseWrapper) -> LoadError:
        table = connection.ops.quote_name(str(self.model._meta.db_table))
        holders = lock_holders(connection, table)
        return LoadError(
            f"waited lock_timeout={self.options.lock_timeout}s for a lock on {table} "
            f"and gave up{': it is held by ' + holders if holders else ''}; nothing was "
            "written (pass a longer lock_timeout, or None to wait as long as it takes)",
            source=self.data.name,
        )

    def _input_name(self, column: str) -> str:
        return self.plan.input_name(column) if self.plan is not None else column

    def _django_column(self, column: str) -> str:
        """The field's ``column`` (as Django spells it) for a column PostgreSQL names."""
        for model_field in self.model._meta.local_concrete_fields:
            if real_name(str(model_field.column)) == column:
                return str(model_field.column)
        return column.replace('"', '""')

    def _duplicate_reason(self, connection: BaseDatabaseWrapper, columns: str, values: str) -> str:
        """Whether a duplicate key was already in the table or is twice in the input."""
        name = self._input_name(columns)
        if "," in columns:
            return f"the key {name} = ({values}) is taken"
        statement = compose_django(
            connection,
            "SELECT EXISTS (SELECT FROM {table} WHERE {column}::text = %s)",
            table=str(self.model._meta.db_table),
            column=self._django_column(columns),
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement, [values])
                exists = cursor.fetchone()[0]
        except DjangoDatabaseError:
            return f"{name} {values} is taken"
        if exists:
            return (
                f"{name} {values} is already in the table (on_conflict='skip' or 'update' "
                "would take it)"
            )
        return f"{name} {values} appears more than once in the input"

    def _explain_staged(
        self, connection: BaseDatabaseWrapper, exc: DjangoDatabaseError, staging: str
    ) -> LoadError:
        """For an error of the merge: find the staged row it is about, for its line."""
        error = self._explain(connection, exc)
        cause = exc.__cause__ or exc
        diag = getattr(cause, "diag", None)
        detail = getattr(diag, "message_detail", None) or ""
        key = _KEY_DETAIL.search(detail)
        if getattr(diag, "sqlstate", None) == "21000":  # a key twice in the input
            conflict = self._conflict_columns()
            with connection.cursor() as cursor:
                cursor.execute(
                    compose_django(
                        connection,
                        "SELECT ROW({keys})::text FROM {staging} GROUP BY {keys} "
                        "HAVING count(*) > 1 LIMIT 1",
                        keys=conflict,
                        staging=staging,
                    )
                )
                row = cursor.fetchone()
            if row is None:
                return error
            (shown,) = row
            return LoadError(
                f"the key {', '.join(conflict)} = {shown} appears more than once in the input",
                source=self.data.name,
                line=self._line_of_staged(
                    connection, staging, "ROW({keys})::text = %s", shown, keys=conflict
                ),
                column=self._input_name(conflict[0]),
                value=shown,
            )
        if key is None or "," in key["columns"]:
            return error
        column = self._django_column(real_name(key["columns"]))
        line = self._line_of_staged(
            connection, staging, "{column}::text = %s", key["values"], column=column
        )
        if line is None:
            return error
        return LoadError(
            error.reason, source=self.data.name, line=line, column=error.column, value=error.value
        )


def before_next(before: Mapping[int, SequenceState], change: SequenceChange) -> int | None:
    """The next value a sequence had when the load began."""
    state = before.get(change.state.oid)
    return state.next_value if state is not None else change.next_before


def _run(model: type[Model], data: _Input, given: dict[str, Any]) -> LoadReport:
    """Run a load with the options among ``given`` (a public loader's arguments)."""
    names = {f.name for f in dataclasses.fields(_Options)}
    return _Load(model, data, _Options(**{k: v for k, v in given.items() if k in names})).run()


# --- the public loaders ---------------------------------------------------------------------


def load_csv(
    model: type[Model],
    source: Source,
    *,
    columns: ColumnsArg = None,
    ignore_unknown_columns: bool = False,
    using: str | None = None,
    delimiter: str = ",",
    header: bool = True,
    encoding: str = "utf-8",
    null: str = "",
    on_conflict: OnConflict = "error",
    conflict_fields: Sequence[str] | None = None,
    progress: Progress = None,
    dry_run: bool = False,
    allow_empty: bool = False,
    on_error: OnError = "raise",
    reject_file: str | os.PathLike[str] | None = None,
    max_errors: int | None = None,
    mode: Mode = "append",
    lock_timeout: float | None = DEFAULT_LOCK_TIMEOUT,
) -> LoadReport:
    """Load a CSV file into ``model``'s table with COPY; leave its sequences right.

    Args:
        model: The model to load (a proxy loads its concrete model).
        source: A path, a text or binary file object, or an iterable of lines.
        columns: ``{CSV column: field name}`` for columns named otherwise (``None`` drops
            a column); without a header, the field names in file order. Field names and
            attnames (``playlist_id``) both work.
        ignore_unknown_columns: Drop CSV columns that match no field instead of failing.
        using: The database alias.
        delimiter: The field separator.
        header: Whether the first line names the columns.
        encoding: The file's encoding.
        null: The unquoted text that means NULL (an empty field by default).
        on_conflict: ``"error"`` (a taken key fails the load), ``"skip"`` (rows whose key
            is taken are left out) or ``"update"`` (they replace the existing row).
        conflict_fields: The unique fields that define "taken" (default: the primary key).
        progress: ``True`` for a bar on standard error, or a callable given
            ``(rows, bytes, total_bytes)`` after each chunk.
        dry_run: Load, report, roll back; no sequence is changed.
        allow_empty: Accept an input with a header and no rows.
        on_error: ``"raise"`` (a bad row fails the load) or ``"skip"`` (bad rows are left
            out, counted in ``rows_rejected`` and written to ``reject_file``).
        reject_file: With "skip": a CSV file (``line,reason,record``) for the bad rows.
        max_errors: With "skip": more rejected rows than this fail the load.
        mode: ``"append"``, or ``"replace"``: the table ends up holding exactly the input's
            rows (rows whose key is in the input are updated in place, the others deleted),
            in one transaction, so readers see the old rows until it commits.
        lock_timeout: Seconds to wait for a lock on the table before failing (``None``:
            the server's setting).

    Returns:
        A :class:`LoadReport`.

    Raises:
        LoadError: bad input (naming file, line, column and value), a key already taken,
            rights missing, or any database error; nothing is written.
    """
    names = list(columns) if not header and isinstance(columns, Sequence) else None
    data = CsvInput(
        source, delimiter=delimiter, header=header, encoding=encoding, null=null, names=names
    )
    mapping = None if names is not None else columns
    return _run(model, data, {**locals(), "columns": mapping})


def load_json(
    model: type[Model],
    source: Source,
    *,
    columns: Mapping[str, str | None] | None = None,
    ignore_unknown_columns: bool = False,
    using: str | None = None,
    encoding: str = "utf-8",
    on_conflict: OnConflict = "error",
    conflict_fields: Sequence[str] | None = None,
    progress: Progress = None,
    dry_run: bool = False,
    allow_empty: bool = False,
    on_error: OnError = "raise",
    reject_file: str | os.PathLike[str] | None = None,
    max_errors: int | None = None,
    mode: Mode = "append",
    lock_timeout: float | None = DEFAULT_LOCK_TIMEOUT,
) -> LoadReport:
    """Load a JSON array of objects, or JSON Lines, into ``model``'s table.

    The input is read as a stream (the format is told by its first character), so memory
    does not grow with it. Keys are field names or attnames, or mapped by ``columns``; a
    key an object lacks takes the field's default, or NULL. Other arguments as for
    :func:`load_csv`.
    """
    return _run(model, JsonInput(source, encoding=encoding), locals())


def load_dataframe(
    model: type[Model],
    frame: Any,
    *,
    columns: Mapping[str, str | None] | None = None,
    ignore_unknown_columns: bool = False,
    index: bool = False,
    using: str | None = None,
    on_conflict: OnConflict = "error",
    conflict_fields: Sequence[str] | None = None,
    progress: Progress = None,
    dry_run: bool = False,
    allow_empty: bool = False,
    on_error: OnError = "raise",
    reject_file: str | os.PathLike[str] | None = None,
    max_errors: int | None = None,
    mode: Mode = "append",
    lock_timeout: float | None = DEFAULT_LOCK_TIMEOUT,
) -> LoadReport:
    """Load a pandas DataFrame into ``model``'s table with COPY (not INSERT).

    NaN, NaT and ``pd.NA`` are NULL; nullable integers, bools, timezone-aware datetimes,
    dates, ``Decimal``, ``UUID`` and (for a JSON field) dicts and lists load as such. The
    index is left out unless ``index=True``. Other arguments as for :func:`load_csv`.
    """
    return _run(model, FrameInput(frame, index=index), locals())


def load_dataset(
    model: type[Model],
    dataset: Any,
    *,
    columns: Mapping[str, str | None] | None = None,
    ignore_unknown_columns: bool = False,
    using: str | None = None,
    on_conflict: OnConflict = "error",
    conflict_fields: Sequence[str] | None = None,
    progress: Progress = None,
    dry_run: bool = False,
    allow_empty: bool = False,
    on_error: OnError = "raise",
    reject_file: str | os.PathLike[str] | None = None,
    max_errors: int | None = None,
    mode: Mode = "append",
    lock_timeout: float | None = DEFAULT_LOCK_TIMEOUT,
) -> LoadReport:
    """Load a tablib ``Dataset`` (read from CSV, TSV, XLSX, ODS, YAML, JSON...) into
    ``model``'s table. Its headers name the columns. Other arguments as for
    :func:`load_csv`.
    """
    return _run(model, DatasetInput(dataset), locals())
