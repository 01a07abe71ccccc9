"""Reading an input's text: from a path, a file object or an iterable of lines, bytes or
text, a block at a time, decoded and checked (a bad byte or a NUL byte is reported with its
line), and split into lines that a reader consumes one by one.

Reading by blocks keeps the per-line work in C: a block is decoded, checked and split in
one call each, and ``csv.reader`` pulls the lines through ``itertools.chain``.
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, cast

from .errors import LoadError

__all__ = ["Source", "SourceText", "source_name", "source_size"]

Source = str | Path | IO[str] | IO[bytes] | Iterable[str] | Iterable[bytes]

_BLOCK = 1 << 20
_LINES_PER_BLOCK = 8192


def source_name(source: object, default: str) -> str:
    """A name for ``source`` in messages: a path, a file's name, or ``default``."""
    if isinstance(source, str | Path):
        return str(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else default


def source_size(source: Source) -> int | None:
    """The size in bytes of a path source (for progress), else ``None``."""
    return Path(source).stat().st_size if isinstance(source, str | Path) else None


class SourceText:
    """An input's lines, decoded and checked, with a count of lines and bytes read.

    Args:
        source: A path, a file object (bytes or text), or an iterable of lines.
        encoding: The encoding of bytes.
        name: The input's name, for errors.
        keep: Keep the lines read in :attr:`buffer` until :meth:`take` takes them (for
            passing a CSV's rows to COPY as they are).

    Every line ends with a newline (one is added to a last line without it). A byte-order
    mark at the start is dropped.
    """

    def __init__(self, source: Source, encoding: str, name: str, *, keep: bool) -> None:
        self._source = source
        self._decode = codecs.getdecoder(encoding)
        self._encoding = encoding
        self._name = name
        self._keep = keep
        self._handle: IO[bytes] | None = None
        self.lines_read = 0
        """Lines handed out so far (the number of the last one)."""
        self.bytes = 0
        self.buffer: list[str] = []
        self._first = True

    def lines(self) -> Iterator[str]:
        """Every line, in order."""
        return itertools.chain.from_iterable(self._blocks())

    def take(self, count: int) -> list[str]:
        """The first ``count`` kept lines, removed from :attr:`buffer`."""
        taken = self.buffer[:count]
        del self.buffer[:count]
        return taken

    def close(self) -> None:
        """Close the file this opened, if any."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _raw_blocks(self) -> Iterator[bytes | str]:
        source = self._source
        if isinstance(source, str | Path):
            self._handle = open(source, "rb")  # noqa: SIM115 (closed by close())
            source = self._handle
        read = getattr(source, "read", None)
        if read is not None:
            rest: bytes | str = b""
            while True:
                block = read(_BLOCK)
                if not block:
                    if rest:
                        yield rest
                    return
                if not rest:
                    rest = block[:0]
                block = rest + block
                cut = block.rfind(b"\n" if isinstance(block, bytes) else "\n") + 1
                if cut == 0:
                    rest = block
                    continue
                rest = block[cut:]
                yield block[:cut]
        else:
            lines = cast("Iterator[bytes] | Iterator[str]", iter(source))
            while batch := list(itertools.islice(lines, _LINES_PER_BLOCK)):
                yield _joined(cast("list[bytes] | list[str]", batch))

    def _blocks(self) -> Iterator[list[str]]:
        for raw in self._raw_blocks():
            first_line = self.lines_read + 1
            if isinstance(raw, bytes):
                self.bytes += len(raw)
                try:
                    text: str = self._decode(raw)[0]
                except UnicodeDecodeError as exc:
                    line = first_line + raw.count(b"\n", 0, exc.start)
                    start = raw.rfind(b"\n", 0, exc.start) + 1
                    raise LoadError(
                        f"bytes that are not valid {exc.encoding}",
                        source=self._name,
                        line=line,
                        value=raw[max(start, exc.start - 16) : exc.end + 8],
                    ) from None
            else:
                text = raw
                self.bytes += len(text.encode(self._encoding, "replace"))
            if self._first:
                self._first = False
                if text.startswith("\ufeff"):
                    text = text[1:]
            if "\x00" in text:
                at = text.index("\x00")
                start = text.rfind("\n", 0, at) + 1
                raise LoadError(
                    "a NUL byte, which PostgreSQL text cannot hold",
                    source=self._name,
                    line=first_line + text.count("\n", 0, at),
                    value=text[max(start, at - 20) : at + 1],
                )
            if not text.endswith("\n"):
                text += "\n"
            lines = text.splitlines(keepends=True)
            if len(lines) != text.count("\n"):  # a lone \r or another line break inside a line
                lines = _split_on_newlines(text)
            self.lines_read += len(lines)
            if self._keep:
                self.buffer.extend(lines)
            yield lines


def _split_on_newlines(text: str) -> list[str]:
    """Split after each ``\\n`` only (``str.splitlines`` also splits on ``\\r``, form
    feeds and other breaks that CSV fields may hold)."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]]


def _joined(lines: list[bytes] | list[str]) -> bytes | str:
    """Lines given one by one, each ended by a newline, as one block."""
    if isinstance(lines[0], bytes):
        return b"".join(x if x.endswith(b"\n") else x + b"\n" for x in lines)
    return "".join(x if x.endswith("\n") else x + "\n" for x in lines)
