"""safeimport: bulk imports for Django on PostgreSQL that leave every sequence right.

The public names are re-exported here; see the README for a tour.
"""

from .context import sequences_synced
from .errors import LoadError, SafeImportError, SequenceError, SequenceExhaustedError
from .sequences import (
    Action,
    Audit,
    SequenceChange,
    SequenceState,
    Status,
    SyncReport,
    audit_sequences,
    sync_sequences,
)

__all__ = [
    "Action",
    "Audit",
    "LoadError",
    "SafeImportError",
    "SequenceChange",
    "SequenceError",
    "SequenceExhaustedError",
    "SequenceState",
    "Status",
    "SyncReport",
    "audit_sequences",
    "sequences_synced",
    "sync_sequences",
]
