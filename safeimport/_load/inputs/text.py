"""Reading an input's lines: from a path, a file object or an iterable, bytes or text,
decoded line by line so that a bad byte or a NUL byte is reported with its line."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, cast

from ...errors import LoadError
from ..rejects import Rejects

__all__ = ["Source", "SourceLines", "TextBlocks", "open_source", "source_name", "source_size"]

_BAD_TEXT = re.compile("[\x00\udc80-\udcff]")
"""A NUL byte, or a byte that was not in the encoding (kept as a lone surrogate)."""

Source = str | Path | IO[str] | IO[bytes] | Iterable[str] | Iterable[bytes]


def source_name(source: object, default: str) -> str:
    """A name for ``source`` in messages: a path, a file's name, or ``default``."""
    if isinstance(source, str | Path):
        return str(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else default


def open_source(source: Source) -> tuple[Iterator[bytes] | Iterator[str], IO[Any] | None]:
    """An iterator over the source's lines, and the file to close afterwards, if any."""
    if isinstance(source, str | Path):
        handle: IO[bytes] = open(source, "rb")  # noqa: SIM115 (closed by the caller)
        return iter(handle), handle
    return cast("Iterator[bytes] | Iterator[str]", iter(source)), None


def source_size(source: Source) -> int | None:
    """The size in bytes of a path source (for progress), else ``None``."""
    return Path(source).stat().st_size if isinstance(source, str | Path) else None


class SourceLines:
    """An input's lines, decoded and checked, and counted.

    Raises ``LoadError`` for bytes that are not in the encoding and for NUL bytes, naming
    the line. A byte-order mark at the start is dropped.
    """

    def __init__(self, raw: Iterator[bytes] | Iterator[str], encoding: str, name: str) -> None:
        self._raw: Iterator[bytes | str] = raw
        self._decode = codecs.getdecoder(encoding)
        self._name = name
        self.number = 0
        self.bytes = 0

    def __iter__(self) -> SourceLines:
        return self

    def __next__(self) -> str:
        raw: bytes | str = next(self._raw)
        self.number += 1
        if isinstance(raw, bytes):
            self.bytes += len(raw)
            try:
                text: str = self._decode(raw)[0]
            except UnicodeDecodeError as exc:
                raise LoadError(
                    f"bytes that are not valid {exc.encoding}",
                    source=self._name,
                    line=self.number,
                    value=raw[max(0, exc.start - 16) : exc.end + 8],
                ) from None
        else:
            text = raw
            self.bytes += len(text)
        if self.number == 1 and text.startswith("\ufeff"):
            text = text[1:]
        if "\x00" in text:
            at = text.index("\x00")
            raise LoadError(
                "a NUL byte, which PostgreSQL text cannot hold",
                source=self._name,
                line=self.number,
                value=text[max(0, at - 20) : at + 1],
            )
        if not text.endswith("\n"):  # the last line of a file, or lines given without ends
            text += "\n"
        return text


BLOCK_CHARS = 1 << 18


def _pieces(source: Source) -> tuple[Iterator[bytes | str], IO[Any] | None]:
    """The source in pieces: blocks read from a file, or its lines each with an ending."""
    if isinstance(source, str | Path):
        handle: IO[bytes] = open(source, "rb")  # noqa: SIM115 (closed by the caller)
        return iter(lambda: handle.read(BLOCK_CHARS), b""), handle
    read = getattr(source, "read", None)
    if callable(read):
        return iter(lambda: read(BLOCK_CHARS), cast("IO[Any]", source).read(0)), None
    return (_with_ending(line) for line in cast("Iterable[bytes | str]", source)), None


def _with_ending(line: bytes | str) -> bytes | str:
    if isinstance(line, bytes):
        return line if line.endswith(b"\n") else line + b"\n"
    return line if line.endswith("\n") else line + "\n"


class TextBlocks:
    """An input's text in blocks of whole lines (256 KB each), decoded and checked.

    Iterating yields the blocks; ``line`` is then the number of lines before the block just
    yielded, and ``bytes`` how much of the source was read. Bytes that are not in the
    encoding and NUL bytes raise ``LoadError`` naming their line; a byte-order mark at the
    start is dropped. Decoding and checking run over whole blocks, at C speed.
    """

    def __init__(self, source: Source, encoding: str, name: str) -> None:
        self._pieces, self.handle = _pieces(source)
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._encoding = encoding
        self.rejects: Rejects | None = None
        self._name = name
        self.line = 0
        self.bytes = 0
        self._next_line = 0  # lines handed out so far
        self._pending_lines = 0  # whole lines decoded and not handed out yet
        self._started = False

    def __iter__(self) -> Iterator[str]:
        parts: list[str] = []
        size = 0
        for piece in self._pieces:
            text = self._decode(piece)
            parts.append(text)
            size += len(text)
            self._pending_lines += text.count("\n")
            if size < BLOCK_CHARS:
                continue
            joined = "".join(parts)
            cut = joined.rfind("\n") + 1
            if cut == 0:
                parts = [joined]
                continue
            parts, size = [joined[cut:]], len(joined) - cut
            self._pending_lines = 0
            yield self._hand_out(joined[:cut])
        tail = "".join(parts) + self._decode(b"", final=True)
        if tail:
            yield self._hand_out(tail if tail.endswith("\n") else tail + "\n")

    def set_aside(self, rejects: Rejects) -> None:
        """Leave out lines with bad bytes or NUL bytes (blanked, so that lines keep their
        numbers) and add them to ``rejects``, instead of failing."""
        self.rejects = rejects
        self._decoder.errors = "surrogateescape"

    def _blank_bad_lines(self, block: str) -> str:
        assert self.rejects is not None
        lines = block.split("\n")
        for index, text in enumerate(lines):
            if _BAD_TEXT.search(text):
                reason = (
                    "a NUL byte, which PostgreSQL text cannot hold"
                    if "\x00" in text
                    else f"bytes that are not valid {self._encoding}"
                )
                raw = text.encode("utf-8", "surrogateescape")
                shown = raw.decode("utf-8", "replace").replace("\x00", "\ufffd")
                self.rejects.add(self.line + index + 1, reason, shown.rstrip("\r"))
                lines[index] = ""
        return "\n".join(lines)

    def _hand_out(self, block: str) -> str:
        self.line = self._next_line
        self._next_line += block.count("\n")
        if self.rejects is not None and _BAD_TEXT.search(block):
            return self._blank_bad_lines(block)
        if "\x00" in block:
            at = block.index("\x00")
            raise LoadError(
                "a NUL byte, which PostgreSQL text cannot hold",
                source=self._name,
                line=self.line + block.count("\n", 0, at) + 1,
                value=block[max(0, at - 20) : at + 1],
            )
        return block

    def _decode(self, piece: bytes | str, *, final: bool = False) -> str:
        """Decode one piece of the source."""
        if isinstance(piece, str):
            text = piece
            self.bytes += len(piece)
        else:
            self.bytes += len(piece)
            try:
                text = self._decoder.decode(piece, final)
            except UnicodeDecodeError as exc:
                line = self._next_line + self._pending_lines + piece.count(b"\n", 0, exc.start)
                raise LoadError(
                    f"bytes that are not valid {exc.encoding}",
                    source=self._name,
                    line=line + 1,
                    value=piece[max(0, exc.start - 16) : exc.end + 8],
                ) from None
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        return text
