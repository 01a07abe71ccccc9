"""A tablib ``Dataset`` (read from CSV, TSV, XLSX, ODS, YAML, JSON...): its headers name
the columns, and its cells are encoded as a spreadsheet's (an empty cell is NULL, a string
for a JSON field is JSON text)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...errors import LoadError
from ..chunks import Chunk, IdLimits
from ..plan import ColumnPlan
from .base import Input
from .encode import Record, RecordEncoder

__all__ = ["DatasetInput"]


class DatasetInput(Input):
    """A tablib ``Dataset``: its headers name the columns; row N is line N + 1."""

    def __init__(self, dataset: Any, *, name: str = "<Dataset>") -> None:
        self.name = name
        self._dataset = dataset

    def columns(self) -> tuple[list[str], int | None]:
        """The dataset's headers.

        Raises:
            LoadError: a dataset without headers.
        """
        headers = self._dataset.headers
        if not headers:
            raise LoadError("the dataset has no headers to name its columns", source=self.name)
        return [str(header).strip() for header in headers], 1

    def records(self, plan: ColumnPlan) -> Iterator[Record]:
        """Every row, with its line (the headers being line 1)."""
        yield from enumerate(self._dataset, start=2)

    def chunks(self, plan: ColumnPlan, limits: IdLimits) -> Iterator[Chunk]:
        """Encode the rows as COPY chunks; a string for a JSON field is JSON text."""
        encoder = RecordEncoder(
            plan, self.name, json_strings=True, rejects=self.rejects, dates=self.dates
        )
        return encoder.chunks(self.records(plan), limits, lambda: 0)
