"""What every input gives a load: its column names, its rows as COPY chunks or as Python
values, and what it knows about itself (its id range, whether it can be read again).

The load never asks which kind of input it has: a CSV file, JSON, a DataFrame and a tablib
Dataset all answer the same questions, each in its own way, and those that have nothing to
say about one keep the default answer here. An input is a context manager: leaving it
closes what it opened, whether the load read it to the end or not.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from types import TracebackType
from typing import ClassVar

from ...errors import LoadError
from ..chunks import Chunk, IdLimits, IdRanges
from ..dates import DateText
from ..plan import ColumnPlan
from ..rejects import Rejects
from ..transport import CopyOption
from .encode import Record

__all__ = ["Input"]


class Input(ABC):
    """An input of a load.

    Attributes:
        name: How messages name the input: a path, a file's name, or ``<DataFrame>``.
        copy_format: The format COPY reads the chunks in: ``"csv"`` or ``"text"`` (an input
            may choose per plan: :meth:`copy_format_for`).
        sparse: Whether a row may leave out any field (JSON objects): the load then plans
            every field of the model, not just the input's first row's.
        total_bytes: The input's size, when known (for progress).
        rejects: Where rows that cannot be read go instead of failing the load
            (``on_error="skip"``); ``None``: they fail it.
        dates: Which date and timestamp text is read (set from the load's options).
    """

    name: str
    copy_format: ClassVar[str] = "text"
    sparse: ClassVar[bool] = False
    total_bytes: int | None = None
    rejects: Rejects | None = None
    dates: DateText = DateText()

    @abstractmethod
    def columns(self) -> tuple[list[str], int | None]:
        """The input's column names, and the line that names them (``None``: no such line).

        Raises:
            LoadError: the input is empty or names no columns.
        """

    @abstractmethod
    def chunks(self, plan: ColumnPlan, limits: IdLimits) -> Iterator[Chunk]:
        """The rows, as COPY chunks in :attr:`copy_format`.

        Raises:
            LoadError: a row that cannot be read, naming its line and column.
        """

    @abstractmethod
    def records(self, plan: ColumnPlan) -> Iterator[Record]:
        """The rows as Python values in the order of ``plan.inputs`` (for a database
        without COPY)."""

    def copy_format_for(self, plan: ColumnPlan) -> str:
        """The format COPY reads this input's chunks in, for ``plan``: ``"csv"``, ``"text"``
        or ``"binary"``."""
        return self.copy_format

    def set_aside(self, rejects: Rejects) -> None:
        """Send rows that cannot be read to ``rejects`` instead of failing the load."""
        self.rejects = rejects

    def set_aside_repeated_ids(self) -> None:
        """On the direct path in skip mode: also set aside a row whose id an earlier row
        has, as the staged path would. An input that does not leaves such a row to COPY,
        whose error starts the load again through staging."""
        return

    def id_hint(self, plan: ColumnPlan, limits: IdLimits) -> IdRanges | None:
        """A guess, made before reading, at the range of each sequence-backed column's ids
        (``None``: no guess). Every chunk is checked against it, so a wrong guess costs a
        restart, never an unreserved id."""
        return None

    def reopen(self) -> Input | None:
        """The same input, to be read afresh from its start; ``None`` if it cannot be."""
        return None

    def copy_options(self, plan: ColumnPlan) -> list[CopyOption]:
        """COPY's options for reading the chunks, past ``FORMAT``."""
        return []

    def original_records(self, lines: set[int]) -> dict[int, str]:
        """The text of the given lines as they are in the input, for a reject file
        (empty when the input has no text of its own)."""
        return {}

    def locate(self, error: LoadError) -> LoadError:
        """``error`` with its place named as the input names its rows (the line, unless
        the input says otherwise)."""
        return error

    def close(self) -> None:  # noqa: B027 (an input that opens nothing has nothing to do)
        """Close what the input opened, if anything."""

    def __enter__(self) -> Input:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
