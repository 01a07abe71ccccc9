"""The sequence engine: find the sequence behind every table and move it to the right place.

"Right" means that the next value the sequence hands out is free: for an ascending sequence
the smallest ``START + k * INCREMENT`` above the largest id in every column that draws from
it (below the smallest id, for a descending one). A sequence is never moved backwards: a
sequence ahead of its data only leaves a harmless gap, while lowering one hands out ids that
are taken.

One room per idea:

- ``_report``: the result types (:class:`SequenceState`, :class:`Audit`,
  :class:`SyncReport`, ...) and the one wording of a sequence's move (:func:`describe_move`).
- ``_rules``: the arithmetic and the judgement, pure functions without a database
  (:func:`next_free`, :func:`value_limits`, :func:`judged`).
- ``_catalog``: discovery; which tables, which sequences, and their data's max and min,
  in two SQL statements however many tables (:func:`audit_sequences`, :func:`audit_tables`).
- ``_setval``: raise-only ``setval`` (:func:`sync_sequences`, :func:`sync_states`,
  :func:`reserve_sequences`).

The public names are in ``__all__`` and re-exported by :mod:`safeimport`; the internal
helpers that the loaders, the commands and ``sequences_synced()`` use are importable from
here as well.
"""

from ._catalog import ModelRef as ModelRef
from ._catalog import audit_sequences
from ._catalog import audit_tables as audit_tables
from ._catalog import model_tables as model_tables
from ._catalog import resolve_models as resolve_models
from ._catalog import tables_of as tables_of
from ._report import (
    Action,
    Audit,
    ColumnUse,
    SequenceChange,
    SequenceState,
    SkippedTable,
    Status,
    SyncReport,
)
from ._report import describe_move as describe_move
from ._report import describe_moves as describe_moves
from ._rules import next_free as next_free
from ._rules import value_limits as value_limits
from ._setval import reserve_sequences as reserve_sequences
from ._setval import sync_sequences
from ._setval import sync_states as sync_states

# The public names. The ``X as X`` imports above are the internal helpers that the loaders,
# the commands, the system check and ``sequences_synced()`` use: importable, not public.
__all__ = [
    "Action",
    "Audit",
    "ColumnUse",
    "SequenceChange",
    "SequenceState",
    "SkippedTable",
    "Status",
    "SyncReport",
    "audit_sequences",
    "sync_sequences",
]
