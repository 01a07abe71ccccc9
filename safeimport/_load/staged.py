"""The staged path: COPY into a temporary table, reserve the ids, then one ``INSERT ... SELECT``.

Why a staging table rather than COPY straight into the table: the sequences must be past
every incoming id before the first row goes in, and when the input cannot tell its id range
before it is read (a shuffled file, a stream), only a whole read tells the largest id.
Raising the sequences chunk by chunk as COPY goes moves the application's inserts into the
ids of the next chunk, which then collide (measured). The staging buys the single
reservation, ids for rows that lack one drawn past every id of the input, and set-based
conflict handling (``on_conflict``, ``on_error="skip"``, ``mode="replace"``).

After COPY: the rows that would fail are set aside (with "skip", see
:mod:`.screening`); one query reads the smallest and largest staged id of each
sequence-backed column and the sequences are raised past them; with "replace", the table's
rows that the input lacks are deleted; then the rows move into the table. A dry run
reserves nothing and draws missing ids from a temporary copy of each sequence.
"""

# The statements here are built from this module's constants and names as Django quotes
# them.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import Error as DjangoDatabaseError
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from .._db import compose_django
from ..errors import LoadError
from ..sequences import reserve_sequences
from .checks import check_foreign_keys
from .chunks import Chunk
from .dry_run import Shadow
from .explain import Explainer, refusal
from .first_refused import RangeMove, first_refused
from .job import Job
from .move import Move
from .plan import ColumnPlan
from .replace import delete_the_rest, replace_key
from .report import LoadReport
from .screening import Screening
from .splitting import SplitMove
from .staged_ids import IdRanges, IdStates, dry_run_sequences, incoming_ids
from .staging import (
    EVERY_ROW,
    ROW,
    ColumnType,
    column_types,
    create_text_staging,
    create_typed_staging,
)

__all__ = ["Staged"]


