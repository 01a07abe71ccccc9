"""What a load did: :class:`LoadReport`, returned by every loader."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..sequences import SequenceChange, describe_moves

__all__ = ["LoadReport"]


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
    columns: dict[str, str | None] = field(default_factory=dict)
    """Each input column and the field it went to (``None``: ignored), in input order."""
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
        moves = describe_moves(self.sequences)
        return text + (f"; {moves}" if moves else "") + "."

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["sequences"] = [change.as_dict() for change in self.sequences]
        data["summary"] = self.summary()
        return data
