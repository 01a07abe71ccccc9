"""The machine-readable report of the commands that judge sequences: its schema number, the
counts of a check, and one entry per sequence (described in docs/report-schema.md)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ...sequences import Audit, SequenceChange, Status, SyncReport

__all__ = ["REPORT_SCHEMA", "Counts", "sequence_entry"]

REPORT_SCHEMA = 1
"""The version of the JSON report's shape. It changes only when a field is removed or its
meaning changes; new fields may appear without a new number."""


@dataclass(frozen=True)
class Counts:
    """How many sequences a check found in each state (one sequence may count twice: a
    sequence behind and near exhaustion is both)."""

    sequences: int
    behind: int
    exhausted: int
    near_exhaustion: int
    unreadable: int
    moved: int
    not_permitted_to_update: int

    @classmethod
    def of(cls, audit: Audit, report: SyncReport) -> Counts:
        """The counts of ``audit`` and of the sync that followed it."""
        statuses = [state.status for state in audit]
        return cls(
            sequences=len(statuses),
            behind=statuses.count(Status.BEHIND),
            exhausted=statuses.count(Status.EXHAUSTED),
            near_exhaustion=len(audit.near_exhaustion()),
            unreadable=len(audit.unreadable),
            moved=len(report.moved),
            not_permitted_to_update=len(report.not_permitted),
        )

    def failed(self, *, headroom_checked: bool) -> bool:
        """Whether a check fails: a sequence is behind, exhausted or unreadable, or, when
        the headroom is checked, near exhaustion."""
        near = self.near_exhaustion if headroom_checked else 0
        return bool(self.behind or self.exhausted or self.unreadable or near)

    def as_dict(self) -> dict[str, int]:
        """A JSON-ready dict."""
        return dataclasses.asdict(self)


def sequence_entry(change: SequenceChange) -> dict[str, Any]:
    """One sequence of the report: where it stood (its state) and what was done to it."""
    return {**change.state.as_dict(), **change.as_dict()}
