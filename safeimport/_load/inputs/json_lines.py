"""JSON Lines read a block of lines at a time, at C speed, and any JSON object by object.

A block of whole lines in which every line is one object (it starts with ``{`` and ends
with ``}``) is decoded in one call: by msgspec when it is installed (the ``json`` extra),
else by the standard library's decoder, reading the lines as the items of one array. Either
way a number with a fraction or an exponent becomes a ``Decimal`` made from its own text,
as :mod:`.json_stream` reads it, so the values are the same whichever decodes them.

From the first block that is not such a block (a blank line, an object over several lines,
two objects on one line, a line longer than a block, bad JSON) the rest of the input is
read object by object by :class:`~.json_stream.JsonValues`, which names the line of an
error; so is a JSON array.
"""

from __future__ import annotations

import decimal
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any

from .json_stream import JsonValues

try:  # the ``json`` extra
    import msgspec
except ImportError:  # pragma: no cover - the tests run both ways (see decode_block)
    msgspec = None  # type: ignore[assignment]

__all__ = ["Batch", "JsonBatches", "decode_block"]

BATCH_CHARS = 1 << 18
"""How much text a batch of JSON Lines takes (whole lines: a little more)."""
VALUES_PER_BATCH = 64
"""How many objects a batch read object by object holds (few: an object may be large)."""

_STANDARD = json.JSONDecoder(parse_float=decimal.Decimal)
_FAST = None if msgspec is None else msgspec.json.Decoder(float_hook=decimal.Decimal)
_UNDECODED: tuple[type[Exception], ...] = (ValueError, RecursionError, UnicodeError)
if msgspec is not None:
    _UNDECODED += (msgspec.DecodeError,)
_BLANK_RUN = re.compile(r"[ \t\r\n]*")


@dataclass
class Batch:
    """Some of an input's values, each with the line it starts on."""

    lines: Sequence[int]
    items: list[Any]


def _one_object_a_line(text: str, count: int) -> bool:
    """Whether each of the ``count`` lines of ``text`` starts with ``{`` and ends with
    ``}``. Inside a JSON value, ``}`` at the end of a line and ``{`` at the start of the
    next would need a comma between them, so no value spans two such lines: given as many
    values as lines, each line holds one."""
    if not text.startswith("{") or text.count("\n{") != count - 1:
        return False
    ends = text.count("}\n")
    return ends == count or ends + text.count("}\r\n") == count


def decode_block(text: str, *, fast: bool | None = None) -> list[Any] | None:
    """The objects of ``text``, whole lines that each hold one object; ``None`` when it is
    not such a block, or does not decode (it is then read object by object).

    Args:
        text: Whole lines, the last one ended.
        fast: Decode with msgspec (``None``: when it is installed; ``False``: with the
            standard library, as without it).
    """
    count = text.count("\n")
    if not _one_object_a_line(text, count):
        return None
    use_fast = _FAST is not None if fast is None else fast
    try:
        if use_fast:
            assert _FAST is not None, "msgspec is not installed"
            items: list[Any] = _FAST.decode_lines(text)
        else:
            items = _STANDARD.decode("[" + text[:-1].replace("\n", ",") + "]")
    except _UNDECODED:
        return None
    return items if len(items) == count else None


def _then(first: str, rest: Iterator[str]) -> Iterator[str]:
    """``first``, then ``rest`` (unlike ``chain``, holding on to neither once read)."""
    held = [first]
    del first
    yield held.pop()
    yield from rest


class JsonBatches:
    """The top-level values of a JSON array, or of JSON Lines, in batches.

    Args:
        blocks: The input's text, in blocks that may end anywhere.
        name: The input's name, for errors.
        fast: See :func:`decode_block`.

    Iterating raises ``LoadError`` for JSON that is not an array or lines of values,
    naming the line.
    """

    per_batch = VALUES_PER_BATCH
    """How many values a batch read object by object holds (1: as they are read, for a
    reader that takes one at a time)."""

    def __init__(self, blocks: Iterable[str], name: str, *, fast: bool | None = None) -> None:
        self._name = name
        self._fast = fast
        self._batches = self._read(iter(blocks))

    def __iter__(self) -> Iterator[Batch]:
        return self._batches

    def __next__(self) -> Batch:
        return next(self._batches)

    def _read(self, blocks: Iterator[str]) -> Iterator[Batch]:
        head = ""
        start = 0
        while start == len(head):
            block = next(blocks, None)
            if block is None:
                break
            head += block
            start = _BLANK_RUN.match(head).end()  # type: ignore[union-attr]
        lines = head.startswith("{", start)
        text = _then(head, blocks)
        del head, block  # held by the reader only
        if lines:
            yield from self._json_lines(text)
        else:
            yield from self._by_value(JsonValues(text, self._name))

    def _by_value(self, values: Iterable[tuple[int, Any]]) -> Iterator[Batch]:
        read = iter(values)
        size = 1  # the first object alone: the columns need no more
        while True:
            lines, items = [], []
            for line, item in islice(read, size):
                lines.append(line)
                items.append(item)
            if not items:
                return
            yield Batch(lines, items)
            size = self.per_batch

    def _json_lines(self, blocks: Iterator[str]) -> Iterator[Batch]:
        parts: list[str] = []
        size = 0
        line = 1  # the line that parts start on
        for block in chain(blocks, [None]):
            if block is not None:
                parts.append(block)
                size += len(block)
                if size < BATCH_CHARS:
                    continue
            text = "".join(parts)
            if block is not None:
                cut = text.rfind("\n") + 1
                whole, rest = text[:cut], text[cut:]
            elif text:
                whole, rest = (text if text.endswith("\n") else text + "\n"), ""
            else:
                return
            items = None  # a line longer than a block is read object by object
            if whole:
                blank = _BLANK_RUN.match(whole).end() == len(whole)  # type: ignore[union-attr]
                items = [] if blank else decode_block(whole, fast=self._fast)
            if items is None:
                values = JsonValues(_then(text, blocks), self._name, line=line, lines=True)
                del text, whole, rest, parts  # held by the values' window only
                yield from self._by_value(values)
                return
            if items:
                yield Batch(range(line, line + len(items)), items)
            line += len(items) if items else whole.count("\n")
            parts, size = [rest], len(rest)
