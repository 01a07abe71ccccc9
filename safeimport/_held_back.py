"""Rows that lack an id, held back in a temporary file until every id of the input is
reserved; then their ids are drawn from the sequence (so past every id in the input) and
they go to COPY after the others. Memory stays flat however many there are.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from collections import Counter
from itertools import islice

from ._chunks import Chunk, ChunkBuilder, Deferred

__all__ = ["HeldBack"]

_BATCH = 10_000

Draw = Callable[[str, int], Sequence[int]]
"""``draw(column, count)``: ``count`` new values of the sequence behind ``column``."""


class HeldBack:
    """The held-back rows of one load."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self.rows = 0
        self._lacking: Counter[int] = Counter()

    def add(self, rows: Deferred) -> None:
        """Keep ``rows`` (source line and fields, ``None`` where an id is to be drawn)."""
        for line, fields in rows:
            self._file.write(json.dumps([line, fields], ensure_ascii=False) + "\n")
            self._lacking.update(i for i, value in enumerate(fields) if value is None)
        self.rows += len(rows)

    def chunks(
        self, id_columns: dict[int, str], draw: Draw, row_text: Callable[[list[str]], str]
    ) -> Iterator[Chunk]:
        """The held-back rows with their ids drawn, as COPY chunks. Every id is drawn
        before the first chunk is made (the connection is then busy with COPY), into an
        array of 8 bytes per id.

        Args:
            id_columns: The position among a row's fields of each column that draws from a
                sequence, and the column.
            draw: Draws ids.
            row_text: Writes a row's fields in the COPY format of the load.
        """
        drawn = {
            position: iter(draw(column, self._lacking[position]))
            for position, column in id_columns.items()
            if self._lacking[position]
        }
        return self._filled(drawn, row_text)

    def _filled(
        self, drawn: dict[int, Iterator[int]], row_text: Callable[[list[str]], str]
    ) -> Iterator[Chunk]:
        self._file.seek(0)
        builder = ChunkBuilder()
        while batch := [json.loads(text) for text in islice(self._file, _BATCH)]:
            for line, fields in batch:
                for position, ids in drawn.items():
                    if fields[position] is None:
                        fields[position] = str(next(ids))
                builder.add(row_text(fields), line)
                if builder.full:
                    yield builder.take()
        if builder.rows:
            yield builder.take()

    def close(self) -> None:
        """Delete the temporary file."""
        self._file.close()