class Staged:
    """The staged path of one load.

    Args:
        job: The load.
        connection: Its connection.
        plan: Its column plan.
        explainer: Words its errors.
        sequenced: Every column of the table that draws from a sequence, the input's or not.
    """

    method = "staged copy"

    def __init__(
        self,
        job: Job,
        connection: BaseDatabaseWrapper,
        plan: ColumnPlan,
        explainer: Explainer,
        sequenced: IdStates,
    ) -> None:
        self.job = job
        self.connection = connection
        self.plan = plan
        self.explainer = explainer
        self.sequenced = sequenced
        self.table = f"safeimport_staging_{id(self)}"
        """The staging table, which COPY fills; its ``safeimport_row`` numbers the rows in
        COPY order, which is the input's."""
        self._create()
        self.types: dict[str, ColumnType] = column_types(connection, job.table, plan.columns)
        self.target = job.table
        """Where the rows move: the table, or a dry run's copy of it."""

    def _create(self) -> None:
        """A temporary table with the plan's columns (all of them text, and the rows
        numbered, when rows that fail are to be set aside)."""
        if self.job.rejects is not None:
            create_text_staging(self.connection, self.table, self.plan.columns)
        else:
            create_typed_staging(self.connection, self.table, self.job.table, self.plan.columns)

    def guard(self, chunks: Iterable[Chunk]) -> Iterator[Chunk]:
        """``chunks`` as they come: any id may go to the staging table."""
        return iter(chunks)

    def finish(
        self,
        report: LoadReport,
        copied: int,
        tables: dict[str, str | None],
        id_states: IdStates,
    ) -> IdRanges:
        """Move the ``copied`` staged rows into the table and count them in ``report``;
        return the range of the ids that came in, per (model label, column)."""
        job, options = self.job, self.job.options
        unread = len(job.rejects) if job.rejects is not None else 0
        at_once = self._move_at_once(tables, id_states)
        if at_once is not None:
            incoming, (report.rows_written, report.rows_updated) = at_once
            report.rows_skipped = copied - report.rows_written - report.rows_updated
            self._drop()
            return incoming
        screening = None
        if job.rejects is not None:
            screening = self._screening()
            screening.run(
                conflict=job.conflict_columns(),
                check_taken=options.on_conflict == "error" and options.mode == "append",
                sequenced=set(id_states),
            )
        # Reserve first: the sequences go past every incoming id before any row reaches
        # the table, so a concurrent insert never draws one of them.
        incoming = self._incoming(id_states)
        if not options.dry_run:
            reserve_sequences(self.connection, tables, incoming)
        draws = self._draws(incoming)
        shadow = None
        if options.dry_run:
            shadow = Shadow(job, self.connection, self.table, self.types, draws)
            self.target = shadow.name
        if options.mode == "replace":
            key = replace_key(job, self.plan)
            if shadow is not None:
                report.rows_deleted = shadow.count_replaced(key)
            else:
                report.rows_deleted = delete_the_rest(
                    self.connection, job.table, self.table, self.types, key
                )
        written, updated = self._merge(draws, screening)
        if shadow is not None and screening is None:
            self._check_references()
        self._drop()
        report.rows_written, report.rows_updated = written, updated
        rejected_here = len(job.rejects) - unread if job.rejects is not None else 0
        report.rows_skipped = copied - written - updated - rejected_here
        return incoming

    def _move_at_once(
        self, tables: dict[str, str | None], id_states: IdStates
    ) -> tuple[IdRanges, tuple[int, int]] | None:
        """With ``on_error="skip"``, most inputs have no row to set aside once read: their
        rows move in one statement, in a savepoint, with no screening (measured on one
        million rows of the benchmark's table: 1.5 s of set-based checks saved, out of
        8 s). Returns the ids that came in and (inserted, updated); ``None`` when a row
        fails (then nothing moved, and the screening finds the rows to set aside).

        Only where any row that the screening would set aside fails the move: a plain
        append keyed by the primary key (a taken or repeated key breaks it), not a dry run.
        A foreign key is deferred, so the rows that point at nothing are looked up first.
        The sequences are raised before the move, past every staged id (a row set aside
        afterwards may leave a gap, never a duplicate).
        """
        job, options = self.job, self.job.options
        plain = (options.on_conflict, options.mode, options.dry_run) == ("error", "append", False)
        if job.rejects is None or not plain or options.conflict_fields:
            return None
        try:
            with transaction.atomic(using=job.alias):
                if self._screening().orphans():
                    return None
                incoming = self._incoming(id_states)
                reserve_sequences(self.connection, tables, incoming)
                run = Move(
                    job, self.connection, self.plan, self.table, self.target, self.types,
                    self._draws(incoming),
                )  # fmt: skip
                return incoming, run(*EVERY_ROW)  # (no scan for the first and last)
        except DjangoDatabaseError:
            return None

    def _drop(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(
                compose_django(self.connection, "DROP TABLE {staging}", staging=self.table)
            )

    def _screening(self) -> Screening:
        job = self.job
        return Screening(
            self.connection, job.model, self.table, self.plan, self.types, job.rejects,
            job.positions.line_of,
        )  # fmt: skip

    def _check_references(self) -> None:
        """A dry run's foreign keys, which its copy of the table lacks: the first staged
        row that points at nothing fails it, as it would fail the load."""
        orphan = self._screening().first_orphan(self.job.source)
        if orphan is not None:
            raise orphan

    def _incoming(self, id_states: IdStates) -> IdRanges:
        """The smallest and largest staged id of each sequence-backed column."""
        return incoming_ids(self.connection, self.table, self.job.label, list(id_states))

    def _draws(self, incoming: IdRanges) -> dict[str, int]:
        """The sequence that each sequence-backed column draws missing ids from, by OID.

        In a dry run, a temporary copy of it that starts where it would stand after the
        reservation (dropped with the rollback): a dry run touches no sequence. A dry run
        needs one for every sequence-backed column of the table, the input's or not (its
        copy of the table draws from them).
        """
        plans = {t.column for _, t in self.plan.sequenced()}
        if not self.job.options.dry_run:
            return {c: state.oid for c, state in self.sequenced.items() if c in plans}
        prefix = f"safeimport_dry_run_{id(self)}"
        return dry_run_sequences(self.connection, self.job.label, self.sequenced, incoming, prefix)

    def _merge(self, draws: dict[str, int], screening: Screening | None) -> tuple[int, int]:
        """Move the staged rows into the table; return (inserted, updated). A row without
        an id gets one drawn from its sequence, which is past every staged id by now. With
        ``screening`` (on_error="skip"), rows that still fail are found and set aside;
        without, the first row that fails, in the input's order, fails the load."""
        run = Move(self.job, self.connection, self.plan, self.table, self.target, self.types, draws)

        rows = self._row_range()
        if rows is None:
            inserted, updated = 0, 0
        elif screening is not None:
            inserted, updated = SplitMove(screening, run, refusal)(*rows)
        else:
            try:
                with transaction.atomic(using=self.job.alias):
                    inserted, updated = run(*rows)
                    if not (self.job.options.dry_run or self.job.joined):
                        check_foreign_keys(self.job, self.connection)
            except DjangoDatabaseError as exc:
                raise self._first_refused(run, *rows, exc) from exc
        return int(inserted), int(updated)

    def _row_range(self) -> tuple[int, int] | None:
        with self.connection.cursor() as cursor:
            cursor.execute(
                compose_django(
                    self.connection,
                    "SELECT min(" + ROW + "), max(" + ROW + ") FROM {staging}",
                    staging=self.table,
                )
            )
            low, high = cursor.fetchone()
        return None if low is None else (int(low), int(high))

    def _first_refused(self, run: RangeMove, low: int, high: int, error: Exception) -> LoadError:
        """The error of the first staged row, in the input's order, that the table refuses
        (``error``: that of the whole move, which says what, not where; see
        :mod:`.first_refused`). Deferred foreign keys are not checked range by range (a row
        may point at a later one): when every row goes in, the first row that points at
        nothing is looked up instead.
        """
        refused = first_refused(run, low, high, self.job.alias)
        if refused is not None:
            return self.explainer.row_error(
                self.connection, refused.error, self.table, refused.row, repeated=refused.repeated
            )
        orphan = self._screening().first_orphan(self.job.source)
        return orphan or self.explainer.database_error(self.connection, error)
