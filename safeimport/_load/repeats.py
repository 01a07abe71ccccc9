"""``on_error="skip"``: a key that the input has more than once.

The first row with a key goes in; a later row with the same key is set aside as a repeat,
but only once a row with the key has gone in. A first row that is set aside itself (its
foreign key matches nothing, a check fails while it moves...) leaves the key free, and the
next row with it goes in its place, as if the first had never been in the input.

So, before the staged rows move, the later rows of each repeated key are held back in a
table of their own. After the move, each held row whose key went in is set aside; the
first held row of every other key comes back to the (emptied) staging table and moves in
turn: one more round for each time a key repeats after a refused row, which is rare. The
rows held back went through the screening's other checks with the rest, before the move.
"""

# The statements here are built from this module's constants and the screening's SQL,
# whose names all go through compose_django.
# ruff: noqa: S608

from __future__ import annotations

from typing import Any

from .screening import Found, Screening, _shown
from .staging import ROW

__all__ = ["RepeatedKeys"]


class RepeatedKeys:
    """The staged rows held back because an earlier row of the input has their key.

    Args:
        screening: The screening of the load's text staging table.
        conflict: The columns of the key.
    """

    def __init__(self, screening: Screening, conflict: list[str]) -> None:
        self.screening = screening
        self.conflict = conflict
        self.table = f"{screening.staging}_repeats"
        self.held: dict[int, tuple[str, str]] = {}
        """Each held row's number: its key as text, and the reason to set it aside."""
        self.moving: dict[str, int] = {}
        """Per repeated key (as text), the row with it that the last move tried."""
        self.first_column = 0
        """The staged column of the key's first field, which a reject names."""

    def _query(self, template: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        statement = self.screening._sql(template, held=self.table)
        with self.screening.connection.cursor() as cursor:
            cursor.execute(statement, params or [])
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []

    def _carry(self, rows: list[int], source: str, target: str) -> None:
        """Move ``rows`` (by number) from table ``source`` to ``target``."""
        overriding = "OVERRIDING SYSTEM VALUE" if target == "staging" else ""
        self._query(
            "WITH carried AS (DELETE FROM {" + source + "} WHERE " + ROW + " IN "
            "(SELECT unnest(%s::int8[])) RETURNING *) "
            "INSERT INTO {" + target + "} " + overriding + " SELECT * FROM carried",
            [rows],
        )

    def hold(self) -> None:
        """Take each staged row whose key an earlier staged row has out of the staging
        table, into a table of its own."""
        screening = self.screening
        key = screening._key_sql(self.conflict)
        if key is None:
            return
        columns = screening.columns
        present = " AND ".join(f"{{c{columns.index(c)}}} IS NOT NULL" for c in self.conflict)
        # One hashed pass over the keys (measured on one million rows: 0.75 s, where
        # numbering every row within its key took 0.9 s); the rows of a key that comes
        # more than twice are read in a second pass, only when there is one.
        groups = self._query(
            "SELECT ROW(" + key + ")::text, min(" + ROW + "), max(" + ROW + "), count(*) "
            "FROM {staging} WHERE " + present + " GROUP BY " + key + " HAVING count(*) > 1"
        )
        if not groups:
            return
        self.moving = {shown: int(low) for shown, low, _, _ in groups}
        later = [(int(high), shown) for shown, _, high, count in groups if count == 2]
        many = [shown for shown, _, _, count in groups if count > 2]
        if many:
            template = " AND ROW(" + key + ")::text = ANY(%s)"
            rows = self._query("SELECT " + ROW + ", ROW(" + key + ")::text FROM {staging} "
                               "WHERE " + present + template, [many])  # fmt: skip
            later += [(int(row), shown) for row, shown in rows if int(row) != self.moving[shown]]
        label = screening._key_label(self.conflict)
        reason = "{} {} appears more than once in the input"
        self.held = {row: (shown, reason.format(label, _shown(shown))) for row, shown in later}
        self.first_column = columns.index(self.conflict[0])
        self._query(
            "CREATE TEMPORARY TABLE {held} ON COMMIT DROP AS SELECT * FROM {staging} WITH NO DATA"
        )
        self._carry(list(self.held), "staging", "held")

    def next_round(self) -> bool:
        """After a move: set aside each held row whose key went in (the row that moved with
        it was not set aside), then bring the first held row of every other key into the
        emptied staging table. Returns whether any row came back, to be moved."""
        if not self.held:
            return False
        went_in = {shown for shown, row in self.moving.items() if row not in self.screening.gone}
        repeats: list[Found] = [
            (row, reason, self.first_column)
            for row, (shown, reason) in sorted(self.held.items())
            if shown in went_in
        ]
        for row, _, _ in repeats:
            del self.held[row]
        self.screening.set_aside(repeats, table=self.table)
        self.moving = {}
        for row, (shown, _) in sorted(self.held.items()):
            self.moving.setdefault(shown, row)
        self._query("TRUNCATE {staging}")
        for row in self.moving.values():
            del self.held[row]
        if self.moving:
            self._carry(list(self.moving.values()), "held", "staging")
        return bool(self.moving)
