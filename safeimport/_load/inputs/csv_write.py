"""CSV text as COPY must get it: rows written anew (columns dropped or added), and lines
holding only ``\\.`` quoted."""

from __future__ import annotations

import csv
import io
import re

from ..plan import ColumnPlan
from .encode import value_text

__all__ = ["RowWriter", "quote_end_markers"]

_END_MARKER = re.compile(r"^\\\.\r?$", re.MULTILINE)
"""A line holding only ``\\.``, which ends the data of a COPY in CSV format."""


def quote_end_markers(text: str) -> str:
    """``text`` (CSV rows) with each line that holds only ``\\.`` quoted, as ``"\\."``: a
    row whose one value is ``\\.``. Found at C speed; a line inside a quoted field (an
    odd number of quotes before it) is left as it is (PostgreSQL refuses it: a value
    with such a line cannot go through COPY in CSV)."""
    if "\\" not in text or "\\." not in text:  # the common case, at C speed: one
        return text  # character is found fastest, then two, then the expression
    parts: list[str] = []
    copied = counted = quotes = 0
    for match in _END_MARKER.finditer(text):
        at = match.start()
        quotes += text.count('"', counted, at)
        counted = at
        if quotes % 2 == 0:
            parts += [text[copied:at], '"\\."']
            copied = at + 2
    if not parts:
        return text
    parts.append(text[copied:])
    return "".join(parts)


class RowWriter:
    """Writes a row anew in the input's CSV dialect, with dropped and added columns."""

    def __init__(self, delimiter: str, null: str, plan: ColumnPlan) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=delimiter, lineterminator="\n")
        self._null = null
        self._keep = [t is not None for t in plan.targets]
        self._defaults = plan.defaults

    def fields(self, row: list[str]) -> list[str]:
        """The fields written for ``row``: the kept values, then the defaults."""
        values = [value for value, keep in zip(row, self._keep, strict=True) if keep]
        for model_field, default in self._defaults:
            text = value_text(default(), model_field)
            values.append(self._null if text is None else text)
        return values

    def row_text(self, fields: list[str]) -> str:
        """``fields`` as one CSV row."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(fields)
        return self._buffer.getvalue()
