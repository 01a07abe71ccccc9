"""The top-level values of a JSON array, or of JSON Lines, read from a stream of text.

The text comes in blocks as they are read (see :class:`~.text.TextBlocks`), which may end
anywhere: inside a string, a number or a ``true``. Each value is decoded with
``JSONDecoder.raw_decode`` (C speed) from a window of the text; a value cut by the end of
the window is decoded again once the next block is in. The window slides on as values are
taken, so memory holds a block or two however long the input, or its line, is (a JSON
array on one line, as ``json.dump`` and ``dumpdata`` write it), and every character is
looked at a bounded number of times: the time is linear in the input.

Numbers with a fraction or an exponent are read as ``Decimal``, so that no digit is lost
(``12345678901234.123456`` is not a float); integers stay ``int``.
"""

from __future__ import annotations

import decimal
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from ...errors import LoadError

__all__ = ["JsonValues"]

_DECODER = json.JSONDecoder(parse_float=decimal.Decimal)
_BLANKS = re.compile(r"[ \t\n\r]*")
_WINDOW = 1 << 16
"""How far the window's start may fall behind before the text before it is dropped."""
_LOOKAHEAD = 16
"""An error this close to the end of the window may be the cut, not the JSON."""


class JsonValues:
    """The values of a JSON array, or of JSON Lines, each with the line it starts on.

    Args:
        blocks: The input's text, in blocks that may end anywhere.
        name: The input's name, for errors.
        line: The line that the text starts on.
        lines: Read JSON Lines whatever the first character (the rest of an input whose
            first lines were read otherwise); ``False``: told by the first character.
    """

    def __init__(
        self, blocks: Iterable[str], name: str, *, line: int = 1, lines: bool = False
    ) -> None:
        self._blocks = iter(blocks)
        self._name = name
        self._as_lines = lines
        self._buffer = ""
        self._position = 0
        self._ended = False
        self._line = line  # the line at self._counted
        self._counted = 0  # where in the buffer the lines are counted to

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        first = self._skip_blanks()
        if first is None:
            return
        if self._as_lines:
            yield from self._lines()
        elif first == "[":
            self._position += 1
            yield from self._array()
        elif first == "{":
            yield from self._lines()
        else:
            raise self._error(
                "not JSON: the input must be a JSON array of objects, or one object per line",
                self._line_at(self._position),
                self._buffer[self._position : self._position + 40],
            )

    def _error(self, reason: str, line: int | None, value: object = None) -> LoadError:
        return LoadError(reason, source=self._name, line=line, value=value)

    def _more(self) -> bool:
        """Read the next block into the window (dropping what is behind, when the window
        has slid far enough); ``False`` at the end of the input."""
        block = next(self._blocks, None)
        if block is None:
            self._ended = True
            return False
        if self._position > _WINDOW:
            self._line_at(self._position)
            self._buffer = self._buffer[self._position :] + block
            self._counted = self._position = 0
        else:
            self._buffer += block
        return True

    def _line_at(self, position: int) -> int:
        """The line of ``position`` (never before the last one asked for)."""
        if position > self._counted:
            self._line += self._buffer.count("\n", self._counted, position)
            self._counted = position
        return self._line

    def _skip_blanks(self) -> str | None:
        """Move past blanks; the next character, or ``None`` at the end of the input."""
        while True:
            match = _BLANKS.match(self._buffer, self._position)
            assert match is not None  # it matches the empty string
            self._position = match.end()
            if self._position < len(self._buffer):
                return self._buffer[self._position]
            if not self._more():
                return None

    def _value(self, *, lines: bool) -> tuple[int, Any]:
        """Decode the value at the window's position."""
        start = self._position
        line = self._line_at(start)
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buffer, self._position)
            except json.JSONDecodeError as exc:
                near_end = exc.pos >= len(self._buffer) - _LOOKAHEAD
                cut = near_end or exc.msg.startswith("Unterminated")
                if cut and not self._ended and self._more():
                    continue
                if lines:  # name the object's line, as it is
                    stop = self._buffer.find("\n", start)
                    text = self._buffer[start : stop if stop >= 0 else len(self._buffer)]
                    raise self._error(f"malformed JSON: {exc.msg}", line, text.strip()) from None
                early = exc.pos >= len(self._buffer) - 1 or exc.msg.startswith("Unterminated")
                reason = "the JSON ends too early" if early else "malformed JSON"
                raise self._error(f"{reason}: {exc.msg}", self._line_at(exc.pos)) from None
            self._position = end
            return line, value

    def _lines(self) -> Iterator[tuple[int, Any]]:
        while self._skip_blanks() is not None:
            yield self._value(lines=True)

    def _array(self) -> Iterator[tuple[int, Any]]:
        after_item = False
        while True:
            char = self._skip_blanks()
            if char is None:
                raise self._error(  # on the last line that holds anything
                    "the JSON ends before its array is closed",
                    self._line_at(len(self._buffer.rstrip())),
                )
            if char == "]":
                self._position += 1
                if self._skip_blanks() is not None:
                    raise self._error(
                        "text after the end of the JSON array",
                        self._line_at(self._position),
                        self._buffer[self._position : self._position + 40].strip(),
                    )
                return
            if after_item:
                if char != ",":
                    raise self._error(
                        "malformed JSON: ',' or ']' expected after an item",
                        self._line_at(self._position),
                        self._buffer[self._position : self._position + 40],
                    )
                self._position += 1
                after_item = False
                continue
            yield self._value(lines=False)
            after_item = True
