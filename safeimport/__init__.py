"""safeimport: bulk imports for Django on PostgreSQL that leave every sequence right.

The public names are re-exported here; see the README for a tour.
"""

from ._load.prepared import RecoveredLoad, recover_parallel_loads
from .context import sequences_synced
from .errors import (
    LoadError,
    SafeImportError,
    SequenceError,
    SequenceExhaustedError,
    UnmatchedColumnsError,
)
from .heal import healing
from .loaders import LoadReport, load_csv, load_dataframe, load_dataset, load_json
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
from .testing import assert_sequences_synced

__all__ = [
    "Action",
    "Audit",
    "LoadError",
    "LoadReport",
    "RecoveredLoad",
    "SafeImportError",
    "SequenceChange",
    "SequenceError",
    "SequenceExhaustedError",
    "SequenceState",
    "Status",
    "SyncReport",
    "UnmatchedColumnsError",
    "assert_sequences_synced",
    "audit_sequences",
    "healing",
    "load_csv",
    "load_dataframe",
    "load_dataset",
    "load_json",
    "recover_parallel_loads",
    "sequences_synced",
    "sync_sequences",
]
