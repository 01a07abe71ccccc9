"""The load, stage by stage: audit, plan, strategy, copy, finish, sync, report.

How a load runs, on PostgreSQL, in one transaction (a savepoint inside the caller's):

1. **Audit** (:mod:`safeimport.sequences`): one audit of the model's table finds the
   sequences behind its columns; the role's rights are checked (:mod:`.checks`).
2. **Plan** (:mod:`.plan`): the input's column names are matched to the model's fields; an
   unknown or missing column is an error before any row is read.
3. **Strategy**: the direct path (:mod:`.direct`) when nothing is to be merged or
   replaced and the input can tell its id range before it is read: the sequences are
   raised past that range and COPY writes into the table. In skip mode the reading
   thread sets aside the rows it can tell are bad; a row that the table still refuses
   starts the load again through staging. Otherwise the staged path (:mod:`.staged`):
   COPY into a temporary table.
4. **Copy** (:mod:`.transport`): a thread reads the input (:mod:`.inputs`) into chunks,
   which go to one ``COPY ... FROM STDIN`` while the thread reads the next ones.
5. The strategy **finishes**: nothing more for the direct path; for the staged path, the
   bad rows are set aside (:mod:`.screening`), the sequences raised past every staged id,
   and the rows moved into the table with one ``INSERT ... SELECT``.
   Deferred foreign keys are checked at the end of this stage, so that a violation is the
   load's error, with its line; inside the caller's transaction they are left to its
   commit, as the caller chose.
6. **Sync**: the sequences are synced once more (exact next value, never lowered), and the
   report tells each one's next value before and after. A dry run moves no row into the
   table (see :mod:`.dry_run`) and no sequence: it reports where they would go.

A direct path that meets an id outside the range it reserved restarts through staging.
Any failure rolls the whole load back, and becomes a :class:`~safeimport.errors.LoadError`
that names the input, line, column and value (:mod:`.explain`); a sequence raised for it
stays raised (a gap, never a duplicate). Other databases load with ``bulk_create``
(:mod:`.fallback`).
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Generator

from django.db import Error as DjangoDatabaseError
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from .._db import driver_error, is_postgresql
from .._locks import locks_held, set_lock_timeout
from ..errors import LoadError, SafeImportError
from ..sequences import audit_tables, reserve_sequences, sync_states, value_limits
from .checks import check_rights
from .chunks import Chunk, Restart
from .direct import Direct
from .explain import Explainer
from .fallback import load_with_bulk_create
from .inputs import Input
from .job import Job
from .options import LoadOptions
from .parallel import copy_in_streams
from .prepared import check_two_phase
from .progress import LoadProgress
from .report import LoadReport
from .sequencing import load_moves, sequenced_columns
from .session import read_values_as_django
from .staged import Staged
from .transport import copy_chunks, copy_statement

__all__ = ["run_load"]


def run_load(model: type[Model], data: Input, options: LoadOptions) -> LoadReport:
    """Load ``data`` into ``model``'s table as ``options`` say; see the module's docs.

    Raises:
        LoadError: bad input (naming its line, column and value), a key already taken,
            rights missing, or any database error; nothing is written.
    """
    job: Job | None = None
    try:
        job = Job(model, data, options)
        return _Load(job).run()
    finally:
        data.close()
        if job is not None and job.data is not data:  # read again from its start
            job.data.close()


class _Load:
    """The stages of one load, in order."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.explainer = Explainer(job)

    def run(self) -> LoadReport:
        job = self.job
        started = time.perf_counter()
        connection = connections[job.alias]
        try:
            report = self._load_anywhere(connection)
        except LoadError as exc:
            raise job.data.locate(exc) from exc.__cause__
        if job.rejects is not None and job.options.validate:
            report.validate = True
            report.rejects = sorted(job.rejects.rows, key=lambda row: row.line or 0)
        if job.rejects is not None and job.options.reject_file is not None:
            job.rejects.write(job.options.reject_file)
            report.reject_file = os.fspath(job.options.reject_file)
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    def _load_anywhere(self, connection: BaseDatabaseWrapper) -> LoadReport:
        job = self.job
        if not is_postgresql(connection):
            return load_with_bulk_create(job)  # on one connection, whatever parallel says
        try:
            if job.options.parallel > 1:
                check_two_phase(connection, job.options.parallel, job.source)
            try:
                return self._attempt(connection, direct=job.options.direct)
            except Restart:
                job.restart()
                return self._attempt(connection, direct=False)
        except SafeImportError as exc:
            raise self.explainer.safeimport_error(exc) from exc
        except (DjangoDatabaseError, driver_error(connection)) as exc:
            raise self.explainer.database_error(connection, exc) from exc

    def _attempt(self, connection: BaseDatabaseWrapper, *, direct: bool) -> LoadReport:
        """The load in a transaction of its own (a savepoint inside the caller's)."""
        self.job.joined = connection.in_atomic_block
        with transaction.atomic(using=self.job.alias):
            restore = set_lock_timeout(connection, self.job.options.lock_timeout)
            restore_reading = read_values_as_django(connection, self.job.data.dates)
            report = self._load(connection, direct=direct)
            report.locks = locks_held(connection)
            restore_reading()
            restore()
            if self.job.options.dry_run:
                transaction.set_rollback(True, using=self.job.alias)
        return report

    def _load(self, connection: BaseDatabaseWrapper, *, direct: bool) -> LoadReport:
        job, options = self.job, self.job.options
        # 1. audit
        tables: dict[str, str | None] = {connection.ops.quote_name(job.table): job.label}
        before = {state.oid: state for state in audit_tables(connection, tables)}
        sequenced = sequenced_columns(job.model, before.values())
        check_rights(job, connection, sequenced)
        # 2. plan
        plan = job.make_plan(sequenced)
        id_states = {t.column: sequenced[t.column] for _, t in plan.sequenced()}
        limits = {column: value_limits(state) for column, state in id_states.items()}
        # 3. strategy
        strategy: Direct | Staged | None = None
        # skip mode inside the caller's transaction is staged: its deferred foreign keys
        # are the caller's to check at commit, so the table cannot tell of a bad one now
        if direct and not (job.rejects is not None and job.joined):
            strategy = Direct.reserve(job, connection, tables, plan, id_states, limits)
        if strategy is None:
            strategy = Staged(job, connection, plan, self.explainer, sequenced)
        skipping_direct = isinstance(strategy, Direct) and job.rejects is not None
        if skipping_direct:
            job.data.set_aside_repeated_ids()
        # 4. copy
        copy_format = job.data.copy_format_for(plan)
        statement = copy_statement(
            connection, strategy.table, plan.columns, copy_format, job.data.copy_options(plan)
        )
        progress = LoadProgress(
            options.progress, total_bytes=job.data.total_bytes, description=job.label
        )

        def produce() -> Generator[Chunk, None, None]:  # in the reading thread (parallel: this one)
            yield from strategy.guard(job.data.chunks(plan, limits))

        streams: list[int] = []
        # binary COPY (a DataFrame with the arrow extra) stays on one connection: its encoder
        # keeps rows back from one chunk to the next, so chunks cannot be shared out
        if options.parallel > 1 and isinstance(strategy, Direct) and copy_format != "binary":
            streams = copy_in_streams(
                job,
                connection,
                statement,
                produce(),
                progress,
                count=options.parallel,
            )
            copied = sum(streams)
        else:
            try:
                copied = copy_chunks(
                    connection, statement, produce, job.positions, progress, source=job.source
                )
            except (DjangoDatabaseError, driver_error(connection)) as exc:
                if skipping_direct:  # a row the table refuses: the staged path sets it aside
                    raise Restart from exc
                raise
        unread = len(job.rejects) if job.rejects is not None else 0
        report = LoadReport(
            job.label,
            job.source,
            rows_read=copied + unread,
            bytes_read=progress.bytes,
            dry_run=options.dry_run,
            method=f"parallel {strategy.method}" if streams else strategy.method,
            copy_format=copy_format,
            streams=streams,
            columns=plan.mapping(),
        )
        if copied + unread == 0 and not options.allow_empty:
            raise LoadError(
                "no rows to load (pass allow_empty=True to accept that)", source=job.source
            )
        # 5. finish, with the checks of deferred constraints
        incoming = strategy.finish(report, copied, tables, id_states)
        if job.rejects is not None:
            report.rows_rejected = len(job.rejects)
            self._show_original_lines(unread)
        # 6. sync (a dry run tells where the sequences would go, and moves none)
        if options.dry_run:
            after = reserve_sequences(connection, tables, incoming, dry_run=True)
        else:
            after = sync_states(connection, audit_tables(connection, tables))
        report.sequences = load_moves(before, after)
        return report

    def _show_original_lines(self, unread: int) -> None:
        """Give the rows PostgreSQL refused their text as it is in the input (the rows set
        aside while reading have it already)."""
        rejects = self.job.rejects
        assert rejects is not None
        refused = rejects.rows[unread:]
        found = self.job.data.original_records({row.line for row in refused if row.line})
        if found:
            rejects.rows[unread:] = [
                dataclasses.replace(row, record=found.get(row.line or 0, row.record))
                for row in refused
            ]
