"""The direct path: COPY straight into the table, as fast as a bare COPY.

It is taken when nothing is to be skipped, merged or replaced and the input can tell its id
range before it is read (a file whose head and tail are in id order, a DataFrame whose id
column has no gap): the sequences are raised past that range first, so the application's
inserts draw ids past it while the rows go in. Every chunk is checked against the range
reserved; a chunk with an id outside it, or a row without an id, stops the COPY
(:class:`Restart`) and the load starts again through staging, in a new savepoint; so does
a row that breaks a deferred foreign key, for the staged path to say which row it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import Error as DjangoDatabaseError
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from .._db import real_name
from ..sequences import SequenceState, reserve_sequences
from .checks import check_foreign_keys
from .chunks import Chunk, IdLimits, IdRanges, Restart, within
from .job import Job
from .plan import ColumnPlan
from .report import LoadReport

__all__ = ["Direct", "Restart"]

_FAR = 2**63


class Direct:
    """The direct path of one load; see :meth:`reserve`."""

    method = "copy"

    def __init__(
        self,
        job: Job,
        connection: BaseDatabaseWrapper,
        covered: IdRanges,
        incoming: dict[tuple[str, str], tuple[int, int]],
    ) -> None:
        self.job = job
        self.connection = connection
        self.table = job.table
        """The table COPY writes to: the model's own."""
        self.covered = covered
        self.incoming = incoming

    @classmethod
    def reserve(
        cls,
        job: Job,
        connection: BaseDatabaseWrapper,
        tables: dict[str, str | None],
        plan: ColumnPlan,
        id_states: dict[str, SequenceState],
        limits: IdLimits,
    ) -> Direct | None:
        """Reserve the ids the input says it holds and return the direct path; ``None``
        when the input makes no guess at its id range (then it goes through staging).

        Without ids in the input, the table's default draws them and nothing is reserved.
        """
        if not id_states:
            return cls(job, connection, {}, {})
        hint = job.data.id_hint(plan, limits)
        if hint is None or not within(hint, limits) or set(hint) != set(id_states):
            return None  # no guess, or a bad id that the staged path reports by its line
        incoming = {(job.label, real_name(c)): bounds for c, bounds in hint.items()}
        reserve_sequences(connection, tables, incoming)
        covered = {}
        for column, (low, high) in hint.items():
            descending = id_states[column].descending
            covered[column] = (low, _FAR) if descending else (-_FAR, high)
        return cls(job, connection, covered, incoming)

    def guard(self, chunks: Iterable[Chunk]) -> Iterator[Chunk]:
        """``chunks``, each checked against the ids reserved.

        Raises:
            Restart: a chunk holds an id outside them, or a row without one.
        """
        for chunk in chunks:
            if self.covered and (chunk.missing_ids or not within(chunk.bounds, self.covered)):
                raise Restart
            yield chunk

    def finish(
        self,
        report: LoadReport,
        copied: int,
        tables: dict[str, str | None],
        id_states: dict[str, SequenceState],
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """Count the rows COPY wrote, every one of them in the table now, and check the
        table's deferred foreign keys (unless the caller's transaction is to).

        Raises:
            Restart: a row breaks a foreign key: the staged path finds which one.
        """
        report.rows_written = copied
        if not self.job.joined:
            try:
                with transaction.atomic(using=self.job.alias):
                    check_foreign_keys(self.job, self.connection)
            except DjangoDatabaseError as exc:
                raise Restart from exc
        return self.incoming
