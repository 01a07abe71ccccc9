"""What a load did: :class:`LoadReport`, returned by every loader."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..sequences import SequenceChange, describe_moves
from .rejects import Rejected

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
    ``INSERT ... SELECT``), ``"parallel copy"`` (COPY on several connections at once,
    ``parallel=N``) or ``"bulk_create"`` (a database without COPY)."""
    copy_format: str = ""
    """The format COPY read the rows in: ``"csv"``, ``"text"`` or ``"binary"`` (a DataFrame
    with the arrow extra); empty without COPY."""
    columns: dict[str, str | None] = field(default_factory=dict)
    """Each input column and the field it went to (``None``: ignored), in input order."""
    sequences: list[SequenceChange] = field(default_factory=list)
    """Each sequence behind the table, with its next value before and after the load."""
    streams: list[int] = field(default_factory=list)
    """With ``parallel=N`` on the direct path: the rows each of the N connections copied
    (empty for a load on one connection)."""
    validate: bool = False
    """The load only validated the input (``validate=True``): nothing was written."""
    rejects: list[Rejected] = field(default_factory=list)
    """With ``validate=True``: every bad row, in line order (line, column, value, reason)."""

    def summary(self) -> str:
        """One line, as Django's commands write them."""
        if self.validate:
            verdict = f"{self.rows_rejected} bad" if self.rows_rejected else "all good"
            return (
                f"Validated {self.rows_read} row(s) for {self.model}: {verdict}; the load "
                f"would write {self.rows_written} new, {self.rows_updated} updated, "
                f"{self.rows_skipped} skipped; nothing was written."
            )
        verb = "Would import" if self.dry_run else "Imported"
        over = f" over {len(self.streams)} connections" if self.streams else ""
        text = (
            f"{verb} {self.rows_read} row(s) into {self.model}{over}: {self.rows_written} new, "
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
        data["rejects"] = [row.as_dict() for row in self.rejects]
        data["summary"] = self.summary()
        return data
